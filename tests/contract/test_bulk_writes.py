"""The bulk writes of the store (for imports) agree with the one-at-a-time writes, on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from almanac.bootstrap import Container
from almanac.domain.changes import Change, ChangeKind
from almanac.domain.events import Event, Participant, Reminder, ReminderChannel
from almanac.domain.recurrence import Recurrence
from tests.conftest import MakeAccount

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _events(calendar_id: int, author_id: int, guest_id: int, prefix: str) -> list[Event]:
    """A single event with participants and reminders, an all-day one, and a zoned weekly series."""
    weekly = Recurrence.from_lines(
        ["RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE:20260308T080000Z"], tzid="Europe/Paris", all_day=False
    )
    return [
        Event(
            calendar_id=calendar_id,
            author_id=author_id,
            summary="Plan",
            uid=f"{prefix}-single",
            starts_at=T0,
            ends_at=T0 + timedelta(hours=1),
            description="Über",
            participants=[Participant(guest_id, "yes"), Participant(author_id)],
            reminders=[
                Reminder(before=timedelta(minutes=15)),
                Reminder(at=T0 - timedelta(days=1), channel=ReminderChannel.POPUP),
            ],
            extra_properties="X-KEPT:1",
            created_at=T0,
            updated_at=T0,
            revision=1,
        ),
        Event(
            calendar_id=calendar_id,
            author_id=author_id,
            summary="Holiday",
            uid=f"{prefix}-day",
            starts_at=datetime(2026, 3, 2, tzinfo=UTC),
            ends_at=datetime(2026, 3, 3, tzinfo=UTC),
            all_day=True,
            created_at=T0,
            updated_at=T0,
        ),
        Event(
            calendar_id=calendar_id,
            author_id=author_id,
            summary="Stand-up",
            uid=f"{prefix}-series",
            starts_at=datetime(2026, 3, 1, 8, tzinfo=UTC),
            ends_at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
            tzid="Europe/Paris",
            recurrence=weekly,
            created_at=T0,
            updated_at=T0,
        ),
    ]


def test_add_many_stores_and_returns_what_add_does(container: Container, make_account: MakeAccount) -> None:
    alice, bob = make_account("alice").user, make_account("bob").user
    assert alice.id is not None and bob.id is not None
    with container.services.uow() as uow:
        calendar = uow.calendars.default_for(alice.id)
        assert calendar is not None and calendar.id is not None
        one_by_one = [uow.events.add(e) for e in _events(calendar.id, alice.id, bob.id, "one")]
        bulk = uow.events.add_many(_events(calendar.id, alice.id, bob.id, "bulk"))
        series = bulk[2]
        override = Event(
            calendar_id=calendar.id,
            author_id=alice.id,
            summary="Moved",
            uid=series.uid,
            starts_at=datetime(2026, 3, 15, 10, tzinfo=UTC),
            ends_at=datetime(2026, 3, 15, 10, 30, tzinfo=UTC),
            tzid="Europe/Paris",
            series_id=series.id,
            recurrence_id=datetime(2026, 3, 15, 8, tzinfo=UTC),
            created_at=T0,
            updated_at=T0,
        )
        (stored_override,) = uow.events.add_many([override])
        uow.commit()
    with container.services.uow(read_only=True) as uow:
        for returned in [*one_by_one, *bulk, stored_override]:
            assert returned.id is not None
            assert uow.events.get(returned.id) == returned
        by_uid = uow.events.list_by_uids(calendar.id, ["bulk-series", "one-day", "nobody"])
    assert sorted(by_uid) == ["bulk-series", "one-day"]
    assert by_uid["bulk-series"] == [series, stored_override]  # master first
    for one, many in zip(one_by_one, bulk, strict=True):
        assert (one.summary, one.participants, one.reminders, one.recurrence) == (
            many.summary,
            many.participants,
            many.reminders,
            many.recurrence,
        )
    assert stored_override.recurrence_id == datetime(2026, 3, 15, 8, tzinfo=UTC)
    assert bulk[1].all_day and bulk[1].starts_at.date() == date(2026, 3, 2)


def test_record_many_is_record_in_turn(container: Container, make_account: MakeAccount) -> None:
    alice = make_account("alice").user
    bob = make_account("bob").user
    assert alice.id is not None and bob.id is not None
    changes = [
        ("a.ics", ChangeKind.CREATED),
        ("b.ics", ChangeKind.CREATED),
        ("a.ics", ChangeKind.MODIFIED),
        ("c.ics", ChangeKind.DELETED),
    ]
    with container.services.uow() as uow:
        one, other = uow.calendars.default_for(alice.id), uow.calendars.default_for(bob.id)
        assert one is not None and one.id is not None and other is not None and other.id is not None
        uow.changes.record(one.id, "c.ics", ChangeKind.CREATED, T0)  # an existing entry is moved on, not doubled
        uow.changes.record(other.id, "c.ics", ChangeKind.CREATED, T0)
        for name, kind in changes:
            uow.changes.record(other.id, name, kind, T0)
        assert uow.changes.record_many(one.id, changes, T0) == 5
        uow.commit()
    with container.services.uow(read_only=True) as uow:
        assert uow.changes.since(one.id, 0) == uow.changes.since(other.id, 0)
        assert uow.changes.since(one.id, 0) == [
            Change("b.ics", 3, ChangeKind.CREATED),
            Change("a.ics", 4, ChangeKind.MODIFIED),
            Change("c.ics", 5, ChangeKind.DELETED),
        ]
        assert uow.changes.revision_of(one.id) == 5


def test_set_horizons_is_set_horizon_for_each(container: Container, make_account: MakeAccount) -> None:
    alice, bob = make_account("alice").user, make_account("bob").user
    assert alice.id is not None and bob.id is not None
    with container.services.uow() as uow:
        calendar = uow.calendars.default_for(alice.id)
        assert calendar is not None and calendar.id is not None
        first, second = uow.events.add_many(_events(calendar.id, alice.id, bob.id, "h")[:2])
        assert first.id is not None and second.id is not None
        uow.deliveries.set_horizon(first.id, T0)
        assert uow.deliveries.horizon_of(first.id) == T0
        uow.deliveries.set_horizons({first.id: T0 + timedelta(days=1), second.id: T0 + timedelta(days=2)})
        assert uow.deliveries.horizon_of(first.id) == T0 + timedelta(days=1)
        uow.commit()
    with container.services.uow(read_only=True) as uow:
        assert uow.deliveries.horizon_of(second.id) == T0 + timedelta(days=2)
