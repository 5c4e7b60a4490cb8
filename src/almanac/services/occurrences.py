"""Occurrence use cases shared by every face: what a window holds, and the occurrences of one series.

A window query asks storage for the events that can reach the window (its
indexed series spans keep that cheap) and lets ``domain.series`` expand the
masters among them, so every face sees the same occurrences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from almanac.domain.errors import N_
from almanac.domain.permissions import can_read_event
from almanac.domain.ports import UnitOfWork
from almanac.domain.queries import EventFilter
from almanac.domain.recurrence import RecurrenceError, RecurrenceId, RecurrenceLimitError
from almanac.domain.series import EventOccurrence, occurrences_in_window
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext
from almanac.services.events import EventView, readable_event, views_of


@dataclass(frozen=True)
class OccurrenceView:
    """An occurrence with the view (calendar, author, participants) of the stored event it shows."""

    occurrence: EventOccurrence
    view: EventView


def check_window(ctx: ServiceContext, window_start: datetime, window_end: datetime) -> None:
    """RecurrenceError when the window ends before it starts; RecurrenceLimitError when it is too long."""
    if window_end < window_start:
        raise RecurrenceError.about(
            "window",
            N_("The window ends at %(end)s, before it starts at %(start)s."),
            start=window_start.isoformat(),
            end=window_end.isoformat(),
        )
    limit = ctx.event_limits.recurrence.max_window
    if window_end - window_start > limit:
        raise RecurrenceLimitError.about(
            "window",
            N_("The window from %(start)s to %(end)s is longer than the %(limit)s days this server expands at once."),
            start=window_start.isoformat(),
            end=window_end.isoformat(),
            limit=limit.days,
        )


def occurrences_reaching(
    ctx: ServiceContext,
    uow: UnitOfWork,
    window_start: datetime,
    window_end: datetime,
    *,
    visible_to: Principal | None = None,
    own_calendars_of: Principal | None = None,
    calendar_ids: Sequence[int] | None = None,
    series_id: int | None = None,
    category_key: str | None = None,
    event_filter: EventFilter | None = None,
) -> list[EventOccurrence]:
    """The occurrences overlapping ``[window_start, window_end)`` in the given scope (see ``list_reaching``).

    The step every face's window query shares, inside the caller's unit of work.
    Raises RecurrenceError / RecurrenceLimitError for a bad or too long window,
    a series too dense to expand, or a window holding more stored events than
    ``ctx.window_max_events``.
    """
    return window_occurrences(
        ctx,
        uow,
        window_start,
        window_end,
        visible_to=visible_to,
        own_calendars_of=own_calendars_of,
        calendar_ids=calendar_ids,
        series_id=series_id,
        category_key=category_key,
        event_filter=event_filter,
    ).occurrences


@dataclass(frozen=True)
class WindowRead:
    """A window query's occurrences, with the overridden recurrence ids it read for the series among them
    (an entry per series master, empty when it has no override), for callers that show them too."""

    occurrences: list[EventOccurrence]
    overridden: Mapping[int, set[RecurrenceId]]


def window_occurrences(
    ctx: ServiceContext,
    uow: UnitOfWork,
    window_start: datetime,
    window_end: datetime,
    *,
    visible_to: Principal | None = None,
    own_calendars_of: Principal | None = None,
    calendar_ids: Sequence[int] | None = None,
    series_id: int | None = None,
    category_key: str | None = None,
    event_filter: EventFilter | None = None,
) -> WindowRead:
    """``occurrences_reaching``, with what it read of the series' overrides."""
    check_window(ctx, window_start, window_end)
    candidates = uow.events.list_reaching(
        window_start,
        window_end,
        visible_to=visible_to,
        own_calendars_of=own_calendars_of,
        calendar_ids=calendar_ids,
        series_id=series_id,
        category_key=category_key,
        event_filter=event_filter,
        limit=ctx.window_max_events + 1,
    )
    if len(candidates) > ctx.window_max_events:
        raise RecurrenceLimitError.about(
            "window",
            N_("More than %(limit)s events lie between %(start)s and %(end)s: ask for a shorter window."),
            limit=ctx.window_max_events,
            start=window_start.isoformat(),
            end=window_end.isoformat(),
        )
    masters = [event.id for event in candidates if event.is_series and event.id is not None]
    overridden = uow.events.overridden_ids(masters)
    occurrences = occurrences_in_window(
        candidates, window_start, window_end, overridden=overridden, limits=ctx.event_limits.recurrence
    )
    return WindowRead(occurrences, {master: overridden.get(master, set()) for master in masters})


def occurrence_views(uow: UnitOfWork, occurrences: list[EventOccurrence]) -> list[OccurrenceView]:
    """Attach each occurrence's event view, loading calendars and users once for all."""
    events = list({id(o.event): o.event for o in occurrences}.values())
    views = {id(event): view for event, view in zip(events, views_of(uow, events), strict=True)}
    return [OccurrenceView(o, views[id(o.event)]) for o in occurrences]


def readable_series_occurrences(
    ctx: ServiceContext,
    uow: UnitOfWork,
    principal: Principal,
    window_start: datetime,
    window_end: datetime,
    *,
    event_id: int | None = None,
    event_key: str | None = None,
) -> list[EventOccurrence]:
    """The occurrences of the series an event belongs to, in the window, that the principal may read.

    Addressed by the master's id or key (an override's addresses its master's
    series); a single event yields itself when it overlaps. NotFoundError when
    the principal may not read the addressed event. Reached through an override
    the principal only takes part in, the master's own occurrences stay hidden.
    """
    event, _calendar = readable_event(uow, principal, event_id=event_id, event_key=event_key)
    master_id = event.series_id if event.series_id is not None else event.id
    assert master_id is not None
    found = occurrences_reaching(ctx, uow, window_start, window_end, series_id=master_id)
    calendars = {c.id: c for c in uow.calendars.list_by_ids(sorted({o.event.calendar_id for o in found}))}
    return [
        o
        for o in found
        if (calendar := calendars.get(o.event.calendar_id)) is not None and can_read_event(principal, calendar, o.event)
    ]


def list_series_occurrences(
    ctx: ServiceContext,
    *,
    principal: Principal,
    window_start: datetime,
    window_end: datetime,
    event_id: int | None = None,
    event_key: str | None = None,
) -> list[OccurrenceView]:
    """``readable_series_occurrences`` with the views every face renders."""
    with ctx.uow(read_only=True) as uow:
        found = readable_series_occurrences(
            ctx, uow, principal, window_start, window_end, event_id=event_id, event_key=event_key
        )
        return occurrence_views(uow, found)
