"""One weekly series, seen the same through both REST faces.

A Paris series created through one face crosses the DST change of 29 March
2026; through the eXo face one occurrence is edited (ONE), one cancelled, and
the series split ("this and following"); the Back Office face then lists the
same occurrences at the same instants, and a series created through the Back
Office is expanded by the eXo face.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.services import accounts, auth
from tests.api.backoffice_v2.factories import create, listing
from tests.api.exo_v1.conftest import Caller
from tests.conftest import Account

MARCH_APRIL = "filter[startDate]=2026-03-01T00:00:00Z&filter[endDate]=2026-04-30T00:00:00Z"


def _paul(container: Container, client: TestClient) -> Caller:
    user = accounts.add_user(container.services, username="paul", email="paul@example.com", tzid="Europe/Paris")
    return Caller(client, Account(user, auth.issue_api_token(container.services, username="paul").secret))


def _back_office_occurrences(client: TestClient, account: Account) -> list[tuple[str, str]]:
    response = listing(client, account, f"expand=occurrences&{MARCH_APRIL}&limit=100")
    assert response.status_code == 200, response.text
    return [(item["startDate"], item["caption"]) for item in response.json()]


def _exo_occurrences(paul: Caller) -> list[tuple[str, str]]:
    params = {"startTime": "2026-03-01T00:00:00Z", "endTime": "2026-04-30T00:00:00Z", "limit": "100"}
    response = paul.get("/events", params=params)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return [(item["from"], item["subject"]) for item in data]


def test_an_exo_series_edited_cancelled_and_split_reads_the_same_through_the_back_office(
    container: Container, client: TestClient
) -> None:
    paul = _paul(container, client)
    key = paul.create_event(
        paul.default_calendar,
        subject="Stand-up",
        **{"from": "2026-03-02T09:00:00+01:00", "to": "2026-03-02T09:30:00+01:00"},
        repeat={"type": "weekly", "every": 1, "repeatOn": "MO", "end": {"type": "endAfter", "value": "6"}},
    )
    edited = paul.put(
        f"/events/{key}?recurringUpdateType=ONE",
        json={
            "recurrenceId": "20260309T080000Z",
            "subject": "Moved stand-up",
            "from": "2026-03-10T10:00:00+01:00",
            "to": "2026-03-10T10:30:00+01:00",
        },
    )
    cancelled = paul.delete(f"/events/{key}?recurrenceId=20260316T080000Z")
    split = paul.put(
        f"/events/{key}?recurringUpdateType=FOLLOWING",
        json={
            "recurrenceId": "20260330T070000Z",
            "subject": "Later stand-up",
            "from": "2026-03-30T10:00:00+02:00",
            "to": "2026-03-30T10:15:00+02:00",
        },
    )
    assert (edited.status_code, cancelled.status_code, split.status_code) == (200, 200, 200)

    expected = [
        ("2026-03-02T08:00:00+00:00", "Stand-up"),  # 09:00 CET
        ("2026-03-10T09:00:00+00:00", "Moved stand-up"),  # the edited occurrence, moved to Tuesday
        ("2026-03-23T08:00:00+00:00", "Stand-up"),  # 16 March is cancelled
        ("2026-03-30T08:00:00+00:00", "Later stand-up"),  # the split: 10:00 CEST from here on
        ("2026-04-06T08:00:00+00:00", "Later stand-up"),
    ]
    assert _back_office_occurrences(client, paul.account) == expected
    # The eXo face agrees on every instant (in its own date format).
    assert [(start[:19], caption) for start, caption in _exo_occurrences(paul)] == [
        (start[:19], caption) for start, caption in expected
    ]


def test_a_back_office_series_is_expanded_by_the_exo_face(container: Container, client: TestClient) -> None:
    paul = _paul(container, client)
    create(
        client,
        paul.account,
        caption="Review",
        startDate="2026-03-27T17:00:00+01:00",
        endDate="2026-03-27T18:00:00+01:00",
        timeZone="Europe/Paris",
        recurrence=["RRULE:FREQ=WEEKLY;BYDAY=FR;COUNT=3"],
    )
    # 17:00 in Paris on three Fridays: 16:00Z before the change, 15:00Z after.
    assert _exo_occurrences(paul) == [
        ("2026-03-27T16:00:00.000Z", "Review"),
        ("2026-04-03T15:00:00.000Z", "Review"),
        ("2026-04-10T15:00:00.000Z", "Review"),
    ]
