"""The event repository: rows <-> domain events, and the filtered, permission-scoped list query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from almanac.domain.events import (
    Availability,
    Event,
    Participant,
    Priority,
    Privacy,
    Reminder,
    ReminderChannel,
    span_of,
)
from almanac.domain.queries import EventFilter, EventOrder, EventSortKey, Page, PageRequest
from almanac.domain.recurrence import (
    Recurrence,
    RecurrenceId,
    RecurrenceLimits,
    format_occurrence_key,
    parse_occurrence_key,
)
from almanac.domain.users import Principal, normalize_email
from almanac.storage import event_queries
from almanac.storage.calendars import viewable_calendar_condition
from almanac.storage.tables import CalendarRow, EventParticipantRow, EventReminderRow, EventRow, UserRow

_SORT_COLUMNS = {
    EventSortKey.STARTS_AT: EventRow.starts_at,
    EventSortKey.ENDS_AT: EventRow.ends_at,
    EventSortKey.SUMMARY: EventRow.summary_folded,
    EventSortKey.CREATED_AT: EventRow.created_at,
    EventSortKey.UPDATED_AT: EventRow.updated_at,
    EventSortKey.ID: EventRow.id,
}


def _fold(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def _recurrence_id(key: str) -> RecurrenceId | None:
    """The stored occurrence key back as a recurrence id (keys are UTC, or dates for all-day series)."""
    if not key:
        return None
    return parse_occurrence_key(key, tzid="UTC", all_day=len(key) == len("YYYYMMDD"))


def _recurrence(row: EventRow) -> Recurrence | None:
    if row.recurrence is None:
        return None
    # Stored lines carry UTC (or date) values, so the zone only matters for floating text, which is never stored.
    return Recurrence.from_lines(row.recurrence.splitlines(), tzid=row.tzid, all_day=row.all_day)


def _event(row: EventRow) -> Event:
    return Event(
        id=row.id,
        key=row.key,
        uid=row.uid,
        calendar_id=row.calendar_id,
        author_id=row.author_id,
        summary=row.summary,
        description=row.description,
        location=row.location,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        tzid=row.tzid,
        all_day=row.all_day,
        recurrence=_recurrence(row),
        recurrence_id=_recurrence_id(row.recurrence_key),
        series_id=row.series_id,
        category_key=row.category_key,
        priority=Priority(row.priority),
        privacy=Privacy(row.privacy),
        availability=Availability(row.availability),
        participants=[Participant(user_id=p.user_id, status=p.status) for p in row.participants],
        reminders=[
            Reminder(
                before=timedelta(seconds=r.before_seconds) if r.before_seconds is not None else None,
                at=r.at,
                channel=ReminderChannel(r.channel),
            )
            for r in row.reminders
        ],
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
        extra_properties=row.extra_ics,
        dav_name=row.dav_name,
    )


#: The row mapper, for the other repositories that select events (free/busy).
event_from_row = _event


def _fill(row: EventRow, event: Event, limits: RecurrenceLimits) -> None:
    row.key = event.key
    row.uid = event.uid
    row.calendar_id = event.calendar_id
    row.author_id = event.author_id
    row.summary = event.summary
    row.summary_folded = event.summary.casefold()
    row.description = event.description
    row.description_folded = _fold(event.description)
    row.location = event.location
    row.starts_at = event.starts_at
    row.ends_at = event.ends_at
    row.tzid = event.tzid
    row.all_day = event.all_day
    lines = event.recurrence.to_lines() if event.recurrence is not None else []
    row.recurrence = "\n".join(lines) if lines else None
    row.series_id = event.series_id
    row.recurrence_key = format_occurrence_key(event.recurrence_id) if event.recurrence_id is not None else ""
    span = span_of(event, limits)
    row.span_starts_at = span.first_start
    row.span_ends_at = span.last_end
    row.span_class = span_class(span.first_start, span.last_end)
    row.category_key = event.category_key
    row.priority = event.priority.value
    row.privacy = event.privacy.value
    row.availability = event.availability.value
    if event.created_at is not None:
        row.created_at = event.created_at
    if event.updated_at is not None:
        row.updated_at = event.updated_at
    row.revision = event.revision
    row.extra_ics = event.extra_properties
    row.dav_name = event.dav_name
    row.participants = [
        EventParticipantRow(user_id=p.user_id, position=i, status=p.status) for i, p in enumerate(event.participants)
    ]
    row.reminders = [
        EventReminderRow(
            position=i,
            before_seconds=int(r.before.total_seconds()) if r.before is not None else None,
            at=r.at,
            channel=r.channel.value,
        )
        for i, r in enumerate(event.reminders)
    ]


def _contains(column: QueryableAttribute[str] | QueryableAttribute[str | None], text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match on a case-folded column, with LIKE wildcards taken literally."""
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def filter_conditions(event_filter: EventFilter) -> list[ColumnElement[bool]]:
    """The SQL form of ``EventFilter`` — the period predicate is defined there and only implemented here."""
    conditions: list[ColumnElement[bool]] = []
    if event_filter.period_start is not None:
        conditions.append(EventRow.starts_at >= event_filter.period_start)
    if event_filter.period_end is not None:
        conditions.append(EventRow.ends_at <= event_filter.period_end)
        # Implied (an event never ends before it starts), and it lets the starts_at index bound
        # the scan from both sides instead of reading every event after period_start.
        conditions.append(EventRow.starts_at <= event_filter.period_end)
    if event_filter.participant_emails:
        keys = sorted({normalize_email(e) for e in event_filter.participant_emails})
        conditions.append(
            exists()
            .where(EventParticipantRow.event_id == EventRow.id)
            .where(EventParticipantRow.user_id == UserRow.id)
            .where(UserRow.email_key.in_(keys))
        )
    if event_filter.summary_contains:
        conditions.append(_contains(EventRow.summary_folded, event_filter.summary_contains))
    if event_filter.description_contains:
        conditions.append(_contains(EventRow.description_folded, event_filter.description_contains))
    return conditions


