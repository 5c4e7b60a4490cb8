"""Reading iCalendar (RFC 5545) into calendar objects: one UID's master VEVENT, its overrides, the rest kept raw.

``read_calendar_file`` reads a whole file for an import (any number of
UIDs), one calendar object at a time; ``parse_calendar_object`` reads one
CalDAV resource (exactly one UID, RFC 4791 §4.1). Both raise
``CalendarDataError`` naming the line and the reason at the first fault.

What Almanac models is mapped to domain values (see ``ParsedComponent``);
everything else of a VEVENT — ``X-`` and other unknown properties,
``URL``, ``ATTACH``, alarms it cannot express, unknown
sub-components — is kept as raw unfolded lines in ``extra_properties``, in
the order read. Mapping choices (documented in the README):

* CLASS: PUBLIC is public, PRIVATE and CONFIDENTIAL private; absent means PUBLIC (RFC 5545 §3.8.1.3), and
  the event remembers it had none (``class_stated``), so it is served without one;
* the end: DTEND, DTSTART + DURATION or DTSTART alone, remembered as ``end_form`` and served in that form;
* PRIORITY: 0 none, 1-4 high, 5 normal, 6-9 low (the three levels of RFC 5545 §3.8.1.9);
* TRANSP:TRANSPARENT is "available", else "busy"; ``X-MICROSOFT-CDO-BUSYSTATUS:OOF`` is "outside";
* CATEGORIES naming one built-in category (``Meeting``) sets the category; any other is kept raw;
* a VALARM becomes a reminder when it is ACTION:DISPLAY (popup) or EMAIL with a TRIGGER at or before
  the start (a VTODO without DTSTART: before DUE, RELATED=END), or at an absolute UTC instant; any other
  alarm is kept raw;
* all-day events (DTSTART;VALUE=DATE) and floating times are placed in ``default_tzid``;
* a missing or empty SUMMARY becomes "Untitled" (Almanac requires a title);
* DTSTAMP, CREATED, LAST-MODIFIED and SEQUENCE are the server's (from its timestamps and revision).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType

from almanac.domain.calendar_data import (
    STATUS_OF_PARTSTAT,
    Address,
    CalendarDataError,
    CalendarFile,
    ComponentKind,
    ParsedComponent,
    ParsedJournal,
    ParsedObject,
    ParsedTask,
    line_field,
)
from almanac.domain.categories import ALL_CATEGORY_KEY, BUILT_IN_CATEGORIES
from almanac.domain.errors import N_, Problem
from almanac.domain.events import Availability, EndForm, Priority, Privacy, Reminder, ReminderChannel
from almanac.domain.recurrence import Recurrence, RecurrenceError, RecurrenceId
from almanac.domain.recurrence_zones import load_zone, local_midnight_utc, utc_to_wall_clock, wall_clock_to_utc
from almanac.domain.tasks import TaskStatus
from almanac.ical.lines import ComponentSpan, ContentLine, RawComponent, ScannedComponent, read_component, scan
from almanac.ical.values import (
    duration_value,
    integer_value,
    mail_address,
    moment_value,
    text_list,
    text_value,
)
from almanac.ical.workers import OrderedPool, available_cores

UNTITLED = "Untitled"
MAX_UID_LENGTH = 255

_KINDS = {kind.value: kind for kind in ComponentKind}
_SINGLE = ("UID", "DTSTART", "DTEND", "DURATION", "SUMMARY", "DESCRIPTION", "LOCATION", "CLASS", "TRANSP")
_SINGLE_MORE = ("PRIORITY", "RECURRENCE-ID", "ORGANIZER", "RRULE")
_SINGLE_EVENT = (*_SINGLE, *_SINGLE_MORE)
# Written by the server from its own data (RFC 5545 §3.8.7), so what a client sends is not kept.
_SERVER_MANAGED = frozenset({"DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE"})
_RECURRENCE = frozenset({"RRULE", "RDATE", "EXDATE"})
# Read before the rest of a VEVENT (they fix its timing and identity).
_READ_FIRST = frozenset({"UID", "DTSTART", "DTEND", "DURATION"})
_NOT_LEFT = _SERVER_MANAGED | _READ_FIRST
_CATEGORY_BY_NAME = {c.name.casefold(): c.key for c in BUILT_IN_CATEGORIES if c.key != ALL_CATEGORY_KEY}
_CATEGORY_BY_NAME.update({c.short_name: c.key for c in BUILT_IN_CATEGORIES if c.key != ALL_CATEGORY_KEY})
OUT_OF_OFFICE = "X-MICROSOFT-CDO-BUSYSTATUS"
_SINGLE_TODO = (
    *("UID", "DTSTART", "DUE", "DURATION", "SUMMARY", "DESCRIPTION", "CLASS", "STATUS", "COMPLETED"),
    *("PRIORITY", "PERCENT-COMPLETE", "ORGANIZER", "RRULE"),
)
_TODO_STATUSES = {status.ical: status for status in TaskStatus}

#: Below this many calendar objects a file is parsed in the importing process when the number of workers
#: is left to ``read_calendar_file``: starting a worker (a fresh interpreter importing the parser) costs
#: about what parsing a few thousand objects does.
PARALLEL_MIN_OBJECTS = 5_000
#: At most this many workers are chosen automatically: the importing process, which stores what they
#: parse, is the slower side, and one worker already keeps up with it.
MAX_AUTO_WORKERS = 2
#: The most calendar objects sent to a worker at once (smaller files are cut finer, so that every worker
#: gets several pieces).
_MAX_CHUNK = 500


def read_calendar_file(data: bytes, *, default_tzid: str = "UTC", workers: int | None = 0) -> CalendarFile:
    """The calendar objects of ``data`` (one per UID, in order of first appearance), read one at a time.

    The file's structure, its VCALENDAR lines and every component's UID are
    checked first (``lines.scan``), so ``len()`` is known before anything is
    parsed; each object is then parsed when iteration reaches it, so a large
    file is never held as parsed lines all at once. VEVENTs and VTODOs are fully
    read; VJOURNAL objects come with their kind, no master and what the store
    indexes of them (``ParsedJournal``: a CalDAV calendar keeps their text whole,
    an import skips them); VTIMEZONE is read from the TZID names instead (IANA,
    Windows or a path ending in an IANA name); other components are checked and
    ignored. CalendarDataError at the first fault: from this call for the
    structure, from the iteration for the faults of one object.

    ``workers``: processes that parse objects while the caller consumes them (``workers.OrderedPool``),
    used only inside a ``with`` block on the returned file, which starts and stops them; 0 parses in
    this process; None chooses: none below ``PARALLEL_MIN_OBJECTS`` objects or on one core, else one
    per spare core up to ``MAX_AUTO_WORKERS``. The objects, their order and the first fault (its line
    and reason) are the same whatever the number of workers.
    """
    return _CalendarFile(data, default_tzid, workers)


def parse_calendar_file(data: bytes, *, default_tzid: str = "UTC") -> list[ParsedObject]:
    """Every calendar object of ``data``, parsed (``read_calendar_file`` as a list)."""
    return list(read_calendar_file(data, default_tzid=default_tzid))


def parse_calendar_object(data: bytes, *, default_tzid: str) -> ParsedObject:
    """The one calendar object of ``data``; CalendarDataError when it holds no component or several UIDs."""
    found = parse_calendar_file(data, default_tzid=default_tzid)
    if not found:
        raise CalendarDataError.at(1, N_("The data holds no VEVENT, VTODO or VJOURNAL component."))
    if len(found) > 1:
        raise CalendarDataError.at(
            found[1].line,
            N_("A calendar object holds one UID; this data also holds %(uid)s (RFC 4791 §4.1)."),
            uid=found[1].uid,
        )
    return found[0]


class _CalendarFile:
    """Implements ``almanac.domain.calendar_data.CalendarFile``: the grouping is done, the parsing is lazy."""

    def __init__(self, data: bytes, default_tzid: str, workers: int | None = 0) -> None:
        load_zone(default_tzid)
        scanned = scan(data)
        self._text, self._default_tzid = scanned.text, default_tzid
        self._groups: dict[str, _Group] = {}
        for calendar in scanned.calendars:
            if calendar.name != "VCALENDAR":
                raise CalendarDataError.at(
                    calendar.number, N_("The data must be BEGIN:VCALENDAR blocks, not %(name)s."), name=calendar.name
                )
            version = calendar.first("VERSION")
            if version is not None and version.value.strip() != "2.0":
                raise CalendarDataError.at(version.number, N_("Only iCalendar VERSION:2.0 is supported."))
            for component in calendar.components:
                kind = _KINDS.get(component.span.name)
                if kind is not None:
                    _group_of(self._groups, component, kind).add(component)
                else:
                    read_component(self._text, component.span)  # not stored, but a fault in it is one of the file
        self._workers = _worker_count(workers, len(self._groups))
        self._pool: OrderedPool | None = None

    def __enter__(self) -> _CalendarFile:
        if self._workers:
            self._pool = OrderedPool(self._workers)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __len__(self) -> int:
        return len(self._groups)

    def __iter__(self) -> Iterator[ParsedObject]:
        if self._pool is None:
            for group in self._groups.values():
                yield group.parsed(self._text, self._default_tzid)
            return
        for parsed in self._pool.map(_parse_chunk, self._chunks()):
            yield from parsed.objects
            if parsed.problems:
                raise CalendarDataError(parsed.problems)

    def _chunks(self) -> Iterator[_Chunk]:
        """The groups in order, a chunk at a time, each with the text of its components alone (a worker is
        sent that much of the file, not all of it)."""
        groups = list(self._groups.values())
        size = max(1, min(_MAX_CHUNK, -(-len(groups) // (self._workers * 4))))
        for first in range(0, len(groups), size):
            yield _chunk_of(groups[first : first + size], self._text, self._default_tzid)


def _chunk_of(groups: list[_Group], text: str, default_tzid: str) -> _Chunk:
    """The groups with their spans moved onto a text of their components alone, one after the other."""
    pieces: list[str] = []
    offset = 0

    def moved(span: ComponentSpan) -> ComponentSpan:
        nonlocal offset
        pieces.append(text[span.start : span.end])
        offset += span.end - span.start
        return ComponentSpan(span.name, span.number, offset - (span.end - span.start), offset)

    chunk = [
        _Group(g.uid, g.kind, g.line, moved(g.master) if g.master else None, [moved(s) for s in g.overrides])
        for g in groups
    ]
    return _Chunk(chunk, "".join(pieces), default_tzid)


def _worker_count(requested: int | None, objects: int) -> int:
    if requested is not None:
        return max(0, requested)
    if objects < PARALLEL_MIN_OBJECTS:
        return 0
    return max(0, min(MAX_AUTO_WORKERS, available_cores() - 1))


@dataclass(frozen=True)
class _Chunk:
    """Calendar objects sent to a worker: their groups, the text their spans point into, the default zone."""

    groups: list[_Group]
    text: str
    default_tzid: str


@dataclass(frozen=True)
class _Parsed:
    """What a worker sends back: the chunk's objects up to its first fault, and that fault's problems
    (a CalendarDataError does not pickle: its arguments are its rendered message). The objects before
    the fault are yielded before it is raised, as parsing in the importing process would."""

    objects: list[ParsedObject]
    problems: list[Problem] | None = None


def _parse_chunk(chunk: _Chunk) -> _Parsed:
    """A worker's task: the chunk's objects, parsed in order, up to the first fault."""
    objects: list[ParsedObject] = []
    try:
        for group in chunk.groups:
            objects.append(group.parsed(chunk.text, chunk.default_tzid))
    except CalendarDataError as error:
        return _Parsed(objects, error.problems)
    return _Parsed(objects)


@dataclass
class _Group:
    uid: str
    kind: ComponentKind
    line: int
    master: ComponentSpan | None = None
    overrides: list[ComponentSpan] = field(default_factory=list)

    def add(self, component: ScannedComponent) -> None:
        if component.has_recurrence_id:
            self.overrides.append(component.span)
        elif self.master is not None:
            raise CalendarDataError.at(
                component.span.number,
                N_("A second %(kind)s with UID %(uid)s and no RECURRENCE-ID; only overrides may repeat a UID."),
                kind=component.span.name,
                uid=self.uid,
            )
        else:
            self.master = component.span

    def parsed(self, text: str, default_tzid: str) -> ParsedObject:
        if self.kind is ComponentKind.TODO:
            if self.overrides:
                raise CalendarDataError.at(
                    self.overrides[0].number,
                    N_("Overridden occurrences (RECURRENCE-ID) of a task are not supported."),
                )
            assert self.master is not None  # a VTODO without RECURRENCE-ID started the group
            return ParsedObject(
                self.uid, self.kind, self.line, task=_todo(read_component(text, self.master), default_tzid)
            )
        if self.kind is ComponentKind.JOURNAL:
            written = read_component(text, self.master) if self.master is not None else None
            return ParsedObject(self.uid, self.kind, self.line, journal=_journal(written, default_tzid))
        if self.kind is not ComponentKind.EVENT:
            return ParsedObject(self.uid, self.kind, self.line)
        if self.master is None:
            raise CalendarDataError.at(
                self.line,
                N_("The UID %(uid)s has overridden occurrences (RECURRENCE-ID) but no master VEVENT."),
                uid=self.uid,
            )
        master = _component(read_component(text, self.master), default_tzid)
        overrides: dict[RecurrenceId, ParsedComponent] = {}
        for span in self.overrides:
            override = _component(read_component(text, span), default_tzid, master=master)
            assert override.recurrence_id is not None
            if override.recurrence_id in overrides:
                raise CalendarDataError.at(span.number, N_("A second override of the same RECURRENCE-ID."))
            overrides[override.recurrence_id] = override
        return ParsedObject(self.uid, self.kind, self.line, master, tuple(overrides.values()))


def _group_of(groups: dict[str, _Group], component: ScannedComponent, kind: ComponentKind) -> _Group:
    uid_line, number = component.uid, component.span.number
    uid = text_value(uid_line).strip() if uid_line else ""
    if not uid:
        raise CalendarDataError.at(number, N_("The %(kind)s has no UID."), kind=component.span.name)
    if len(uid) > MAX_UID_LENGTH:
        raise CalendarDataError.at(
            uid_line.number if uid_line else number,
            N_("The UID is longer than %(limit)s characters."),
            limit=MAX_UID_LENGTH,
        )
    group = groups.setdefault(uid, _Group(uid, kind, number))
    if group.kind is not kind:
        raise CalendarDataError.at(
            number,
            N_("The UID %(uid)s is used by a %(kind)s and a %(other)s."),
            uid=uid,
            kind=group.kind.value,
            other=kind.value,
        )
    return group


def _component(raw: RawComponent, default_tzid: str, *, master: ParsedComponent | None = None) -> ParsedComponent:
    """One VEVENT (an override when ``master`` is given) as a ParsedComponent."""
    _refuse_repeated(raw, _SINGLE_EVENT)
    start_line = raw.first("DTSTART")
    if start_line is None:
        raise CalendarDataError.at(raw.number, N_("The VEVENT has no DTSTART."))
    start = moment_value(start_line, default_tzid=default_tzid)
    all_day, tzid = start.is_date, start.tzid
    starts_at = _instant(start.value, tzid)
    ends_at = _end(raw, start.value, tzid, starts_at)
    reader = _Reader(raw)
    summary_line = reader.take("SUMMARY")
    summary = text_value(summary_line).strip() if summary_line else ""
    fields = _Fields(reader)
    return ParsedComponent(
        line=raw.number,
        summary=summary or UNTITLED,
        starts_at=starts_at,
        ends_at=ends_at,
        tzid=tzid,
        all_day=all_day,
        description=reader.text("DESCRIPTION"),
        location=reader.text("LOCATION"),
        recurrence=_recurrence(reader, tzid, all_day, is_override=master is not None),
        recurrence_id=_recurrence_id(reader, default_tzid, master) if master is not None else None,
        category_key=fields.category(),
        priority=fields.priority(),
        privacy=fields.privacy(),
        availability=fields.availability(),
        reminders=tuple(reader.reminders()),
        attendees=tuple(reader.addresses("ATTENDEE")),
        organizer=next(iter(reader.addresses("ORGANIZER")), None),
        extra_properties=reader.extra(),
        end_form=_end_form(raw),
        class_stated=raw.first("CLASS") is not None,
    )


def _end_form(raw: RawComponent) -> EndForm:
    if raw.first("DTEND") is not None:
        return EndForm.DTEND
    return EndForm.DURATION if raw.first("DURATION") is not None else EndForm.IMPLIED


def _todo(raw: RawComponent, default_tzid: str) -> ParsedTask:
    """One VTODO (RFC 5545 §3.6.2) as a ParsedTask; DTSTART and DUE are each optional."""
    _refuse_repeated(raw, _SINGLE_TODO)
    start_line, due_line, duration_line = raw.first("DTSTART"), raw.first("DUE"), raw.first("DURATION")
    if due_line is not None and duration_line is not None:
        raise CalendarDataError.at(duration_line.number, N_("A VTODO may have DUE or DURATION, not both."))
    if duration_line is not None and start_line is None:
        raise CalendarDataError.at(duration_line.number, N_("A VTODO with DURATION needs a DTSTART."))
    start = moment_value(start_line, default_tzid=default_tzid) if start_line is not None else None
    due = moment_value(due_line, default_tzid=start.tzid if start else default_tzid) if due_line else None
    if start is not None and due is not None and start.is_date != due.is_date:
        assert due_line is not None
        raise CalendarDataError.at(
            due_line.number, N_("DUE must be a date when DTSTART is a date, and a date-time otherwise.")
        )
    first = start or due
    all_day = first is not None and first.is_date
    tzid = first.tzid if first is not None else default_tzid
    starts_at = _instant(start.value, tzid) if start is not None else None
    due_at = _instant(due.value, tzid) if due is not None else None
    if duration_line is not None and start is not None and starts_at is not None:
        due_at = _end(raw, start.value, tzid, starts_at)
    if starts_at is not None and due_at is not None and due_at < starts_at:
        at = due_line or duration_line or raw.begin
        raise CalendarDataError.at(at.number, N_("The task is due before it starts."))
    reader = _Reader(raw)
    reader.take("DUE")
    summary_line = reader.take("SUMMARY")
    summary = text_value(summary_line).strip() if summary_line else ""
    status, completed_at = _todo_status(reader)
    fields = _Fields(reader)
    return ParsedTask(
        line=raw.number,
        summary=summary or UNTITLED,
        starts_at=starts_at,
        due_at=due_at,
        tzid=tzid,
        all_day=all_day,
        description=reader.text("DESCRIPTION"),
        category_key=fields.category(),
        priority=fields.priority(),
        status=status,
        completed_at=completed_at,
        # A VTODO without DTSTART counts its relative alarms back from DUE (RELATED=END, RFC 5545 §3.8.6.3),
        # as its reminders are delivered (domain.task_reminders); START there, which the RFC forbids, reads alike.
        reminders=tuple(reader.reminders(related=("START",) if start is not None or due is None else ("END", "START"))),
        attendees=tuple(reader.addresses("ATTENDEE")),
        organizer=next(iter(reader.addresses("ORGANIZER")), None),
        extra_properties=reader.extra(),
    )


def _journal(master: RawComponent | None, default_tzid: str) -> ParsedJournal:
    """What the store indexes of a VJOURNAL (the rest is kept as written): its DTSTART, checked, and whether
    it recurs. Overrides alone (no master) have no DTSTART of the series."""
    start_line = master.first("DTSTART") if master is not None else None
    if master is None or start_line is None:
        return ParsedJournal(starts_at=None)
    repeated = master.all("DTSTART")
    if len(repeated) > 1:
        raise CalendarDataError.at(repeated[1].number, N_("%(name)s may appear only once."), name="DTSTART")
    start = moment_value(start_line, default_tzid=default_tzid)
    recurs = master.first("RRULE") is not None or master.first("RDATE") is not None
    return ParsedJournal(starts_at=_instant(start.value, start.tzid), recurs=recurs)


def _todo_status(reader: _Reader) -> tuple[TaskStatus, datetime | None]:
    """STATUS (RFC 5545 §3.8.1.11) and COMPLETED (§3.8.2.1). A COMPLETED without STATUS means completed;
    a COMPLETED beside another status is kept raw (the task model holds the instant of completed tasks only)."""
    status_line = reader.take("STATUS")
    completed_line = reader.peek("COMPLETED")
    if status_line is not None:
        status = _TODO_STATUSES.get(status_line.value.strip().upper())
        if status is None:
            raise CalendarDataError.at(
                status_line.number,
                N_("A VTODO's STATUS is NEEDS-ACTION, IN-PROCESS, COMPLETED or CANCELLED, not %(value)s."),
                value=status_line.value.strip()[:40],
            )
    else:
        status = TaskStatus.COMPLETED if completed_line else TaskStatus.NEEDS_ACTION
    if status is TaskStatus.COMPLETED:
        reader.take("PERCENT-COMPLETE")  # 100 by definition; the server writes it for completed tasks
    if status is not TaskStatus.COMPLETED or not completed_line:
        return status, None
    reader.take("COMPLETED")
    moment = moment_value(completed_line[0], default_tzid="UTC")
    if moment.is_date:
        raise CalendarDataError.at(completed_line[0].number, N_("COMPLETED must be a date-time in UTC."))
    assert isinstance(moment.value, datetime)
    return status, moment.value


def _refuse_repeated(raw: RawComponent, names: tuple[str, ...]) -> None:
    """CalendarDataError at the second line of the first of ``names`` (in that order) that appears twice."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for line in raw.properties:
        (repeated if line.name in seen else seen).add(line.name)
    for name in names:
        if name in repeated:
            second = raw.all(name)[1]
            raise CalendarDataError.at(second.number, N_("%(name)s may appear only once."), name=name)


