"""CALDAV:filter (RFC 4791 §9.7): parsed once, then matched against each candidate object's components.

The VEVENT time range is answered by the indexed window query of
``services.occurrences`` (recurrences included) before any object is read;
the VTODO time range by the table of RFC 4791 §9.9 on each task's DTSTART,
DUE, DURATION, COMPLETED and CREATED; the VJOURNAL one on its DTSTART
(a date spans its day); the VALARM one (inside a VEVENT or VTODO) on its
trigger times (``dav.alarms``). A time range right under VCALENDAR, which
RFC 4791 §9.7 does not provide for but Radicale and Xandikos answer, is read
as one on any component: an object matches when its event, task or journal
does. prop-filters, param-filters and text-matches are then checked on the
iCalendar components as served. Time ranges on properties are refused with
CALDAV:supported-filter rather than answered wrongly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from icalendar import Calendar as ICalendar
from icalendar import vText
from icalendar.cal import Component

from almanac.dav.alarms import alarm_overlaps, moment_of, recurrence_key
from almanac.dav.errors import DavError, caldav_condition
from almanac.dav.todo_recurrence import todo_instances
from almanac.dav.xml import CALDAV, Element, child, children, tag

#: The components Almanac stores, each in its own calendar object resource.
STORED_COMPONENTS: Final = frozenset({"VEVENT", "VTODO", "VJOURNAL"})
#: The components whose VALARMs a time range may filter (RFC 4791 §9.9).
ALARM_OWNERS: Final = frozenset({"VEVENT", "VTODO"})

#: RFC 4790 collations: i;ascii-casemap is the default (RFC 4791 §7.5.1); i;unicode-casemap (RFC 5051) too.
COLLATIONS: Final[dict[str, Callable[[str], str]]] = {
    "i;ascii-casemap": lambda text: text.casefold(),
    "i;unicode-casemap": lambda text: text.casefold(),
    "i;octet": lambda text: text,
}


@dataclass(frozen=True)
class TimeRange:
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class TextMatch:
    text: str
    negate: bool = False
    collation: str = "i;ascii-casemap"

    def matches(self, value: str) -> bool:
        fold = COLLATIONS[self.collation]
        return (fold(self.text) in fold(value)) != self.negate


@dataclass(frozen=True)
class ParamFilter:
    name: str
    is_not_defined: bool = False
    text_match: TextMatch | None = None


@dataclass(frozen=True)
class PropFilter:
    name: str
    is_not_defined: bool = False
    text_match: TextMatch | None = None
    params: list[ParamFilter] = field(default_factory=list)


@dataclass(frozen=True)
class CompFilter:
    name: str
    is_not_defined: bool = False
    time_range: TimeRange | None = None
    props: list[PropFilter] = field(default_factory=list)
    comps: list[CompFilter] = field(default_factory=list)


def parse_utc(text: str | None) -> datetime | None:
    """A time-range bound: a UTC date-time ``YYYYMMDDTHHMMSSZ`` (RFC 4791 §9.9)."""
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise DavError(400, caldav_condition("valid-filter"), f"{text!r} is not a UTC date-time.") from exc


def parse_time_range(element: Element | None) -> TimeRange | None:
    if element is None:
        return None
    time_range = TimeRange(parse_utc(element.get("start")), parse_utc(element.get("end")))
    if time_range.start is None and time_range.end is None:
        raise DavError(400, caldav_condition("valid-filter"), "A time-range needs a start or an end.")
    return time_range


def _text_match(element: Element | None) -> TextMatch | None:
    if element is None:
        return None
    collation = element.get("collation", "i;ascii-casemap")
    if collation not in COLLATIONS:
        raise DavError(403, caldav_condition("supported-collation"), f"The collation {collation} is not supported.")
    return TextMatch("".join(element.itertext()), element.get("negate-condition", "no") == "yes", collation)


def _defined(element: Element) -> bool:
    return child(element, tag(CALDAV, "is-not-defined")) is not None


def _prop_filter(element: Element) -> PropFilter:
    if child(element, tag(CALDAV, "time-range")) is not None:
        raise DavError(403, caldav_condition("supported-filter"), "Time ranges on properties are not supported.")
    return PropFilter(
        name=element.get("name", "").upper(),
        is_not_defined=_defined(element),
        text_match=_text_match(child(element, tag(CALDAV, "text-match"))),
        params=[
            ParamFilter(p.get("name", "").upper(), _defined(p), _text_match(child(p, tag(CALDAV, "text-match"))))
            for p in children(element, tag(CALDAV, "param-filter"))
        ],
    )


def _time_range_allowed(name: str, depth: int, parent: str) -> bool:
    """Where a time range is answered: on VCALENDAR itself (any component), a stored component, or an alarm."""
    return (
        (depth == 0 and name == "VCALENDAR")
        or (depth == 1 and name in STORED_COMPONENTS)
        or (depth == 2 and name == "VALARM" and parent in ALARM_OWNERS)
    )


def _comp_filter(element: Element, depth: int, parent: str = "") -> CompFilter:
    name = element.get("name", "").upper()
    time_range = parse_time_range(child(element, tag(CALDAV, "time-range")))
    if time_range is not None and not _time_range_allowed(name, depth, parent):
        raise DavError(403, caldav_condition("supported-filter"), f"Time ranges on {name} are not supported.")
    return CompFilter(
        name=name,
        is_not_defined=_defined(element),
        time_range=time_range,
        props=[_prop_filter(p) for p in children(element, tag(CALDAV, "prop-filter"))],
        comps=[_comp_filter(c, depth + 1, name) for c in children(element, tag(CALDAV, "comp-filter"))],
    )


def parse_filter(element: Element | None) -> CompFilter:
    """The filter's VCALENDAR comp-filter (RFC 4791 §9.7: exactly one, for VCALENDAR)."""
    comps = children(element, tag(CALDAV, "comp-filter"))
    if element is None or len(comps) != 1 or comps[0].get("name", "").upper() != "VCALENDAR":
        raise DavError(403, caldav_condition("valid-filter"), "The filter must hold one VCALENDAR comp-filter.")
    return _comp_filter(comps[0], 0)


