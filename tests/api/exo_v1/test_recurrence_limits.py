"""Bad repeats and the recurrence guard-rails answer 400 ``{"message", "developerMessage"}`` (in Japanese when
asked) and store nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.exo_v1.conftest import Caller, MakeCaller

WINDOW = {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-03-01T00:00:00Z"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"recurrence_max_occurrences": 20, "recurrence_max_window_days": 100}


def _create(me: Caller, repeat: dict[str, Any], **headers: str) -> Any:
    body = {"subject": "Series", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z", "repeat": repeat}
    return me.post(f"/calendars/{me.default_calendar}/events", json=body, headers=headers)


@pytest.mark.parametrize(
    ("repeat", "developer", "message"),
    [
        ({"type": "hourly"}, "repeat", "repeat.type must be one of daily,monthly,norepeat,weekly,yearly"),
        ({"type": "weekly", "repeatOn": "MO,mo"}, "repeatOn", "repeatOn can only contains FR,MO,SA,SU,TH,TU,WE"),
        ({"type": "weekly", "repeatOn": "1MO"}, "repeatOn", "repeatOn can only contains FR,MO,SA,SU,TH,TU,WE"),
        ({"type": "monthly", "repeateBy": "0"}, "repeatBy", "repeatBy must be >= 1 and <= 31"),
        ({"type": "daily", "every": -1}, "repeat.every", "repeat.every must be a whole number from 1 to 1000"),
        ({"type": "daily", "every": 1001}, "repeat.every", "repeat.every must be a whole number from 1 to 1000"),
        (
            {"type": "daily", "end": {"type": "sometime"}},
            "repeat.end",
            "repeat.end.type must be one of endAfter,endByDate,neverEnd",
        ),
        (
            {"type": "daily", "end": {"type": "endAfter", "value": "ten"}},
            "repeat.end",
            "repeat.end.value must be a whole number of occurrences, at least 1, for endAfter, not ten",
        ),
        (
            {"type": "daily", "end": {"type": "endAfter", "value": "0"}},
            "repeat.end",
            "repeat.end.value must be a whole number of occurrences, at least 1, for endAfter, not 0",
        ),
        (
            {"type": "daily", "end": {"type": "endByDate", "value": "soon"}},
            "repeat.end",
            "repeat.end.value must be an ISO 8601 date such as 2026-06-30 for endByDate, not soon",
        ),
        (
            {"type": "daily", "exclude": ["yesterday"]},
            "repeat.exclude",
            "repeat.exclude must hold occurrence keys such as 20260302T080000Z, not yesterday",
        ),
    ],
)
def test_a_bad_repeat_is_400_and_stores_nothing(
    caller: MakeCaller, repeat: dict[str, Any], developer: str, message: str
) -> None:
    alice = caller("alice")
    response = _create(alice, repeat)
    assert response.status_code == 400
    assert response.json() == {"message": message, "developerMessage": developer}
    assert alice.get("/events", params=WINDOW).json()["data"] == []


@pytest.mark.parametrize(
    ("repeat", "developer", "fragment"),
    [
        ({"type": "daily", "end": {"type": "endAfter", "value": "21"}}, "repeat", "more than 20 occurrences"),
        (
            {"type": "daily", "end": {"type": "endByDate", "value": "2026-01-05"}},
            "repeat.end",
            "repeat.end.value 2026-01-05 is before the event starts, on 2026-01-06",
        ),
    ],
)
def test_guard_rails_refuse_a_series_on_write(
    caller: MakeCaller, repeat: dict[str, Any], developer: str, fragment: str
) -> None:
    alice = caller("alice")
    response = _create(alice, repeat)
    assert (response.status_code, response.json()["developerMessage"]) == (400, developer)
    assert fragment in response.json()["message"]
    assert alice.get("/events", params=WINDOW).json()["data"] == []


def test_guard_rails_refuse_windows_too_long_or_too_full(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = (
        alice.post(
            f"/calendars/{alice.default_calendar}/events",
            json={"from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z", "repeat": {"type": "daily"}},
        )
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    long_window = {"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"}
    too_long = alice.get(f"/events/{key}/occurrences", params=long_window)
    too_full = alice.get(f"/events/{key}/occurrences", params={"start": "2026-01-01", "end": "2026-02-01"})
    backwards = alice.get("/events", params={"startTime": "2026-02-01", "endTime": "2026-01-01"})
    own_too_long = alice.get("/events", params={"startTime": "2026-01-01", "endTime": "2026-06-01"})
    assert (too_long.status_code, too_long.json()["developerMessage"]) == (400, "window")
    assert "longer than the 100 days" in too_long.json()["message"]
    assert (too_full.status_code, too_full.json()["developerMessage"]) == (400, "repeat")
    assert (backwards.status_code, backwards.json()["developerMessage"]) == (400, "window")
    assert (own_too_long.status_code, own_too_long.json()["developerMessage"]) == (400, "window")
    fine = alice.get(f"/events/{key}/occurrences", params={"start": "2026-01-01", "end": "2026-01-11"})
    assert len(fine.json()["data"]) == 5


def test_recurrence_errors_speak_japanese(caller: MakeCaller) -> None:
    alice = caller("alice")
    bad_type = _create(alice, {"type": "hourly"}, **{"Accept-Language": "ja"})
    too_many = _create(
        alice, {"type": "daily", "end": {"type": "endAfter", "value": "21"}}, **{"Accept-Language": "ja"}
    )
    assert bad_type.json() == {
        "message": "repeat.type には daily,monthly,norepeat,weekly,yearly のいずれかを指定してください",
        "developerMessage": "repeat",
    }
    assert too_many.status_code == 400 and "20" in too_many.json()["message"]
    assert (
        too_many.json()["message"]
        != _create(alice, {"type": "daily", "end": {"type": "endAfter", "value": "21"}}).json()["message"]
    )
    key = _create(alice, {"type": "daily"}).headers["Location"].rsplit("/", 1)[1]
    unknown = alice.put(
        f"/events/{key}?recurringUpdateType=ONE",
        json={"recurrenceId": "20260106T100000Z"},
        headers={"Accept-Language": "ja"},
    )
    assert unknown.json() == {
        "message": "recurrenceId: 20260106T100000Z はこの繰り返し予定の回ではありません。",
        "developerMessage": "recurrenceId",
    }
