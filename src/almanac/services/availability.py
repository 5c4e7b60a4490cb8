"""Availability (free/busy): when users are busy within a window, for the users the caller may see.

The interval source is one function, ``busy_intervals``: the events that can
reach the window (``PeopleRepository.busy_events``: multi-day events count on
every day they cover, series whose span reaches the window) are expanded into
their occurrences by ``domain.series`` (overrides in their slots, EXDATEs
left out), clipped to the window, and merged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from almanac.domain.events import Event
from almanac.domain.people import Interval, SearchScope, merged
from almanac.domain.ports import UnitOfWork
from almanac.domain.recurrence import RecurrenceLimits
from almanac.domain.series import occurrences_in_window
from almanac.domain.users import Principal, User
from almanac.services.context import ServiceContext


def availabilities(
    ctx: ServiceContext, *, principal: Principal, usernames: Sequence[str], window: Interval
) -> dict[str, list[Interval] | None]:
    """Username → the merged busy intervals within ``window`` (None when free), in the order asked.

    Usernames that are unknown, or whose availability the caller may not see
    (``ALMANAC_PARTICIPANT_SEARCH``: anyone with ``all``, else the caller and
    related users), are left out alike, so the answer does not tell them apart.
    """
    with ctx.uow(read_only=True) as uow:
        found: dict[str, User] = {}
        for name in dict.fromkeys(usernames):
            user = uow.users.get_by_username(name)
            if user is not None and user.id is not None:
                found[name] = user
        ids = {u.id for u in found.values() if u.id is not None}
        visible = ids if ctx.people.search is SearchScope.ALL else uow.people.related_ids(principal, ids)
        busy = busy_intervals(uow, visible, window, limits=ctx.event_limits.recurrence)
        return {name: busy.get(user.id) or None for name, user in found.items() if user.id in visible}


def busy_intervals(
    uow: UnitOfWork, user_ids: Collection[int], window: Interval, *, limits: RecurrenceLimits
) -> dict[int, list[Interval]]:
    """User id → when that user is busy within ``window``: clipped to it, sorted, overlaps merged.

    Busy: events not marked ``available`` (``busy`` and ``outside`` both count)
    in the user's own personal calendars or taken part in by the user, unless
    the user declined them. A series counts once per occurrence in the window; an
    override (even one marked ``available``) replaces its occurrence's slot.
    """
    events: dict[int, list[Event]] = defaultdict(list)
    for user_id, event in uow.people.busy_events(user_ids, overlap_from=window.start, overlap_until=window.end):
        events[user_id].append(event)
    masters = sorted({e.id for found in events.values() for e in found if e.is_series and e.id is not None})
    overridden = uow.events.overridden_ids(masters)
    result: dict[int, list[Interval]] = {}
    for user_id, found in events.items():
        occurrences = occurrences_in_window(found, window.start, window.end, overridden=overridden, limits=limits)
        spans = [_clipped(Interval(o.starts_at, o.ends_at), window) for o in occurrences]
        result[user_id] = merged([s for s in spans if s is not None])
    return result


def _clipped(span: Interval, window: Interval) -> Interval | None:
    start, end = max(span.start, window.start), min(span.end, window.end)
    return Interval(start, end) if start < end else None
