"""Reminders of recurring series: one per occurrence as time passes, at the local time across DST, replanned
on every change of the series, an EXDATE or an override, never beyond the rolling horizon, never twice."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.domain.deliveries import Delivery, DeliveryStatus
from almanac.domain.events import Event, Reminder, ReminderChannel, new_event_key
from almanac.domain.recurrence import Recurrence
from almanac.domain.users import Principal
from almanac.services import events as event_service
from almanac.services.events import EventChanges, store_changed_event, store_deleted_event, store_new_event
from tests.conftest import Account
from tests.doubles import FakeClock
from tests.worker.conftest import Drain, person
from tests.worker.peers import SmtpSink, WebhookReceiver
from tests.worker.test_email_reminders import ics_of

PARIS = "Europe/Paris"
#: Daily at 09:00 Paris from Friday 27 March 2026; Sunday 29 March the clocks go forward (CET → CEST).
FIRST = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
DAYS = 5
#: 08:45 Paris each day: 07:45Z before the change, 06:45Z from 29 March.
DUE = [datetime(2026, 3, d, 7 if d < 29 else 6, 45, tzinfo=UTC) for d in range(27, 27 + DAYS)]
KEYS = [f"202603{d}T{'08' if d < 29 else '07'}0000Z" for d in range(27, 27 + DAYS)]


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, object]) -> dict[str, object]:
    # A 2-day horizon: a 5-day series must be planned in several steps as the clock moves.
    return {**settings_overrides, "reminder_horizon_days": 2}


def principal(account: Account) -> Principal:
    user = account.user
    assert user.id is not None
    return Principal(user_id=user.id, username=user.username, email=user.email)


def lines(*extra: str) -> Recurrence:
    return Recurrence.from_lines([f"RRULE:FREQ=DAILY;COUNT={DAYS}", *extra], tzid=PARIS, all_day=False)


def daily_series(container: Container, author: Account, *, channel: ReminderChannel = ReminderChannel.EMAIL) -> int:
    view = event_service.create_event(
        container.services,
        principal=principal(author),
        changes=EventChanges(
            summary="Stand-up",
            starts_at=FIRST,
            ends_at=FIRST + timedelta(minutes=30),
            tzid=PARIS,
            recurrence=lines(),
            reminders=[Reminder(before=timedelta(minutes=15), channel=channel)],
        ),
    )
    assert view.event.id is not None
    return view.event.id


def deliveries(container: Container, series_id: int) -> list[Delivery]:
    with container.services.uow() as uow:
        return sorted(uow.deliveries.reminders_of_event(series_id), key=lambda d: d.due_at)


def open_keys(container: Container, series_id: int) -> list[str | None]:
    return [d.recurrence_key for d in deliveries(container, series_id) if d.status is DeliveryStatus.PENDING]


def add_override(container: Container, series_id: int, key_index: int, **changes: object) -> Event:
    """Store an override of the occurrence ``KEYS[key_index]`` as a face will (through the event use cases)."""
    with container.services.uow() as uow:
        master = uow.events.get(series_id)
        calendar = uow.calendars.get(master.calendar_id) if master else None
        assert master is not None and calendar is not None
        slot = datetime.strptime(KEYS[key_index], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        override = replace(
            master,
            id=None,
            key=new_event_key(),
            recurrence=None,
            series_id=series_id,
            recurrence_id=slot,
            starts_at=slot,
            ends_at=slot + timedelta(minutes=30),
            participants=list(master.participants),
            reminders=list(master.reminders),
        )
        for name, value in changes.items():
            setattr(override, name, value)
        view = store_new_event(container.services, uow, override, calendar)
    return view.event


def test_a_daily_series_sends_one_mail_per_occurrence_at_the_local_time_across_dst(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    author = person(container, "amelie", tzid=PARIS)
    clock.set(FIRST - timedelta(days=1))
    series_id = daily_series(container, author)
    # Only the occurrences within the 2-day horizon are rows; the rest come as time passes.
    assert open_keys(container, series_id) == KEYS[:2]
    for n, due in enumerate(DUE):
        clock.set(due - timedelta(seconds=1))
        assert drain() == 0, f"occurrence {n} is not due yet"
        clock.set(due)
        assert drain() == 1, f"occurrence {n} is reminded at 08:45 Paris"
        mail = smtp_sink.wait_for(n + 1)[n]
        assert mail["X-Almanac-Recurrence-Id"] == KEYS[n]
        body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "9:00:00\u202fAM" in body and PARIS in body
        vevent = ics_of(mail).walk("VEVENT")[0]
        assert vevent.decoded("RECURRENCE-ID") == datetime.strptime(KEYS[n], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert vevent.decoded("DTSTART") == DUE[n] + timedelta(minutes=15)
        assert len(deliveries(container, series_id)) <= n + 3, "never more than the horizon ahead"
    clock.advance(timedelta(days=3))
    assert drain() == 0
    assert smtp_sink.count == DAYS
    assert len({m["Message-ID"] for m in smtp_sink.messages}) == DAYS
    assert [d.status for d in deliveries(container, series_id)] == [DeliveryStatus.SENT] * DAYS


def test_editing_the_series_replans_only_what_changed(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    author = person(container, "amelie", tzid=PARIS)
    clock.set(FIRST - timedelta(hours=1))
    series_id = daily_series(container, author)
    clock.set(DUE[0])
    assert drain() == 1
    before = {d.id: d.status for d in deliveries(container, series_id)}

    # A new title keeps every delivery (same ids): nothing is sent again, nothing is added.
    event_service.update_event(
        container.services, principal=principal(author), event_id=series_id, changes=EventChanges(summary="Daily")
    )
    assert {d.id: d.status for d in deliveries(container, series_id)} == before
    assert drain() == 0

    # One hour earlier, after the first occurrence ended: the pending reminders move to 07:45 Paris, the sent
    # one stays sent, and the first occurrence (started at its new time) gets none.
    clock.set(FIRST + timedelta(minutes=45))
    earlier = FIRST - timedelta(hours=1)
    event_service.update_event(
        container.services,
        principal=principal(author),
        event_id=series_id,
        changes=EventChanges(starts_at=earlier, ends_at=earlier + timedelta(minutes=30)),
    )
    rows = deliveries(container, series_id)
    assert [d.status for d in rows if d.id in before] == [DeliveryStatus.SENT] + [DeliveryStatus.CANCELLED] * 2
    assert [d.due_at for d in rows if d.status is DeliveryStatus.PENDING] == [
        due - timedelta(hours=1) for due in DUE[1:3]
    ]
    clock.set(DUE[1] - timedelta(hours=1))
    assert drain() == 1
    clock.set(DUE[1])
    assert drain() == 0, "the old time reminds no one"
    (_, second) = smtp_sink.wait_for(2)
    assert second["Subject"].startswith("Reminder: Daily")
    assert second["X-Almanac-Recurrence-Id"] == "20260328T070000Z"


def test_an_excluded_occurrence_is_not_reminded(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    author = person(container, "amelie", tzid=PARIS)
    clock.set(FIRST - timedelta(hours=1))
    series_id = daily_series(container, author)
    event_service.update_event(
        container.services,
        principal=principal(author),
        event_id=series_id,
        changes=EventChanges(recurrence=lines(f"EXDATE:{KEYS[1]}")),
    )
    assert open_keys(container, series_id) == [KEYS[0], KEYS[2]]
    for n in range(3):
        clock.set(DUE[n])
        drain()
    assert [m["X-Almanac-Recurrence-Id"] for m in smtp_sink.wait_for(2)] == [KEYS[0], KEYS[2]]
    assert smtp_sink.count == 2

    # Lifting the exclusion before the occurrence would bring its reminder back; after it, nothing is sent late.
    event_service.update_event(
        container.services, principal=principal(author), event_id=series_id, changes=EventChanges(recurrence=lines())
    )
    assert drain() == 0


def test_an_override_moves_its_reminder_and_deleting_it_restores_the_slot(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    author = person(container, "amelie", tzid=PARIS)
    clock.set(FIRST - timedelta(hours=1))
    series_id = daily_series(container, author)
    slot = DUE[1] + timedelta(minutes=15)
    moved = add_override(
        container,
        series_id,
        1,
        summary="Stand-up (afternoon)",
        starts_at=slot + timedelta(hours=5),
        ends_at=slot + timedelta(hours=5, minutes=30),
    )
    pending = {d.recurrence_key: d for d in deliveries(container, series_id) if d.status is DeliveryStatus.PENDING}
    assert pending[KEYS[1]].due_at == DUE[1] + timedelta(hours=5)
    assert pending[KEYS[1]].event_id == moved.id

    clock.set(DUE[1])
    assert drain() == 0, "the slot the occurrence left reminds no one"
    clock.set(DUE[1] + timedelta(hours=5))
    assert drain() == 1
    mail = smtp_sink.wait_for(1)[0]
    assert mail["Subject"].startswith("Reminder: Stand-up (afternoon)")
    assert mail["X-Almanac-Recurrence-Id"] == KEYS[1]
    assert ics_of(mail).walk("VEVENT")[0].decoded("DTSTART") == slot + timedelta(hours=5)

    # An override of a later occurrence, then deleted: that occurrence is reminded at its own time again.
    renamed = add_override(container, series_id, 2, summary="Renamed")
    assert renamed.id is not None
    with container.services.uow() as uow:
        calendar = uow.calendars.get(renamed.calendar_id)
        assert calendar is not None
        store_deleted_event(container.services, uow, renamed, calendar)
    third = next(d for d in deliveries(container, series_id) if d.recurrence_key == KEYS[2])
    assert third.status is DeliveryStatus.PENDING and third.event_id == series_id
    clock.set(DUE[2])
    assert drain() == 1
    subject = smtp_sink.wait_for(2)[1]["Subject"]
    assert subject.startswith("Reminder: Stand-up (") and "afternoon" not in subject, "the master's own title"


def test_changing_an_override_in_place_never_sends_twice(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    author = person(container, "amelie", tzid=PARIS)
    clock.set(FIRST - timedelta(hours=1))
    series_id = daily_series(container, author)
    override = add_override(container, series_id, 0, summary="First")
    clock.set(DUE[0])
    assert drain() == 1
    with container.services.uow() as uow:
        calendar = uow.calendars.get(override.calendar_id)
        assert calendar is not None
        store_changed_event(container.services, uow, override, replace(override, summary="First (renamed)"), calendar)
    clock.advance(timedelta(minutes=5))
    assert drain() == 0
    assert smtp_sink.count == 1


def test_deleting_the_series_cancels_every_pending_reminder(
    container: Container, clock: FakeClock, drain: Drain
) -> None:
    author = person(container, "amelie", tzid=PARIS)
    clock.set(FIRST - timedelta(hours=1))
    series_id = daily_series(container, author)
    add_override(container, series_id, 1, summary="Moved", starts_at=FIRST + timedelta(days=1, hours=2))
    event_service.delete_event(container.services, principal=principal(author), event_id=series_id)
    assert {d.status for d in deliveries(container, series_id)} == {DeliveryStatus.CANCELLED}
    clock.set(DUE[-1])
    assert drain() == 0


def test_popups_and_webhooks_name_the_occurrence(
    container: Container, client: TestClient, clock: FakeClock, receiver: WebhookReceiver, drain: Drain
) -> None:
    author = person(container, "amelie", tzid=PARIS)
    hook = client.post(
        "/api/v2/webhooks",
        json={"url": receiver.url, "eventTypes": ["reminder.due"]},
        headers=author.headers,
    )
    assert hook.status_code == 201, hook.text
    clock.set(FIRST - timedelta(hours=1))
    series_id = daily_series(container, author, channel=ReminderChannel.POPUP)
    for due in DUE[:2]:
        clock.set(due)
        drain()
        drain()  # the reminder.due message queued by the first round
    popups = client.get("/api/v2/reminders/due", headers=author.headers).json()
    assert [(p["recurrenceId"], p["startDate"]) for p in popups] == [
        (KEYS[0], "2026-03-27T08:00:00+00:00"),
        (KEYS[1], "2026-03-28T08:00:00+00:00"),
    ]
    assert {p["eventId"] for p in popups} == {series_id}
    messages = [json.loads(r.body) for r in receiver.received()]
    assert sorted(m["data"]["reminder"]["recurrence_id"] for m in messages) == KEYS[:2]
    assert {m["data"]["reminder"]["occurrence_start"] for m in messages} == {
        "2026-03-27T08:00:00+00:00",
        "2026-03-28T08:00:00+00:00",
    }


def test_an_exo_weekly_series_with_an_email_reminder_sends_one_mail_per_occurrence(
    container: Container, client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    author = person(container, "paul", tzid=PARIS)
    clock.set(datetime(2026, 3, 20, tzinfo=UTC))
    created = client.post(
        "/rest/private/v1/calendar/calendars/paul-defaultCalendarId/events",
        headers=author.headers,
        json={
            "subject": "Weekly review",
            "from": "2026-03-23T09:00:00+01:00",
            "to": "2026-03-23T10:00:00+01:00",
            "repeat": {"type": "weekly", "every": 1, "repeatOn": "MO", "end": {"type": "endAfter", "value": "3"}},
            "reminder": [{"reminderType": "email", "alarmBefore": 10}],
        },
    )
    assert created.status_code == 201, created.text
    # 08:50 in Paris each Monday: 07:50Z on 23 March, 06:50Z after the clocks go forward on 29 March.
    due = [datetime(2026, 3, 23, 7, 50, tzinfo=UTC), datetime(2026, 3, 30, 6, 50, tzinfo=UTC)]
    due.append(datetime(2026, 4, 6, 6, 50, tzinfo=UTC))
    for n, instant in enumerate(due):
        clock.set(instant - timedelta(seconds=1))
        assert drain() == 0
        clock.set(instant)
        assert drain() == 1, f"occurrence {n} is reminded at 08:50 Paris"
    clock.advance(timedelta(days=14))
    assert drain() == 0
    assert [m["X-Almanac-Recurrence-Id"] for m in smtp_sink.wait_for(3)] == [
        "20260323T080000Z",
        "20260330T070000Z",
        "20260406T070000Z",
    ]
    assert smtp_sink.count == 3
