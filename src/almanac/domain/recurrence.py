"""The recurrence engine: expands a recurring series into occurrences, and bounds it for indexing.

Owns the occurrence model of RFC 5545 §3.8.5 as the server uses it:

* ``SeriesSchedule``: when the master starts (an aware datetime, or a date for
  an all-day series), how long each occurrence lasts, the IANA zone whose wall
  clock the rule follows, and its ``Recurrence`` (RRULE, RDATE, EXDATE);
* ``expand``: the occurrences overlapping a half-open window of UTC instants,
  with overridden (RFC 5545 RECURRENCE-ID, §3.8.4.4) and cancelled instances
  applied;
* ``series_bounds``: the first start and last end of a series, for storage's
  indexed columns;
* occurrence keys: a recurrence id as ``YYYYMMDDTHHMMSSZ`` or ``YYYYMMDD``;
* ``RecurrenceLimits``: the guard-rails (occurrences per expansion, allowed
  frequencies, window length) that keep any expansion fast.

Rules are expanded by python-dateutil on the series' *local wall-clock* time,
so "every Monday 09:00 Europe/Paris" stays at 09:00 across DST changes; each
local start then becomes a UTC instant per RFC 5545 §3.3.5: a repeated
(ambiguous) time means its first pass, and a time skipped by a spring-forward
gap is shifted forward by the gap (02:30 becomes 03:30). RFC 5545 §3.3.10 says
such nonexistent instances should be ignored; like most calendar clients (and
the ``recurring-ical-events`` library) this engine keeps them, shifted, so a
daily 02:30 meeting is not silently dropped once a year.

DTSTART is always an occurrence, even when the rule does not match it; as in
dateutil, COUNT counts the starts the rule itself produces. EXDATEs remove
occurrences by instant (by date for all-day series). Durations are exact: an
occurrence ends ``duration`` after it starts (all-day: that many days later).

Re-exports the public names of ``recurrence_errors``, ``recurrence_keys``,
``recurrence_rule`` and ``recurrence_set``, so callers import everything from here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from almanac.domain.errors import N_
from almanac.domain.recurrence_dateutil import anchor_before, dateutil_rule, rule_recurs
from almanac.domain.recurrence_errors import RecurrenceError, RecurrenceLimitError
from almanac.domain.recurrence_keys import RecurrenceId, format_occurrence_key, parse_occurrence_key
from almanac.domain.recurrence_rule import FREQUENCIES, SUB_DAILY, RecurrenceRule
from almanac.domain.recurrence_set import Recurrence, RecurrenceDate
from almanac.domain.recurrence_zones import (
    UTC,
    load_zone,
    local_midnight_utc,
    to_utc,
    utc_to_wall_clock,
    wall_clock_to_utc,
)

DEFAULT_ALLOWED_FREQUENCIES: frozenset[str] = frozenset(FREQUENCIES) - {"MINUTELY", "SECONDLY"}
_MARGIN = timedelta(days=1)  # wider than any UTC offset change, for wall-clock search ranges
_EXAMINE_FACTOR = 10  # an expansion may look at this many rule starts per allowed occurrence


@dataclass(frozen=True)
class RecurrenceLimits:
    """Guard-rails, passed in from the server's settings.

    ``max_occurrences``: most occurrences one expansion may return, and the
    largest COUNT accepted. ``allowed_frequencies``: FREQ values accepted.
    ``max_window``: longest window an expansion may cover (default 10 years).
    """

    max_occurrences: int = 10_000
    allowed_frequencies: frozenset[str] = DEFAULT_ALLOWED_FREQUENCIES
    max_window: timedelta = timedelta(days=3653)

    def __post_init__(self) -> None:
        if self.max_occurrences < 1 or self.max_window <= timedelta(0):
            raise ValueError("max_occurrences and max_window must be positive")
        if unknown := self.allowed_frequencies - set(FREQUENCIES):
            raise ValueError(f"unknown frequencies: {sorted(unknown)}")


@dataclass(frozen=True)
class SeriesSchedule:
    """The timing of a series' master: start, per-occurrence duration, zone and recurrence.

    ``start`` is an aware datetime (any zone; kept in UTC, whole seconds) or, for
    an all-day series, a date; ``duration`` is an exact, non-negative length
    (whole days for all-day); ``tzid`` is the IANA zone whose wall clock the rule
    follows (for all-day series, the zone whose midnights bound each day).
    ValueError on a naive start or a negative or fractional-day duration;
    RecurrenceError on an unknown zone.
    """

    start: datetime | date
    duration: timedelta
    tzid: str
    recurrence: Recurrence = field(default_factory=Recurrence)

    def __post_init__(self) -> None:
        load_zone(self.tzid)
        if isinstance(self.start, datetime):
            object.__setattr__(self, "start", to_utc(self.start))
        if self.duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {self.duration}")
        if self.all_day and self.duration % timedelta(days=1):
            raise ValueError(f"an all-day duration must be whole days, got {self.duration}")
        values = self.recurrence.rdates + self.recurrence.exdates
        until = self.recurrence.rule.until if self.recurrence.rule else None
        if until is not None:
            values += (until,)
        if any(isinstance(value, datetime) == self.all_day for value in values):
            raise ValueError("RDATE, EXDATE and UNTIL must be dates for an all-day series, datetimes otherwise")

    @property
    def all_day(self) -> bool:
        """True when the series starts on a date rather than at an instant."""
        return not isinstance(self.start, datetime)


@dataclass(frozen=True)
class OccurrenceTiming:
    """The new start and end of an overridden occurrence: aware datetimes, or dates for an all-day one."""

    start: datetime | date
    end: datetime | date

    def __post_init__(self) -> None:
        if isinstance(self.start, datetime) != isinstance(self.end, datetime):
            raise ValueError("an occurrence timing needs two datetimes or two dates")
        if isinstance(self.start, datetime) and isinstance(self.end, datetime):
            object.__setattr__(self, "start", to_utc(self.start))
            object.__setattr__(self, "end", to_utc(self.end))
        if self.end < self.start:
            raise ValueError(f"an occurrence cannot end ({self.end}) before it starts ({self.start})")


Overrides = Mapping[datetime, OccurrenceTiming] | Mapping[date, OccurrenceTiming]
"""Overridden occurrences: recurrence id (aware datetime in any zone, or date) -> new timing."""


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a series.

    ``recurrence_id`` is its original start (aware UTC datetime, or date for an
    all-day series), which identifies it even once moved. ``starts_at`` and
    ``ends_at`` are aware UTC instants; for an all-day occurrence they are the
    local midnights, in the series' zone, of ``start_date`` and ``end_date``
    (exclusive), which are None otherwise. ``overridden`` marks an occurrence
    whose timing comes from an override.
    """

    recurrence_id: RecurrenceId
    starts_at: datetime
    ends_at: datetime
    start_date: date | None = None
    end_date: date | None = None
    overridden: bool = False

    @property
    def all_day(self) -> bool:
        """True when the occurrence spans whole days."""
        return self.start_date is not None

    @property
    def key(self) -> str:
        """The occurrence key of ``recurrence_id`` (see ``format_occurrence_key``)."""
        return format_occurrence_key(self.recurrence_id)