def visible_condition(principal: Principal) -> ColumnElement[bool]:
    """Events of calendars the principal may view, plus events they take part in."""
    in_viewable_calendar = exists().where(
        CalendarRow.id == EventRow.calendar_id, viewable_calendar_condition(principal)
    )
    takes_part = exists().where(
        EventParticipantRow.event_id == EventRow.id, EventParticipantRow.user_id == principal.user_id
    )
    return or_(in_viewable_calendar, takes_part)


SPAN_CLASSES: tuple[timedelta, ...] = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=7),
    timedelta(days=31),
    timedelta(days=92),
    timedelta(days=183),
    timedelta(days=366),
)
"""Upper bounds of the span classes; a longer (or endless) span is in class ``len(SPAN_CLASSES)``.

Migration 0004 keeps a frozen copy: changing these means a migration that recomputes ``span_class``.
"""
_LONG = len(SPAN_CLASSES)


def span_class(first_start: datetime, last_end: datetime | None) -> int:
    """The class of a span: the index of the first bound it fits in, or ``_LONG``."""
    if last_end is None:
        return _LONG
    length = last_end - first_start
    return next((i for i, bound in enumerate(SPAN_CLASSES) if length <= bound), _LONG)


def reaching_window_condition(window_start: datetime, window_end: datetime) -> ColumnElement[bool]:
    """Events whose span (a single event's timing, a whole series' for a master) reaches the window.

    A superset of the events with an occurrence overlapping ``[window_start,
    window_end)``; ``domain.series.occurrences_in_window`` decides exactly. A span
    of class ``i`` lasts at most ``SPAN_CLASSES[i]``, so if it reaches the window it
    starts in ``[window_start - SPAN_CLASSES[i], window_end)``: one tight range scan
    of the (span_class, span_starts_at) index per class, instead of every event that
    starts before the window's end.
    """
    by_class = [
        and_(
            EventRow.span_class == i,
            EventRow.span_starts_at >= window_start - bound,
            EventRow.span_starts_at < window_end,
        )
        for i, bound in enumerate(SPAN_CLASSES)
    ]
    by_class.append(and_(EventRow.span_class == _LONG, EventRow.span_starts_at < window_end))
    return and_(
        or_(*by_class),
        or_(EventRow.span_ends_at.is_(None), EventRow.span_ends_at >= window_start),
    )


