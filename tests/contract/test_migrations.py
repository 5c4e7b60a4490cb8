"""Upgrading a populated database keeps every row and fills new columns correctly, on every backend.

On SQLite, Alembic rebuilds tables to alter them; with foreign keys enforced
that would cascade-delete the rows referencing a rebuilt table, so the test
also checks that participants and reminders (children of events, whose
calendars are rebuilt too) survive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text

from almanac.bootstrap import build_container
from almanac.config import Settings
from almanac.domain.deliveries import DeliveryStatus
from almanac.domain.users import normalize_email
from almanac.services.scheduling import extend_reminder_horizons
from almanac.storage.engine import build_engine
from almanac.storage.migrate import alembic_config, upgrade_to_head
from tests import databases
from tests.doubles import FakeClock

_USER = (
    "INSERT INTO users (id, username, email, email_key, display_name, is_admin, locale, tzid, created_at)"
    " VALUES (1, 'alice', 'alice@example.com', :email_key, 'Alice', false, 'en', 'UTC', '2026-01-01 00:00:00')"
)
_CALENDAR = (
    "INSERT INTO calendars (id, key, owner_id, name, color, tzid, is_default, created_at, updated_at)"
    " VALUES (1, 'alice-default', 1, 'Alice', 'blue', 'UTC', true, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)
_EVENT = (
    "INSERT INTO events (id, key, uid, calendar_id, author_id, summary, summary_folded, starts_at, ends_at, tzid,"
    " priority, privacy, availability, created_at, updated_at, revision)"
    " VALUES (:id, :key, :key, 1, 1, 'Old', 'old', :starts_at, :ends_at, 'UTC', 'none', 'private', 'busy',"
    " '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
)


def test_recurrence_migration_gives_existing_events_their_own_span(tmp_path: Path) -> None:
    engine = build_engine(databases.unmigrated_database(tmp_path))
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003_reminders")
        with engine.begin() as connection:
            connection.execute(text(_USER), {"email_key": normalize_email("alice@example.com")})
            connection.execute(text(_CALENDAR))
            for event_id, starts_at, ends_at in (
                (1, datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 10)),  # an hour
                (2, datetime(2026, 3, 1), datetime(2026, 3, 4)),  # three days
                (3, datetime(2026, 1, 1), datetime(2027, 6, 1)),  # longer than a year
            ):
                connection.execute(
                    text(_EVENT),
                    {"id": event_id, "key": f"Event{event_id}", "starts_at": starts_at, "ends_at": ends_at},
                )
                connection.execute(
                    text("INSERT INTO event_participants (event_id, user_id, position, status) VALUES (:id, 1, 0, '')"),
                    {"id": event_id},
                )
                connection.execute(
                    text(
                        "INSERT INTO event_reminders (event_id, position, before_seconds, channel)"
                        " VALUES (:id, 0, 900, 'email')"
                    ),
                    {"id": event_id},
                )
        upgrade_to_head(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, span_starts_at = starts_at, span_ends_at = ends_at, span_class, all_day,"
                    " recurrence, recurrence_key FROM events ORDER BY id"
                )
            ).all()
            # Kept, and (migration 0020) each carrying its event's start.
            participants = connection.execute(
                text(
                    "SELECT count(*) FROM event_participants JOIN events ON events.id = event_participants.event_id"
                    " WHERE event_participants.event_starts_at = events.starts_at"
                )
            ).scalar_one()
            reminders = connection.execute(text("SELECT count(*) FROM event_reminders")).scalar_one()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, True, True, 0, False, None, ""),
        (2, True, True, 2, False, None, ""),
        (3, True, True, 7, False, None, ""),
    ]
    assert (participants, reminders) == (3, 3)


_CALENDAR_AT_0012 = (
    "INSERT INTO calendars (id, key, owner_id, name, color, tzid, is_default, created_at, updated_at, sync_revision)"
    " VALUES (1, 'alice-default', 1, 'Alice', 'blue', 'UTC', true, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0)"
)
_TASK = (
    "INSERT INTO tasks (id, key, uid, calendar_id, author_id, summary, summary_folded, starts_at, due_at, tzid,"
    " priority, status, created_at, updated_at, revision)"
    " VALUES (1, 'Event1', 'task-1', 1, 1, 'Old task', 'old task', '2026-03-01 09:00:00', '2026-03-02 09:00:00',"
    " 'UTC', 'none', 'needs-action', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
)


def test_task_objects_migration_keeps_tasks_dated_and_calendars_holding_both(tmp_path: Path) -> None:
    engine = build_engine(databases.unmigrated_database(tmp_path))
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0012_reminder_occurrences")
        with engine.begin() as connection:
            connection.execute(text(_USER), {"email_key": normalize_email("alice@example.com")})
            connection.execute(text(_CALENDAR_AT_0012))
            connection.execute(text(_TASK))
            connection.execute(text("INSERT INTO task_delegates (task_id, user_id, position) VALUES (1, 1, 0)"))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0014_task_objects")
        with engine.connect() as connection:
            task = connection.execute(
                text("SELECT has_start, has_due, all_day, dav_name, extra_properties FROM tasks")
            ).one()
            components = connection.execute(text("SELECT components FROM calendars")).scalar_one()
            delegates = connection.execute(text("SELECT count(*) FROM task_delegates")).scalar_one()
    finally:
        engine.dispose()
    assert tuple(task) == (True, True, False, None, None)
    assert components == "VEVENT,VTODO"
    assert delegates == 1


_TASK_REMINDER = "INSERT INTO task_reminders (task_id, position, before_seconds, channel) VALUES (1, 0, 900, 'email')"


def test_tasks_stored_before_task_reminders_are_planned_by_the_next_horizon_round(tmp_path: Path) -> None:
    url = databases.unmigrated_database(tmp_path)
    engine = build_engine(url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0014_task_objects")
        with engine.begin() as connection:
            connection.execute(text(_USER), {"email_key": normalize_email("alice@example.com")})
            connection.execute(text(_CALENDAR_AT_0012))
            connection.execute(text(_TASK))
            connection.execute(text(_TASK_REMINDER))
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    container = build_container(Settings(database_url=url), clock=FakeClock(datetime(2026, 2, 1, tzinfo=UTC)))
    try:
        extend_reminder_horizons(container.services)
        with container.services.uow(read_only=True) as uow:
            (planned,) = uow.deliveries.reminders_of_task(1)
    finally:
        container.close()
    assert planned.due_at == datetime(2026, 3, 1, 8, 45, tzinfo=UTC)
    assert (planned.status, planned.recipient_id) == (DeliveryStatus.PENDING, 1)


def test_journals_migration_keeps_events_served_as_before_and_gives_default_calendars_journals(
    tmp_path: Path,
) -> None:
    engine = build_engine(databases.unmigrated_database(tmp_path))
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0014_task_objects")
        with engine.begin() as connection:
            connection.execute(text(_USER), {"email_key": normalize_email("alice@example.com")})
            connection.execute(text(_CALENDAR_AT_0012))
            connection.execute(
                text(
                    "INSERT INTO calendars (id, key, owner_id, name, color, tzid, is_default, created_at, updated_at,"
                    " sync_revision, components) VALUES (2, 'meetings', 1, 'Meetings', 'blue', 'UTC', false,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, 'VEVENT')"
                )
            )
            start, end = datetime(2026, 1, 10, 9), datetime(2026, 1, 10, 10)
            connection.execute(
                text(
                    "INSERT INTO events (id, key, uid, calendar_id, author_id, summary, summary_folded, starts_at,"
                    " ends_at, tzid, priority, privacy, availability, created_at, updated_at, revision,"
                    " span_starts_at, span_ends_at, span_class, recurrence_key, all_day)"
                    " VALUES (1, 'Event1', 'one', 1, 1, 'Old', 'old', :start, :end, 'UTC', 'none', 'public', 'busy',"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, :start, :end, 0, '', false)"
                ),
                {"start": start, "end": end},
            )
            connection.execute(
                text("INSERT INTO event_participants (event_id, user_id, position, status) VALUES (1, 1, 0, '')")
            )
        upgrade_to_head(engine)
        with engine.connect() as connection:
            event = connection.execute(text("SELECT end_form, class_stated FROM events")).one()
            components = connection.execute(text("SELECT components FROM calendars ORDER BY id")).scalars().all()
            participants = connection.execute(text("SELECT count(*) FROM event_participants")).scalar_one()
            journals = connection.execute(text("SELECT count(*) FROM journals")).scalar_one()
    finally:
        engine.dispose()
    assert tuple(event) == ("dtend", True)  # served with DTEND and CLASS, as before
    assert components == ["VEVENT,VTODO,VJOURNAL", "VEVENT"]  # a calendar made for events alone keeps its set
    assert (participants, journals) == (1, 0)