def _instant(value: date | datetime, tzid: str) -> datetime:
    return value if isinstance(value, datetime) else local_midnight_utc(value, load_zone(tzid))


def _end(raw: RawComponent, start: date | datetime, tzid: str, starts_at: datetime) -> datetime:
    """DTEND, or DTSTART + DURATION (nominal days on the wall clock, RFC 5545 §3.3.6), or the RFC's default."""
    end_line, duration_line = raw.first("DTEND"), raw.first("DURATION")
    all_day = not isinstance(start, datetime)
    if end_line is not None and duration_line is not None:
        raise CalendarDataError.at(duration_line.number, N_("A VEVENT may have DTEND or DURATION, not both."))
    if end_line is not None:
        end = moment_value(end_line, default_tzid=tzid)
        if end.is_date != all_day:
            raise CalendarDataError.at(
                end_line.number, N_("DTEND must be a date when DTSTART is a date, and a date-time otherwise.")
            )
        ends_at = _instant(end.value, tzid)
    elif duration_line is not None:
        duration = duration_value(duration_line)
        if duration < timedelta(0):
            raise CalendarDataError.at(duration_line.number, N_("DURATION must not be negative."))
        zone = load_zone(tzid)
        wall = utc_to_wall_clock(starts_at, zone) + timedelta(days=duration.days)
        ends_at = wall_clock_to_utc(wall, zone) + (duration - timedelta(days=duration.days))
        if all_day and duration % timedelta(days=1):
            raise CalendarDataError.at(duration_line.number, N_("An all-day event lasts whole days."))
    else:
        # RFC 5545 §3.6.1: a date lasts one day, a date-time is an instant.
        ends_at = _instant(start + timedelta(days=1), tzid) if all_day else starts_at
    if ends_at < starts_at:
        raise CalendarDataError.at(
            (end_line or duration_line or raw.begin).number, N_("The event ends before it starts.")
        )
    if all_day and ends_at == starts_at:
        ends_at = _instant(start + timedelta(days=1), tzid)
    return ends_at


