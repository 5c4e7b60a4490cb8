"""The change log repository: per-calendar revisions kept on the calendar row, one latest change per name,
and the pruning of old tombstones behind each calendar's sync horizon."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from almanac.domain.changes import Change, ChangeKind
from almanac.storage.tables import CalendarChangeRow, CalendarRow
from almanac.storage.upserts import upsert_of


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
        # One upsert of the name's row (one row per name), not a read and then an ORM insert or update.
        latest = {"revision": revision, "kind": kind.value, "changed_at": at}
        self._session.execute(
            upsert_of(self._session, CalendarChangeRow)
            .values(calendar_id=calendar_id, name=name, **latest)
            .on_conflict_do_update(index_elements=["calendar_id", "name"], set_=latest)
        )
        self._expire_calendar(calendar_id)
        return int(revision)

    def record_many(self, calendar_id: int, changes: Sequence[tuple[str, ChangeKind]], at: datetime) -> int:
        if not changes:
            return self.revision_of(calendar_id)
        # One UPDATE takes every revision at once (and locks the calendar row, as record does); change i
        # gets the i-th of them, so the last change of a name holds its latest revision.
        last = self._session.execute(
            update(CalendarRow)
            .where(CalendarRow.id == calendar_id)
            .values(sync_revision=CalendarRow.sync_revision + len(changes))
            .returning(CalendarRow.sync_revision)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        first = int(last) - len(changes) + 1
        latest = {name: (first + i, kind) for i, (name, kind) in enumerate(changes)}
        names = sorted(latest)
        known: dict[str, int] = {}
        for start in range(0, len(names), 500):
            rows = self._session.execute(
                select(CalendarChangeRow.name, CalendarChangeRow.id).where(
                    CalendarChangeRow.calendar_id == calendar_id, CalendarChangeRow.name.in_(names[start : start + 500])
                )
            )
            known.update({name: row_id for name, row_id in rows})
        fresh: list[dict[str, Any]] = []
        moved: list[dict[str, Any]] = []
        for name, (revision, kind) in latest.items():
            values = {"revision": revision, "kind": kind.value, "changed_at": at}
            if name in known:
                moved.append({"id": known[name], **values})
            else:
                fresh.append({"calendar_id": calendar_id, "name": name, **values})
        if fresh:  # Core, not the ORM's bulk insert: no per-row bookkeeping
            self._session.execute(insert(CalendarChangeRow.metadata.tables[CalendarChangeRow.__tablename__]), fresh)
        if moved:
            self._session.execute(update(CalendarChangeRow), moved)  # by primary key, executemany
        self._expire_calendar(calendar_id)
        return int(last)

    def _expire_calendar(self, calendar_id: int) -> None:
        """Keep an already loaded calendar row in step with the column an UPDATE moved."""
        loaded = self._session.identity_map.get(self._session.identity_key(CalendarRow, calendar_id))
        if isinstance(loaded, CalendarRow):
            self._session.expire(loaded, ["sync_revision"])

    def revision_of(self, calendar_id: int) -> int:
        return int(self._session.scalar(select(CalendarRow.sync_revision).where(CalendarRow.id == calendar_id)) or 0)

    def horizon_of(self, calendar_id: int) -> int:
        return int(self._session.scalar(select(CalendarRow.sync_horizon).where(CalendarRow.id == calendar_id)) or 0)

    def since(self, calendar_id: int, revision: int, *, limit: int | None = None) -> list[Change]:
        query = (
            select(CalendarChangeRow.name, CalendarChangeRow.revision, CalendarChangeRow.kind)
            .where(CalendarChangeRow.calendar_id == calendar_id, CalendarChangeRow.revision > revision)
            .order_by(CalendarChangeRow.revision)
        )
        if limit is not None:
            query = query.limit(limit)
        return [
            Change(name=name, revision=rev, kind=ChangeKind(kind)) for name, rev, kind in self._session.execute(query)
        ]

    def calendars_with_tombstones_before(self, before: datetime, *, after_id: int, limit: int) -> list[int]:
        query = (
            select(CalendarChangeRow.calendar_id)
            .where(
                CalendarChangeRow.kind == ChangeKind.DELETED.value,
                CalendarChangeRow.changed_at < before,
                CalendarChangeRow.calendar_id > after_id,
            )
            .group_by(CalendarChangeRow.calendar_id)
            .order_by(CalendarChangeRow.calendar_id)
            .limit(limit)
        )
        return [int(i) for i in self._session.scalars(query)]

    def prune_tombstones(self, calendar_id: int, *, before: datetime) -> int | None:
        # The calendar row's lock first, as record() takes it: a writer of this calendar either finished before
        # (its re-created name is no tombstone any more) or waits until this commits (and inserts a new row).
        # SKIP LOCKED (PostgreSQL): a calendar being written is left for the next round rather than waited
        # for, so pruning never holds up writers or other pruning processes. SQLite serialises writers anyway.
        locked = self._session.scalar(
            select(CalendarRow.id).where(CalendarRow.id == calendar_id).with_for_update(skip_locked=True)
        )
        if locked is None:
            return None
        old = (
            CalendarChangeRow.calendar_id == calendar_id,
            CalendarChangeRow.kind == ChangeKind.DELETED.value,
            CalendarChangeRow.changed_at < before,
        )
        newest = self._session.scalar(select(func.max(CalendarChangeRow.revision)).where(*old))
        if newest is None:
            return 0
        removed = self._session.execute(
            delete(CalendarChangeRow)
            .where(*old, CalendarChangeRow.revision <= newest)
            .execution_options(synchronize_session=False)
        )
        # Never lowered: an earlier round may have pruned a newer tombstone.
        self._session.execute(
            update(CalendarRow)
            .where(CalendarRow.id == calendar_id, CalendarRow.sync_horizon < newest)
            .values(sync_horizon=newest)
            .execution_options(synchronize_session=False)
        )
        loaded = self._session.identity_map.get(self._session.identity_key(CalendarRow, calendar_id))
        if isinstance(loaded, CalendarRow):
            self._session.expire(loaded, ["sync_horizon"])
        return int(getattr(removed, "rowcount", 0) or 0)
