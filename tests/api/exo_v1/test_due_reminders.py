"""``/reminders/due`` under the eXo prefix (an Almanac addition): the caller's due popups only, in the eXo
envelope and date style; dismissing hides one for its recipient and is a 404 for anyone else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from almanac.bootstrap import Container
from almanac.domain.events import Reminder, ReminderChannel
from almanac.domain.recurrence import Recurrence
from almanac.domain.users import Principal
from almanac.services import events as event_service
from almanac.services.events import EventChanges
from tests.api.exo_v1.conftest import BASE, Caller, MakeCaller, P, basic
from tests.doubles import FakeClock

START = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
DUE = "/reminders/due"
POPUP = [{"reminderType": "popup", "alarmBefore": 15}]


@pytest.fixture
def team(caller: MakeCaller, group: Callable[..., None]) -> dict[str, Caller]:
    """mia's team calendar (tom is a member) with an event for pat, and one of alice's own."""
    callers = {name: caller(name, admin=name == "root") for name in ("mia", "tom", "pat", "alice", "stan", "root")}
    group("/team", ("tom", "member"), ("mia", "manager"))
    mia = callers["mia"]
    calendar = mia.create_calendar(name="Team", groups=["/team"], editPermission="/team/:*.manager")
    mia.create_event(calendar, subject="Review with pat", participants=["pat"], reminder=POPUP)
    alice = callers["alice"]
    alice.create_event(alice.default_calendar, subject="Dentist", reminder=POPUP)
    return callers


def items(caller: Caller, query: str = "") -> list[dict[str, object]]:
    response = caller.get(DUE + query)
    assert response.status_code == 200, response.text
    data: list[dict[str, object]] = response.json()["data"]
    return data


def test_a_due_popup_is_listed_in_the_exo_style_for_its_recipient(team: dict[str, Caller], clock: FakeClock) -> None:
    pat = team["pat"]
    assert items(pat) == [], "not due yet"
    clock.set(START - timedelta(minutes=15))
    response = pat.get(DUE)
    assert response.headers["Cache-Control"] == "no-cache, no-store"
    page = response.json()
    assert (page["offset"], page["limit"], page["size"]) == (0, 10, -1)
    (popup,) = page["data"]
    event_id = popup["eventId"]
    assert isinstance(event_id, str) and event_id.startswith("Event")
    assert popup == {
        "id": popup["id"],
        "reminderType": "popup",
        "alarmBefore": 15,
        "dueTime": "2026-01-06T08:45:00.000Z",
        "kind": "event",
        "eventId": event_id,
        "event": f"{BASE}/events/{event_id}",
        "subject": "Review with pat",
        "location": None,
        "from": "2026-01-06T09:00:00.000Z",
        "to": "2026-01-06T10:00:00.000Z",
        "recurrenceId": None,
    }


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("pat", ["Review with pat"]),  # the participant: the one reminded
        ("mia", []),  # the author of an event with participants is not reminded
        ("tom", []),  # may read the team calendar, but is not reminded
        ("alice", ["Dentist"]),  # her own event without participants reminds her
        ("stan", []),  # a stranger
        ("root", []),  # administrators see their own queue, not everyone's
    ],
)
def test_each_caller_sees_only_the_popups_addressed_to_them(
    team: dict[str, Caller], clock: FakeClock, role: str, sees: list[str]
) -> None:
    clock.set(START - timedelta(minutes=15))
    assert [p["subject"] for p in items(team[role])] == sees


def test_dismissing_hides_a_popup_for_its_recipient_only(team: dict[str, Caller], clock: FakeClock) -> None:
    clock.set(START - timedelta(minutes=15))
    pat = team["pat"]
    (popup,) = items(pat)
    path = f"/reminders/{popup['id']}/dismiss"
    for other in ("mia", "tom", "stan", "root"):
        refused = team[other].post(path)
        assert refused.status_code == 404 and refused.content == b"", other
    assert [p["id"] for p in items(pat)] == [popup["id"]], "a refused dismiss changes nothing"
    dismissed = pat.post(path)
    assert dismissed.status_code == 200 and dismissed.content == b""
    assert items(pat) == []
    assert pat.post("/reminders/no-such-reminder/dismiss").status_code == 404
    assert pat.post("/reminders/" + "x" * 300 + "/dismiss").status_code == 404


def test_signing_in_is_required_and_basic_works(team: dict[str, Caller], clock: FakeClock) -> None:
    clock.set(START - timedelta(minutes=15))
    pat = team["pat"]
    anonymous = pat.client.get(P + DUE)
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["WWW-Authenticate"]
    assert pat.client.post(P + "/reminders/x/dismiss").status_code == 401
    with_password = pat.client.get(P + DUE, headers=basic("pat", "pw-pat"))
    assert [p["subject"] for p in with_password.json()["data"]] == ["Review with pat"]


def test_paging_return_size_fields_and_jsonp(team: dict[str, Caller], clock: FakeClock) -> None:
    alice = team["alice"]
    alice.create_event(alice.default_calendar, subject="Later", reminder=POPUP, **{"from": "2026-01-06T09:05:00Z"})
    clock.set(START - timedelta(minutes=10))
    page = alice.get(DUE + "?limit=1&offset=1&returnSize=true&fields=subject")
    assert page.json() == {"data": [{"subject": "Later"}], "offset": 1, "limit": 1, "size": 2}
    assert page.headers["Link"].startswith(f'<{BASE}{DUE}?offset=0&limit=1>;rel="previous"')
    wrapped = alice.get(DUE + "?jsonp=show")
    assert wrapped.text.startswith("show(")
    bad = alice.get(DUE + "?offset=-1")
    assert bad.status_code == 400 and set(bad.json()) == {"message", "developerMessage"}


def test_each_occurrence_of_a_series_has_its_own_popup(
    container: Container, team: dict[str, Caller], clock: FakeClock
) -> None:
    user = team["alice"].account.user
    assert user.id is not None
    event_service.create_event(
        container.services,
        principal=Principal(user_id=user.id, username=user.username, email=user.email),
        changes=EventChanges(
            summary="Daily",
            starts_at=START + timedelta(hours=2),
            ends_at=START + timedelta(hours=2, minutes=15),
            recurrence=Recurrence.from_lines(["RRULE:FREQ=DAILY"], tzid="UTC", all_day=False),
            reminders=[Reminder(before=timedelta(minutes=5), channel=ReminderChannel.POPUP)],
        ),
    )
    clock.set(START + timedelta(days=1, hours=2))
    daily = [p for p in items(team["alice"]) if p["subject"] == "Daily"]
    assert [(p["recurrenceId"], p["from"]) for p in daily] == [
        ("20260106T110000Z", "2026-01-06T11:00:00.000Z"),
        ("20260107T110000Z", "2026-01-07T11:00:00.000Z"),
    ]