def _recurrence(reader: _Reader, tzid: str, all_day: bool, *, is_override: bool) -> Recurrence | None:
    lines = reader.take_all(_RECURRENCE)
    if not lines:
        return None
    if is_override and any(line.name in ("RRULE", "RDATE") for line in lines):
        raise CalendarDataError.at(lines[0].number, N_("An overridden occurrence (RECURRENCE-ID) cannot recur itself."))
    try:
        recurrence = Recurrence.from_lines([line.text for line in lines], tzid=tzid, all_day=all_day)
    except RecurrenceError as error:
        numbered = [_numbered(problem, lines) for problem in error.problems]
        raise CalendarDataError(numbered) from error
    if not recurrence.is_recurring:
        reader.keep(lines)  # EXDATEs of an event that does not recur: nothing to apply them to, kept as written
        return None
    return recurrence


def _numbered(problem: Problem, lines: list[ContentLine]) -> Problem:
    """A recurrence problem about ``recurrence.<index>`` moved onto the line it came from."""
    index = problem.field.rpartition(".")[2]
    number = lines[int(index)].number if index.isdigit() and int(index) < len(lines) else lines[0].number
    return Problem(line_field(number), CalendarDataError.code, problem.template, problem.params)


def _recurrence_id(reader: _Reader, default_tzid: str, master: ParsedComponent) -> RecurrenceId:
    line = reader.take("RECURRENCE-ID")
    assert line is not None  # an override is a VEVENT with RECURRENCE-ID
    moment = moment_value(line, default_tzid=master.tzid)
    if master.all_day:
        if isinstance(moment.value, datetime):
            return utc_to_wall_clock(moment.value, load_zone(moment.tzid)).date()
        return moment.value
    if not isinstance(moment.value, datetime):
        raise CalendarDataError.at(
            line.number, N_("RECURRENCE-ID must be a date-time, as the series' DTSTART is (RFC 5545 §3.8.4.4).")
        )
    return moment.value


