"""The lexical layer of iCalendar (RFC 5545 §3.1): unfolding, content lines, and the component tree.

Owns the one reading of raw bytes every parse starts with, keeping for each
content line the physical line where it begins, so that every error can name
its line, and the exact unfolded text, so that properties Almanac does not
model are re-emitted verbatim. Values are not interpreted here.

A file is read in two steps so that a large import never holds every content
line at once: ``scan`` checks the block structure (BEGIN/END) and the lines of
each VCALENDAR itself, and notes where each of its components lies in the text
(with its UID and whether it has a RECURRENCE-ID, which group components into
calendar objects); ``read_component`` then reads one component fully, when it
is wanted. A component's own lines are checked only then, so a fault inside
one is reported when that component is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from almanac.domain.calendar_data import CalendarDataError
from almanac.domain.errors import N_

# name *(";" param) ":" value; a param value is a quoted string or has no ; : , or quote (RFC 5545 §3.1).
_NAME = re.compile(r"[A-Za-z0-9-]+")
#: Most lines have no parameters: NAME ":" VALUE, read with one match.
_PLAIN = re.compile(r"([A-Za-z0-9-]+):")
_PARAM = re.compile(r';([A-Za-z0-9-]+)=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)')
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: Deeper nesting than any real calendar uses (VCALENDAR > VEVENT > VALARM > X-...) is refused.
MAX_DEPTH = 8
#: The lines of a component that ``scan`` reads (the others wait for ``read_component``).
_STRUCTURE = frozenset({"BEGIN", "END"})


class ContentLine(NamedTuple):
    """One unfolded content line: where it starts, its text, name (upper case), parameters and raw value.

    A named tuple rather than a frozen dataclass: a large import makes millions of them, and a tuple is
    built several times faster."""

    number: int
    text: str
    name: str
    params: dict[str, str]
    value: str

    def param(self, name: str) -> str | None:
        """A parameter's value without its quotes (a list stays comma-separated), or None."""
        return self.params.get(name.upper())


@dataclass
class RawComponent:
    """A BEGIN..END block: its name (upper case), its lines and its sub-components, in order."""

    name: str
    begin: ContentLine
    properties: list[ContentLine] = field(default_factory=list)
    components: list[RawComponent] = field(default_factory=list)
    end: ContentLine | None = None

    @property
    def number(self) -> int:
        return self.begin.number

    def first(self, name: str) -> ContentLine | None:
        return next((line for line in self.properties if line.name == name), None)

    def all(self, name: str) -> list[ContentLine]:
        return [line for line in self.properties if line.name == name]

    def raw_lines(self) -> list[str]:
        """The block as unfolded content lines, BEGIN and END included, exactly as read."""
        lines = [self.begin.text, *(line.text for line in self.properties)]
        for component in self.components:
            lines.extend(component.raw_lines())
        if self.end is not None:
            lines.append(self.end.text)
        return lines


@dataclass(frozen=True, slots=True)
class ComponentSpan:
    """Where one component of a VCALENDAR lies: its name, first line, and ``text[start:end]``."""

    name: str
    number: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ScannedComponent:
    """A component of a VCALENDAR as ``scan`` found it: its span, its UID line, and whether it has a
    RECURRENCE-ID of its own (not one of a sub-component's)."""

    span: ComponentSpan
    uid: ContentLine | None
    has_recurrence_id: bool


@dataclass
class ScannedCalendar:
    """A top-level block (normally a VCALENDAR): its own lines, read, and its components, located."""

    name: str
    begin: ContentLine
    properties: list[ContentLine] = field(default_factory=list)
    components: list[ScannedComponent] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.begin.number

    def first(self, name: str) -> ContentLine | None:
        return next((line for line in self.properties if line.name == name), None)


@dataclass(frozen=True)
class ScannedFile:
    """The text of a file (line ends normalized to LF) and its top-level blocks."""

    text: str
    calendars: list[ScannedCalendar]


def split_line(text: str, number: int) -> ContentLine:
    """A content line's parts; CalendarDataError naming ``number`` when it is not one."""
    plain = _PLAIN.match(text)
    if plain is not None:
        return ContentLine(number, text, plain[1].upper(), {}, text[plain.end() :])
    match = _NAME.match(text)
    if match is None:
        raise CalendarDataError.at(
            number, N_("This is not an iCalendar content line (NAME;PARAM=VALUE:VALUE): %(text)s"), text=text[:80]
        )
    position, params = match.end(), {}
    while position < len(text) and text[position] == ";":
        param = _PARAM.match(text, position)
        if param is None:
            raise CalendarDataError.at(
                number, N_("A parameter of %(name)s is malformed: %(text)s"), name=match[0].upper(), text=text[:80]
            )
        params[param[1].upper()] = param[2].replace('"', "")
        position = param.end()
    if position >= len(text) or text[position] != ":":
        raise CalendarDataError.at(
            number, N_("This is not an iCalendar content line (NAME;PARAM=VALUE:VALUE): %(text)s"), text=text[:80]
        )
    return ContentLine(number, text, match[0].upper(), params, text[position + 1 :])


