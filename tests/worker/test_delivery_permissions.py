"""Deliveries reach only those who may see what they carry: a webhook subscriber gets the changes of events they
may read, a reminder goes to a recipient who may read its event, and both are checked again when the message
goes out, so access lost in between (a calendar no longer shared) stops a retry, a late message or a popup.

Expectations come from the permission model (``domain.permissions.can_read_event``), not from the server.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.domain.permissions import can_read_event
from almanac.services import accounts, auth
from tests.api.exo_v1.conftest import Caller
from tests.conftest import MakeAccount
from tests.doubles import FakeClock
from tests.worker.conftest import Drain
from tests.worker.peers import SmtpSink, WebhookReceiver

HOOKS = "/api/v2/webhooks"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Every role of the authorization matrix that a webhook can belong to.
ROLES = ("alice", "tom", "vera", "ed", "pat", "stan", "root")
TEAM = "/team"


@pytest.fixture
def people(container: Container, client: TestClient, make_account: MakeAccount) -> dict[str, Caller]:
    """alice owns the calendars; tom is in her group; vera and ed are her sharees; pat takes part; root is admin."""
    accounts.add_group(container.services, group_id=TEAM)
    callers = {name: Caller(client, make_account(name, admin=name == "root")) for name in ROLES}
    accounts.add_membership(container.services, group_id=TEAM, username="alice", membership_type="manager")
    accounts.add_membership(container.services, group_id=TEAM, username="tom", membership_type="member")
    return callers


def calendars_of(alice: Caller) -> dict[str, str]:
    return {
        "personal": alice.default_calendar,
        "shared": alice.create_calendar(name="Shared", viewPermission="vera", editPermission="ed"),
        "public": alice.create_calendar(name="Public", publicURL="/public/alice"),
        "group": alice.create_calendar(name="Group", groups=[TEAM], editPermission=f"{TEAM}/:*.manager"),
    }


def subscribe(caller: Caller, url: str, *types: str) -> int:
    body = {"url": f"{url}?{caller.username}", "eventTypes": list(types)}
    response = caller.client.post(HOOKS, json=body, headers=caller.account.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def event_at(caller: Caller, calendar: str, **body: Any) -> str:
    body.setdefault("from", START.isoformat())
    body.setdefault("to", (START + timedelta(hours=1)).isoformat())
    return caller.create_event(calendar, **body)


def delivered(receiver: WebhookReceiver) -> set[tuple[str, str, str]]:
    """(subscriber, message type, event key) of every POST the receiver got."""
    return {
        (r.path.partition("?")[2], r.headers["almanac-event"], json.loads(r.body)["data"]["event"]["key"])
        for r in receiver.received()
    }


def may_read(container: Container, username: str, event_key: str) -> bool:
    with container.services.uow() as uow:
        user = uow.users.get_by_username(username)
        event = uow.events.get_by_key(event_key)
        assert user is not None and event is not None
        calendar = uow.calendars.get(event.calendar_id)
        assert calendar is not None
        return can_read_event(auth.principal_of(uow, user), calendar, event)


def unshare(alice: Caller, calendar: str) -> None:
    response = alice.put(f"/calendars/{calendar}", json={"viewPermission": "", "editPermission": ""})
    assert response.status_code == 200, response.text


def deliveries(caller: Caller, hook: int) -> list[dict[str, Any]]:
    response = caller.client.get(f"{HOOKS}/{hook}/deliveries", headers=caller.account.headers)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


def test_each_subscriber_receives_the_changes_of_exactly_the_events_they_may_read(
    container: Container, people: dict[str, Caller], receiver: WebhookReceiver, drain: Drain
) -> None:
    alice = people["alice"]
    for caller in people.values():
        subscribe(caller, receiver.url, "event.created")
    calendars = calendars_of(alice)
    events = {
        name: event_at(alice, key, participants=["pat"] if name in ("personal", "group") else [])
        for name, key in calendars.items()
    }
    drain()
    expected = {
        (name, "event.created", key) for name in ROLES for key in events.values() if may_read(container, name, key)
    }
    assert delivered(receiver) == expected
    # Not vacuous: everyone hears of the public event; vera of the calendar shared with her too, not of the rest.
    heard = {name for name, _, _ in expected}
    assert heard == set(ROLES)
    assert {key for name, _, key in expected if name == "vera"} == {events["shared"], events["public"]}


def test_a_retry_stops_once_the_subscriber_lost_access_to_the_calendar(
    container: Container, clock: FakeClock, people: dict[str, Caller], receiver: WebhookReceiver, drain: Drain
) -> None:
    alice, vera = people["alice"], people["vera"]
    hook = subscribe(vera, receiver.url, "event.created")
    calendars = calendars_of(alice)
    receiver.statuses = [503]
    event = event_at(alice, calendars["shared"])
    assert drain() == 1 and len(receiver.received()) == 1  # refused by the receiver: to be retried
    unshare(alice, calendars["shared"])
    assert not may_read(container, "vera", event)
    clock.advance(timedelta(minutes=5))
    drain()
    assert len(receiver.received()) == 1, "the retry went to a subscriber who may no longer read the event"
    (listed,) = deliveries(vera, hook)
    assert listed["status"] == "cancelled"
    assert [a["ok"] for a in listed["attempts"]] == [False]


def test_a_deletion_is_not_announced_to_a_subscriber_who_lost_access_before_it_went_out(
    clock: FakeClock, people: dict[str, Caller], receiver: WebhookReceiver, drain: Drain
) -> None:
    alice, vera = people["alice"], people["vera"]
    hook = subscribe(vera, receiver.url, "event.deleted")
    calendars = calendars_of(alice)
    event = event_at(alice, calendars["shared"])
    receiver.statuses = [503]
    assert alice.delete(f"/events/{event}").status_code == 200
    drain()
    assert len(receiver.received()) == 1
    unshare(alice, calendars["shared"])
    clock.advance(timedelta(minutes=5))
    drain()
    assert len(receiver.received()) == 1, "the deleted event's last state went to someone who lost access"
    assert [d["status"] for d in deliveries(vera, hook)] == ["cancelled"]


def test_a_deletion_is_checked_against_its_own_event_even_when_another_took_its_id(
    clock: FakeClock, people: dict[str, Caller], receiver: WebhookReceiver, drain: Drain
) -> None:
    """SQLite may give the highest id of a deleted row to the next one: the event created after the deletion
    (public, readable by vera) must not vouch for the deleted one's message (in a calendar unshared since)."""
    alice, vera = people["alice"], people["vera"]
    hook = subscribe(vera, receiver.url, "event.deleted")
    calendars = calendars_of(alice)
    event = event_at(alice, calendars["shared"])
    receiver.statuses = [503]
    assert alice.delete(f"/events/{event}").status_code == 200
    drain()
    unshare(alice, calendars["shared"])
    event_at(alice, calendars["public"], subject="Taking the id")
    clock.advance(timedelta(minutes=5))
    drain()
    assert len(receiver.received()) == 1
    assert [d["status"] for d in deliveries(vera, hook)] == ["cancelled"]


