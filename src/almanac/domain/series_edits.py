"""Editing a stored series: finding one of its occurrences, moving it as a whole, and splitting it in two.

Pure rules behind the series use cases (``services.series``), shared by every
face:

* ``occurrence_slot``: whether a recurrence id is an occurrence of a master,
  and where that occurrence lies before any override moved it;
* ``WallClockShift`` and ``shift_recurrence``: a series moved by a
  wall-clock delta ("every Monday 09:00" edited to 10:00 stays at 10:00
  across DST changes) keeps its EXDATEs, RDATEs, UNTIL and weekdays in step;
* ``split_recurrence``: "this and following" (RFC 5545 §3.8.4.4
  RANGE=THISANDFUTURE): the rule of the part before an occurrence and of the
  part from it on, so that together they produce exactly the starts of the
  original series.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from almanac.domain.events import Event, schedule_of
from almanac.domain.recurrence import (
    Occurrence,
    Recurrence,
    RecurrenceDate,
    RecurrenceId,
    RecurrenceLimits,
    RecurrenceRule,
    expand,
)
from almanac.domain.recurrence_dateutil import dateutil_rule
from almanac.domain.recurrence_zones import load_zone, local_midnight_utc, utc_to_wall_clock, wall_clock_to_utc

_ONE_SECOND = timedelta(seconds=1)
_ONE_DAY = timedelta(days=1)


def occurrence_slot(master: Event, recurrence_id: RecurrenceId, limits: RecurrenceLimits) -> Occurrence | None:
    """The occurrence ``recurrence_id`` of ``master`` at its own slot, or None when it is not one.

    An EXDATE'd slot is not an occurrence; an overridden one is (overrides are
    not consulted: the slot is where the rule puts it). Raises what
    ``recurrence.expand`` raises for a rule beyond ``limits``.
    """
    if not master.is_series or isinstance(recurrence_id, datetime) == master.all_day:
        return None
    if isinstance(recurrence_id, datetime):
        start, end = recurrence_id, recurrence_id + _ONE_SECOND
    else:
        zone = load_zone(master.tzid)
        start, end = local_midnight_utc(recurrence_id, zone), local_midnight_utc(recurrence_id + _ONE_DAY, zone)
    for occurrence in expand(schedule_of(master), start, end, limits=limits):
        if occurrence.recurrence_id == recurrence_id:
            return occurrence
    return None


@dataclass(frozen=True)
class WallClockShift:
    """A move of a series by a wall-clock ``delta`` in ``tzid``; ``days`` is how many calendar days it crosses."""

    tzid: str
    delta: timedelta
    days: int

    @classmethod
    def between(cls, tzid: str, before: datetime, after: datetime) -> WallClockShift:
        """The shift that takes the instant ``before`` to ``after`` on the wall clock of ``tzid``."""
        zone = load_zone(tzid)
        old, new = utc_to_wall_clock(before, zone), utc_to_wall_clock(after, zone)
        return cls(tzid, new - old, (new.date() - old.date()).days)

    @property
    def is_none(self) -> bool:
        return self.delta == timedelta(0)

    def instant(self, value: datetime) -> datetime:
        """``value`` moved on the wall clock (so 09:00 in winter and in summer both become 10:00)."""
        zone = load_zone(self.tzid)
        return wall_clock_to_utc(utc_to_wall_clock(value, zone) + self.delta, zone)

    def value(self, value: RecurrenceDate) -> RecurrenceDate:
        """An instant moved on the wall clock, a date (all-day series) by whole days."""
        if isinstance(value, datetime):
            return self.instant(value)
        return value + timedelta(days=self.days)


def shift_recurrence(recurrence: Recurrence, shift: WallClockShift) -> Recurrence:
    """The recurrence of a series whose start moves by ``shift``: the same occurrences, moved alike.

    EXDATEs, RDATEs and UNTIL move with the series. When the move crosses
    days, BYDAY weekdays turn with it (a Monday series moved to Tuesday repeats
    on Tuesdays; ordinals are kept) and BYMONTHDAY days move when they stay
    within 1-28 (beyond, a month may not have the day: they are kept as they are).
    """
    if shift.is_none:
        return recurrence
    rule = recurrence.rule
    if rule is not None:
        until = shift.value(rule.until) if rule.until is not None else None
        by_day = rule.by_day
        by_month_day = rule.by_month_day
        if shift.days:
            by_day = tuple(sorted(((n, (wd + shift.days) % 7) for n, wd in by_day), key=lambda d: (d[1], d[0])))
            moved = tuple(sorted(day + shift.days for day in by_month_day))
            if all(1 <= day <= 28 for day in moved):
                by_month_day = moved
        rule = replace(rule, until=until, by_day=by_day, by_month_day=by_month_day)
    return Recurrence(
        rule,
        tuple(shift.value(value) for value in recurrence.rdates),
        tuple(shift.value(value) for value in recurrence.exdates),
    )


@dataclass(frozen=True)
class SplitRecurrence:
    """The two halves of a series split at an occurrence (see ``split_recurrence``)."""

    before: Recurrence | None
    after: Recurrence | None


def split_recurrence(master: Event, recurrence_id: RecurrenceId, limits: RecurrenceLimits) -> SplitRecurrence:
    """Split ``master``'s recurrence at its occurrence ``recurrence_id`` (not its first one).

    ``before`` is the master's recurrence ending just before that occurrence;
    ``after`` is the recurrence of a new series whose DTSTART is that
    occurrence, producing every later occurrence of the original. A COUNT is
    shared out (the starts the rule made before the split stay with
    ``before``, RFC 5545 §3.3.10); an UNTIL rule gets, before the split, the end
    of the previous local day when no occurrence falls earlier on the split's
    day, else one second before it. EXDATEs and RDATEs go to their side.
    Either half is None when nothing of it would recur.
    """
    recurrence = master.recurrence or Recurrence()
    rule = recurrence.rule
    before_rule: RecurrenceRule | None = None
    after_rule: RecurrenceRule | None = None
    if rule is not None and rule.count is not None:
        made = _rule_starts_before(master, rule, recurrence_id)
        before_rule = replace(rule, count=made) if made > 0 else None
        after_rule = replace(rule, count=rule.count - made) if rule.count > made else None
    elif rule is not None:
        before_rule = replace(rule, until=_until_before(master, recurrence_id, limits))
        after_rule = rule
    before = Recurrence(
        before_rule,
        tuple(v for v in recurrence.rdates if _earlier(v, recurrence_id)),
        tuple(v for v in recurrence.exdates if _earlier(v, recurrence_id)),
    )
    after = Recurrence(
        after_rule,
        tuple(v for v in recurrence.rdates if _earlier(recurrence_id, v)),
        tuple(v for v in recurrence.exdates if _earlier(recurrence_id, v)),
    )
    return SplitRecurrence(before if before.is_recurring else None, after if after.is_recurring else None)


def _earlier(a: RecurrenceDate, b: RecurrenceDate) -> bool:
    return a < b  # both dates or both datetimes: a series never mixes them


def _local(master: Event, moment: RecurrenceId) -> datetime:
    if isinstance(moment, datetime):
        return utc_to_wall_clock(moment, load_zone(master.tzid))
    return datetime.combine(moment, time())


def _rule_starts_before(master: Event, rule: RecurrenceRule, recurrence_id: RecurrenceId) -> int:
    """How many starts the rule (bounded by its COUNT) makes before the occurrence ``recurrence_id``."""
    schedule = schedule_of(master)
    zone = load_zone(master.tzid)
    split = _local(master, recurrence_id)
    made = 0
    for start in dateutil_rule(rule, _local(master, schedule.start), zone):
        if start >= split:
            break
        made += 1
    return made


def _until_before(master: Event, recurrence_id: RecurrenceId, limits: RecurrenceLimits) -> datetime | date:
    if not isinstance(recurrence_id, datetime):
        return recurrence_id - _ONE_DAY
    zone = load_zone(master.tzid)
    day = utc_to_wall_clock(recurrence_id, zone).date()
    day_start = local_midnight_utc(day, zone)
    bare = replace(master, recurrence=replace(master.recurrence or Recurrence(), exdates=()))
    same_day = [
        o
        for o in expand(schedule_of(bare), day_start, recurrence_id, limits=limits)
        if isinstance(o.recurrence_id, datetime)
        and o.recurrence_id < recurrence_id
        and utc_to_wall_clock(o.recurrence_id, zone).date() == day
    ]
    if same_day:
        return recurrence_id - _ONE_SECOND
    # The end of the previous day reads back as that date (eXo's endByDate, a CalDAV client's UNTIL).
    return wall_clock_to_utc(datetime.combine(day - _ONE_DAY, time(23, 59, 59)), zone)


__all__ = [
    "SplitRecurrence",
    "WallClockShift",
    "occurrence_slot",
    "shift_recurrence",
    "split_recurrence",
]
