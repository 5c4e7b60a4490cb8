"""The journal repository: rows <-> domain journals (VJOURNAL calendar objects kept as their iCalendar text)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from almanac.domain.journals import Journal
from almanac.storage.object_names import name_or_uid_held
from almanac.storage.tables import JournalRow

#: How far beyond a window a journal's stored DTSTART may lie and still match: a dated journal spans its day
#: (RFC 4791 §9.9), and a date or floating time is stored in the calendar's zone (up to 14 hours from UTC)
#: while a filter may read it in another.
_MARGIN = timedelta(days=2)


def _journal(row: JournalRow) -> Journal:
    return Journal(
        id=row.id,
        calendar_id=row.calendar_id,
        author_id=row.author_id,
        uid=row.uid,
        name=row.name,
        data=row.data,
        starts_at=row.starts_at,
        recurs=row.recurs,
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
    )


def _fill(row: JournalRow, journal: Journal) -> None:
    row.calendar_id = journal.calendar_id
    row.author_id = journal.author_id
    row.uid = journal.uid
    row.name = journal.name
    row.data = journal.data
    row.starts_at = journal.starts_at
    row.recurs = journal.recurs
    if journal.created_at is not None:
        row.created_at = journal.created_at
    if journal.updated_at is not None:
        row.updated_at = journal.updated_at
    row.revision = journal.revision


class SqlJournalRepository:
    """Implements ``almanac.domain.ports.JournalRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, journal: Journal) -> Journal:
        row = JournalRow()
        _fill(row, journal)
        self._session.add(row)
        self._session.flush()
        return _journal(row)

    def get_by_name(self, calendar_id: int, name: str, *, for_update: bool = False) -> Journal | None:
        query = select(JournalRow).where(JournalRow.calendar_id == calendar_id, JournalRow.name == name)
        if for_update:
            # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
            query = query.with_for_update()
        row = self._session.scalar(query)
        return _journal(row) if row else None

    def get_by_uid(self, calendar_id: int, uid: str) -> Journal | None:
        row = self._session.scalar(
            select(JournalRow).where(JournalRow.calendar_id == calendar_id, JournalRow.uid == uid)
        )
        return _journal(row) if row else None

    def holds_name_or_uid(self, calendar_id: int, name: str, uid: str) -> bool:
        columns = (JournalRow.calendar_id, JournalRow.name, JournalRow.uid)
        return name_or_uid_held(self._session, columns, calendar_id, name, uid)

    def list_of_calendar(
        self, calendar_id: int, *, names: Sequence[str] | None = None, reaching: tuple[datetime, datetime] | None = None
    ) -> list[Journal]:
        conditions: list[ColumnElement[bool]] = [JournalRow.calendar_id == calendar_id]
        if names is not None:
            conditions.append(JournalRow.name.in_(list(names)))
        if reaching is not None:
            start, end = reaching
            dated = and_(JournalRow.starts_at >= start - _MARGIN, JournalRow.starts_at < end + _MARGIN)
            conditions.append(or_(JournalRow.recurs, dated))
        query = select(JournalRow).where(*conditions).order_by(JournalRow.uid, JournalRow.id)
        return [_journal(row) for row in self._session.scalars(query)]

    def update(self, journal: Journal) -> Journal:
        row = self._session.get(JournalRow, journal.id)
        if row is None:
            raise LookupError(f"journal {journal.id} vanished during its unit of work")
        _fill(row, journal)
        self._session.flush()
        return _journal(row)

    def delete(self, journal_id: int) -> None:
        row = self._session.get(JournalRow, journal_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()
