"""The event repository: rows <-> domain events, and the filtered, permission-scoped list query."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache, lru_cache, partial
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from almanac.domain.events import Event, Participant, Reminder, ReminderChannel, span_of
from almanac.domain.queries import EventFilter, EventOrder, EventSortKey, Page, PageRequest
from almanac.domain.recurrence import (
    Recurrence,
    RecurrenceId,
    RecurrenceLimits,
    format_occurrence_key,
)
from almanac.domain.users import Principal, normalize_email
from almanac.storage import event_queries
from almanac.storage.calendars import viewable_calendar_condition
from almanac.storage.event_rows import event_of, events_of_rows, load_events, recurrence_id_of, select_events
from almanac.storage.object_names import name_or_uid_held
from almanac.storage.tables import Base, CalendarRow, EventParticipantRow, EventReminderRow, EventRow, UserRow
from almanac.storage.text_search import TextColumn, TrigramTable, contains

#: Values bound in one IN (...) list: far below SQLite's limit of bound parameters per statement.
_IN_CHUNK = 500

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


def _occurrence_key(event: Event) -> str:
    """The stored ``recurrence_key`` of an event ("" unless it overrides an occurrence)."""
    return format_occurrence_key(event.recurrence_id) if event.recurrence_id is not None else ""


def _event(row: EventRow) -> Event:
    """The domain event of an entity the unit of work holds (after a write)."""
    return event_of(row, row.participants, row.reminders)


def _columns(event: Event, limits: RecurrenceLimits) -> dict[str, Any]:
    """The event's own columns (not its participants and reminders), as ``_fill`` and ``add_many`` write them."""
    lines = event.recurrence.to_lines() if event.recurrence is not None else []
    span = span_of(event, limits)
    columns: dict[str, Any] = {
        "key": event.key,
        "uid": event.uid,
        "calendar_id": event.calendar_id,
        "author_id": event.author_id,
        "summary": event.summary,
        "summary_folded": event.summary.casefold(),
        "description": event.description,
        "description_folded": _fold(event.description),
        "location": event.location,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "tzid": event.tzid,
        "all_day": event.all_day,
        "recurrence": "\n".join(lines) if lines else None,
        "series_id": event.series_id,
        "recurrence_key": format_occurrence_key(event.recurrence_id) if event.recurrence_id is not None else "",
        "span_starts_at": span.first_start,
        "span_ends_at": span.last_end,
        "span_class": span_class(span.first_start, span.last_end),
        "category_key": event.category_key,
        "priority": event.priority.value,
        "privacy": event.privacy.value,
        "availability": event.availability.value,
        "revision": event.revision,
        "extra_ics": event.extra_properties,
        "dav_name": event.dav_name,
        "end_form": event.end_form.value,
        "class_stated": event.class_stated,
    }
    if event.created_at is not None:
        columns["created_at"] = event.created_at
    if event.updated_at is not None:
        columns["updated_at"] = event.updated_at
    return columns


def _participant_columns(participant: Participant, position: int, event_starts_at: datetime) -> dict[str, Any]:
    """A participant row's columns but its event's id; ``event_starts_at`` is the event row's ``starts_at``."""
    return {
        "user_id": participant.user_id,
        "position": position,
        "status": participant.status,
        "event_starts_at": event_starts_at,
    }


def _reminder_columns(reminder: Reminder, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "before_seconds": int(reminder.before.total_seconds()) if reminder.before is not None else None,
        "at": reminder.at,
        "channel": reminder.channel.value,
    }


def _fill(row: EventRow, event: Event, limits: RecurrenceLimits) -> None:
    columns = _columns(event, limits)
    for name, value in columns.items():
        setattr(row, name, value)
    starts_at = columns["starts_at"]
    row.participants = [
        EventParticipantRow(**_participant_columns(p, i, starts_at)) for i, p in enumerate(event.participants)
    ]
    row.reminders = [EventReminderRow(**_reminder_columns(r, i)) for i, r in enumerate(event.reminders)]


