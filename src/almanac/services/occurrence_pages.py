"""Filtered, sorted and paged lists of occurrences: a list of events with every series expanded.

Where ``services.events.list_events`` pages stored events (a series once, as its
master), this pages what a period holds: each occurrence of a series on its
own, overrides in the slots they replace, single events as they are. The
period keeps ``EventFilter``'s meaning (an occurrence is listed when it lies
*within* the period, both bounds inclusive), applied to each occurrence's own
start and end; the other filters apply to the stored event an occurrence shows
(an override is matched on its own fields). Sorting and paging come after
expansion, so ``total`` counts occurrences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Final

from almanac.domain.queries import EventFilter, EventOrder, EventSortKey, Page, PageRequest
from almanac.domain.series import EventOccurrence
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext
from almanac.services.occurrences import OccurrenceView, check_window, occurrence_views, occurrences_reaching

# Window queries are half-open ([start, end)); a period's end is inclusive, so the window reaches
# one microsecond past it (the finest instant stored), and an occurrence starting at the end is found.
_INCLUSIVE_END: Final = timedelta(microseconds=1)

_NEVER: Final = datetime.min.replace(tzinfo=UTC)  # stored events always have both timestamps
_SortValue = datetime | str | int


def series_id_of(occurrence: EventOccurrence) -> int:
    """The id of the stored event a list names an occurrence by: its master for any occurrence of a series."""
    event = occurrence.event
    shown = event.series_id if event.series_id is not None else event.id
    assert shown is not None, "occurrences come from stored events"
    return shown


_SORT_VALUES: Final[dict[EventSortKey, Callable[[EventOccurrence], _SortValue]]] = {
    EventSortKey.STARTS_AT: lambda o: o.starts_at,
    EventSortKey.ENDS_AT: lambda o: o.ends_at,
    EventSortKey.SUMMARY: lambda o: o.event.summary.casefold(),  # as storage sorts: case-folded
    EventSortKey.CREATED_AT: lambda o: o.event.created_at or _NEVER,
    EventSortKey.UPDATED_AT: lambda o: o.event.updated_at or _NEVER,
    EventSortKey.ID: series_id_of,
}


def list_occurrence_page(
    ctx: ServiceContext,
    *,
    principal: Principal,
    period_start: datetime,
    period_end: datetime,
    event_filter: EventFilter,
    order: EventOrder,
    page: PageRequest,
) -> Page[OccurrenceView]:
    """The occurrences the caller may list lying within ``[period_start, period_end]``, sorted and paged.

    Visibility is ``list_events``'s. ``event_filter``'s own period is replaced by
    these bounds. Ties in ``order`` are broken by the series id, then by start,
    in the same direction. ``total`` counts every match before paging. Raises
    RecurrenceError when the period ends before it starts, RecurrenceLimitError
    when it is longer than the server expands at once, holds more stored events
    than ``ctx.window_max_events``, or a series in it is too dense.
    """
    period = replace(event_filter, period_start=period_start, period_end=period_end)
    value_of = _SORT_VALUES[order.key]
    check_window(ctx, period_start, period_end)  # first, so that errors name the bounds as given
    with ctx.uow(read_only=True) as uow:
        found = occurrences_reaching(
            ctx, uow, period_start, period_end + _INCLUSIVE_END, visible_to=principal, event_filter=period
        )
        kept = [o for o in found if period.within_period(o.starts_at, o.ends_at)]
        kept.sort(key=lambda o: (value_of(o), series_id_of(o), o.starts_at), reverse=order.descending)
        shown = kept[page.offset : page.offset + page.limit]
        return Page(items=occurrence_views(uow, shown), total=len(kept))
