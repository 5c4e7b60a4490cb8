"""The calendar repository, and the SQL form of "calendars this principal may view"."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from almanac.domain.calendars import Calendar
from almanac.domain.permissions import EntryKind, parse_entry
from almanac.domain.queries import Page, PageRequest
from almanac.domain.sharing import CalendarKind
from almanac.domain.users import Principal
from almanac.storage import calendar_queries
from almanac.storage.tables import CalendarGrantRow, CalendarGroupRow, CalendarRow

VIEW = "view"
EDIT = "edit"


def viewable_calendar_condition(principal: Principal) -> ColumnElement[bool]:
    """SQL mirror of ``permissions.can_view_calendar`` (the contract tests hold the two together).

    Owner, member of one of the calendar's groups, or matched by any view or
    edit entry. Administrators view everything.
    """
    if principal.is_admin:
        return true()
    group_ids = sorted(principal.group_ids)
    in_groups: ColumnElement[bool] = (
        exists().where(CalendarGroupRow.calendar_id == CalendarRow.id, CalendarGroupRow.group_id.in_(group_ids))
        if group_ids
        else false()
    )
    grant_matches = [
        and_(CalendarGrantRow.kind == EntryKind.USER.value, CalendarGrantRow.username == principal.username)
    ]
    if group_ids:
        grant_matches.append(
            and_(CalendarGrantRow.kind == EntryKind.GROUP.value, CalendarGrantRow.group_id.in_(group_ids))
        )
    grant_matches.extend(
        and_(
            CalendarGrantRow.kind == EntryKind.MEMBERSHIP.value,
            CalendarGrantRow.group_id == m.group_id,
            CalendarGrantRow.membership_type == m.membership_type,
        )
        for m in sorted(principal.memberships, key=lambda m: (m.group_id, m.membership_type))
    )
    granted = exists().where(CalendarGrantRow.calendar_id == CalendarRow.id, or_(*grant_matches))
    return or_(CalendarRow.owner_id == principal.user_id, in_groups, granted)


def _calendar(row: CalendarRow) -> Calendar:
    return Calendar(
        id=row.id,
        key=row.key,
        name=row.name,
        owner_id=row.owner_id,
        description=row.description,
        color=row.color,
        tzid=row.tzid,
        groups=[g.group_id for g in row.groups],
        view_permissions=[g.raw for g in row.grants if g.right == VIEW],
        edit_permissions=[g.raw for g in row.grants if g.right == EDIT],
        public_url=row.public_url,
        private_url=row.private_url,
        private_feed_hash=row.private_feed_hash,
        is_default=row.is_default,
        sort_order=row.sort_order,
        sync_revision=row.sync_revision,
        components=tuple(name for name in row.components.split(",") if name),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _grant_rows(calendar: Calendar) -> list[CalendarGrantRow]:
    rows = []
    for right, entries in ((VIEW, calendar.view_permissions), (EDIT, calendar.edit_permissions)):
        for position, raw in enumerate(e for e in entries if e.strip()):
            entry = parse_entry(raw)
            rows.append(
                CalendarGrantRow(
                    right=right,
                    position=position,
                    raw=entry.raw,
                    kind=entry.kind.value,
                    username=entry.username,
                    group_id=entry.group_id,
                    membership_type=entry.membership_type,
                )
            )
    return rows


def _fill(row: CalendarRow, calendar: Calendar) -> None:
    row.key = calendar.key
    row.name = calendar.name
    row.owner_id = calendar.owner_id
    row.description = calendar.description
    row.color = calendar.color
    row.tzid = calendar.tzid
    row.public_url = calendar.public_url
    row.private_url = calendar.private_url
    row.private_feed_hash = calendar.private_feed_hash
    row.is_default = calendar.is_default
    row.sort_order = calendar.sort_order
    row.components = ",".join(calendar.components)
    # sync_revision is left alone: only the change log moves it (storage.changes).
    if calendar.created_at is not None:
        row.created_at = calendar.created_at
    if calendar.updated_at is not None:
        row.updated_at = calendar.updated_at
    row.groups = [CalendarGroupRow(group_id=g, position=i) for i, g in enumerate(dict.fromkeys(calendar.groups))]
    row.grants = _grant_rows(calendar)


class SqlCalendarRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, calendar: Calendar) -> Calendar:
        row = CalendarRow()
        _fill(row, calendar)
        self._session.add(row)
        self._session.flush()
        return _calendar(row)

    def update(self, calendar: Calendar) -> Calendar:
        row = self._session.get(CalendarRow, calendar.id)
        if row is None:
            raise LookupError(f"calendar {calendar.id} vanished during its unit of work")
        _fill(row, calendar)
        self._session.flush()
        return _calendar(row)

    def get(self, calendar_id: int) -> Calendar | None:
        row = self._session.get(CalendarRow, calendar_id)
        return _calendar(row) if row else None

    def get_by_key(self, key: str) -> Calendar | None:
        row = self._session.scalar(select(CalendarRow).where(CalendarRow.key == key))
        return _calendar(row) if row else None

    def default_for(self, user_id: int) -> Calendar | None:
        row = self._session.scalar(
            select(CalendarRow).where(CalendarRow.owner_id == user_id, CalendarRow.is_default.is_(True))
        )
        return _calendar(row) if row else None

    def list_by_ids(self, calendar_ids: Sequence[int]) -> list[Calendar]:
        if not calendar_ids:
            return []
        rows = self._session.scalars(select(CalendarRow).where(CalendarRow.id.in_(list(calendar_ids))))
        return [_calendar(r) for r in rows]

    # --- eXo face queries (rules in storage.calendar_queries) ------------------------------------------

    def delete(self, calendar_id: int) -> None:
        row = self._session.get(CalendarRow, calendar_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()

    def list_related(self, principal: Principal, kinds: Collection[CalendarKind], page: PageRequest) -> Page[Calendar]:
        viewable = viewable_calendar_condition(replace(principal, is_admin=False))
        rows, total = calendar_queries.list_related(self._session, principal, kinds, page, viewable=viewable)
        return Page(items=[_calendar(r) for r in rows], total=total)