def _stored(event: Event, event_id: int, columns: dict[str, Any]) -> Event:
    """``event`` as ``_event`` reads it back once stored with ``columns`` (values that round-trip through a
    column, such as recurrence lines and whole-second reminders, come back in their stored form)."""
    recurrence = None
    if columns["recurrence"] is not None:
        recurrence = Recurrence.from_lines(columns["recurrence"].splitlines(), tzid=event.tzid, all_day=event.all_day)
    return replace(
        event,
        id=event_id,
        recurrence=recurrence,
        recurrence_id=recurrence_id_of(columns["recurrence_key"]),
        participants=[Participant(user_id=p.user_id, status=p.status) for p in event.participants],
        reminders=[_reminder(_reminder_columns(r, i)) for i, r in enumerate(event.reminders)],
    )


def _table(row_class: type[Base]) -> Table:
    """The Core table of a mapped class: Core inserts skip the ORM's per-row bookkeeping."""
    return row_class.metadata.tables[row_class.__tablename__]


def _reminder(columns: dict[str, Any]) -> Reminder:
    before = columns["before_seconds"]
    return Reminder(
        before=timedelta(seconds=before) if before is not None else None,
        at=columns["at"],
        channel=ReminderChannel(columns["channel"]),
    )


#: How a text filter is matched: ``text_search.contains``, or a store's own way (``TrigramTable.contains``).
TextMatch = Callable[[TextColumn, str], ColumnElement[bool]]


def filter_conditions(event_filter: EventFilter, text_match: TextMatch = contains) -> list[ColumnElement[bool]]:
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
        # Driven from the participants' (user, event start) index, bounded by the period when there is one:
        # at a million events a week's correlated EXISTS per event was 83 ms, this is about 1 ms.
        taking_part = (
            select(EventParticipantRow.event_id)
            .join(UserRow, UserRow.id == EventParticipantRow.user_id)
            .where(UserRow.email_key.in_(keys))
        )
        if event_filter.period_start is not None:
            taking_part = taking_part.where(EventParticipantRow.event_starts_at >= event_filter.period_start)
        if event_filter.period_end is not None:
            taking_part = taking_part.where(EventParticipantRow.event_starts_at <= event_filter.period_end)
        conditions.append(EventRow.id.in_(taking_part))
    if event_filter.summary_contains:
        conditions.append(text_match(EventRow.summary_folded, event_filter.summary_contains))
    if event_filter.description_contains:
        conditions.append(text_match(EventRow.description_folded, event_filter.description_contains))
    return conditions


@lru_cache(maxsize=1024)
def visible_condition(principal: Principal) -> ColumnElement[bool]:
    """Events of calendars the principal may view, plus events they take part in.

    Kept per principal (a frozen value: its memberships are part of it, so a changed membership is another
    key): building this clause was an eighth of a Back Office list request's time, and a SQL expression is
    immutable, so one object serves every statement it is put in.
    """
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
    return _reaching(window_start, window_end, [window_start - bound for bound in SPAN_CLASSES])


def _reaching(
    window_start: Any,
    window_end: Any,
    class_starts: Sequence[Any],
    in_calendars: ColumnElement[bool] | None = None,
) -> ColumnElement[bool]:
    """``reaching_window_condition`` over values or bound parameters (``class_starts[i]``: class i's earliest
    start, the window's start minus ``SPAN_CLASSES[i]``), within ``in_calendars`` when given.

    The calendar restriction is repeated inside each class's range, not put beside the OR: SQLite plans an
    OR of ranges with one index per branch from the branch's own terms only, so with the calendars beside
    it, it preferred the (calendar_id, starts_at) index for its order and read every event of the calendar
    (21 ms of a 70 ms CalDAV week in a 10,000-event calendar); repeated, each branch is a tight range of
    the (calendar_id, span_class, span_starts_at) index (1.9 ms).
    """
    by_class = [
        and_(EventRow.span_class == i, EventRow.span_starts_at >= class_start, EventRow.span_starts_at < window_end)
        for i, class_start in enumerate(class_starts)
    ]
    by_class.append(and_(EventRow.span_class == _LONG, EventRow.span_starts_at < window_end))
    if in_calendars is not None:
        by_class = [and_(in_calendars, branch) for branch in by_class]
    return and_(
        or_(*by_class),
        or_(EventRow.span_ends_at.is_(None), EventRow.span_ends_at >= window_start),
    )


