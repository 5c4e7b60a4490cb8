"""Composing a reminder mail: text in the recipient's language and time zone, an .ics attachment, and a
Message-ID derived from the delivery id (a resend after a crash is recognisably the same message)."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr, parseaddr
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from icalendar import Calendar
from icalendar import Event as VEvent

from almanac.domain.notices import ReminderNotice
from almanac.domain.recurrence import parse_occurrence_key

#: Mail texts per language. English is the default for any locale without its own texts.
TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "subject": "Reminder: {summary} ({when})",
        "intro": "This is a reminder of an event.",
        "title": "Title",
        "when": "When",
        "where": "Where",
        "description": "Description",
        "footer": "The attached invitation.ics adds the event to your calendar.",
    },
    "ja": {
        "subject": "リマインダー: {summary}（{when}）",
        "intro": "予定のリマインダーです。",
        "title": "件名",
        "when": "日時",
        "where": "場所",
        "description": "説明",
        "footer": "添付の invitation.ics で予定をカレンダーに追加できます。",
    },
}


class _ReusedHeaderClasses(HeaderRegistry):
    """The standard header registry, minus its cost: ``HeaderRegistry`` builds a new class for every header
    set or read (``type(...)`` per call), which made up a third of composing a mail. The classes are
    stateless, so one per header name is reused."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


#: email.policy.default with reused header classes: the same messages, composed faster.
POLICY: Final = email.policy.default.clone(header_factory=_ReusedHeaderClasses())


def language_of(locale: str) -> str:
    primary = locale.replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in TEXTS else "en"


def zone_of(tzid: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def message_id(delivery_id: str, sender: str) -> str:
    """``<delivery-id@sender-domain>``: the same for every attempt at one delivery (RFC 5322 §3.6.4)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "almanac.invalid"
    return f"<{delivery_id}@{domain}>"


def compose_reminder(notice: ReminderNotice, *, sender: str, now: datetime) -> EmailMessage:
    recipient, event = notice.recipient, notice.event
    language = language_of(recipient.locale)
    texts = TEXTS[language]
    zone = zone_of(recipient.tzid)
    start, end = notice.occurrence_start, notice.occurrence_end
    when = format_datetime(start, "full", tzinfo=zone, locale=language)
    until = format_datetime(end, "medium", tzinfo=zone, locale=language)
    short = format_datetime(start, "medium", tzinfo=zone, locale=language)
    lines = [
        texts["intro"],
        "",
        f"{texts['title']}: {event.summary}",
        f"{texts['when']}: {when} – {until} ({zone.key})",
    ]
    if event.location:
        lines.append(f"{texts['where']}: {event.location}")
    if event.description:
        lines += ["", f"{texts['description']}:", event.description]
    lines += ["", texts["footer"]]

    return reminder_message(
        sender=sender,
        recipient=(recipient.display_name, recipient.email),
        subject=texts["subject"].format(summary=one_line(event.summary), when=short),
        now=now,
        delivery_id=notice.delivery.id,
        recurrence_key=notice.recurrence_key,
        body="\n".join(lines),
        attachment=calendar_attachment(notice, now=now),
        filename="invitation.ics",
        params={"method": "PUBLISH"},
        language=language,
    )


def reminder_message(
    *,
    sender: str,
    recipient: tuple[str, str],
    subject: str,
    now: datetime,
    delivery_id: str,
    recurrence_key: str | None,
    body: str,
    attachment: bytes,
    filename: str,
    params: dict[str, str],
    language: str,
) -> EmailMessage:
    """The envelope every reminder mail shares (event or task): headers, the Message-ID derived from the
    delivery (a resend after a crash is the same message), a text body and one text/calendar attachment."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = formataddr(recipient)
    message["Subject"] = subject
    message["Date"] = rfc2822_date(now.astimezone(UTC))
    message["Message-ID"] = message_id(delivery_id, sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to reminders
    message["X-Almanac-Delivery"] = delivery_id
    if recurrence_key is not None:
        # Names the occurrence or instance (its original start), as RECURRENCE-ID does in the attachment.
        message["X-Almanac-Recurrence-Id"] = recurrence_key
    message.set_content(body)
    message.add_attachment(attachment, maintype="text", subtype="calendar", filename=filename, params=params)
    # After the body: set_content() drops every Content-* header already there.
    message["Content-Language"] = language
    return message


def calendar_attachment(notice: ReminderNotice, *, now: datetime) -> bytes:
    """A one-event VCALENDAR (RFC 5545) for the occurrence; RECURRENCE-ID when it is one of a series."""
    event = notice.event
    calendar = Calendar()
    calendar.add("prodid", "-//Almanac//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    vevent = VEvent()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", notice.occurrence_start.astimezone(UTC))
    vevent.add("dtend", notice.occurrence_end.astimezone(UTC))
    if notice.recurrence_key is not None:
        rid = parse_occurrence_key(notice.recurrence_key, tzid=event.tzid, all_day=event.all_day)
        vevent.add("recurrence-id", rid)
    elif notice.occurrence_start != event.starts_at:
        vevent.add("recurrence-id", notice.occurrence_start.astimezone(UTC))
    vevent.add("summary", event.summary)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("sequence", event.revision)
    calendar.add_component(vevent)
    data: bytes = calendar.to_ical()
    return data


def one_line(text: str) -> str:
    return " ".join(text.split())[:200]