class _Reader:
    """Takes the modelled lines of one VEVENT in turn; whatever is left over is kept raw."""

    def __init__(self, raw: RawComponent) -> None:
        self._left = [line for line in raw.properties if line.name not in _NOT_LEFT]
        self._kept: list[str] = []
        self._components = list(raw.components)
        self._modelled: list[RawComponent] = []

    def take(self, name: str) -> ContentLine | None:
        for line in self._left:
            if line.name == name:
                self._left.remove(line)
                return line
        return None

    def take_all(self, names: frozenset[str]) -> list[ContentLine]:
        taken = [line for line in self._left if line.name in names]
        self._left = [line for line in self._left if line.name not in names]
        return taken

    def peek(self, name: str) -> list[ContentLine]:
        return [line for line in self._left if line.name == name]

    def keep(self, lines: list[ContentLine]) -> None:
        self._kept.extend(line.text for line in lines)

    def text(self, name: str) -> str | None:
        line = self.take(name)
        return text_value(line) if line is not None else None

    def addresses(self, name: str) -> list[Address]:
        found = []
        for line in self.peek(name):
            email = mail_address(line)
            if email is None:
                continue  # not an e-mail address: it cannot be a user, so it stays raw
            self._left.remove(line)
            status = STATUS_OF_PARTSTAT.get((line.param("PARTSTAT") or "").upper(), "")
            found.append(Address(email, status, line.text))
        return found

    def reminders(self, *, related: tuple[str, ...] = ("START",)) -> list[Reminder]:
        """The VALARMs Almanac models as reminders; a relative TRIGGER only when its RELATED is in ``related``."""
        found = []
        for alarm in self._components:
            reminder = _reminder(alarm, related) if alarm.name == "VALARM" else None
            if reminder is not None:
                found.append(reminder)
                self._modelled.append(alarm)
        return found

    def extra(self) -> str | None:
        lines = [*self._kept, *(line.text for line in self._left)]
        for component in self._components:
            if any(component is modelled for modelled in self._modelled):
                continue
            lines.extend(component.raw_lines())
        return "\n".join(lines) if lines else None


