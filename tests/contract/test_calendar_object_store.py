"""The store's calendar-object lookups (by calendar, by UID, by CalDAV resource name) and the columns they add."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from almanac.bootstrap import Container
from almanac.domain.calendars import Calendar
from almanac.domain.events import Event
from almanac.domain.recurrence import Recurrence
from tests.conftest import MakeAccount

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _calendar(container: Container, make_account: MakeAccount) -> tuple[Calendar, int]:
    alice = make_account("alice").user
    assert alice.id is not None
    with container.services.uow() as uow:
        calendar = uow.calendars.default_for(alice.id)
    assert calendar is not None and calendar.id is not None
    return calendar, alice.id


def _event(calendar: Calendar, author: int, uid: str, **changes: object) -> Event:
    assert calendar.id is not None
    event = Event(
        calendar_id=calendar.id,
        author_id=author,
        summary=uid,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=1),
        created_at=T0,
        updated_at=T0,
        revision=1,
    )
    return replace(event, uid=uid, **changes)  # type: ignore[arg-type]


def test_objects_are_found_by_calendar_uid_and_resource_name(container: Container, make_account: MakeAccount) -> None:
    calendar, author = _calendar(container, make_account)
    assert calendar.id is not None
    weekly = Recurrence.from_lines(["RRULE:FREQ=WEEKLY;COUNT=4"], tzid="UTC", all_day=False)
    with container.services.uow() as uow:
        master = uow.events.add(
            _event(calendar, author, "b-series", recurrence=weekly, dav_name="My Event.ics", extra_properties="X-A:1")
        )
        override = uow.events.add(
            _event(calendar, author, "b-series", series_id=master.id, recurrence_id=T0 + timedelta(days=7))
        )
        single = uow.events.add(_event(calendar, author, "a-single"))
        uow.commit()
    with container.services.uow() as uow:
        assert [e.id for e in uow.events.list_of_calendar(calendar.id)] == [single.id, master.id, override.id]
        assert [e.id for e in uow.events.list_by_uid(calendar.id, "b-series")] == [master.id, override.id]
        found = uow.events.get_by_dav_name(calendar.id, "My Event.ics")
        assert found is not None and found.id == master.id
        assert found.extra_properties == "X-A:1" and found.dav_name == "My Event.ics"
        by_default = uow.events.get_by_dav_name(calendar.id, "a-single.ics")
        assert by_default is not None and by_default.id == single.id
        assert uow.events.get_by_dav_name(calendar.id, "b-series.ics") is None  # it has a name of its own
        assert uow.events.get_by_dav_name(calendar.id + 1000, "My Event.ics") is None


def test_many_objects_are_read_at_once_by_master_id_or_resource_name(
    container: Container, make_account: MakeAccount
) -> None:
    calendar, author = _calendar(container, make_account)
    assert calendar.id is not None
    weekly = Recurrence.from_lines(["RRULE:FREQ=WEEKLY;COUNT=4"], tzid="UTC", all_day=False)
    with container.services.uow() as uow:
        master = uow.events.add(_event(calendar, author, "b-series", recurrence=weekly, dav_name="Named.ics"))
        override = uow.events.add(
            _event(calendar, author, "b-series", series_id=master.id, recurrence_id=T0 + timedelta(days=7))
        )
        single = uow.events.add(_event(calendar, author, "a-single"))
        other = uow.events.add(_event(calendar, author, "c-other"))
        uow.commit()
    with container.services.uow() as uow:
        by_id = uow.events.list_objects_of(calendar.id, master_ids=[master.id or 0, single.id or 0])
        assert [e.id for e in by_id] == [single.id, master.id, override.id]  # by UID, master first
        by_name = uow.events.list_objects_of(calendar.id, names=["Named.ics", "c-other.ics", "b-series.ics", "x.ics"])
        assert [e.id for e in by_name] == [master.id, override.id, other.id]  # a named master has no default name
        assert uow.events.list_objects_of(calendar.id + 1000, names=["Named.ics"]) == []
        assert uow.events.list_objects_of(calendar.id) == []


def test_a_resource_name_names_one_event_per_calendar(container: Container, make_account: MakeAccount) -> None:
    calendar, author = _calendar(container, make_account)
    with container.services.uow() as uow:
        uow.events.add(_event(calendar, author, "one", dav_name="same.ics"))
        with pytest.raises(IntegrityError):
            uow.events.add(_event(calendar, author, "two", dav_name="same.ics"))


def test_a_calendar_keeps_its_private_feed_hash(container: Container, make_account: MakeAccount) -> None:
    calendar, _ = _calendar(container, make_account)
    with container.services.uow() as uow:
        uow.calendars.update(replace(calendar, private_feed_hash="ab" * 32))
        uow.commit()
    with container.services.uow() as uow:
        stored = uow.calendars.get_by_key(calendar.key)
        assert stored is not None and stored.private_feed_hash == "ab" * 32


def test_a_put_probe_finds_a_name_or_uid_the_calendar_holds(container: Container, make_account: MakeAccount) -> None:
    calendar, author = _calendar(container, make_account)
    assert calendar.id is not None
    with container.services.uow() as uow:
        uow.events.add(_event(calendar, author, "named-uid", dav_name="Named.ics"))
        uow.events.add(_event(calendar, author, "default-uid"))
        uow.commit()
    with container.services.uow() as uow:
        holds = uow.events.holds_name_or_uid
        assert holds(calendar.id, "Named.ics", "fresh")  # by its name
        assert holds(calendar.id, "other.ics", "named-uid")  # by the UID the PUT carries
        assert holds(calendar.id, "default-uid.ics", "fresh")  # the default name's UID
        assert not holds(calendar.id, "fresh.ics", "fresh")
        assert not holds(calendar.id + 1000, "Named.ics", "named-uid")  # another calendar's