class SqlEventRepository:
    def __init__(self, session: Session, recurrence_limits: RecurrenceLimits | None = None) -> None:
        self._session = session
        self._limits = recurrence_limits or RecurrenceLimits()

    def add(self, event: Event) -> Event:
        row = EventRow()
        _fill(row, event, self._limits)
        self._session.add(row)
        self._session.flush()
        return _event(row)

    def get(self, event_id: int, *, for_update: bool = False) -> Event | None:
        return self._one(EventRow.id == event_id, for_update=for_update)

    def get_by_key(self, key: str, *, for_update: bool = False) -> Event | None:
        return self._one(EventRow.key == key, for_update=for_update)

    def _one(self, condition: ColumnElement[bool], *, for_update: bool) -> Event | None:
        query = select(EventRow).where(condition)
        if for_update:
            # FOR UPDATE on PostgreSQL; SQLite ignores it, its BEGIN IMMEDIATE already serialises writers.
            query = query.with_for_update()
        row = self._session.scalar(query)
        return _event(row) if row else None

    def update(self, event: Event) -> Event:
        row = self._session.get(EventRow, event.id)
        if row is None:
            raise LookupError(f"event {event.id} vanished during its unit of work")
        _fill(row, event, self._limits)
        self._session.flush()
        return _event(row)

    def delete(self, event_id: int) -> None:
        row = self._session.get(EventRow, event_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()

    def list_visible(
        self, principal: Principal, event_filter: EventFilter, order: EventOrder, page: PageRequest
    ) -> Page[Event]:
        conditions = filter_conditions(event_filter)
        if not principal.is_admin:
            conditions.append(visible_condition(principal))
        where = and_(*conditions) if conditions else None
        total_query = select(func.count()).select_from(EventRow)
        items_query = select(EventRow)
        if where is not None:
            total_query = total_query.where(where)
            items_query = items_query.where(where)
        column = _SORT_COLUMNS[order.key]
        if order.descending:
            items_query = items_query.order_by(column.desc(), EventRow.id.desc())
        else:
            items_query = items_query.order_by(column.asc(), EventRow.id.asc())
        rows = self._session.scalars(items_query.offset(page.offset).limit(page.limit)).all()
        total = self._session.scalar(total_query) or 0
        return Page(items=[_event(r) for r in rows], total=total)

    # --- window queries (rules in domain.series) --------------------------------------------------------

    def list_reaching(
        self,
        window_start: datetime,
        window_end: datetime,
        *,
        visible_to: Principal | None = None,
        own_calendars_of: Principal | None = None,
        calendar_ids: Sequence[int] | None = None,
        series_id: int | None = None,
        category_key: str | None = None,
        event_filter: EventFilter | None = None,
        limit: int,
    ) -> list[Event]:
        conditions = [reaching_window_condition(window_start, window_end)]
        if visible_to is not None and not visible_to.is_admin:
            # The viewable calendars are resolved first (a short list), as for own_calendars_of.
            viewable = list(
                self._session.scalars(select(CalendarRow.id).where(viewable_calendar_condition(visible_to)))
            )
            takes_part = exists().where(
                EventParticipantRow.event_id == EventRow.id, EventParticipantRow.user_id == visible_to.user_id
            )
            conditions.append(or_(EventRow.calendar_id.in_(viewable), takes_part))
        if own_calendars_of is not None:
            # Resolved first: a list of calendar ids lets the (calendar_id, span_class, span_starts_at)
            # index bound each class's range scan to those calendars.
            own_query = select(CalendarRow.id).where(event_queries.own_calendar_condition(own_calendars_of))
            own = set(self._session.scalars(own_query))
            calendar_ids = sorted(own if calendar_ids is None else own.intersection(calendar_ids))
        if calendar_ids is not None:
            conditions.append(EventRow.calendar_id.in_(list(calendar_ids)))
        if series_id is not None:
            conditions.append(or_(EventRow.id == series_id, EventRow.series_id == series_id))
        if category_key is not None:
            conditions.append(EventRow.category_key == category_key)
        if event_filter is not None:
            conditions.extend(filter_conditions(replace(event_filter, period_start=None, period_end=None)))
        query = select(EventRow).where(*conditions).order_by(EventRow.starts_at, EventRow.id).limit(limit)
        return [_event(row) for row in self._session.scalars(query)]

    # --- calendar objects (one UID: a master and its overrides) ------------------------------------------

    def list_of_calendar(self, calendar_id: int) -> list[Event]:
        query = (
            select(EventRow)
            .where(EventRow.calendar_id == calendar_id)
            .order_by(EventRow.uid, EventRow.recurrence_key, EventRow.id)
        )
        return [_event(row) for row in self._session.scalars(query)]

    def list_by_uid(self, calendar_id: int, uid: str, *, for_update: bool = False) -> list[Event]:
        query = (
            select(EventRow)
            .where(EventRow.calendar_id == calendar_id, EventRow.uid == uid)
            .order_by(EventRow.recurrence_key, EventRow.id)
        )
        if for_update:
            query = query.with_for_update()
        return [_event(row) for row in self._session.scalars(query)]

    def get_by_dav_name(self, calendar_id: int, name: str, *, for_update: bool = False) -> Event | None:
        named = and_(EventRow.calendar_id == calendar_id, EventRow.series_id.is_(None))
        found = self._one(and_(named, EventRow.dav_name == name), for_update=for_update)
        if found is None and name.endswith(".ics"):
            default = and_(named, EventRow.dav_name.is_(None), EventRow.uid == name.removesuffix(".ics"))
            found = self._one(default, for_update=for_update)
        return found

    def list_objects_of(
        self, calendar_id: int, *, master_ids: Sequence[int] = (), names: Sequence[str] = ()
    ) -> list[Event]:
        wanted: list[ColumnElement[bool]] = []
        if master_ids:
            wanted.append(EventRow.id.in_(list(master_ids)))
        if names:
            default_uids = [name.removesuffix(".ics") for name in names if name.endswith(".ics")]
            wanted.append(EventRow.dav_name.in_(list(names)))
            wanted.append(and_(EventRow.dav_name.is_(None), EventRow.uid.in_(default_uids)))
        if not wanted:
            return []
        masters_query = select(EventRow).where(
            EventRow.calendar_id == calendar_id, EventRow.series_id.is_(None), or_(*wanted)
        )
        masters = list(self._session.scalars(masters_query))
        overrides: list[EventRow] = []
        if masters:
            overrides_query = select(EventRow).where(EventRow.series_id.in_([m.id for m in masters]))
            overrides = list(self._session.scalars(overrides_query))
        rows = sorted(
            [*masters, *overrides], key=lambda r: (r.uid, r.series_id is not None, r.recurrence_key or "", r.id)
        )
        return [_event(row) for row in rows]

    def overridden_ids(self, series_ids: Sequence[int]) -> dict[int, set[RecurrenceId]]:
        found: dict[int, set[RecurrenceId]] = {}
        if not series_ids:
            return found
        query = select(EventRow.series_id, EventRow.recurrence_key).where(EventRow.series_id.in_(list(series_ids)))
        for series_id, key in self._session.execute(query):
            rid = _recurrence_id(key)
            if series_id is not None and rid is not None:
                found.setdefault(series_id, set()).add(rid)
        return found

    def list_overrides(self, series_id: int) -> list[Event]:
        query = select(EventRow).where(EventRow.series_id == series_id).order_by(EventRow.starts_at, EventRow.id)
        return [_event(row) for row in self._session.scalars(query)]

    # --- eXo face queries (rules in storage.event_queries) ---------------------------------------------

    def list_in_calendar(
        self,
        calendar_id: int,
        *,
        starts_from: datetime,
        starts_until: datetime,
        category_key: str | None,
        participant_id: int | None,
        page: PageRequest,
    ) -> Page[Event]:
        rows, total = event_queries.list_in_calendar(
            self._session,
            calendar_id,
            starts_from=starts_from,
            starts_until=starts_until,
            category_key=category_key,
            participant_id=participant_id,
            page=page,
        )
        return Page(items=[_event(r) for r in rows], total=total)