@dataclass(frozen=True)
class SeriesBounds:
    """The span of a series as UTC instants: ``last_end`` is None when the series never ends."""

    first_start: datetime
    last_end: datetime | None


def expand(
    schedule: SeriesSchedule,
    window_start: datetime,
    window_end: datetime,
    *,
    overrides: Overrides | None = None,
    cancelled: Collection[RecurrenceId] = (),
    limits: RecurrenceLimits | None = None,
) -> list[Occurrence]:
    """The occurrences of ``schedule`` overlapping the window ``[window_start, window_end)``, sorted by start.

    The window bounds are aware datetimes (any zone). An occurrence overlaps when
    it starts before ``window_end`` and ends after ``window_start``; a zero-length
    occurrence at ``window_start`` counts. ``overrides`` maps recurrence ids
    (aware datetimes in any zone, or dates) to new timings: such an occurrence is
    returned, flagged ``overridden``, when its *new* timing overlaps the window.
    Overrides and cancellations of a recurrence id that is not an occurrence
    (excluded, or no longer produced by the rule) are ignored.

    Raises RecurrenceError when the rule uses a frequency ``limits`` forbids or
    can never produce an occurrence, RecurrenceLimitError when the window is
    longer than ``limits.max_window`` or holds more than ``limits.max_occurrences``
    occurrences, or the rule has a larger COUNT. ValueError on naive bounds.
    """
    limits = limits or RecurrenceLimits()
    start, end = _instant(window_start), _instant(window_end)
    if end < start:
        raise RecurrenceError.about(
            "window",
            N_("The window ends at %(end)s, before it starts at %(start)s."),
            start=start.isoformat(),
            end=end.isoformat(),
        )
    if end - start > limits.max_window:
        raise RecurrenceLimitError.about(
            "window",
            N_("The window from %(start)s to %(end)s is longer than the %(limit)s days this server expands at once."),
            start=start.isoformat(),
            end=end.isoformat(),
            limit=limits.max_window.days,
        )
    series = _Series(schedule, limits)
    moved = series.normalised_overrides(overrides)
    removed = {series.normalised_id(rid) for rid in cancelled}
    lo = _shifted(series.wall_clock(_shifted(start, -schedule.duration)), -_MARGIN)
    hi = _shifted(series.wall_clock(end), _MARGIN)
    found: dict[RecurrenceId, Occurrence] = {}
    for rid in series.instances(lo, hi):
        if rid in removed or rid in moved or rid in found:
            continue
        occurrence = series.occurrence(rid)
        if _overlaps(occurrence, start, end):
            found[rid] = occurrence
            if len(found) > limits.max_occurrences:
                series.too_many(start, end)
    for rid, timing in moved.items():
        if rid not in removed and series.is_instance(rid):
            occurrence = series.occurrence(rid, timing)
            if _overlaps(occurrence, start, end):
                found[rid] = occurrence
    if len(found) > limits.max_occurrences:
        series.too_many(start, end)
    return sorted(found.values(), key=lambda o: (o.starts_at, o.ends_at, o.key))


