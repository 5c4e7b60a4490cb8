"""From eXo request bodies to use-case drafts, applying eXo's value rules in eXo's order (spec §5.2.4,
§5.3.5, messages of §6) and stopping at the first broken one.

Differences from eXo kept on purpose (see the README's eXo section): PUT changes
only the properties sent (eXo resets times, repeat and attachments); ``null``
means "not sent"; an empty string clears ``description``, ``publicURL``,
``privateURL``; an unknown ``categoryId`` and a malformed ``repeat`` are
refused instead of silently dropped. ``repeat`` itself is read by ``repeat``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from almanac.api.exo_v1.dates import DEFAULT_WINDOW, parse_datetime
from almanac.api.exo_v1.query import BAD_DATE, rejected
from almanac.api.exo_v1.repeat import Repeat, read_repeat
from almanac.api.exo_v1.schemas import CalendarWrite, EventWrite, ReminderWrite
from almanac.api.wire import shown
from almanac.domain.categories import ALL_CATEGORY_KEY, find_category
from almanac.domain.errors import N_, InvalidInputError
from almanac.domain.events import Availability, Priority, Privacy, Reminder, ReminderChannel
from almanac.services.calendar_events import check_start_before_end
from almanac.services.calendars import CalendarDraft
from almanac.services.events import EventChanges
from almanac.services.series import EventCheck, RecurrenceOf

MAX_ALARM_MINUTES: Final = 10 * 366 * 24 * 60
DEFAULT_SUBJECT: Final = "default"

# eXo prints its enumerations in alphabetical order (spec §6).
AVAILABILITY: Final = N_("availability must be one of available,busy,outside")
PRIORITY: Final = N_("priority must be one of high,low,none,normal")
PRIVACY: Final = N_("privacy can only be public or private")
SUBJECT: Final = N_("subject must not be empty")
CATEGORY: Final = N_("categoryId must be one of your categories, such as defaultEventCategoryIdMeeting")
REMINDER_TYPE: Final = N_("reminderType must be one of email,popup")
ALARM_BEFORE: Final = N_("alarmBefore must be a number of minutes between 0 and 5270400")


def calendar_draft(body: CalendarWrite) -> CalendarDraft:
    """Null properties are not sent (spec §5.2.4: "replaced when non-null")."""
    fields: dict[str, Any] = {}
    simple = {"name": "name", "color": "color", "timeZone": "tzid", "owner": "owner", "groups": "groups"}
    for wire, name in simple.items():
        value = getattr(body, wire)
        if value is not None:
            fields[name] = value
    for wire, name in (("description", "description"), ("publicURL", "public_url"), ("privateURL", "private_url")):
        value = getattr(body, wire)
        if value is not None:
            fields[name] = value or None
    for wire, name in (("viewPermission", "view_permissions"), ("editPermission", "edit_permissions")):
        value = getattr(body, wire)
        if value is not None:
            fields[name] = [entry.strip() for entry in value.split(";") if entry.strip()]
    return CalendarDraft(**fields)


@dataclass(frozen=True)
class EventDraft:
    """What an event body asks for: the changes, its repeat (None: not sent), the first rule it breaks."""

    changes: EventChanges
    repeat: Repeat | None = None
    problem: InvalidInputError | None = None
    times_sent: bool = False

    @property
    def recurrence_of(self) -> RecurrenceOf | None:
        """Builds the recurrence once the event's start and zone are final; None when ``repeat`` was not sent."""
        return self.repeat.recurrence_of if self.repeat is not None else None

    @property
    def check(self) -> EventCheck | None:
        """eXo's "from before to" rule (spec §6), when the body sends either."""
        return check_start_before_end if self.times_sent else None


def event_draft(body: EventWrite, *, tzid: str, now: datetime, creating: bool) -> EventDraft:
    """The draft of a body, checked in eXo's order (spec §5.3.5) up to the first broken rule.

    On create, eXo's defaults apply: subject "default", category All, and the
    default window (now, now + 1 week) for a missing ``from``/``to``.
    """
    fields: dict[str, Any] = {}
    try:
        repeat = _read_event(body, fields, tzid=tzid, now=now, creating=creating)
    except InvalidInputError as exc:
        return EventDraft(EventChanges(), problem=exc)
    times_sent = bool((body.from_ or "").strip() or (body.to or "").strip())
    return EventDraft(EventChanges(**fields), repeat, times_sent=times_sent)


def _read_event(body: EventWrite, fields: dict[str, Any], *, tzid: str, now: datetime, creating: bool) -> Repeat | None:
    if body.categoryId is not None:
        if find_category(body.categoryId) is None:
            raise rejected("categoryId", CATEGORY)
        fields["category_key"] = body.categoryId
    elif creating:
        fields["category_key"] = ALL_CATEGORY_KEY
    if body.description is not None:
        fields["description"] = body.description or None
    if body.availability is not None:
        fields["availability"] = _member(Availability, body.availability, "availability", AVAILABILITY)
    if body.participants is not None:
        fields["participant_usernames"] = [p.strip() for p in body.participants if p.strip()]
    repeat = read_repeat(body.repeat) if body.repeat is not None else None
    start = _date(body.from_, "from", tzid)
    end = _date(body.to, "to", tzid)
    if creating:
        start = start or now
        end = end or now + DEFAULT_WINDOW
    if start is not None:
        fields["starts_at"] = start
    if end is not None:
        fields["ends_at"] = end
    if body.location is not None:
        fields["location"] = body.location or None
    if body.priority is not None:
        fields["priority"] = _member(Priority, body.priority, "priority", PRIORITY)
    if body.reminder is not None:
        fields["reminders"] = [_reminder(r.reminderType, r.alarmBefore) for r in body.reminder]
    if body.privacy is not None:
        fields["privacy"] = _member(Privacy, body.privacy, "privacy", PRIVACY)
    if body.subject is not None:
        if not body.subject.strip():
            raise rejected("subject", SUBJECT)
        fields["summary"] = body.subject.strip()
    elif creating:
        fields["summary"] = DEFAULT_SUBJECT
    return repeat


def _member(enum: Any, value: str, code: str, template: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise rejected(code, template) from None


def _date(text: str | None, name: str, tzid: str) -> datetime | None:
    if text is None or not text.strip():
        return None
    parsed = parse_datetime(text, tzid)
    if parsed is None:
        raise rejected(name, BAD_DATE, name=name, value=shown(text))
    return parsed


def _reminder(kind: str | None, minutes: int | None) -> Reminder:
    channel = _member(ReminderChannel, kind or ReminderChannel.EMAIL.value, "reminderType", REMINDER_TYPE)
    lead = 0 if minutes is None else minutes
    if not 0 <= lead <= MAX_ALARM_MINUTES:
        raise rejected("alarmBefore", ALARM_BEFORE)
    return Reminder(before=timedelta(minutes=lead), channel=channel)


def reminders_from(writes: list[ReminderWrite]) -> list[Reminder]:
    """eXo reminders (spec §3.4) as domain reminders, with the event rules; the first broken one is raised."""
    return [_reminder(w.reminderType, w.alarmBefore) for w in writes]