class _Fields:
    """The enumerated properties (CLASS, PRIORITY, TRANSP, CATEGORIES) mapped to Almanac's values."""

    def __init__(self, reader: _Reader) -> None:
        self._reader = reader

    def privacy(self) -> Privacy:
        line = self._reader.take("CLASS")
        if line is None or line.value.strip().upper() == "PUBLIC":
            return Privacy.PUBLIC
        return Privacy.PRIVATE

    def priority(self) -> Priority:
        line = self._reader.take("PRIORITY")
        value = integer_value(line, 0, 9) if line is not None else 0
        if value == 0:
            return Priority.NONE
        return Priority.HIGH if value < 5 else Priority.NORMAL if value == 5 else Priority.LOW

    def availability(self) -> Availability:
        transp = self._reader.take("TRANSP")
        busy = self._reader.peek(OUT_OF_OFFICE)
        if busy and busy[0].value.strip().upper() == "OOF":
            self._reader.take(OUT_OF_OFFICE)
            return Availability.OUTSIDE
        if transp is not None and transp.value.strip().upper() == "TRANSPARENT":
            return Availability.AVAILABLE
        return Availability.BUSY

    def category(self) -> str | None:
        lines = self._reader.peek("CATEGORIES")
        if len(lines) != 1:
            return None
        names = text_list(lines[0])
        key = _CATEGORY_BY_NAME.get(names[0].strip().casefold()) if len(names) == 1 and not lines[0].params else None
        if key is not None:
            self._reader.take("CATEGORIES")
        return key