@cache
def _reaching_window_clause(*, in_calendars: bool = False) -> ColumnElement[bool]:
    """``reaching_window_condition`` with the window as bound parameters (``_reaching_window_params``),
    and with ``in_calendars`` the calendars too (an expanding ``calendar_ids`` parameter).

    Built once, on first use: its twenty-odd comparisons were a noticeable share of a window query's
    Python time when built per request.
    """
    return _reaching(
        bindparam("window_start"),
        bindparam("window_end"),
        [bindparam(f"window_class_start_{i}") for i in range(len(SPAN_CLASSES))],
        EventRow.calendar_id.in_(bindparam("calendar_ids", expanding=True)) if in_calendars else None,
    )


def _reaching_window_params(window_start: datetime, window_end: datetime) -> dict[str, Any]:
    params: dict[str, Any] = {"window_start": window_start, "window_end": window_end}
    params.update({f"window_class_start_{i}": window_start - bound for i, bound in enumerate(SPAN_CLASSES)})
    return params


def _masters_with_uid_in(uids: Sequence[str]) -> ColumnElement[bool]:
    """Masters by UID, on the (calendar_id, uid, recurrence_key) key: ``recurrence_key = ''`` is true of every
    master (an override always has its master's id in series_id).

    For names by default ("<uid>.ics") the caller keeps the rows without a dav_name of their own, in Python:
    with ``dav_name IS NULL`` in the statement SQLite chose the (calendar_id, dav_name) key and read every
    unnamed event of the calendar, 0.2-0.5 s for a multiget in a 100,000-event calendar (issue 8's 1M run).
    """
    return and_(EventRow.uid.in_(uids), EventRow.recurrence_key == "")


