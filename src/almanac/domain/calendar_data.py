"""iCalendar data as the domain sees it: parsed calendar objects, the codec port, and the data errors.

A *calendar object* (RFC 4791 §4.1) is every component sharing one UID: a
master VEVENT and the overrides that replace some of its occurrences (each
with a RECURRENCE-ID). The ``almanac.ical`` adapter turns bytes into
``ParsedObject`` values and events back into bytes; services reach it only
through the ``CalendarCodec`` port, which the composition root wires.

``ParsedTask`` is that for a VTODO (a task); ``ParsedComponent`` holds what Almanac models of one VEVENT, already mapped
to domain values (instants in UTC beside their zone, a ``Recurrence``,
reminders), plus ``extra_properties``: the raw, unfolded content lines of
everything Almanac does not model (``X-`` properties, ``URL``, ``ATTACH``,
``GEO``, alarms it cannot express...), kept verbatim so they round-trip
unchanged. Attendees and the organizer stay e-mail addresses with their raw
line: only a service can tell whether an address belongs to a user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol

from almanac.domain.calendars import Calendar
from almanac.domain.errors import N_, ConflictError, InvalidInputError, Problem
from almanac.domain.events import Availability, EndForm, Event, Priority, Privacy, Reminder
from almanac.domain.recurrence import Recurrence, RecurrenceId
from almanac.domain.tasks import Task, TaskStatus
from almanac.domain.users import User


class ComponentKind(StrEnum):
    """The calendar components a calendar object may hold (RFC 5545 §3.6)."""

    EVENT = "VEVENT"
    TODO = "VTODO"
    JOURNAL = "VJOURNAL"


#: Participant answers (``Participant.status``) <-> iCalendar PARTSTAT (RFC 5545 §3.2.12).
PARTSTAT_OF_STATUS: Mapping[str, str] = {"": "NEEDS-ACTION", "yes": "ACCEPTED", "no": "DECLINED", "maybe": "TENTATIVE"}
STATUS_OF_PARTSTAT: Mapping[str, str] = {value: key for key, value in PARTSTAT_OF_STATUS.items()}


@dataclass(frozen=True)
class Address:
    """A calendar user named in ATTENDEE or ORGANIZER: the e-mail address, the answer, the raw content line."""

    email: str
    status: str
    line: str


@dataclass(frozen=True)
class ParsedComponent:
    """What Almanac models of one VEVENT (``line``: where it begins in the data, 1-based)."""

    line: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    tzid: str
    all_day: bool = False
    description: str | None = None
    location: str | None = None
    recurrence: Recurrence | None = None
    recurrence_id: RecurrenceId | None = None
    category_key: str | None = None
    priority: Priority = Priority.NONE
    privacy: Privacy = Privacy.PUBLIC
    availability: Availability = Availability.BUSY
    reminders: tuple[Reminder, ...] = ()
    attendees: tuple[Address, ...] = ()
    organizer: Address | None = None
    extra_properties: str | None = None
    end_form: EndForm = EndForm.DTEND
    class_stated: bool = True


@dataclass(frozen=True)
class ParsedTask:
    """What Almanac models of one VTODO (RFC 5545 §3.6.2; ``line``: where it begins, 1-based).

    ``starts_at``/``due_at`` are None when the VTODO has no DTSTART / DUE (a
    DTSTART + DURATION gives the due instant). ``attendees`` name the delegates
    (an address of no user is kept raw by the service); ``completed_at`` is COMPLETED.
    """

    line: int
    summary: str
    starts_at: datetime | None
    due_at: datetime | None
    tzid: str
    all_day: bool = False
    description: str | None = None
    category_key: str | None = None
    priority: Priority = Priority.NONE
    status: TaskStatus = TaskStatus.NEEDS_ACTION
    completed_at: datetime | None = None
    reminders: tuple[Reminder, ...] = ()
    attendees: tuple[Address, ...] = ()
    organizer: Address | None = None
    extra_properties: str | None = None


@dataclass(frozen=True)
class ParsedJournal:
    """What the store needs of a VJOURNAL object (RFC 5545 §3.6.3), which is otherwise kept as written:
    its master's DTSTART in UTC (a date or floating time read in the default zone; None without DTSTART)
    and whether RRULE or RDATE give it more instances."""

    starts_at: datetime | None
    recurs: bool = False


@dataclass(frozen=True)
class ParsedObject:
    """One UID of the data: its kind, its master (None for components Almanac does not store) and overrides,
    or, for a VTODO, its ``task``, for a VJOURNAL, its ``journal``."""

    uid: str
    kind: ComponentKind
    line: int
    master: ParsedComponent | None = None
    overrides: tuple[ParsedComponent, ...] = field(default_factory=tuple)
    task: ParsedTask | None = None
    journal: ParsedJournal | None = None


class CalendarDataError(InvalidInputError):
    """The data is not valid iCalendar, or not a calendar object Almanac can store.

    Each problem's ``field`` is ``line N`` (the physical line, 1-based, where the
    fault lies) and its template says why (CalDAV ``valid-calendar-data``).
    """

    code = "invalid_calendar_data"
    template = N_("The iCalendar data is invalid.")

    @classmethod
    def at(cls, line: int, template: str, **params: Any) -> CalendarDataError:
        """A CalendarDataError with one problem at ``line``."""
        return cls([Problem(line_field(line), cls.code, template, params)])


class UnsupportedComponentError(InvalidInputError):
    """The data holds a component this server does not store (CalDAV ``supported-calendar-component``)."""

    code = "unsupported_component"
    template = N_("This calendar does not store %(kind)s components.")


class UidConflictError(ConflictError):
    """Another calendar object of the calendar already uses the UID (CalDAV ``no-uid-conflict``)."""

    code = "uid_conflict"
    template = N_("The UID %(uid)s is already used by the calendar object %(name)s of this calendar.")


def entity_tag_of(data: bytes) -> str:
    """The strong entity tag of iCalendar bytes (a SHA-256 prefix, quoted)."""
    return '"' + hashlib.sha256(data).hexdigest()[:40] + '"'


def line_field(line: int) -> str:
    """The ``Problem.field`` naming a line of iCalendar data."""
    return f"line {line}"


class CalendarFile(Protocol):
    """The calendar objects of an iCalendar file, parsed one at a time as they are iterated.

    ``len()`` is the number of objects (UIDs), known before any is parsed: the
    file's structure and every UID were checked when it was opened. Iterating
    parses each object in turn and raises CalendarDataError at the first fault
    of one, so a caller storing objects as they come must be able to undo what
    it stored (an import runs in one transaction).

    A file read with workers parses on them only inside a ``with`` block on it:
    entering makes them ready, leaving stops them, whatever happened. Outside
    one it is parsed in the caller's process; the objects are the same.
    """

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[ParsedObject]: ...

    def __enter__(self) -> CalendarFile: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None: ...


#: Told (done, total) as an import progresses.
Progress = Callable[[int, int], None]


class CalendarCodec(Protocol):
    """Reads and writes iCalendar (implemented by ``almanac.ical``).

    Output is deterministic: the same events and users always give the same
    bytes, so a hash of the bytes is a stable entity tag.
    """

    def calendar_object(self, master: Event, overrides: Sequence[Event], *, users: Mapping[int, User]) -> bytes:
        """One VCALENDAR holding the master, its overrides and the VTIMEZONEs they use."""
        ...

    def calendar_task(self, task: Task, *, users: Mapping[int, User]) -> bytes:
        """One VCALENDAR holding the task as a VTODO and the VTIMEZONE it uses."""
        ...

    def calendar_feed(
        self,
        calendar: Calendar,
        objects: Sequence[tuple[Event, Sequence[Event]]],
        *,
        users: Mapping[int, User],
        tasks: Sequence[Task] = (),
    ) -> bytes:
        """One VCALENDAR holding every (master, overrides) of ``objects`` and every task (VTODO), named after
        ``calendar``."""
        ...

    def parse_calendar_object(self, data: bytes, *, default_tzid: str) -> ParsedObject:
        """Exactly one calendar object (one UID); CalendarDataError otherwise."""
        ...

    def parse_calendar_file(self, data: bytes, *, default_tzid: str) -> list[ParsedObject]:
        """Every calendar object of the data, in order of first appearance; CalendarDataError if broken."""
        ...

    def read_calendar_file(self, data: bytes, *, default_tzid: str, workers: int | None = 0) -> CalendarFile:
        """The calendar objects of the data, in order of first appearance, each parsed when it is reached
        (see ``CalendarFile``); CalendarDataError at once if the file's structure is broken. ``workers``:
        processes parsing objects ahead of the caller inside the file's ``with`` block (0: none, in this
        process; None: the codec chooses by the file's size and the machine's cores)."""
        ...


__all__ = [
    "PARTSTAT_OF_STATUS",
    "STATUS_OF_PARTSTAT",
    "Address",
    "CalendarCodec",
    "CalendarDataError",
    "CalendarFile",
    "ComponentKind",
    "ParsedComponent",
    "ParsedJournal",
    "ParsedObject",
    "ParsedTask",
    "Progress",
    "UidConflictError",
    "UnsupportedComponentError",
    "entity_tag_of",
    "line_field",
]