def series_bounds(
    schedule: SeriesSchedule,
    *,
    overrides: Overrides | None = None,
    cancelled: Collection[RecurrenceId] = (),
    limits: RecurrenceLimits | None = None,
) -> SeriesBounds:
    """The first start and last end (UTC) of a series, overrides and cancellations included.

    ``last_end`` is None for an infinite rule. For a COUNT or UNTIL rule the last
    occurrence is found by dateutil; an UNTIL rule with more than
    ``limits.max_occurrences`` occurrences gets the bound UNTIL + duration
    instead (never earlier than the true end). A series whose every occurrence
    is removed gets its master's own span. Validates the rule against
    ``limits`` and raises as ``expand`` does, so call it when storing a series.
    """
    limits = limits or RecurrenceLimits()
    series = _Series(schedule, limits)
    moved = series.normalised_overrides(overrides)
    removed = {series.normalised_id(rid) for rid in cancelled}
    spans: list[Occurrence] = [
        series.occurrence(rid, timing)
        for rid, timing in moved.items()
        if rid not in removed and series.is_instance(rid)
    ]
    fixed = series.instances(None, None, rule=False)  # DTSTART and RDATEs
    spans.extend(series.occurrence(rid) for rid in fixed if rid not in removed and rid not in moved)
    rule = schedule.recurrence.rule
    upper: datetime | None = None
    if rule is not None:
        first_kept: datetime | None = None
        for walked, local in enumerate(series.rule_starts(None, None), start=1):
            if rule.is_infinite and first_kept is not None and local > first_kept + timedelta(hours=3):
                break  # the first start is known (3 hours: past any reordering by a DST gap)
            if rule.until is not None and walked > limits.max_occurrences:
                upper = series.until_end(rule.until)  # too long to walk: UNTIL + duration bounds it
                break
            rid = series.id_of(local)
            if rid in series.excluded or rid in removed or rid in moved:
                continue
            spans.append(series.occurrence(rid))
            first_kept = first_kept or local
    if not spans:
        master = series.occurrence(series.master_id)
        return SeriesBounds(master.starts_at, upper or master.ends_at)
    first = min(span.starts_at for span in spans)
    if rule is not None and rule.is_infinite:
        return SeriesBounds(first, None)
    last = max(span.ends_at for span in spans)
    return SeriesBounds(first, max(last, upper) if upper else last)