class SqlEventRepository:
    def __init__(
        self,
        session: Session,
        recurrence_limits: RecurrenceLimits,
        trigram_table: TrigramTable,
    ) -> None:
        self._session = session
        self._limits = recurrence_limits
        # Shared by the unit-of-work factory: whether the table exists is asked once per store, not per search.
        self._trigram_table = trigram_table

    def _filter_conditions(self, event_filter: EventFilter) -> list[ColumnElement[bool]]:
        return filter_conditions(event_filter, partial(self._trigram_table.contains, self._session))

    def add(self, event: Event) -> Event:
        # Core INSERTs, as for many: the ORM's flush of a new row with its participants and reminders (one
        # INSERT ... RETURNING per reminder) was half of a CalDAV PUT's storage time.
        return self.add_many([event])[0]

    def add_many(self, events: Sequence[Event]) -> list[Event]:
        """``add`` for many events at once: multi-row INSERT ... RETURNING of the events, then one
        executemany each for their participants and reminders. No ORM objects."""
        if not events:
            return []
        columns = [_columns(event, self._limits) for event in events]
        # Ids are matched by the unique event key: asking SQLAlchemy for RETURNING rows in parameter order
        # makes it insert one row per statement on SQLite, whose multi-row RETURNING order is not promised.
        table = _table(EventRow)
        inserted = self._session.execute(insert(table).returning(table.c.id, table.c.key), columns)
        id_of_key = {key: event_id for event_id, key in inserted}
        ids = [id_of_key[event.key] for event in events]
        participants = [
            {"event_id": event_id, **_participant_columns(p, i, row["starts_at"])}
            for event_id, event, row in zip(ids, events, columns, strict=True)
            for i, p in enumerate(event.participants)
        ]
        if participants:
            self._session.execute(insert(_table(EventParticipantRow)), participants)
        reminders = [
            {"event_id": event_id, **_reminder_columns(r, i)}
            for event_id, event in zip(ids, events, strict=True)
            for i, r in enumerate(event.reminders)
        ]
        if reminders:
            self._session.execute(insert(_table(EventReminderRow)), reminders)
        return [_stored(e, i, c) for e, i, c in zip(events, ids, columns, strict=True)]

    def get(self, event_id: int, *, for_update: bool = False) -> Event | None:
        return self._one(EventRow.id == event_id, for_update=for_update)

    def get_by_key(self, key: str, *, for_update: bool = False) -> Event | None:
        return self._one(EventRow.key == key, for_update=for_update)

    def _one(self, condition: ColumnElement[bool], *, for_update: bool) -> Event | None:
        query = select_events().where(condition)
        if for_update:
            # FOR UPDATE on PostgreSQL; SQLite ignores it, its BEGIN IMMEDIATE already serialises writers.
            query = query.with_for_update()
        found = load_events(self._session, query.limit(1))
        return found[0] if found else None

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
        conditions = self._filter_conditions(event_filter)
        if not principal.is_admin:
            conditions.append(visible_condition(principal))
        where = and_(*conditions) if conditions else None
        total_query = select(func.count()).select_from(EventRow)
        items_query = select_events()
        if where is not None:
            total_query = total_query.where(where)
            items_query = items_query.where(where)
        column = _SORT_COLUMNS[order.key]
        if order.descending:
            items_query = items_query.order_by(column.desc(), EventRow.id.desc())
        else:
            items_query = items_query.order_by(column.asc(), EventRow.id.asc())
        items = load_events(self._session, items_query.offset(page.offset).limit(page.limit))
        total = page.total_shown(len(items))
        if total is None:
            total = self._session.scalar(total_query) or 0
        return Page(items=items, total=total)

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
        conditions: list[ColumnElement[bool]] = []
        params = _reaching_window_params(window_start, window_end)
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
            conditions.append(_reaching_window_clause(in_calendars=True))
            params["calendar_ids"] = list(calendar_ids)
        else:
            conditions.append(_reaching_window_clause())
        if series_id is not None:
            conditions.append(or_(EventRow.id == series_id, EventRow.series_id == series_id))
        if category_key is not None:
            conditions.append(EventRow.category_key == category_key)
        if event_filter is not None:
            conditions.extend(self._filter_conditions(replace(event_filter, period_start=None, period_end=None)))
        query = select_events().where(*conditions).order_by(EventRow.starts_at, EventRow.id).limit(limit)
        return load_events(self._session, query, params)

    # --- calendar objects (one UID: a master and its overrides) ------------------------------------------

    def list_of_calendar(self, calendar_id: int) -> list[Event]:
        query = (
            select_events()
            .where(EventRow.calendar_id == calendar_id)
            .order_by(EventRow.uid, EventRow.recurrence_key, EventRow.id)
        )
        return load_events(self._session, query)

    def list_by_uid(self, calendar_id: int, uid: str, *, for_update: bool = False) -> list[Event]:
        query = (
            select_events()
            .where(EventRow.calendar_id == calendar_id, EventRow.uid == uid)
            .order_by(EventRow.recurrence_key, EventRow.id)
        )
        if for_update:
            query = query.with_for_update()
        return load_events(self._session, query)

    def list_by_uids(
        self, calendar_id: int, uids: Sequence[str], *, for_update: bool = False
    ) -> dict[str, list[Event]]:
        found: dict[str, list[Event]] = {}
        wanted = sorted(set(uids))
        for start in range(0, len(wanted), _IN_CHUNK):
            query = (
                select(EventRow)
                .where(EventRow.calendar_id == calendar_id, EventRow.uid.in_(wanted[start : start + _IN_CHUNK]))
                .order_by(EventRow.uid, EventRow.recurrence_key, EventRow.id)
            )
            if for_update:
                query = query.with_for_update()
            for row in self._session.scalars(query):
                found.setdefault(row.uid, []).append(_event(row))
        return found

    def get_by_dav_name(self, calendar_id: int, name: str, *, for_update: bool = False) -> Event | None:
        named = and_(EventRow.calendar_id == calendar_id, EventRow.series_id.is_(None))
        found = self._one(and_(named, EventRow.dav_name == name), for_update=for_update)
        if found is None and name.endswith(".ics"):
            default = self._one(and_(named, _masters_with_uid_in([name.removesuffix(".ics")])), for_update=for_update)
            found = default if default is not None and default.dav_name is None else None
        return found

    def holds_name_or_uid(self, calendar_id: int, name: str, uid: str) -> bool:
        columns = (EventRow.calendar_id, EventRow.dav_name, EventRow.uid)
        return name_or_uid_held(self._session, columns, calendar_id, name, uid)

    def list_objects_of(
        self,
        calendar_id: int,
        *,
        master_ids: Sequence[int] = (),
        names: Sequence[str] = (),
        known: Sequence[Event] = (),
    ) -> list[Event]:
        wanted: list[tuple[ColumnElement[bool], bool]] = []  # (condition, only rows without a dav_name)
        # Masters the caller read already (a window query's events): the same rows, so not read again.
        ids = set(master_ids)
        masters = [e for e in known if e.id in ids and e.series_id is None and e.calendar_id == calendar_id]
        unread = sorted(ids - {m.id for m in masters})
        if unread:
            wanted.append((EventRow.id.in_(unread), False))
        if names:
            default_uids = [name.removesuffix(".ics") for name in names if name.endswith(".ics")]
            wanted.append((EventRow.dav_name.in_(list(names)), False))
            if default_uids:
                wanted.append((_masters_with_uid_in(default_uids), True))
        # One statement per way of naming the masters, each on its own key. As one OR of them, SQLite scanned
        # the calendar instead once the lists were long: 550 ms for a multiget of 50 in a 100,000-event calendar.
        rows: dict[int, Any] = {}
        have = {m.id for m in masters}
        for condition, unnamed_only in wanted:
            query = select_events().where(EventRow.calendar_id == calendar_id, EventRow.series_id.is_(None), condition)
            rows.update(
                (row.id, row)
                for row in self._session.execute(query)
                if row.id not in have and not (unnamed_only and row.dav_name is not None)
            )
        masters += events_of_rows(self._session, list(rows.values()))
        overrides: list[Event] = []
        if masters:
            overrides_query = select_events().where(EventRow.series_id.in_([m.id for m in masters]))
            overrides = load_events(self._session, overrides_query)
        return sorted(
            [*masters, *overrides],
            key=lambda e: (e.uid, e.series_id is not None, _occurrence_key(e), e.id or 0),
        )

    def overridden_ids(self, series_ids: Sequence[int]) -> dict[int, set[RecurrenceId]]:
        found: dict[int, set[RecurrenceId]] = {}
        if not series_ids:
            return found
        query = select(EventRow.series_id, EventRow.recurrence_key).where(EventRow.series_id.in_(list(series_ids)))
        for series_id, key in self._session.execute(query):
            rid = recurrence_id_of(key)
            if series_id is not None and rid is not None:
                found.setdefault(series_id, set()).add(rid)
        return found

    def list_overrides(self, series_id: int) -> list[Event]:
        query = select_events().where(EventRow.series_id == series_id).order_by(EventRow.starts_at, EventRow.id)
        return load_events(self._session, query)

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
        items, total = event_queries.list_in_calendar(
            self._session,
            calendar_id,
            starts_from=starts_from,
            starts_until=starts_until,
            category_key=category_key,
            participant_id=participant_id,
            page=page,
        )
        return Page(items=items, total=total)
