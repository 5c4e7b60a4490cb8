"""The calendar repository, and the SQL form of "calendars this principal may view"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    String,
    and_,
    bindparam,
    exists,
    false,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

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


def _calendar(row: Any, groups: Iterable[str], grants: Sequence[Any]) -> Calendar:
    """A domain calendar from a ``calendars`` row (an entity or a plain row), its group ids and its grant rows
    (``right`` and ``raw``)."""
    return Calendar(
        id=row.id,
        key=row.key,
        name=row.name,
        owner_id=row.owner_id,
        description=row.description,
        color=row.color,
        tzid=row.tzid,
        groups=list(groups),
        view_permissions=[g.raw for g in grants if g.right == VIEW],
        edit_permissions=[g.raw for g in grants if g.right == EDIT],
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


def _entity_calendar(row: CalendarRow) -> Calendar:
    """The domain calendar of an entity the unit of work holds (after a write)."""
    return _calendar(row, [g.group_id for g in row.groups], row.grants)


#: Every mapped column of ``calendars``: calendars are read as rows (see ``load_calendars``).
_CALENDAR_COLUMNS = tuple(getattr(CalendarRow, column.key) for column in CalendarRow.__table__.columns)


def load_calendars(session: Session, query: Select[Any]) -> list[Calendar]:
    """The calendars ``query`` (a ``select(CalendarRow)…``) finds, in its order, read as plain rows.

    Why not entities: as for events (``storage.event_rows``), entity loading with two
    ``selectin`` relationships cost more than the SQL, and every request reads calendars.
    """
    return _calendars_of_rows(session, session.execute(query.with_only_columns(*_CALENDAR_COLUMNS)).all())


#: ``right`` of a group row in ``_parts_query`` (grants carry "view" or "edit").
_GROUP_PART = "group"


@cache
def _parts_query() -> Executable:
    """The groups and grants of calendars ``ids`` in one statement (every request reads calendars), by
    calendar, part and position. Built once, on first use: a statement object used again skips SQLAlchemy's
    construction and cache-key computation (memoized on it)."""
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    groups = select(
        CalendarGroupRow.calendar_id,
        # A constant in the SQL text, not a bound parameter: no backend has to guess a parameter's type.
        literal_column(f"'{_GROUP_PART}'", String).label("right"),
        CalendarGroupRow.group_id.label("raw"),
        CalendarGroupRow.position,
    ).where(CalendarGroupRow.calendar_id.in_(ids))
    grants = select(
        CalendarGrantRow.calendar_id, CalendarGrantRow.right, CalendarGrantRow.raw, CalendarGrantRow.position
    ).where(CalendarGrantRow.calendar_id.in_(ids))
    parts = union_all(groups, grants).subquery()
    return select(parts.c.calendar_id, parts.c.right, parts.c.raw).order_by(
        parts.c.calendar_id, parts.c.right, parts.c.position
    )


# The calendar reads of nearly every request (CalDAV and eXo name a calendar by key; event lists read their
# events' calendars by id), built once on first use, as ``_parts_query``.


@cache
def _by_key_query() -> Executable:
    return select(*_CALENDAR_COLUMNS).where(CalendarRow.key == bindparam("key"))


@cache
def _by_ids_query() -> Executable:
    return select(*_CALENDAR_COLUMNS).where(CalendarRow.id.in_(bindparam("ids", expanding=True)))


def _calendars_of_rows(session: Session, rows: Sequence[Any]) -> list[Calendar]:
    """Domain calendars for rows holding ``_CALENDAR_COLUMNS``, with one more query for their groups and grants."""
    if not rows:
        return []
    groups: defaultdict[int, list[str]] = defaultdict(list)
    grants: defaultdict[int, list[Any]] = defaultdict(list)
    for part in session.execute(_parts_query(), {"ids": sorted({row.id for row in rows})}):
        if part.right == _GROUP_PART:
            groups[part.calendar_id].append(part.raw)
        else:
            grants[part.calendar_id].append(part)
    return [_calendar(row, groups.get(row.id, ()), grants.get(row.id, ())) for row in rows]


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
        return _entity_calendar(row)

    def update(self, calendar: Calendar) -> Calendar:
        row = self._session.get(CalendarRow, calendar.id)
        if row is None:
            raise LookupError(f"calendar {calendar.id} vanished during its unit of work")
        _fill(row, calendar)
        self._session.flush()
        return _entity_calendar(row)

    def get(self, calendar_id: int) -> Calendar | None:
        return self._first(select(CalendarRow).where(CalendarRow.id == calendar_id))

    def get_by_key(self, key: str) -> Calendar | None:
        found = _calendars_of_rows(self._session, self._session.execute(_by_key_query(), {"key": key}).all())
        return found[0] if found else None

    def default_for(self, user_id: int) -> Calendar | None:
        return self._first(select(CalendarRow).where(CalendarRow.owner_id == user_id, CalendarRow.is_default.is_(True)))

    def list_by_ids(self, calendar_ids: Sequence[int]) -> list[Calendar]:
        if not calendar_ids:
            return []
        rows = self._session.execute(_by_ids_query(), {"ids": sorted(calendar_ids)}).all()
        return _calendars_of_rows(self._session, rows)

    def _first(self, query: Select[Any]) -> Calendar | None:
        found = load_calendars(self._session, query.limit(1))
        return found[0] if found else None

    # --- eXo face queries (rules in storage.calendar_queries) ------------------------------------------

    def delete(self, calendar_id: int) -> None:
        row = self._session.get(CalendarRow, calendar_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()

    def list_related(self, principal: Principal, kinds: Collection[CalendarKind], page: PageRequest) -> Page[Calendar]:
        viewable = viewable_calendar_condition(replace(principal, is_admin=False))
        items, total = calendar_queries.list_related(self._session, principal, kinds, page, viewable=viewable)
        return Page(items=load_calendars(self._session, items) if items is not None else [], total=total)
