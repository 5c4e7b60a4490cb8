"""Recurring events through the Back Office face: recurrence lines, timeZone and allDay on create, read and update."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.backoffice_v2.factories import EVENTS, create, event_body, listing
from tests.conftest import MakeAccount

WEEKLY_PARIS: dict[str, Any] = {
    "caption": "Standup",
    "startDate": "2026-03-02T09:00:00+01:00",
    "endDate": "2026-03-02T09:30:00+01:00",
    "timeZone": "Europe/Paris",
    "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10", "EXDATE;TZID=Europe/Paris:20260316T090000"],
}


def test_a_series_reads_back_its_lines_in_its_zone(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, **WEEKLY_PARIS)
    assert event["startDate"] == "2026-03-02T08:00:00+00:00"  # the master shows its first occurrence
    assert event["timeZone"] == "Europe/Paris"
    assert event["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO", "EXDATE;TZID=Europe/Paris:20260316T090000"]
    assert "allDay" not in event and "recurrenceId" not in event and "seriesId" not in event
    assert client.get(f"{EVENTS}/{event['id']}", headers=alice.headers).json() == event


def test_an_exdate_in_utc_or_floating_reads_back_in_the_event_zone(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    lines = ["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE:20260316T080000Z", "EXDATE:20260323T090000"]
    event = create(client, alice, **{**WEEKLY_PARIS, "recurrence": lines})
    assert event["recurrence"] == [
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        "EXDATE;TZID=Europe/Paris:20260316T090000",
        "EXDATE;TZID=Europe/Paris:20260323T090000",  # floating: read in timeZone
    ]


def test_a_single_event_in_utc_keeps_the_seed_shape(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    assert set(event) == {
        "id",
        "caption",
        "description",
        "startDate",
        "endDate",
        "notifications",
        "recipients",
        "authorEmail",
        "createTime",
        "updateTime",
    }
    zoned = create(client, alice, timeZone="Asia/Tokyo")
    assert zoned["timeZone"] == "Asia/Tokyo" and "recurrence" not in zoned


def test_the_zone_defaults_to_the_calendar_zone(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, recurrence=["RRULE:FREQ=DAILY;COUNT=3"])
    assert event["timeZone"] == "UTC"
    assert event["recurrence"] == ["RRULE:FREQ=DAILY;COUNT=3"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_sets_changes_and_clears_the_recurrence(
    client: TestClient, make_account: MakeAccount, method: str
) -> None:
    alice = make_account("alice")
    event = create(client, alice, timeZone="Europe/Paris")
    url = f"{EVENTS}/{event['id']}"
    # Only the lines are sent: they read in the stored zone.
    made = client.request(
        method, url, json={"recurrence": ["EXDATE:20260309T090000", "RRULE:FREQ=WEEKLY"]}, headers=alice.headers
    )
    assert made.status_code == 200, made.text
    assert made.json()["recurrence"] == ["RRULE:FREQ=WEEKLY", "EXDATE;TZID=Europe/Paris:20260309T090000"]
    kept = client.request(method, url, json={"caption": "Renamed"}, headers=alice.headers).json()
    assert kept["recurrence"] == made.json()["recurrence"]
    cleared = client.request(method, url, json={"recurrence": None}, headers=alice.headers)
    assert cleared.status_code == 200
    assert "recurrence" not in cleared.json()
    again = client.request(method, url, json={"recurrence": ["RRULE:FREQ=DAILY"]}, headers=alice.headers).json()
    assert "recurrence" not in client.request(method, url, json={"recurrence": []}, headers=alice.headers).json()
    assert again["recurrence"] == ["RRULE:FREQ=DAILY"]


def test_null_time_zone_or_all_day_is_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    url = f"{EVENTS}/{create(client, alice)['id']}"
    refused = client.patch(url, json={"timeZone": None, "allDay": None}, headers=alice.headers)
    assert refused.status_code == 400
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        ("timeZone", "null_not_allowed"),
        ("allDay", "null_not_allowed"),
    }


def test_changing_the_zone_keeps_the_instants_of_a_timed_event(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, **WEEKLY_PARIS)
    moved = client.patch(f"{EVENTS}/{event['id']}", json={"timeZone": "America/New_York"}, headers=alice.headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["timeZone"] == "America/New_York"
    assert moved.json()["startDate"] == event["startDate"]
    # The EXDATE is the same instant, now written in the new zone.
    assert moved.json()["recurrence"][1] == "EXDATE;TZID=America/New_York:20260316T040000"


# --- all-day events --------------------------------------------------------------------------------------


def test_an_all_day_event_takes_and_returns_dates(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(
        client,
        alice,
        allDay=True,
        startDate="2028-02-29",
        endDate="2028-03-01",
        timeZone="Asia/Tokyo",
        recurrence=["RRULE:FREQ=YEARLY;COUNT=3"],
    )
    assert (event["startDate"], event["endDate"], event["allDay"]) == ("2028-02-29", "2028-03-01", True)
    assert event["recurrence"] == ["RRULE:FREQ=YEARLY;COUNT=3"]
    assert client.get(f"{EVENTS}/{event['id']}", headers=alice.headers).json() == event


def test_all_day_dates_and_timed_instants_are_not_mixed(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    timed_with_dates = client.post(
        EVENTS, json=event_body(startDate="2026-03-02", endDate="2026-03-03"), headers=alice.headers
    )
    assert timed_with_dates.status_code == 400
    assert [(e["field"], e["code"]) for e in timed_with_dates.json()["errors"]] == [
        ("startDate", "datetime_without_offset"),
        ("endDate", "datetime_without_offset"),
    ]
    all_day_with_times = client.post(EVENTS, json=event_body(allDay=True), headers=alice.headers)
    assert all_day_with_times.status_code == 400
    assert [(e["field"], e["code"]) for e in all_day_with_times.json()["errors"]] == [
        ("startDate", "date_expected"),
        ("endDate", "date_expected"),
    ]
    empty = client.post(
        EVENTS, json=event_body(allDay=True, startDate="2026-03-02", endDate="2026-03-02"), headers=alice.headers
    )
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["field"] == "endDate"  # the end date is exclusive: at least one day
    assert listing(client, alice).headers["x-total-count"] == "0"


def test_switching_to_all_day_needs_both_dates(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    url = f"{EVENTS}/{event['id']}"
    half = client.patch(url, json={"allDay": True, "startDate": "2026-03-02"}, headers=alice.headers)
    assert half.status_code == 400
    assert half.json()["errors"][0]["field"] == "allDay"
    whole = client.patch(
        url, json={"allDay": True, "startDate": "2026-03-02", "endDate": "2026-03-04"}, headers=alice.headers
    )
    assert whole.status_code == 200, whole.text
    assert (whole.json()["startDate"], whole.json()["endDate"]) == ("2026-03-02", "2026-03-04")
    # Only one date sent: it reads as a date, since the event is all-day now.
    later = client.patch(url, json={"endDate": "2026-03-05"}, headers=alice.headers)
    assert later.json()["endDate"] == "2026-03-05"
    back = client.patch(
        url,
        json={"allDay": False, "startDate": "2026-03-02T09:00:00Z", "endDate": "2026-03-02T10:00:00Z"},
        headers=alice.headers,
    )
    assert back.status_code == 200
    assert "allDay" not in back.json() and back.json()["startDate"] == "2026-03-02T09:00:00+00:00"


def test_an_all_day_event_keeps_its_dates_in_a_new_zone(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, allDay=True, startDate="2026-03-02", endDate="2026-03-03", timeZone="Asia/Tokyo")
    moved = client.patch(f"{EVENTS}/{event['id']}", json={"timeZone": "America/New_York"}, headers=alice.headers)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["startDate"], moved.json()["endDate"]) == ("2026-03-02", "2026-03-03")


# --- conditional requests -------------------------------------------------------------------------------


def test_if_match_guards_a_change_of_recurrence(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, **WEEKLY_PARIS)
    url = f"{EVENTS}/{event['id']}"
    tag = client.get(url, headers=alice.headers).headers["etag"]
    change = {"recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4"]}
    first = client.patch(url, json=change, headers={**alice.headers, "If-Match": tag})
    assert first.status_code == 200
    assert first.headers["etag"] != tag
    stale = client.patch(url, json={"recurrence": None}, headers={**alice.headers, "If-Match": tag})
    assert stale.status_code == 412
    assert client.get(url, headers=alice.headers).json()["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO"]
    cached = client.get(url, headers={**alice.headers, "If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304
