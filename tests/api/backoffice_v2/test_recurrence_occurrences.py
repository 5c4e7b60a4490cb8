"""Occurrences through the Back Office face: the expanded list (expand=occurrences) and one series' occurrences.

Weekly series created through the face keep their wall-clock time across DST
changes (Europe/Paris on 29 March 2026, America/New_York on 8 March 2026),
skip their EXDATEs, and show an override (stored here through the repository,
as the series services will) at its new time, its original slot gone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from almanac.bootstrap import Container
from almanac.domain.events import Participant
from almanac.domain.recurrence import RecurrenceId
from almanac.services import accounts, auth, calendars
from almanac.services.calendars import CalendarDraft
from tests.api.backoffice_v2.factories import EVENTS, create, listing
from tests.conftest import Account, MakeAccount

PARIS_WEEKLY: dict[str, Any] = {
    "caption": "Standup",
    "startDate": "2026-03-02T09:00:00+01:00",
    "endDate": "2026-03-02T09:30:00+01:00",
    "timeZone": "Europe/Paris",
    "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6", "EXDATE;TZID=Europe/Paris:20260316T090000"],
}
MARCH_APRIL = "filter[startDate]=2026-03-01T00:00:00Z&filter[endDate]=2026-04-30T00:00:00Z"


def expanded(client: TestClient, account: Account, query: str = MARCH_APRIL) -> Response:
    return listing(client, account, f"expand=occurrences&{query}".replace("+", "%2B"))


def starts(response: Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["startDate"] for item in response.json()]


def add_override(
    container: Container,
    master_id: int,
    recurrence_id: RecurrenceId,
    starts_at: datetime,
    ends_at: datetime,
    **fields: Any,
) -> int:
    """Store an override of one occurrence, as a series service would: the master's copy, re-timed."""
    with container.services.uow() as uow:
        master = uow.events.get(master_id)
        assert master is not None
        override = replace(
            master,
            id=None,
            key=f"{master.key}-override",
            recurrence=None,
            series_id=master_id,
            recurrence_id=recurrence_id,
            starts_at=starts_at,
            ends_at=ends_at,
            **{"participants": list(master.participants), "reminders": list(master.reminders), **fields},
        )
        stored = uow.events.add(override)
        uow.commit()
    assert stored.id is not None
    return stored.id


