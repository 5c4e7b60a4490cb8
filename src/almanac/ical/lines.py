"""The lexical layer of iCalendar (RFC 5545 §3.1): unfolding, content lines, and the component tree.

Owns the one reading of raw bytes every parse starts with, keeping for each
content line the physical line where it begins, so that every error can name
its line, and the exact unfolded text, so that properties Almanac does not
model are re-emitted verbatim. Values are not interpreted here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from almanac.domain.calendar_data import CalendarDataError
from almanac.domain.errors import N_

# name *(";" param) ":" value; a param value is a quoted string or has no ; : , or quote (RFC 5545 §3.1).
_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM = re.compile(r';([A-Za-z0-9-]+)=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)')
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: Deeper nesting than any real calendar uses (VCALENDAR > VEVENT > VALARM > X-...) is refused.
MAX_DEPTH = 8


@dataclass(frozen=True)
class ContentLine:
    """One unfolded content line: where it starts, its text, name (upper case), parameters and raw value."""

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


def split_line(text: str, number: int) -> ContentLine:
    """A content line's parts; CalendarDataError naming ``number`` when it is not one."""
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


def content_lines(data: bytes) -> list[ContentLine]:
    """The unfolded content lines of ``data`` (UTF-8, CRLF or LF line ends), blank lines skipped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CalendarDataError.at(line, N_("The data is not UTF-8 text.")) from exc
    text = text.removeprefix("\ufeff")
    logical: list[tuple[int, list[str]]] = []
    for number, physical in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if physical[:1] in (" ", "\t") and logical:
            logical[-1][1].append(physical[1:])  # a folded continuation (RFC 5545 §3.1)
        elif physical.strip():
            logical.append((number, [physical]))
    lines: list[ContentLine] = []
    for number, parts in logical:
        joined = "".join(parts)
        if _CONTROL.search(joined):
            raise CalendarDataError.at(number, N_("The line holds a control character."))
        lines.append(split_line(joined, number))
    return lines


def components(data: bytes) -> list[RawComponent]:
    """The top-level components of ``data`` (normally one VCALENDAR), with BEGIN/END checked."""
    roots: list[RawComponent] = []
    stack: list[RawComponent] = []
    lines = content_lines(data)
    for line in lines:
        if line.name == "BEGIN":
            component = RawComponent(line.value.strip().upper(), line)
            if not component.name or len(stack) >= MAX_DEPTH:
                raise CalendarDataError.at(line.number, N_("BEGIN needs a component name, nested at most 8 deep."))
            (stack[-1].components if stack else roots).append(component)
            stack.append(component)
        elif line.name == "END":
            name = line.value.strip().upper()
            if not stack:
                raise CalendarDataError.at(line.number, N_("END:%(name)s has no matching BEGIN."), name=name)
            if stack[-1].name != name:
                raise CalendarDataError.at(
                    line.number,
                    N_("END:%(name)s closes BEGIN:%(open)s of line %(begin)s."),
                    name=name,
                    open=stack[-1].name,
                    begin=stack[-1].number,
                )
            stack.pop().end = line
        elif not stack:
            raise CalendarDataError.at(line.number, N_("This line lies outside any BEGIN:VCALENDAR block."))
        else:
            stack[-1].properties.append(line)
    if stack:
        raise CalendarDataError.at(
            stack[-1].number, N_("BEGIN:%(name)s is never closed by END:%(name)s."), name=stack[-1].name
        )
    if not roots:
        raise CalendarDataError.at(1, N_("The data holds no BEGIN:VCALENDAR block."))
    return roots


__all__ = ["MAX_DEPTH", "ContentLine", "RawComponent", "components", "content_lines", "split_line"]