def _overlaps(occurrence: Occurrence, start: datetime, end: datetime) -> bool:
    starts, ends = occurrence.starts_at, occurrence.ends_at
    return starts < end and (ends > start or starts == start)


class _Series:
    """One schedule prepared for expansion: its zone, wall-clock DTSTART and validated rule."""

    def __init__(self, schedule: SeriesSchedule, limits: RecurrenceLimits) -> None:
        self.schedule, self.limits = schedule, limits
        self.zone: ZoneInfo = load_zone(schedule.tzid)
        self.rule = schedule.recurrence.rule
        self.excluded = frozenset(schedule.recurrence.exdates)
        self.extra = frozenset(schedule.recurrence.rdates)
        self.master_id: RecurrenceId = schedule.start
        if isinstance(schedule.start, datetime):
            self.local_start = utc_to_wall_clock(schedule.start, self.zone)
        else:
            self.local_start = datetime.combine(schedule.start, time())
        if self.rule is not None:
            self._check_rule(self.rule)

    def _check_rule(self, rule: RecurrenceRule) -> None:
        if rule.freq not in self.limits.allowed_frequencies:
            raise RecurrenceError.about(
                "recurrence", N_("FREQ=%(freq)s is not allowed on this server."), freq=rule.freq, rule=rule.value
            )
        if rule.count is not None and rule.count > self.limits.max_occurrences:
            raise RecurrenceLimitError.about(
                "recurrence",
                N_("The rule %(rule)s would produce more than %(limit)s occurrences."),
                rule=rule.value,
                limit=self.limits.max_occurrences,
            )
        if not rule_recurs(rule, self.local_start):
            raise RecurrenceError.about(
                "recurrence",
                N_("The rule %(rule)s never produces an occurrence from its start %(start)s."),
                rule=rule.value,
                start=self.local_start.isoformat(),
            )

    def too_many(self, start: datetime, end: datetime) -> None:
        raise RecurrenceLimitError.about(
            "recurrence",
            N_("The rule %(rule)s would produce more than %(limit)s occurrences between %(start)s and %(end)s."),
            rule=self.rule.value if self.rule else "RDATE",
            limit=self.limits.max_occurrences,
            start=start.isoformat(),
            end=end.isoformat(),
        )

    def wall_clock(self, moment: datetime | date) -> datetime:
        """A UTC instant or an all-day date as naive wall-clock time of the series' zone."""
        if isinstance(moment, datetime):
            try:
                return utc_to_wall_clock(moment, self.zone)
            except OverflowError:
                return datetime.min if moment.year < 2 else datetime.max
        return datetime.combine(moment, time())

    def id_of(self, local: datetime) -> RecurrenceId:
        """The recurrence id of a rule start given as wall-clock time."""
        if self.schedule.all_day:
            return local.date()
        if local == self.local_start:
            return self.master_id  # the exact instant, even in the second pass of a repeated hour
        return wall_clock_to_utc(local, self.zone)

    def normalised_id(self, rid: RecurrenceId) -> RecurrenceId:
        return to_utc(rid) if isinstance(rid, datetime) else rid

    def normalised_overrides(self, overrides: Overrides | None) -> dict[RecurrenceId, OccurrenceTiming]:
        return {self.normalised_id(rid): timing for rid, timing in (overrides or {}).items()}

    def occurrence(self, rid: RecurrenceId, timing: OccurrenceTiming | None = None) -> Occurrence:
        """The occurrence ``rid`` at its own slot, or moved to ``timing``."""
        start: datetime | date = timing.start if timing else rid
        end: datetime | date = timing.end if timing else rid + self.schedule.duration
        if isinstance(start, datetime) and isinstance(end, datetime):
            return Occurrence(rid, start, end, overridden=timing is not None)
        start_day, end_day = _as_date(start), _as_date(end)
        return Occurrence(
            rid,
            local_midnight_utc(start_day, self.zone),
            local_midnight_utc(end_day, self.zone),
            start_day,
            end_day,
            overridden=timing is not None,
        )

    def until_end(self, until: datetime | date) -> datetime:
        """An end no earlier than that of any occurrence starting by ``until`` (a rule's UNTIL)."""
        return self.occurrence(until).ends_at

    def rule_starts(self, lo: datetime | None, hi: datetime | None) -> Iterator[datetime]:
        """The rule's wall-clock starts in ``[lo, hi]`` (None: unbounded), in order, counting what is examined."""
        if self.rule is None:
            return
        anchor = anchor_before(self.rule, self.local_start, lo) if lo is not None else None
        budget = self.limits.max_occurrences * _EXAMINE_FACTOR
        for examined, local in enumerate(dateutil_rule(self.rule, self.local_start, self.zone, anchor=anchor), 1):
            if hi is not None and local > hi:
                return
            if examined > budget:
                raise RecurrenceLimitError.about(
                    "recurrence",
                    N_("The rule %(rule)s is too dense: expanding it means examining more than %(limit)s starts."),
                    rule=self.rule.value,
                    limit=budget,
                )
            if lo is None or local >= lo:
                yield local

    def instances(self, lo: datetime | None, hi: datetime | None, *, rule: bool = True) -> Iterator[RecurrenceId]:
        """The recurrence ids starting within wall-clock ``[lo, hi]`` (None: unbounded), EXDATEs removed.

        DTSTART and RDATEs come first, then (if ``rule``) the rule's starts in order; ids may repeat.
        """
        for rid in (self.master_id, *sorted(self.extra, key=self.wall_clock)):
            local = self.wall_clock(rid)
            if rid not in self.excluded and (lo is None or lo <= local) and (hi is None or local <= hi):
                yield rid
        for local in self.rule_starts(lo, hi) if rule else ():
            rid = self.id_of(local)
            if rid not in self.excluded:
                yield rid

    def is_instance(self, rid: RecurrenceId) -> bool:
        """Whether ``rid`` is an occurrence of the series (DTSTART, an RDATE or a rule start, not excluded)."""
        if rid in self.excluded or isinstance(rid, datetime) == self.schedule.all_day:
            return False
        if rid == self.master_id or rid in self.extra:
            return True
        local = self.wall_clock(rid)
        nearby = self.rule_starts(_shifted(local, -_MARGIN), _shifted(local, _MARGIN))
        return any(self.id_of(start) == rid for start in nearby)


def _instant(moment: datetime) -> datetime:
    """An aware datetime in UTC (sub-seconds kept); ValueError when naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC)


def _shifted(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta``, clamped to the datetime range."""
    try:
        return moment + delta
    except OverflowError:
        extreme = datetime.max if delta > timedelta(0) else datetime.min
        return extreme.replace(tzinfo=moment.tzinfo)


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


__all__ = [
    "DEFAULT_ALLOWED_FREQUENCIES",
    "FREQUENCIES",
    "SUB_DAILY",
    "Occurrence",
    "OccurrenceTiming",
    "Overrides",
    "Recurrence",
    "RecurrenceDate",
    "RecurrenceError",
    "RecurrenceId",
    "RecurrenceLimitError",
    "RecurrenceLimits",
    "RecurrenceRule",
    "SeriesBounds",
    "SeriesSchedule",
    "expand",
    "format_occurrence_key",
    "parse_occurrence_key",
    "series_bounds",
]
