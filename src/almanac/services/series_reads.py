"""Reads that show each event inside its series, for faces that render a series' links beside an event.

eXo's event shape (spec §3.2, §4.1) shows, beside the event itself, the keys
of a master's overridden occurrences (in ``repeat.exclude``), the master of
an override (``originalEvent``, embedded by ``expand``) and the event's files.
``EventInSeries`` carries that, and ``in_series`` gathers it for a whole list
at once, in the read's own unit of work: one query for the overridden keys
(none when the window query read them), one for the files, one lookup per
distinct master.

Window reads expand series with ``services.occurrences`` (the step every
face shares), so what a window holds is the same as everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from almanac.domain.attachments import Attachment
from almanac.domain.calendars import Calendar
from almanac.domain.errors import NotFoundError
from almanac.domain.events import Event
from almanac.domain.permissions import can_read_event, can_view_calendar
from almanac.domain.ports import UnitOfWork
from almanac.domain.queries import Page, PageRequest
from almanac.domain.recurrence import RecurrenceId
from almanac.domain.series import EventOccurrence
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext
from almanac.services.events import EventView, readable_event, views_of
from almanac.services.occurrences import readable_series_occurrences, window_occurrences


@dataclass(frozen=True)
class EventInSeries:
    """An event or occurrence as shown in a list, with its series around it.

    ``view`` is the stored event whose fields it shows (the master for a
    ``virtual`` occurrence); ``starts_at``/``ends_at`` its actual times;
    ``recurrence_id`` the occurrence it is (None for a single event or a master
    shown as stored). ``overridden`` holds a master's overridden occurrences;
    ``master_key`` names an override's master, and ``master`` is that master
    when the caller may read it. ``attachments``: the files of ``view``'s event
    (left empty on an embedded ``master``).
    """

    view: EventView
    starts_at: datetime
    ends_at: datetime
    recurrence_id: RecurrenceId | None = None
    virtual: bool = False
    overridden: frozenset[RecurrenceId] = frozenset()
    master_key: str | None = None
    master: EventInSeries | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def event(self) -> Event:
        return self.view.event


def in_series(
    uow: UnitOfWork,
    principal: Principal,
    occurrences: Sequence[EventOccurrence],
    calendars: dict[int, Calendar] | None = None,
    overridden: Mapping[int, set[RecurrenceId]] | None = None,
) -> list[EventInSeries]:
    """The occurrences with their views, series links and files, loading users, calendars and masters once.

    ``calendars`` and ``overridden`` (by master id, an entry for every master asked about, empty when it has
    no override) are what the caller read already in this unit of work; they are not read again.
    """
    events = list({id(o.event): o.event for o in occurrences}.values())
    known = {e.id: e for e in events if e.id is not None}
    masters = {
        sid: master
        for sid in sorted({e.series_id for e in events if e.series_id is not None})
        if (master := known.get(sid) or uow.events.get(sid)) is not None
    }
    extra = [m for sid, m in masters.items() if sid not in known]
    all_events = events + extra
    views = {id(e): v for e, v in zip(all_events, views_of(uow, all_events, calendars), strict=True)}
    known_overridden = dict(overridden or {})
    unknown = [e.id for e in all_events if e.is_series and e.id is not None and e.id not in known_overridden]
    overridden = {**known_overridden, **uow.events.overridden_ids(unknown)} if unknown else known_overridden
    files: dict[int, list[Attachment]] = {}
    event_ids = sorted({e.id for e in events if e.id is not None})
    for attachment in uow.attachments.list_for(event_ids=event_ids) if event_ids else ():
        if attachment.event_id is not None:
            files.setdefault(attachment.event_id, []).append(attachment)

    def stored(event: Event) -> EventInSeries:
        return EventInSeries(
            views[id(event)],
            event.starts_at,
            event.ends_at,
            overridden=frozenset(overridden.get(event.id, ())) if event.id is not None else frozenset(),
        )

    readable_masters = {
        sid: stored(m) for sid, m in masters.items() if can_read_event(principal, views[id(m)].calendar, m)
    }
    found: list[EventInSeries] = []
    for o in occurrences:
        item = stored(o.event)
        found.append(
            EventInSeries(
                item.view,
                o.starts_at,
                o.ends_at,
                recurrence_id=o.recurrence_id,
                virtual=o.is_virtual,
                overridden=frozenset() if o.is_virtual else item.overridden,
                master_key=masters[o.event.series_id].key if o.event.series_id in masters else None,
                master=readable_masters.get(o.event.series_id) if o.event.series_id is not None else None,
                attachments=tuple(files.get(o.event.id, ())) if o.event.id is not None else (),
            )
        )
    return found


def _as_stored(event: Event) -> EventOccurrence:
    """An event shown as stored: a master once, at its own start (not expanded)."""
    return EventOccurrence(event, event.starts_at, event.ends_at, event.recurrence_id)


def get_event_in_series(ctx: ServiceContext, *, principal: Principal, event_key: str) -> EventInSeries:
    """The stored event if the principal may read it (NotFoundError otherwise), with its series links."""
    with ctx.uow(read_only=True) as uow:
        event, _calendar = readable_event(uow, principal, event_key=event_key)
        return in_series(uow, principal, [_as_stored(event)])[0]


def list_calendar_events_in_series(
    ctx: ServiceContext,
    *,
    principal: Principal,
    calendar_key: str,
    starts_from: datetime,
    starts_until: datetime,
    category_key: str | None,
    page: PageRequest,
) -> Page[EventInSeries]:
    """``calendar_events.list_calendar_events`` with series links: stored events of one calendar starting in
    the window, masters once and not expanded (spec §5.3.2).

    Viewers of the calendar (and everyone, when it is public) get all its events; anyone else only those
    they take part in, and NotFoundError when they take part in none in the window — what an unknown key
    gets, so a stranger cannot learn from a key that the calendar exists."""
    with ctx.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or calendar.id is None:
            raise NotFoundError(kind="calendar", id=calendar_key)
        sees_all = calendar.is_public or can_view_calendar(principal, calendar)
        found = uow.events.list_in_calendar(
            calendar.id,
            starts_from=starts_from,
            starts_until=starts_until,
            category_key=category_key,
            participant_id=None if sees_all else principal.user_id,
            page=page,
        )
        if not sees_all and found.total == 0:
            raise NotFoundError(kind="calendar", id=calendar_key)
        stored = [_as_stored(e) for e in found.items]
        return Page(items=in_series(uow, principal, stored, {calendar.id: calendar}), total=found.total)


def list_own_occurrences(
    ctx: ServiceContext,
    *,
    principal: Principal,
    window_start: datetime,
    window_end: datetime,
    category_key: str | None,
) -> list[EventInSeries]:
    """The occurrences of the principal's own personal calendars and their groups' calendars overlapping
    ``[window_start, window_end)`` (spec §5.3.1): series expanded, overrides in their slots; by start, then
    summary. Raises the guard-rail errors of ``occurrences_reaching``."""
    with ctx.uow(read_only=True) as uow:
        read = window_occurrences(
            ctx, uow, window_start, window_end, own_calendars_of=principal, category_key=category_key
        )
        found = sorted(read.occurrences, key=lambda o: (o.starts_at, o.event.summary, o.event.id or 0, o.key or ""))
        return in_series(uow, principal, found, overridden=read.overridden)


def list_occurrences_of_series(
    ctx: ServiceContext, *, principal: Principal, event_key: str, window_start: datetime, window_end: datetime
) -> list[EventInSeries]:
    """``occurrences.readable_series_occurrences`` with series links, by start. NotFoundError when the
    principal may not read the event."""
    with ctx.uow(read_only=True) as uow:
        found = readable_series_occurrences(ctx, uow, principal, window_start, window_end, event_key=event_key)
        return in_series(uow, principal, found)
