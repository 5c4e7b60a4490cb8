"""The change log repository: per-calendar revisions kept on the calendar row, one latest change per name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from almanac.domain.changes import Change, ChangeKind
from almanac.storage.tables import CalendarChangeRow, CalendarRow


class SqlChangeLogRepository:
    """Implements ``almanac.domain.ports.ChangeLogRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, calendar_id: int, name: str, kind: ChangeKind, at: datetime) -> int:
        # One UPDATE ... RETURNING both allocates the revision and locks the calendar row until commit,
        # so revisions of one calendar become visible in the order they were handed out.
        revision = self._session.execute(
            update(CalendarRow)
            .where(CalendarRow.id == calendar_id)
            .values(sync_revision=CalendarRow.sync_revision + 1)
            .returning(CalendarRow.sync_revision)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        row = self._session.scalar(
            select(CalendarChangeRow).where(
                CalendarChangeRow.calendar_id == calendar_id, CalendarChangeRow.name == name
            )
        )
        if row is None:
            row = CalendarChangeRow(calendar_id=calendar_id, name=name)
            self._session.add(row)
        row.revision = revision
        row.kind = kind.value
        row.changed_at = at
        self._session.flush()
        # Keep an already loaded calendar row in step with the column the UPDATE moved.
        loaded = self._session.identity_map.get(self._session.identity_key(CalendarRow, calendar_id))
        if isinstance(loaded, CalendarRow):
            self._session.expire(loaded, ["sync_revision"])
        return int(revision)

    def revision_of(self, calendar_id: int) -> int:
        return int(self._session.scalar(select(CalendarRow.sync_revision).where(CalendarRow.id == calendar_id)) or 0)

    def since(self, calendar_id: int, revision: int) -> list[Change]:
        rows = self._session.scalars(
            select(CalendarChangeRow)
            .where(CalendarChangeRow.calendar_id == calendar_id, CalendarChangeRow.revision > revision)
            .order_by(CalendarChangeRow.revision)
        )
        return [Change(name=r.name, revision=r.revision, kind=ChangeKind(r.kind)) for r in rows]