def _reminder(alarm: RawComponent, related: tuple[str, ...]) -> Reminder | None:
    """The reminder a VALARM expresses, or None when Almanac cannot model it (then it is kept raw)."""
    action, trigger = alarm.first("ACTION"), alarm.first("TRIGGER")
    if action is None or trigger is None or alarm.components or alarm.first("REPEAT") is not None:
        return None
    channels = {"DISPLAY": ReminderChannel.POPUP, "EMAIL": ReminderChannel.EMAIL}
    channel = channels.get(action.value.strip().upper())
    if channel is None:
        return None
    if (trigger.param("VALUE") or "").upper() == "DATE-TIME":
        moment = moment_value(trigger, default_tzid="UTC")
        if not isinstance(moment.value, datetime) or moment.tzid != "UTC":
            return None
        return Reminder(at=moment.value, channel=channel)
    if (trigger.param("RELATED") or "START").upper() not in related:
        return None
    offset = duration_value(trigger)
    if offset > timedelta(0):
        return None
    return Reminder(before=-offset, channel=channel)


__all__ = [
    "MAX_AUTO_WORKERS",
    "MAX_UID_LENGTH",
    "PARALLEL_MIN_OBJECTS",
    "UNTITLED",
    "parse_calendar_file",
    "parse_calendar_object",
    "read_calendar_file",
]