def event_window(root: CompFilter) -> TimeRange | None:
    """The time range events must overlap, answered by the window query: the VEVENT comp-filter's, else the
    one right under VCALENDAR (when both are given, the caller checks the latter too)."""
    for comp in root.comps:
        if comp.name == "VEVENT" and comp.time_range is not None and not comp.is_not_defined:
            return comp.time_range
    return root.time_range if not root.is_not_defined else None


def journal_window(root: CompFilter) -> TimeRange | None:
    """The VJOURNAL comp-filter's time range, which the journals' DTSTART index narrows before ``matches``."""
    for comp in root.comps:
        if comp.name == "VJOURNAL" and comp.time_range is not None and not comp.is_not_defined:
            return comp.time_range
    return None


def wanted_components(root: CompFilter) -> frozenset[str]:
    """The components of the objects that can match the filter (empty: only components Almanac never stores).

    Each object holds one kind, so a filter naming VEVENT and VTODO side by side
    (both required) matches nothing; ``is-not-defined`` leaves the matching to ``matches``.
    """
    kinds = set(STORED_COMPONENTS)
    for comp in root.comps:
        if comp.is_not_defined:
            kinds.discard(comp.name)
        else:
            kinds &= {comp.name}
    return frozenset(kinds)


def needs_components(root: CompFilter) -> bool:
    """False when the filter asks only for VEVENTs (in a time range or not): every object the window query
    (or the calendar) gives matches it, so no object needs to be parsed to answer it."""
    if root.props or root.is_not_defined or root.time_range is not None:
        return True
    return any(comp.name != "VEVENT" or comp.props or comp.comps or comp.is_not_defined for comp in root.comps)


def matches(root: CompFilter, data: bytes) -> bool:
    """Whether the calendar object matches the filter. Its events' time range (the VEVENT comp-filter's, or
    the VCALENDAR one) is checked by the caller's window query; every other time range here (RFC 4791 §9.9)."""
    calendar = ICalendar.from_ical(data)
    if root.time_range is not None and not root.is_not_defined and not _any_overlaps(calendar, root.time_range):
        return False
    overridden = frozenset(key for c in calendar.subcomponents if (key := recurrence_key(c)) is not None)
    return _component_matches(root, calendar, overridden)


def _any_overlaps(calendar: Component, time_range: TimeRange) -> bool:
    """A time range on VCALENDAR: the object has an event (already found in it by the window query), or a task
    or journal in it."""
    for component in calendar.subcomponents:
        if component.name == "VEVENT":
            return True
        if _overlaps(component, time_range):
            return True
    return False


def _overlaps(component: Component, time_range: TimeRange) -> bool:
    if component.name == "VTODO":
        return todo_overlaps(component, time_range)
    if component.name == "VJOURNAL":
        return journal_overlaps(component, time_range)
    return False


