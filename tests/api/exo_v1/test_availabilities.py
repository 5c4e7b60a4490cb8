"""Availability (spec §5.11): busy intervals by a true overlap query (multi-day events included, which eXo
misses), honouring each event's availability and each invitee's answer, for the users the caller may see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.exo_v1.conftest import Caller, MakeCaller


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    overrides: dict[str, object] = getattr(request, "param", {})
    return overrides


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def ms(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def busy(who: Caller, usernames: str, start: datetime, end: datetime, **params: Any) -> dict[str, Any]:
    response = who.get(
        "/availabilities", params={"usernames": usernames, "fromDate": ms(start), "toDate": ms(end), **params}
    )
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-cache, no-store"
    answer: dict[str, Any] = response.json()
    return answer


def pairs(*spans: tuple[datetime, datetime]) -> str:
    return ",".join(f"{ms(a)},{ms(b)}" for a, b in spans)


@pytest.fixture
def team(caller: MakeCaller, group: Callable[..., None]) -> dict[str, Caller]:
    callers = {name: caller(name) for name in ("mary", "john", "stan")}
    group("/team", ("mary", "member"), ("john", "member"))
    return callers


def event(owner: Caller, start: datetime, end: datetime, **body: Any) -> str:
    return owner.create_event(owner.default_calendar, **{"from": iso(start), "to": iso(end), **body})


def test_a_multi_day_event_makes_every_day_it_covers_busy(team: dict[str, Caller]) -> None:
    mary, john = team["mary"], team["john"]
    event(john, at(5, 20), at(8, 8), subject="Conference")
    # A window inside the event: eXo looks only at the days of fromDate and toDate and finds nothing.
    assert busy(mary, "john", at(6, 12), at(6, 18)) == {"john": pairs((at(6, 12), at(6, 18)))}
    assert busy(mary, "john", at(7, 0), at(9, 0)) == {"john": pairs((at(7, 0), at(8, 8)))}


def test_overlap_is_strict_at_both_ends(team: dict[str, Caller]) -> None:
    mary = team["mary"]
    event(mary, at(6, 9), at(6, 10))
    assert busy(mary, "mary", at(6, 10), at(6, 12)) == {"mary": None}
    assert busy(mary, "mary", at(6, 7), at(6, 9)) == {"mary": None}
    assert busy(mary, "mary", at(6, 9, 59), at(6, 12)) == {"mary": pairs((at(6, 9, 59), at(6, 10)))}


def test_availability_and_answers_decide_what_is_busy(team: dict[str, Caller]) -> None:
    mary, john = team["mary"], team["john"]
    event(mary, at(6, 8), at(6, 9), availability="available")
    event(mary, at(6, 9), at(6, 10), availability="busy", participants=["john"])
    declined = event(mary, at(6, 13), at(6, 14), participants=["john"])
    event(mary, at(6, 15), at(6, 17), availability="outside")
    assert john.put(f"/invitations/{declined}:john?status=no").status_code == 200
    answer = busy(mary, "mary,john", at(6, 0), at(7, 0))
    assert answer == {
        "mary": pairs((at(6, 9), at(6, 10)), (at(6, 13), at(6, 14)), (at(6, 15), at(6, 17))),
        "john": pairs((at(6, 9), at(6, 10))),
    }


def test_overlapping_events_are_merged_and_intervals_sorted(team: dict[str, Caller]) -> None:
    mary = team["mary"]
    event(mary, at(6, 14), at(6, 15))
    event(mary, at(6, 9), at(6, 11))
    event(mary, at(6, 10), at(6, 12))
    event(mary, at(6, 12), at(6, 13))
    assert busy(mary, "mary", at(6, 0), at(7, 0)) == {"mary": pairs((at(6, 9), at(6, 13)), (at(6, 14), at(6, 15)))}


def test_group_calendar_events_count_only_for_their_participants(team: dict[str, Caller]) -> None:
    mary = team["mary"]
    shared = mary.create_calendar(name="Team", groups=["/team"], editPermission="/team/:*.*")
    mary.create_event(shared, **{"from": iso(at(6, 9)), "to": iso(at(6, 10)), "participants": ["john"]})
    assert busy(mary, "mary,john", at(6, 0), at(7, 0)) == {"mary": None, "john": pairs((at(6, 9), at(6, 10)))}


def test_unknown_and_unrelated_users_are_left_out_alike(team: dict[str, Caller]) -> None:
    mary, stan = team["mary"], team["stan"]
    event(stan, at(6, 9), at(6, 10))
    assert busy(mary, " john , stan,nobody,john", at(6, 0), at(7, 0)) == {"john": None}
    assert busy(stan, "stan,mary", at(6, 0), at(7, 0)) == {"stan": pairs((at(6, 9), at(6, 10)))}


@pytest.mark.parametrize("settings_overrides", [{"participant_search": "all"}], indirect=True)
def test_with_the_all_setting_anyones_availability_is_shown(team: dict[str, Caller]) -> None:
    mary, stan = team["mary"], team["stan"]
    event(stan, at(6, 9), at(6, 10))
    assert busy(mary, "stan", at(6, 0), at(7, 0)) == {"stan": pairs((at(6, 9), at(6, 10)))}


def test_private_details_stay_private(team: dict[str, Caller]) -> None:
    mary, john = team["mary"], team["john"]
    event(john, at(6, 9), at(6, 10), subject="Doctor", privacy="private")
    answer = mary.get(
        "/availabilities", params={"usernames": "john", "fromDate": ms(at(6, 0)), "toDate": ms(at(7, 0))}
    ).text
    assert "Doctor" not in answer


def test_jsonp(team: dict[str, Caller]) -> None:
    response = team["mary"].get(
        "/availabilities",
        params={"usernames": "mary", "fromDate": ms(at(6, 0)), "toDate": ms(at(7, 0)), "jsonp": "cb"},
    )
    assert response.text == 'cb({"mary":null});'


@pytest.mark.parametrize(
    ("params", "developer"),
    [
        ({"usernames": "mary", "toDate": "1767657600000"}, "fromDate"),
        ({"usernames": "mary", "fromDate": "1767657600000"}, "toDate"),
        ({"usernames": "mary", "fromDate": "2026-01-06", "toDate": "1767657600000"}, "fromDate"),
        ({"usernames": "mary", "fromDate": "1767657600000", "toDate": "1767657600000"}, "toDate"),
        ({"usernames": "mary", "fromDate": "0", "toDate": str(367 * 86400 * 1000)}, "toDate"),
        ({"usernames": "mary", "fromDate": "0", "toDate": "99999999999999999"}, "toDate"),
        ({"usernames": ",".join(f"u{i}" for i in range(101)), "fromDate": "0", "toDate": "1"}, "usernames"),
    ],
)
def test_bad_parameters_are_400_with_exo_error_documents(
    team: dict[str, Caller], params: dict[str, str], developer: str
) -> None:
    response = team["mary"].get("/availabilities", params=params)
    assert response.status_code == 400
    assert response.json()["developerMessage"] == developer


def test_the_window_limit_is_a_setting(team: dict[str, Caller]) -> None:
    window = timedelta(days=366)
    assert busy(team["mary"], "mary", at(1, 0), at(1, 0) + window) == {"mary": None}


def test_every_occurrence_of_a_series_is_busy_except_cancelled_ones(team: dict[str, Caller]) -> None:
    mary = team["mary"]
    created = mary.client.post(
        "/api/v2/calendars/events",
        headers=mary.account.headers,
        json={
            "caption": "Daily stand-up",
            "startDate": "2026-01-05T09:00:00Z",
            "endDate": "2026-01-05T09:15:00Z",
            "recurrence": ["RRULE:FREQ=DAILY;COUNT=5", "EXDATE:20260107T090000Z"],
        },
    )
    assert created.status_code == 201, created.text
    assert busy(mary, "mary", at(4, 0), at(12, 0)) == {
        "mary": pairs(
            (at(5, 9), at(5, 9, 15)), (at(6, 9), at(6, 9, 15)), (at(8, 9), at(8, 9, 15)), (at(9, 9), at(9, 9, 15))
        )
    }
    # A window in the middle of the series, with no stored event starting in it, still finds its occurrence.
    assert busy(mary, "mary", at(8, 0), at(8, 12)) == {"mary": pairs((at(8, 9), at(8, 9, 15)))}
