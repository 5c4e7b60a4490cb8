"""Small builders for the iCalendar tests: events from parsed components, users, and the fixtures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from almanac.domain.calendar_data import ParsedComponent, ParsedObject
from almanac.domain.events import Event, Participant
from almanac.domain.users import User

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "ics"
ALL_FIXTURES = sorted(path.name for path in FIXTURES.glob("*.ics"))

ALICE = User("alice", "alice@example.com", "Alice Martin", id=1)
BOB = User("bob", "bob@example.com", "Bob, Jr", id=2)
USERS = {1: ALICE, 2: BOB}
CREATED = datetime(2024, 1, 1, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def event_of(uid: str, parsed: ParsedComponent, *, revision: int = 1) -> Event:
    """The event a service would store for a parsed component (participants by known address)."""
    by_email = {user.email: user for user in USERS.values()}
    return Event(
        calendar_id=1,
        author_id=ALICE.id or 0,
        uid=uid,
        summary=parsed.summary,
        description=parsed.description,
        location=parsed.location,
        starts_at=parsed.starts_at,
        ends_at=parsed.ends_at,
        tzid=parsed.tzid,
        all_day=parsed.all_day,
        recurrence=parsed.recurrence,
        recurrence_id=parsed.recurrence_id,
        category_key=parsed.category_key,
        priority=parsed.priority,
        privacy=parsed.privacy,
        availability=parsed.availability,
        reminders=list(parsed.reminders),
        participants=[
            Participant(user_id=by_email[a.email].id or 0, status=a.status)
            for a in parsed.attendees
            if a.email in by_email
        ],
        extra_properties=extra_of(parsed),
        end_form=parsed.end_form,
        class_stated=parsed.class_stated,
        created_at=CREATED,
        updated_at=CREATED,
        revision=revision,
    )


def extra_of(parsed: ParsedComponent) -> str | None:
    """As the service keeps them: the unmodelled lines, then attendees who are no user, then a foreign organizer."""
    known = {user.email for user in USERS.values()}
    lines = [parsed.extra_properties] if parsed.extra_properties else []
    lines += [a.line for a in parsed.attendees if a.email not in known]
    if parsed.organizer is not None and parsed.organizer.email != ALICE.email:
        lines.append(parsed.organizer.line)
    return "\n".join(lines) or None


def events_of(parsed: ParsedObject) -> tuple[Event, list[Event]]:
    assert parsed.master is not None
    return event_of(parsed.uid, parsed.master), [event_of(parsed.uid, o) for o in parsed.overrides]


def objects_of(found: Sequence[ParsedObject]) -> list[tuple[Event, list[Event]]]:
    return [events_of(parsed) for parsed in found if parsed.master is not None]