def test_a_weekly_paris_series_keeps_nine_o_clock_across_dst(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    series = create(client, alice, **PARIS_WEEKLY)
    response = expanded(client, alice)
    assert starts(response) == [
        "2026-03-02T08:00:00+00:00",  # 09:00 CET
        "2026-03-09T08:00:00+00:00",
        # 16 March is an EXDATE
        "2026-03-23T08:00:00+00:00",
        "2026-03-30T07:00:00+00:00",  # 09:00 CEST, after the change of 29 March
        "2026-04-06T07:00:00+00:00",
    ]
    assert response.headers["x-total-count"] == "5"
    first = response.json()[0]
    assert first["id"] == series["id"] and first["seriesId"] == series["id"]
    assert first["recurrenceId"] == "20260302T080000Z"
    assert first["originalStartDate"] == "2026-03-02T08:00:00+00:00"
    assert first["endDate"] == "2026-03-02T08:30:00+00:00"
    assert first["caption"] == "Standup" and first["timeZone"] == "Europe/Paris"
    assert "recurrence" not in first  # an occurrence does not repeat; its series does
    assert [item["recurrenceId"] for item in response.json()][-1] == "20260406T070000Z"


def test_a_weekly_new_york_series_keeps_nine_o_clock_across_dst(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    create(
        client,
        alice,
        caption="NY sync",
        startDate="2026-02-23T09:00:00-05:00",
        endDate="2026-02-23T10:00:00-05:00",
        timeZone="America/New_York",
        recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=America/New_York:20260309T090000"],
    )
    query = "filter[startDate]=2026-02-23T00:00:00Z&filter[endDate]=2026-03-24T00:00:00Z"
    assert starts(expanded(client, alice, query)) == [
        "2026-02-23T14:00:00+00:00",  # 09:00 EST
        "2026-03-02T14:00:00+00:00",
        # 9 March (the first Monday of EDT) is an EXDATE
        "2026-03-16T13:00:00+00:00",  # 09:00 EDT, after the change of 8 March
        "2026-03-23T13:00:00+00:00",
    ]


def test_an_override_shows_at_its_new_time_and_its_slot_is_gone(
    client: TestClient, make_account: MakeAccount, container: Container
) -> None:
    alice = make_account("alice")
    series = create(client, alice, **PARIS_WEEKLY)
    override_id = add_override(
        container,
        series["id"],
        datetime(2026, 3, 23, 8, tzinfo=UTC),
        datetime(2026, 3, 24, 13, tzinfo=UTC),
        datetime(2026, 3, 24, 14, tzinfo=UTC),
        summary="Standup (moved)",
    )
    items = expanded(client, alice).json()
    assert [(i["startDate"], i["caption"]) for i in items] == [
        ("2026-03-02T08:00:00+00:00", "Standup"),
        ("2026-03-09T08:00:00+00:00", "Standup"),
        ("2026-03-24T13:00:00+00:00", "Standup (moved)"),  # not on the 23rd any more
        ("2026-03-30T07:00:00+00:00", "Standup"),
        ("2026-04-06T07:00:00+00:00", "Standup"),
    ]
    moved = items[2]
    assert moved["id"] == series["id"] and moved["seriesId"] == series["id"]
    assert moved["recurrenceId"] == "20260323T080000Z"
    assert moved["originalStartDate"] == "2026-03-23T08:00:00+00:00"
    assert moved["endDate"] == "2026-03-24T14:00:00+00:00"
    # The override is a stored event too: read by its own id, it names its series.
    stored = client.get(f"{EVENTS}/{override_id}", headers=alice.headers).json()
    assert (stored["seriesId"], stored["recurrenceId"], stored["caption"]) == (
        series["id"],
        "20260323T080000Z",
        "Standup (moved)",
    )
    # Text filters see each occurrence's own fields.
    assert starts(expanded(client, alice, f"{MARCH_APRIL}&filter[name]=moved")) == ["2026-03-24T13:00:00+00:00"]
    assert len(starts(expanded(client, alice, f"{MARCH_APRIL}&filter[name]=standup"))) == 5


def test_without_expand_the_list_shows_stored_events(
    client: TestClient, make_account: MakeAccount, container: Container
) -> None:
    alice = make_account("alice")
    series = create(client, alice, **PARIS_WEEKLY)
    single = create(client, alice, caption="One-off", startDate="2026-03-10T10:00:00Z", endDate="2026-03-10T11:00:00Z")
    override_id = add_override(
        container,
        series["id"],
        datetime(2026, 3, 23, 8, tzinfo=UTC),
        datetime(2026, 3, 24, 13, tzinfo=UTC),
        datetime(2026, 3, 24, 14, tzinfo=UTC),
    )
    plain = listing(client, alice, MARCH_APRIL).json()
    assert [item["id"] for item in plain] == [series["id"], single["id"], override_id]  # the master once
    assert plain[0]["recurrence"] == series["recurrence"]
    items = expanded(client, alice).json()
    assert len(items) == 6
    assert [i["id"] for i in items].count(single["id"]) == 1
    one_off = next(i for i in items if i["id"] == single["id"])
    assert "recurrenceId" not in one_off and "seriesId" not in one_off  # a single event is its only occurrence


def test_occurrences_must_lie_within_the_period(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    create(client, alice, **PARIS_WEEKLY)
    # Both bounds inclusive: the 9 March occurrence starts at the first, the 30 March one ends at the second.
    within = "filter[startDate]=2026-03-09T08:00:00Z&filter[endDate]=2026-03-30T07:30:00Z"
    assert starts(expanded(client, alice, within)) == [
        "2026-03-09T08:00:00+00:00",
        "2026-03-23T08:00:00+00:00",
        "2026-03-30T07:00:00+00:00",
    ]
    # Occurrences straddling a bound are left out, as stored events are.
    straddling = "filter[startDate]=2026-03-09T08:00:01Z&filter[endDate]=2026-03-30T07:29:59Z"
    assert starts(expanded(client, alice, straddling)) == ["2026-03-23T08:00:00+00:00"]


def test_a_zero_length_occurrence_at_the_period_end_is_within(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    create(
        client,
        alice,
        startDate="2022-01-01T00:00:00+00:00",
        endDate="2022-01-01T00:00:00+00:00",
        recurrence=["RRULE:FREQ=DAILY;COUNT=3"],
    )
    # The seed's example: both bounds the same instant.
    seed = "filter[startDate]=2022-01-02T00:00:00+00:00&filter[endDate]=2022-01-02T00:00:00+00:00"
    assert starts(expanded(client, alice, seed)) == ["2022-01-02T00:00:00+00:00"]


def test_sorting_and_paging_apply_to_the_occurrences(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    series = create(client, alice, **PARIS_WEEKLY)
    create(client, alice, caption="Another", startDate="2026-03-10T10:00:00Z", endDate="2026-03-10T11:00:00Z")
    page = expanded(client, alice, f"{MARCH_APRIL}&sort_by=startTime&sort_order=desc&limit=2&offset=1")
    assert starts(page) == ["2026-03-30T07:00:00+00:00", "2026-03-23T08:00:00+00:00"]
    assert page.headers["x-total-count"] == "6"
    by_name = expanded(client, alice, f"{MARCH_APRIL}&sort_by=name&limit=3").json()
    assert [(i["caption"], i["startDate"][:10]) for i in by_name] == [
        ("Another", "2026-03-10"),
        ("Standup", "2026-03-02"),  # ties by series id, then by start
        ("Standup", "2026-03-09"),
    ]
    by_id_desc = expanded(client, alice, f"{MARCH_APRIL}&sort_by=id&sort_order=desc").json()
    assert [i["id"] for i in by_id_desc][-1] == series["id"]
    assert by_id_desc[-1]["startDate"] == "2026-03-02T08:00:00+00:00"


def test_the_recipient_filter_applies_to_occurrences(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    make_account("bob")
    create(client, alice, **PARIS_WEEKLY, recipients=["bob@example.com"])
    create(client, alice, caption="Alone", startDate="2026-03-10T10:00:00Z", endDate="2026-03-10T11:00:00Z")
    with_bob = expanded(client, alice, f"{MARCH_APRIL}&filter[recipients]=bob@example.com").json()
    assert {i["caption"] for i in with_bob} == {"Standup"}
    assert len(with_bob) == 5


def test_expand_needs_both_dates_and_a_known_value(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    alone = listing(client, alice, "expand=occurrences")
    assert alone.status_code == 400
    assert [(e["field"], e["code"]) for e in alone.json()["errors"]] == [
        ("filter[startDate]", "period_required"),
        ("filter[endDate]", "period_required"),
    ]
    assert "filter[startDate] and filter[endDate]" in alone.json()["errors"][0]["message"]
    half = listing(client, alice, "expand=occurrences&filter[startDate]=2026-03-01T00:00:00Z")
    assert [e["field"] for e in half.json()["errors"]] == ["filter[endDate]"]
    japanese = client.get(f"{EVENTS}?expand=occurrences", headers={**alice.headers, "Accept-Language": "ja"})
    assert japanese.json()["errors"][0]["message"] == (
        "expand=occurrences は期間内の各回を一覧にします。"
        "filter[startDate] と filter[endDate] の両方を指定してください。"
    )
    backwards = "filter[startDate]=2026-04-01T00:00:00Z&filter[endDate]=2026-03-01T00:00:00Z"
    assert [e["field"] for e in expanded(client, alice, backwards).json()["errors"]] == ["window"]
    assert listing(client, alice, backwards).json() == []  # without expand: simply nothing within
    unknown = listing(client, alice, f"expand=instances&{MARCH_APRIL}")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "expand"


def test_an_all_day_yearly_series_on_29_february(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    leap = create(
        client,
        alice,
        caption="Leap day",
        allDay=True,
        startDate="2028-02-29",
        endDate="2028-03-01",
        timeZone="Europe/Paris",
        recurrence=["RRULE:FREQ=YEARLY"],
    )
    query = "filter[startDate]=2028-01-01T00:00:00Z&filter[endDate]=2036-12-31T00:00:00Z"
    items = expanded(client, alice, query).json()
    # RFC 5545 §3.3.10: an invalid date (29 February of a common year) is ignored, not moved.
    assert [(i["startDate"], i["endDate"]) for i in items] == [
        ("2028-02-29", "2028-03-01"),
        ("2032-02-29", "2032-03-01"),
        ("2036-02-29", "2036-03-01"),
    ]
    assert all(i["allDay"] is True and i["id"] == leap["id"] for i in items)
    assert [i["recurrenceId"] for i in items] == ["20280229", "20320229", "20360229"]
    assert items[1]["originalStartDate"] == "2032-02-29"
    occurrences = client.get(
        f"{EVENTS}/{leap['id']}/occurrences?from=2031-06-01T00:00:00Z&to=2033-01-01T00:00:00Z", headers=alice.headers
    )
    assert [i["startDate"] for i in occurrences.json()] == ["2032-02-29"]
    assert date.fromisoformat(occurrences.json()[0]["startDate"]) == date(2032, 2, 29)


# --- one series' occurrences ----------------------------------------------------------------------------


def test_the_occurrences_of_one_series_in_a_window(
    client: TestClient, make_account: MakeAccount, container: Container
) -> None:
    alice = make_account("alice")
    series = create(client, alice, **PARIS_WEEKLY)
    create(client, alice, caption="Other", startDate="2026-03-10T10:00:00Z", endDate="2026-03-10T11:00:00Z")
    override_id = add_override(
        container,
        series["id"],
        datetime(2026, 3, 9, 8, tzinfo=UTC),
        datetime(2026, 3, 9, 15, tzinfo=UTC),
        datetime(2026, 3, 9, 16, tzinfo=UTC),
    )
    url = f"{EVENTS}/{series['id']}/occurrences?from=2026-03-05T00:00:00Z&to=2026-03-30T07:15:00Z"
    response = client.get(url, headers=alice.headers)
    assert response.status_code == 200
    # The window overlaps [from, to): the 30 March occurrence (07:00-07:30) reaches into it.
    assert starts(response) == [
        "2026-03-09T15:00:00+00:00",
        "2026-03-23T08:00:00+00:00",
        "2026-03-30T07:00:00+00:00",
    ]
    assert response.headers["x-total-count"] == "3"
    assert {i["id"] for i in response.json()} == {series["id"]}
    # An override's id addresses its whole series.
    via_override = client.get(url.replace(f"/{series['id']}/", f"/{override_id}/"), headers=alice.headers)
    assert starts(via_override) == starts(response)


def test_the_window_of_one_series_is_checked(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    series = create(client, alice, **PARIS_WEEKLY)
    base = f"{EVENTS}/{series['id']}/occurrences"
    missing = client.get(base, headers=alice.headers)
    assert missing.status_code == 400
    assert [(e["field"], e["code"]) for e in missing.json()["errors"]] == [("from", "required"), ("to", "required")]
    bad = client.get(f"{base}?from=soon&to=2026-03-01T00:00:00Z", headers=alice.headers)
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [("from", "invalid_datetime")]
    backwards = client.get(f"{base}?from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z", headers=alice.headers)
    assert backwards.status_code == 400
    assert backwards.json()["code"] == "invalid_recurrence"
    window = "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z"
    assert client.get(f"{EVENTS}/999/occurrences?{window}", headers=alice.headers).status_code == 404


# --- who sees which occurrences --------------------------------------------------------------------------


def test_who_lists_the_occurrences(client: TestClient, make_account: MakeAccount, container: Container) -> None:
    for group_id in ("/sharing", "/team"):
        accounts.add_group(container.services, group_id=group_id)
    alice = make_account("alice")
    bob = make_account("bob")  # a recipient
    sam = make_account("sam")  # alice's calendar is shared with him
    gus = make_account("gus", groups=("/sharing",))  # ... and with his group
    tom = make_account("tom", groups=("/team",))  # in a group alice's calendar is not shared with
    carol = make_account("carol")  # a stranger
    root = make_account("root", admin=True)
    principal = auth.authenticate(container.services, secret=alice.token)
    with container.services.uow() as uow:
        calendar = uow.calendars.default_for(alice.user.id or 0)
        assert calendar is not None
        key = calendar.key
    calendars.update_calendar(
        container.services,
        principal=principal,
        calendar_key=key,
        draft=CalendarDraft(view_permissions=["sam", "/sharing/:*.*"]),
    )
    series = create(client, alice, **PARIS_WEEKLY, recipients=["bob@example.com"])
    occurrences = f"{EVENTS}/{series['id']}/occurrences?from=2026-03-01T00:00:00Z&to=2026-04-30T00:00:00Z"
    expected = [(alice, 5), (bob, 5), (sam, 5), (gus, 5), (root, 5), (carol, 0), (tom, 0)]
    for account, count in expected:
        assert len(starts(expanded(client, account))) == count, account.user.username
        answer = client.get(occurrences, headers=account.headers)
        assert answer.status_code == (200 if count else 404), account.user.username
    stranger = client.get(occurrences, headers=carol.headers)
    assert stranger.json()["code"] == "not_found"


def test_an_override_participant_does_not_see_the_rest_of_the_series(
    client: TestClient, make_account: MakeAccount, container: Container
) -> None:
    alice = make_account("alice")
    bob = make_account("bob")
    series = create(client, alice, **PARIS_WEEKLY)
    assert bob.user.id is not None
    override_id = add_override(
        container,
        series["id"],
        datetime(2026, 3, 9, 8, tzinfo=UTC),
        datetime(2026, 3, 9, 15, tzinfo=UTC),
        datetime(2026, 3, 9, 16, tzinfo=UTC),
        participants=[Participant(user_id=bob.user.id)],
    )
    url = f"{EVENTS}/{override_id}/occurrences?from=2026-03-01T00:00:00Z&to=2026-04-30T00:00:00Z"
    # Bob takes part in that one occurrence only: the master's other occurrences are not his to see.
    assert starts(client.get(url, headers=bob.headers)) == ["2026-03-09T15:00:00+00:00"]
    master_url = url.replace(f"/{override_id}/", f"/{series['id']}/")
    assert client.get(master_url, headers=bob.headers).status_code == 404