def test_a_deletion_still_reaches_a_participant_and_a_calendar_reader(
    clock: FakeClock, people: dict[str, Caller], receiver: WebhookReceiver, drain: Drain
) -> None:
    """The other side of the check: the event is gone when its deletion goes out, yet whoever could read it
    (its participant, a reader of its calendar) still hears of it, also on a retry."""
    alice = people["alice"]
    for name in ("pat", "vera", "stan"):
        subscribe(people[name], receiver.url, "event.deleted")
    calendars = calendars_of(alice)
    event = event_at(alice, calendars["shared"], participants=["pat"])
    receiver.statuses = [503, 503]  # both first attempts refused: the event is long gone at the retry
    assert alice.delete(f"/events/{event}").status_code == 200
    drain()
    clock.advance(timedelta(minutes=5))
    drain()
    got = sorted(r.path.partition("?")[2] for r in receiver.received())
    assert got == ["pat", "pat", "vera", "vera"]
    assert delivered(receiver) == {(name, "event.deleted", event) for name in ("pat", "vera")}


def test_a_reminder_is_not_mailed_to_an_author_who_lost_access(
    container: Container,
    clock: FakeClock,
    people: dict[str, Caller],
    smtp_sink: SmtpSink,
    receiver: WebhookReceiver,
    drain: Drain,
) -> None:
    """ed wrote an event with a mail and a popup reminder in alice's shared calendar (its recipient: he is its
    author and it has no participants); alice stops sharing before it is due."""
    alice, ed = people["alice"], people["ed"]
    subscribe(ed, receiver.url, "reminder.due")
    calendars = calendars_of(alice)
    reminder = [{"reminderType": "email", "alarmBefore": 15}, {"reminderType": "popup", "alarmBefore": 15}]
    event = event_at(ed, calendars["shared"], subject="Salary review", reminder=reminder)
    unshare(alice, calendars["shared"])
    assert not may_read(container, "ed", event)
    clock.set(START - timedelta(minutes=15))
    drain()
    assert smtp_sink.count == 0, "a reminder mail told ed about an event he may no longer read"
    assert receiver.received() == []
    assert ed.get("/reminders/due").json()["data"] == []
    bo = ed.client.get("/api/v2/reminders/due", headers=ed.account.headers)
    assert bo.status_code == 200 and bo.json() == []


def test_a_popup_planned_for_a_reader_is_hidden_once_access_is_lost(
    container: Container, clock: FakeClock, people: dict[str, Caller], drain: Drain
) -> None:
    """The due list is checked when it is read, too: a popup already shown stops showing."""
    alice, ed = people["alice"], people["ed"]
    calendars = calendars_of(alice)
    event = event_at(ed, calendars["shared"], reminder=[{"reminderType": "popup", "alarmBefore": 15}])
    clock.set(START - timedelta(minutes=15))
    drain()
    assert [p["eventId"] for p in ed.get("/reminders/due").json()["data"]] == [event]
    unshare(alice, calendars["shared"])
    assert ed.get("/reminders/due").json()["data"] == []
    assert ed.client.get("/api/v2/reminders/due", headers=ed.account.headers).json() == []


def test_reminders_still_reach_recipients_who_may_read_the_event(
    clock: FakeClock, people: dict[str, Caller], smtp_sink: SmtpSink, drain: Drain
) -> None:
    """The other side: a participant is always reminded (taking part is a right to read), and an author who
    still shares the calendar too."""
    alice, ed = people["alice"], people["ed"]
    calendars = calendars_of(alice)
    mail = [{"reminderType": "email", "alarmBefore": 15}]
    event_at(alice, calendars["personal"], subject="With pat", participants=["pat"], reminder=mail)
    event_at(ed, calendars["shared"], subject="By ed", reminder=mail)
    clock.set(START - timedelta(minutes=15))
    drain()
    messages = smtp_sink.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == ["Ed <ed@example.com>", "Pat <pat@example.com>"]
