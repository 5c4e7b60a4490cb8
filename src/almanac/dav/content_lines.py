"""A calendar object's content lines grouped by component, kept as stored (RFC 5545 §3.1), for ``expand``.

Expanding an object repeats each VEVENT's lines once per instance with a new
timing. Reading the object as lines (unfolded only to find each property's
name) keeps every property's bytes as they are, so nothing is decoded and
encoded again; the values ``expand`` needs (an override's RECURRENCE-ID) are
decoded by `icalendar`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from icalendar.caselessdict import canonsort_keys
from icalendar.parser import Contentline
from icalendar.prop import vDDDTypes

_LINE_BREAK = re.compile(rb"\r?\n")
#: A name is an iana-token or x-name (letters, digits, "-"), so it ends at the first ";" or ":".
_NAME_END = re.compile(rb"[;:]")
_FOLD = re.compile(rb"\r\n[ \t]")


@dataclass
class EventLines:
    """One VEVENT: its own properties (name, folded lines ending in CRLF) and its subcomponents' lines."""

    properties: list[tuple[str, bytes]] = field(default_factory=list)
    components: list[bytes] = field(default_factory=list)

    def properties_without(self, names: Collection[str]) -> list[tuple[str, bytes]]:
        return [(name, lines) for name, lines in self.properties if name not in names]

    def value_of(self, name: str) -> date | datetime | None:
        """The date or date-time of the first ``name`` property (with its TZID), or None when absent."""
        for own, lines in self.properties:
            if own == name:
                _, parameters, value = Contentline(_unfolded(lines)).parts()  # type: ignore[no-untyped-call]
                tzid = parameters.get("TZID")
                decoded: date | datetime = vDDDTypes.from_ical(value, timezone=tzid)  # type: ignore[no-untyped-call]
                return decoded
        return None


@dataclass
class Outline:
    """The VCALENDAR's own property lines and its VEVENTs; other components (VTIMEZONE, ...) are left out."""

    properties: list[bytes] = field(default_factory=list)
    events: list[EventLines] = field(default_factory=list)


def outline_of(data: bytes) -> Outline:
    """The outline of one VCALENDAR (lines may end in CRLF or LF; they are given back ending in CRLF)."""
    outline = Outline()
    depth = 0
    current: EventLines | None = None
    for name, lines in _logical_lines(data):
        if name == "BEGIN":
            depth += 1
        if depth > 2:  # inside a VEVENT's alarm (or another component's part): kept whole with its VEVENT
            if current is not None:
                current.components.append(lines)
        elif name == "BEGIN":
            if depth == 2 and _component(lines) == "VEVENT":
                current = EventLines()
                outline.events.append(current)
        elif name == "END":
            current = None if depth == 2 else current
        elif depth == 1:
            outline.properties.append(lines)
        elif current is not None:
            current.properties.append((name, lines))
        if name == "END":
            depth -= 1
    return outline


def property_lines(data: bytes) -> list[tuple[str, bytes]]:
    """The property lines of ``data`` (one component's, as `icalendar` serializes it), BEGIN and END left out."""
    return [(name, lines) for name, lines in _logical_lines(data) if name not in ("BEGIN", "END")]


def in_canonical_order(properties: Iterable[tuple[str, bytes]], canonical_order: Sequence[str]) -> Iterator[bytes]:
    """The lines in `icalendar`'s order for a component: ``canonical_order`` first, then by name, each name's
    lines in their own order. Stored objects are written in that order, so an instance keeps it."""
    by_name: dict[str, list[bytes]] = {}
    for name, lines in properties:
        by_name.setdefault(name, []).append(lines)
    for name in canonsort_keys(by_name, canonical_order):
        yield from by_name[name]


def _logical_lines(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Each content line's upper-cased name and its physical lines (folds kept), each ending in CRLF."""
    name = ""
    lines: list[bytes] = []
    for physical in _LINE_BREAK.split(data):
        if physical[:1] in (b" ", b"\t") and lines:
            lines.append(physical + b"\r\n")
            continue
        if lines:
            yield name, b"".join(lines)
        if not physical:
            name, lines = "", []
            continue
        name = _NAME_END.split(physical, maxsplit=1)[0].decode("ascii", "replace").upper()
        lines = [physical + b"\r\n"]
    if lines:
        yield name, b"".join(lines)


def _component(lines: bytes) -> str:
    return lines.partition(b":")[2].strip().decode("ascii", "replace").upper()


def _unfolded(lines: bytes) -> str:
    return _FOLD.sub(b"", lines).rstrip(b"\r\n").decode("utf-8", "replace")
