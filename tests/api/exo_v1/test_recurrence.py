"""Recurring events on the eXo face (spec §3.3, §4, §5.3.1, §5.4): a weekly Paris series across the March
2026 DST change, with one occurrence edited, one cancelled, and a "this and following" split."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.services import accounts, auth
from tests.api.exo_v1.conftest import BASE, Caller
from tests.conftest import Account

MARCH = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-30T00:00:00Z"}
MARCH_EVENTS = {"startTime": "2026-03-01T00:00:00Z", "endTime": "2026-04-30T00:00:00Z"}
# Mondays 09:00 in Paris: 08:00Z until the clocks go forward on Sunday 29 March 2026, 07:00Z after.
MONDAYS = [
    "2026-03-02T08:00:00.000Z",
    "2026-03-09T08:00:00.000Z",
    "2026-03-16T08:00:00.000Z",
    "2026-03-23T08:00:00.000Z",
    "2026-03-30T07:00:00.000Z",
    "2026-04-06T07:00:00.000Z",
]


def paris_caller(container: Container, client: TestClient, username: str) -> Caller:
    user = accounts.add_user(
        container.services, username=username, email=f"{username}@example.com", tzid="Europe/Paris"
    )
    return Caller(client, Account(user, auth.issue_api_token(container.services, username=username).secret))


@pytest.fixture
def paul(container: Container, client: TestClient) -> Caller:
    return paris_caller(container, client, "paul")


def weekly(me: Caller, **repeat: Any) -> str:
    body: dict[str, Any] = {
        "subject": "Stand-up",
        "from": "2026-03-02T09:00:00+01:00",
        "to": "2026-03-02T09:30:00+01:00",
        "privacy": "public",
        "availability": "available",
        "repeat": {"type": "weekly", "every": 1, "repeatOn": "MO", "end": {"type": "endAfter", "value": "6"}} | repeat,
    }
    return me.create_event(me.default_calendar, **body)


def occurrences(me: Caller, key: str, **params: str) -> list[dict[str, Any]]:
    response = me.get(f"/events/{key}/occurrences", params={**MARCH, **params})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_a_weekly_series_keeps_its_local_time_across_the_dst_change(paul: Caller) -> None:
    key = weekly(paul)

    found = occurrences(paul, key, limit="100")

    assert [o["from"] for o in found] == MONDAYS
    assert [o["to"][11:16] for o in found] == ["08:30"] * 4 + ["07:30"] * 2
    assert {o["id"] for o in found} == {key} and {o["href"] for o in found} == {f"{BASE}/events/{key}"}
    assert [o["recurrenceId"] for o in found] == [
        "20260302T080000Z",
        "20260309T080000Z",
        "20260316T080000Z",
        "20260323T080000Z",
        "20260330T070000Z",
        "20260406T070000Z",
    ]
    assert all(o["isOccur"] and o["originalEvent"] is None and o["repeat"]["exclude"] is None for o in found)
    # The master's privacy and availability are the occurrences' own (eXo resets them to private/busy).
    assert {(o["privacy"], o["availability"]) for o in found} == {("public", "available")}


def test_the_master_renders_its_repeat_object(paul: Caller) -> None:
    key = weekly(paul, repeatOn="MO,WE", every=2, end={"type": "endByDate", "value": "2026-06-22"})
    master = paul.get(f"/events/{key}").json()
    assert master["isOccur"] is True and master["recurrenceId"] is None
    assert master["repeat"] == {
        "enabled": True,
        "type": "weekly",
        "every": 2,
        "repeatOn": "MO,WE",
        "repeateBy": "",
        "exclude": None,
        "end": {"type": "endByDate", "value": "2026-06-22T00:00:00.000+02:00"},
        "rrule": "FREQ=WEEKLY;UNTIL=20260622T215959Z;INTERVAL=2;BYDAY=MO,WE",
    }
    # Every other week from 2 March, and the end date is inclusive: the last occurrence is Monday 22 June.
    last = occurrences(paul, key, start="2026-06-01T00:00:00Z", end="2026-08-01T00:00:00Z")
    assert [o["from"] for o in last] == [
        "2026-06-08T07:00:00.000Z",
        "2026-06-10T07:00:00.000Z",
        "2026-06-22T07:00:00.000Z",
    ]


def test_a_weekly_series_without_repeat_on_repeats_on_its_start_weekday(paul: Caller) -> None:
    key = weekly(paul, repeatOn=None)
    assert [o["from"] for o in occurrences(paul, key)] == MONDAYS[:6]
    assert paul.get(f"/events/{key}").json()["repeat"]["repeatOn"] == "MO"


def test_one_occurrence_is_detached_with_the_body_values(paul: Caller) -> None:
    key = weekly(paul)
    response = paul.put(
        f"/events/{key}?recurringUpdateType=ONE",
        json={
            "recurrenceId": "20260316T080000Z",
            "subject": "Moved stand-up",
            "from": "2026-03-17T10:00:00+01:00",
            "to": "2026-03-17T10:30:00+01:00",
        },
    )
    assert response.status_code == 200, response.text

    found = occurrences(paul, key)
    assert [o["from"] for o in found] == [*MONDAYS[:2], "2026-03-17T09:00:00.000Z", *MONDAYS[3:]]
    moved = found[2]
    assert moved["id"] != key and moved["subject"] == "Moved stand-up"
    assert (moved["recurrenceId"], moved["originalEvent"], moved["isOccur"]) == (
        "20260316T080000Z",
        f"{BASE}/events/{key}",
        False,
    )
    assert moved["repeat"]["type"] == "norepeat"
    # The other occurrences keep the master's subject; the master lists the detached key in exclude.
    assert {o["subject"] for o in found if o is not moved} == {"Stand-up"}
    assert paul.get(f"/events/{key}").json()["repeat"]["exclude"] == ["20260316T080000Z"]
    # originalEvent is a working link, and expand=originalEvent embeds the master.
    override = paul.get(f"/events/{moved['id']}", params={"expand": "originalEvent"}).json()
    assert override["originalEvent"]["id"] == key and override["originalEvent"]["repeat"]["type"] == "weekly"
    assert paul.get(moved["originalEvent"].removeprefix(BASE)).status_code == 200
    # Editing the same occurrence again changes the override in place.
    again = paul.put(
        f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260316T080000Z", "location": "Room 9"}
    )
    assert again.status_code == 200
    assert [o["location"] for o in occurrences(paul, key)] == [None, None, "Room 9", None, None, None]


def test_a_local_recurrence_id_is_accepted(paul: Caller) -> None:
    key = weekly(paul)
    response = paul.put(
        f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260309T090000", "subject": "Local"}
    )
    assert response.status_code == 200
    assert occurrences(paul, key)[1]["subject"] == "Local"


def test_one_occurrence_is_cancelled_and_an_override_deleted_cancels_its_slot(paul: Caller) -> None:
    key = weekly(paul)
    assert paul.delete(f"/events/{key}", params={"recurrenceId": "20260323T080000Z"}).status_code == 200
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260309T080000Z", "subject": "X"})
    override = occurrences(paul, key)[1]["id"]

    assert paul.delete(f"/events/{override}").status_code == 200

    assert [o["from"] for o in occurrences(paul, key)] == [MONDAYS[0], MONDAYS[2], *MONDAYS[4:]]
    assert paul.get(f"/events/{override}").status_code == 404
    assert paul.get(f"/events/{key}").json()["repeat"]["exclude"] == ["20260309T080000Z", "20260323T080000Z"]
    unknown = paul.delete(f"/events/{key}", params={"recurrenceId": "20260324T080000Z"})
    assert (unknown.status_code, unknown.json()["developerMessage"]) == (400, "recurrenceId")


def test_this_and_following_splits_the_series_in_one_piece(paul: Caller) -> None:
    key = weekly(paul)
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260316T080000Z", "subject": "A"})
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260406T070000Z", "subject": "B"})
    paul.delete(f"/events/{key}", params={"recurrenceId": "20260309T080000Z"})

    response = paul.put(
        f"/events/{key}?recurringUpdateType=FOLLOWING",
        json={
            "recurrenceId": "20260323T080000Z",
            "subject": "Later stand-up",
            "from": "2026-03-23T10:00:00+01:00",
            "to": "2026-03-23T10:15:00+01:00",
        },
    )
    assert response.status_code == 200, response.text

    old = occurrences(paul, key)
    assert [(o["from"], o["subject"]) for o in old] == [(MONDAYS[0], "Stand-up"), (MONDAYS[2], "A")]
    master = paul.get(f"/events/{key}").json()
    assert master["repeat"]["end"] == {"type": "endAfter", "value": "3"}  # COUNT=6 shared out: 3 + 3
    listed = paul.get("/events", params={**MARCH_EVENTS, "limit": "100"}).json()["data"]
    new_key = next(e["id"] for e in listed if e["subject"] == "Later stand-up")
    assert new_key != key
    new = occurrences(paul, new_key)
    assert [(o["from"], o["to"][11:16]) for o in new] == [
        ("2026-03-23T09:00:00.000Z", "09:15"),
        ("2026-03-30T08:00:00.000Z", "08:15"),
        ("2026-04-06T08:00:00.000Z", "08:15"),
    ]
    assert paul.get(f"/events/{new_key}").json()["repeat"]["end"] == {"type": "endAfter", "value": "3"}
    # The override after the split ("B") is gone; the one before it ("A") stays with the old series.
    assert "B" not in {e["subject"] for e in listed}
    assert [e["subject"] for e in listed] == ["Stand-up", "A", *["Later stand-up"] * 3]


def test_a_split_with_an_invalid_new_master_changes_nothing(paul: Caller) -> None:
    key = weekly(paul)
    before = (paul.get(f"/events/{key}").json(), occurrences(paul, key))
    bad_times = paul.put(
        f"/events/{key}?recurringUpdateType=FOLLOWING",
        json={"recurrenceId": "20260323T080000Z", "from": "2026-03-23T10:00:00Z", "to": "2026-03-23T09:00:00Z"},
    )
    too_many = paul.put(
        f"/events/{key}?recurringUpdateType=FOLLOWING",
        json={
            "recurrenceId": "20260323T080000Z",
            "repeat": {"type": "daily", "end": {"type": "endAfter", "value": "99999"}},
        },
    )
    assert (bad_times.status_code, bad_times.json()["developerMessage"]) == (400, "event-date-time-logic")
    assert (too_many.status_code, too_many.json()["developerMessage"]) == (400, "repeat")
    assert (paul.get(f"/events/{key}").json(), occurrences(paul, key)) == before
    assert len(paul.get("/events", params=MARCH_EVENTS).json()["data"]) == 6


def test_all_moves_the_whole_series_by_the_edited_occurrence_shift(paul: Caller) -> None:
    key = weekly(paul)
    paul.delete(f"/events/{key}", params={"recurrenceId": "20260309T080000Z"})
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260316T080000Z", "subject": "A"})

    response = paul.put(
        f"/events/{key}?recurringUpdateType=ALL",
        json={
            "recurrenceId": "20260330T070000Z",
            "subject": "Later",
            "from": "2026-03-30T10:00:00+02:00",
            "to": "2026-03-30T11:00:00+02:00",
        },
    )
    assert response.status_code == 200, response.text

    found = occurrences(paul, key)
    # 10:00 Paris everywhere, the cancelled and the detached occurrences moved with the series.
    assert [(o["from"], o["subject"], o["recurrenceId"]) for o in found] == [
        ("2026-03-02T09:00:00.000Z", "Later", "20260302T090000Z"),
        ("2026-03-16T08:00:00.000Z", "A", "20260316T090000Z"),
        ("2026-03-23T09:00:00.000Z", "Later", "20260323T090000Z"),
        ("2026-03-30T08:00:00.000Z", "Later", "20260330T080000Z"),
        ("2026-04-06T08:00:00.000Z", "Later", "20260406T080000Z"),
    ]
    assert found[0]["to"] == "2026-03-02T10:00:00.000Z"
    assert paul.get(f"/events/{key}").json()["repeat"]["exclude"] == ["20260309T090000Z", "20260316T090000Z"]


def test_a_plain_put_of_the_master_changes_the_series_and_norepeat_ends_it(paul: Caller) -> None:
    key = weekly(paul)
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260316T080000Z", "subject": "A"})
    override = occurrences(paul, key)[2]["id"]
    assert paul.put(f"/events/{key}", json={"location": "Room 1"}).status_code == 200
    assert {o["location"] for o in occurrences(paul, key) if o["id"] == key} == {"Room 1"}
    assert paul.put(f"/events/{key}", json={"repeat": {"type": "norepeat"}}).status_code == 200
    assert [o["from"] for o in occurrences(paul, key)] == MONDAYS[:1]
    assert paul.get(f"/events/{override}").status_code == 404


def test_exclude_on_input_cancels_and_keeps_overrides(paul: Caller) -> None:
    key = weekly(paul)
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260316T080000Z", "subject": "A"})
    repeat = paul.get(f"/events/{key}").json()["repeat"]
    # eXo's keys carry local times behind their Z: 20260309T090000Z is 09:00 in Paris, matched by date.
    repeat["exclude"] = [*repeat["exclude"], "20260309T090000Z"]
    assert paul.put(f"/events/{key}", json={"repeat": repeat}).status_code == 200
    found = occurrences(paul, key)
    assert [o["from"] for o in found] == [MONDAYS[0], *MONDAYS[2:]]
    assert found[1]["subject"] == "A"
    assert paul.get(f"/events/{key}").json()["repeat"]["exclude"] == ["20260309T080000Z", "20260316T080000Z"]


def test_own_events_expand_series_and_calendar_events_do_not(paul: Caller) -> None:
    key = weekly(paul)
    single = paul.create_event(
        paul.default_calendar, subject="One-off", **{"from": "2026-03-10T12:00:00Z", "to": "2026-03-10T13:00:00Z"}
    )
    own = paul.get("/events", params={**MARCH_EVENTS, "returnSize": "true", "offset": "1", "limit": "3"}).json()
    assert own["size"] == 7
    assert [(e["id"], e["from"]) for e in own["data"]] == [
        (key, MONDAYS[1]),
        (single, "2026-03-10T12:00:00.000Z"),
        (key, MONDAYS[2]),
    ]
    by_calendar = paul.get(f"/calendars/{paul.default_calendar}/events", params=MARCH_EVENTS).json()["data"]
    assert [(e["id"], e["recurrenceId"], e["repeat"]["type"]) for e in by_calendar] == [
        (key, None, "weekly"),
        (single, None, "norepeat"),
    ]


def test_the_occurrence_list_pages_projects_and_wraps(paul: Caller) -> None:
    key = weekly(paul)
    response = paul.get(
        f"/events/{key}/occurrences",
        params={**MARCH, "offset": "4", "limit": "4", "returnSize": "true", "fields": "recurrenceId", "jsonp": "cb"},
    )
    assert response.status_code == 200
    assert (
        response.text == 'cb({"data":[{"recurrenceId":"20260330T070000Z"},{"recurrenceId":"20260406T070000Z"}],'
        '"offset":4,"limit":4,"size":6});'
    )
    assert 'rel="previous"' in response.headers["Link"]
    empty = paul.get(f"/events/{key}/occurrences", params={"start": "2027-01-01", "end": "2027-02-01"})
    assert (empty.status_code, empty.json()["data"]) == (200, [])


@pytest.mark.parametrize(
    ("query", "body", "developer"),
    [
        ("ONE", {"subject": "no key"}, "recurrenceId"),
        ("ALL", {"subject": "no key"}, "recurrenceId"),
        ("FOLLOWING", {"recurrenceId": "20260317T080000Z"}, "recurrenceId"),
        ("ONE", {"recurrenceId": "yesterday"}, "recurrenceId"),
        ("one", {"recurrenceId": "20260316T080000Z"}, "recurringUpdateType"),
    ],
)
def test_series_edits_need_an_occurrence_that_exists(
    paul: Caller, query: str, body: dict[str, str], developer: str
) -> None:
    key = weekly(paul)
    response = paul.put(f"/events/{key}?recurringUpdateType={query}", json=body)
    assert (response.status_code, response.json()["developerMessage"]) == (400, developer)
    assert paul.get(f"/events/{key}").json()["subject"] == "Stand-up"


def test_deleting_the_master_deletes_the_series_with_its_overrides(paul: Caller) -> None:
    key = weekly(paul)
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260316T080000Z", "subject": "A"})
    override = occurrences(paul, key)[2]["id"]
    assert paul.delete(f"/events/{key}").status_code == 200
    assert (paul.get(f"/events/{key}").status_code, paul.get(f"/events/{override}").status_code) == (404, 404)
    assert paul.get("/events", params=MARCH_EVENTS).json()["data"] == []


def test_an_exception_changes_alone_and_one_occurrence_can_leave_for_another_calendar(paul: Caller) -> None:
    key = weekly(paul)
    other = paul.create_calendar(name="Other", timeZone="Europe/Paris")
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260316T080000Z", "subject": "A"})
    override = occurrences(paul, key)[2]["id"]
    assert paul.put(f"/events/{override}", json={"subject": "A2"}).status_code == 200
    assert paul.put(f"/events/{override}", json={"calendarId": other}).status_code == 401
    assert [o["subject"] for o in occurrences(paul, key)] == ["Stand-up"] * 2 + ["A2"] + ["Stand-up"] * 3

    moved = paul.put(
        f"/events/{key}?recurringUpdateType=ONE",
        json={"recurrenceId": "20260323T080000Z", "calendarId": other, "subject": "Elsewhere"},
    )
    assert moved.status_code == 200
    assert [o["from"] for o in occurrences(paul, key)] == [*MONDAYS[:3], *MONDAYS[4:]]
    [single] = paul.get(f"/calendars/{other}/events", params=MARCH_EVENTS).json()["data"]
    assert (single["subject"], single["from"], single["recurrenceId"], single["originalEvent"]) == (
        "Elsewhere",
        MONDAYS[3],
        None,
        None,
    )


def test_all_with_a_calendar_id_moves_the_series_and_its_exceptions(paul: Caller) -> None:
    key = weekly(paul)
    other = paul.create_calendar(name="Other", timeZone="Europe/Paris")
    paul.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": "20260316T080000Z", "subject": "A"})
    response = paul.put(
        f"/events/{key}?recurringUpdateType=ALL", json={"recurrenceId": "20260302T080000Z", "calendarId": other}
    )
    assert response.status_code == 200
    assert {o["calendarId"] for o in occurrences(paul, key)} == {other}
    assert [o["subject"] for o in occurrences(paul, key)][2] == "A"


def test_each_occurrence_reminds_before_its_own_start(paul: Caller) -> None:
    key = paul.create_event(
        paul.default_calendar,
        **{"from": "2026-03-02T09:00:00+01:00", "to": "2026-03-02T10:00:00+01:00"},
        repeat={"type": "daily", "end": {"type": "endAfter", "value": "2"}},
        reminder=[{"reminderType": "popup", "alarmBefore": 10}],
    )
    found = occurrences(paul, key)
    assert [o["reminder"][0]["fromDateTime"]["time"] for o in found] == [1772437800000, 1772524200000]
