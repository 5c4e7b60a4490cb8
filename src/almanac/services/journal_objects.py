"""Journals as calendar objects: one VJOURNAL (with any overrides) per resource, kept as its client wrote it.

A journal's entity tag is a hash of the bytes stored, which are the bytes
served, so a PUT answers with the ETag the client will read back
(RFC 4791 §5.3.4). ``services.calendar_objects`` checks the caller's rights,
the calendar's component set and the preconditions (shared with events and
tasks: one resource name and one UID per calendar object), then calls these
steps inside its unit of work. A journal whose data did not change is not
rewritten (its revision, entity tag and change log stay).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from almanac.domain.calendar_data import ParsedObject, entity_tag_of
from almanac.domain.calendars import Calendar
from almanac.domain.changes import ChangeKind
from almanac.domain.journals import Journal
from almanac.domain.ports import UnitOfWork
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext


@dataclass(frozen=True)
class JournalObject:
    """One journal as a CalDAV client reads it: ``data`` is the VCALENDAR it stored, ``etag`` quoted and strong."""

    uid: str
    name: str
    etag: str
    data: bytes
    journal: Journal
    updated_at: datetime
    component: str = "VJOURNAL"


def journal_object(journal: Journal, *, now: datetime) -> JournalObject:
    data = journal.data.encode("utf-8")
    return JournalObject(
        uid=journal.uid,
        name=journal.name,
        etag=entity_tag_of(data),
        data=data,
        journal=journal,
        updated_at=journal.updated_at or journal.created_at or now,
    )


def store_journal(
    ctx: ServiceContext,
    uow: UnitOfWork,
    calendar: Calendar,
    principal: Principal,
    parsed: ParsedObject,
    existing: Journal | None,
    *,
    name: str,
    data: bytes,
) -> tuple[Journal, bool]:
    """Make the journal ``name`` (``existing``) hold ``data``, already parsed as ``parsed``; (stored, changed).

    A new journal is the principal's; an existing one keeps its author. Logs the change. Does not commit.
    """
    assert parsed.journal is not None and calendar.id is not None
    now = ctx.clock.now()
    text = data.decode("utf-8")  # the parser has read it as UTF-8 already
    if existing is None:
        journal = Journal(
            calendar_id=calendar.id,
            author_id=principal.user_id,
            uid=parsed.uid,
            name=name,
            data=text,
            starts_at=parsed.journal.starts_at,
            recurs=parsed.journal.recurs,
            created_at=now,
            updated_at=now,
            revision=1,
        )
        stored = uow.journals.add(journal)
        uow.changes.record(calendar.id, name, ChangeKind.CREATED, now)
        return stored, True
    if existing.data == text:
        return existing, False
    changed = replace(
        existing,
        data=text,
        starts_at=parsed.journal.starts_at,
        recurs=parsed.journal.recurs,
        updated_at=now,
        revision=existing.revision + 1,
    )
    stored = uow.journals.update(changed)
    uow.changes.record(calendar.id, name, ChangeKind.MODIFIED, now)
    return stored, True


def delete_journal(ctx: ServiceContext, uow: UnitOfWork, journal: Journal) -> None:
    """Delete the journal and log the deletion of its resource. Does not commit."""
    assert journal.id is not None
    uow.changes.record(journal.calendar_id, journal.name, ChangeKind.DELETED, ctx.clock.now())
    uow.journals.delete(journal.id)