def decode(data: bytes) -> str:
    """``data`` as text (UTF-8, byte order mark dropped) with every line end (CRLF, CR, LF) made LF."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CalendarDataError.at(line, N_("The data is not UTF-8 text.")) from exc
    text = text.removeprefix("\ufeff")
    if "\r" in text:  # str.replace copies in one go; re.sub would first build a list of every piece
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            text = text.replace("\r", "\n")
    return text


def _logical_lines(text: str, first_number: int = 1, offset: int = 0) -> Iterator[tuple[int, str, int, int]]:
    """(number, unfolded text, start, end) of each content line of ``text`` (LF line ends), blank lines
    skipped; ``start``/``end`` are offsets of its physical lines, shifted by ``offset``. A folded line
    (RFC 5545 §3.1) goes on after blank lines: a line that begins with a space or a tab continues the
    last content line, whatever came between."""
    number, position = first_number - 1, offset
    parts: list[str] = []
    begins = start = end = 0
    for physical in text.split("\n"):
        number += 1
        length = len(physical) + 1
        if physical[:1] in (" ", "\t") and parts:
            parts.append(physical[1:])  # a folded continuation
            end = position + length
        elif physical.strip():
            if parts:
                yield begins, "".join(parts), start, end
            parts, begins, start, end = [physical], number, position, position + length
        position += length
    if parts:
        yield begins, "".join(parts), start, end


def _content_line(text: str, number: int) -> ContentLine:
    if _CONTROL.search(text):
        raise CalendarDataError.at(number, N_("The line holds a control character."))
    return split_line(text, number)


def _name_of(text: str) -> str:
    match = _NAME.match(text)
    return match[0].upper() if match else ""


#: The lines ``scan`` reads inside a component: BEGIN and END at any depth, UID and RECURRENCE-ID (of the
#: component itself). Names are case-insensitive (RFC 5545 §2); a continuation line starts with a space,
#: so a match is always where a content line begins. The leading LF makes the search skip from line end
#: to line end; the first line of the text is looked at by itself.
_MARKER = re.compile(r"\n(?i:begin|end|uid|recurrence-id)[;:]")
_MARKER_FIRST = re.compile(r"(?i:begin|end|uid|recurrence-id)[;:]")


def _markers(text: str) -> Iterator[int]:
    """Where each line ``scan`` must read begins, in order."""
    if _MARKER_FIRST.match(text):
        yield 0
    for match in _MARKER.finditer(text):
        yield match.start() + 1


def _marker_end(text: str, start: int) -> int:
    """Where the content line starting at ``start`` ends: after its folded continuations (and the blank lines
    among them, as ``_logical_lines`` reads them)."""
    end = text.find("\n", start)
    while end >= 0:
        following = text.find("\n", end + 1)
        physical = text[end + 1 : following if following >= 0 else len(text)]
        if physical[:1] not in (" ", "\t") and physical.strip():
            return end + 1
        end = following
    return len(text)


def scan(data: bytes) -> ScannedFile:
    """The top-level blocks of ``data`` with BEGIN/END checked, their own lines read and their components
    located (see the module's docstring); CalendarDataError at the first fault found.

    Only the lines at the top level and in a VCALENDAR itself are read one by one; inside components a
    regular expression jumps from one BEGIN, END, UID or RECURRENCE-ID line to the next, so the lines
    that make up most of a file are not touched here."""
    text = decode(data)
    scanner = _Scanner()
    position, number = 0, 1
    for start in _markers(text):
        if start < position:
            continue  # a line inside the folded continuation of the line just read
        if scanner.depth <= 1:
            for line_number, line, _start, _end in _logical_lines(text[position:start], number, position):
                scanner.line(_content_line(line, line_number))
        number += text.count("\n", position, start)
        end = _marker_end(text, start)
        line = "".join(
            physical[1:] if i else physical for i, physical in enumerate(text[start:end].rstrip("\n").split("\n"))
        )
        scanner.marker(line, number, start, end)
        number += text.count("\n", start, end)
        position = end
    if scanner.depth <= 1:
        for line_number, line, _start, _end in _logical_lines(text[position:], number, position):
            scanner.line(_content_line(line, line_number))
    return ScannedFile(text, scanner.finish())


class _Scanner:
    """The state of ``scan``: the blocks open, and the component being located."""

    def __init__(self) -> None:
        self.roots: list[ScannedCalendar] = []
        self._stack: list[tuple[str, int, int]] = []  # (name, line, start offset) of each open block
        self._uid: ContentLine | None = None  # of the component being scanned (a child of the VCALENDAR)
        self._has_recurrence_id = False

    @property
    def depth(self) -> int:
        return len(self._stack)

    def marker(self, text: str, number: int, start: int, end: int) -> None:
        """A BEGIN, END, UID or RECURRENCE-ID line (unfolded) found at ``number``, ``text[start:end]``."""
        depth = len(self._stack)
        if depth > 2 and _name_of(text) not in _STRUCTURE:
            return  # a sub-component's UID or RECURRENCE-ID: read with the component
        content = _content_line(text, number)
        if content.name == "BEGIN":
            name = content.value.strip().upper()
            if not name or depth >= MAX_DEPTH:
                raise CalendarDataError.at(number, N_("BEGIN needs a component name, nested at most 8 deep."))
            if depth == 0:
                self.roots.append(ScannedCalendar(name, content))
            elif depth == 1:
                self._uid, self._has_recurrence_id = None, False
            self._stack.append((name, number, start))
        elif content.name == "END":
            name = content.value.strip().upper()
            if not self._stack:
                raise CalendarDataError.at(number, N_("END:%(name)s has no matching BEGIN."), name=name)
            if self._stack[-1][0] != name:
                raise CalendarDataError.at(
                    number,
                    N_("END:%(name)s closes BEGIN:%(open)s of line %(begin)s."),
                    name=name,
                    open=self._stack[-1][0],
                    begin=self._stack[-1][1],
                )
            opened, begins, begin_offset = self._stack.pop()
            if depth == 2:
                span = ComponentSpan(opened, begins, begin_offset, end)
                self.roots[-1].components.append(ScannedComponent(span, self._uid, self._has_recurrence_id))
        elif depth <= 1:
            self.line(content)
        elif content.name == "UID":
            self._uid = self._uid or content
        else:
            self._has_recurrence_id = True

    def line(self, content: ContentLine) -> None:
        """Any other line, outside components."""
        if not self._stack:
            raise CalendarDataError.at(content.number, N_("This line lies outside any BEGIN:VCALENDAR block."))
        self.roots[-1].properties.append(content)

    def finish(self) -> list[ScannedCalendar]:
        if self._stack:
            name, number, _start = self._stack[-1]
            raise CalendarDataError.at(number, N_("BEGIN:%(name)s is never closed by END:%(name)s."), name=name)
        if not self.roots:
            raise CalendarDataError.at(1, N_("The data holds no BEGIN:VCALENDAR block."))
        return self.roots


def read_component(text: str, span: ComponentSpan) -> RawComponent:
    """The component at ``span`` of ``text`` (from ``scan``), every line read; CalendarDataError at its
    first fault."""
    stack: list[RawComponent] = []
    root: RawComponent | None = None
    chunk = text[span.start : span.end]
    if _CONTROL_IN_TEXT.search(chunk):  # rare: find the line that holds it, for the message
        for number, line, _start, _end in _logical_lines(chunk, span.number):
            _content_line(line, number)
    for number, line in _unfolded(chunk, span.number):
        plain = _PLAIN.match(line)  # split_line's common case, inlined: this runs for every line of an import
        content = (
            ContentLine(number, line, plain[1].upper(), {}, line[plain.end() :]) if plain else split_line(line, number)
        )
        if content.name == "BEGIN":
            component = RawComponent(content.value.strip().upper(), content)
            if stack:
                stack[-1].components.append(component)
            else:
                root = component
            stack.append(component)
        elif content.name == "END":
            stack.pop().end = content  # scan checked that BEGIN and END pair up
        else:
            stack[-1].properties.append(content)
    assert root is not None and not stack, "a span from scan holds one whole component"
    return root


#: A control character other than the line feeds that separate lines (the text's line ends are LF).
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _unfolded(chunk: str, first_number: int) -> list[tuple[int, str]]:
    """(number, text) of the content lines of a component's few lines, as ``_logical_lines`` reads them but
    faster: a component is small, so its lines are split at once."""
    lines: list[tuple[int, str]] = []
    for number, physical in enumerate(chunk.split("\n"), start=first_number):
        if physical[:1] in (" ", "\t") and lines:
            begins, text = lines[-1]
            lines[-1] = (begins, text + physical[1:])
        elif physical.strip():
            lines.append((number, physical))
    return lines


__all__ = [
    "MAX_DEPTH",
    "ComponentSpan",
    "ContentLine",
    "RawComponent",
    "ScannedCalendar",
    "ScannedComponent",
    "ScannedFile",
    "read_component",
    "scan",
    "split_line",
]