def _component_matches(comp_filter: CompFilter, component: Component, overridden: frozenset[Any]) -> bool:
    for prop in comp_filter.props:
        if not _prop_matches(prop, component):
            return False
    for sub_filter in comp_filter.comps:
        subs = [c for c in component.subcomponents if c.name == sub_filter.name]
        time_range = sub_filter.time_range if not sub_filter.is_not_defined else None
        if time_range is not None and sub_filter.name in ("VTODO", "VJOURNAL"):
            subs = [c for c in subs if _overlaps(c, time_range)]
        elif time_range is not None and sub_filter.name == "VALARM":
            # The master's alarms trigger in its instances that no override replaces (RFC 4791 §9.9).
            skip = overridden if recurrence_key(component) is None else frozenset()
            subs = [c for c in subs if alarm_overlaps(c, component, time_range.start, time_range.end, overridden=skip)]
        if sub_filter.is_not_defined:
            if subs:
                return False
            continue
        if not any(_component_matches(sub_filter, sub, overridden) for sub in subs):
            return False
    return True


#: A DATE or DATE-TIME property as a UTC instant (dates and floating times read as UTC).
_utc_of = moment_of


def journal_overlaps(journal: Component, time_range: TimeRange) -> bool:
    """Whether a VJOURNAL overlaps the time range (RFC 4791 §9.9): its DTSTART, a date spanning its day; never
    without DTSTART; any instance of a recurring one."""
    dtstart = _utc_of(journal, "DTSTART")
    if dtstart is None:
        return False
    is_date = not isinstance(getattr(journal.get("DTSTART"), "dt", None), datetime)
    lowest, highest = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    start, end = time_range.start or lowest, time_range.end or highest

    def overlaps(instant: datetime) -> bool:
        if is_date:
            return start < instant + timedelta(days=1) and end > instant
        return start <= instant < end

    # A dated instance reaches a day back: look for instances from a day before the range.
    reach = None if time_range.start is None else time_range.start - timedelta(days=1)
    instances = todo_instances(journal, reach, time_range.end)
    if instances is None:
        return overlaps(dtstart)
    return any(overlaps(dtstart + i.shift) for i in instances)


def todo_overlaps(todo: Component, time_range: TimeRange) -> bool:
    """Whether a VTODO overlaps the time range: the table of RFC 4791 §9.9 (open bounds are infinite), for
    any instance of a recurring one."""
    dtstart, due = _utc_of(todo, "DTSTART"), _utc_of(todo, "DUE")
    instances = todo_instances(todo, time_range.start, time_range.end)
    if instances is None:
        return _todo_overlaps(todo, time_range, dtstart, due)
    return any(
        _todo_overlaps(
            todo,
            time_range,
            dtstart + i.shift if dtstart is not None else None,
            due + i.shift if due is not None else None,
        )
        for i in instances
    )


def _todo_overlaps(todo: Component, time_range: TimeRange, dtstart: datetime | None, due: datetime | None) -> bool:
    lowest, highest = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    start, end = time_range.start or lowest, time_range.end or highest
    completed, created = _utc_of(todo, "COMPLETED"), _utc_of(todo, "CREATED")
    duration = todo.get("DURATION")
    if dtstart is not None and duration is not None and hasattr(duration, "dt"):
        finish = dtstart + duration.dt
        return start <= finish and (end > dtstart or end >= finish)
    if dtstart is not None and due is not None:
        return (start < due or start <= dtstart) and (end > dtstart or end >= due)
    if dtstart is not None:
        return start <= dtstart < end
    if due is not None:
        return start < due <= end
    if completed is not None and created is not None:
        return (start <= created or start <= completed) and (end >= created or end >= completed)
    if completed is not None:
        return start <= completed <= end
    if created is not None:
        return end > created
    return True


def _values(component: Component, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _as_text(value: Any) -> str:
    if isinstance(value, vText | str):
        return str(value)
    if hasattr(value, "to_ical"):
        raw = value.to_ical()
        return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    return str(value)


def _prop_matches(prop_filter: PropFilter, component: Component) -> bool:
    values = _values(component, prop_filter.name)
    if prop_filter.is_not_defined:
        return not values
    if not values:
        return False
    return any(_value_matches(prop_filter, value) for value in values)


def _value_matches(prop_filter: PropFilter, value: Any) -> bool:
    if prop_filter.text_match is not None and not prop_filter.text_match.matches(_as_text(value)):
        return False
    params = getattr(value, "params", {})
    for param in prop_filter.params:
        found = params.get(param.name)
        if param.is_not_defined:
            if found is not None:
                return False
            continue
        if found is None:
            return False
        if param.text_match is not None and not param.text_match.matches(str(found)):
            return False
    return True
