"""The eXo resource shapes (spec §3.1-3.4, §3.7, §4.1): calendars, events (with ``expand``), categories.

Links are absolute: ``Hrefs.root`` is ``{base}/rest/private/v1/calendar``.
An event is shown inside its series (``services.series_reads.EventInSeries``):
a master, a computed occurrence (the master's id, its ``recurrenceId``), an
override (its own id, ``originalEvent`` linking its master), or a single event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from almanac.api.exo_v1.dates import epoch_millis, format_datetime
from almanac.api.exo_v1.query import Window
from almanac.api.exo_v1.repeat import repeat_json
from almanac.domain.attachments import Attachment
from almanac.domain.categories import Category, find_category
from almanac.domain.events import Event, Reminder
from almanac.domain.recurrence import format_occurrence_key
from almanac.services.calendars import CalendarView
from almanac.services.events import EventView
from almanac.services.series_reads import EventInSeries

#: Translates a category's message id into the caller's language.
Localize = Callable[[str], str]


@dataclass(frozen=True)
class Hrefs:
    root: str

    def calendar(self, key: str) -> str:
        return f"{self.root}/calendars/{key}"

    def event(self, key: str) -> str:
        return f"{self.root}/events/{key}"

    def category(self, key: str) -> str:
        return f"{self.root}/categories/{key}"

    def invitation(self, invitation_id: str) -> str:
        return f"{self.root}/invitations/{invitation_id}"

    def task(self, key: str) -> str:
        return f"{self.root}/tasks/{key}"

    def attachment(self, key: str) -> str:
        return f"{self.root}/attachments/{key}"

    def upload(self, key: str) -> str:
        return f"{self.root}/uploads/{key}"

    def feed(self, title: str) -> str:
        """Feed ids are titles, which may hold spaces and any letters: always one escaped path segment."""
        return f"{self.root}/feeds/{quote(title, safe='')}"


def permission_text(entries: list[str]) -> str:
    """``"john;/platform/users/:*.*;"``: every entry followed by ``;``, ``""`` when none (spec §3.1)."""
    return "".join(f"{entry};" for entry in entries)


def calendar_json(view: CalendarView, hrefs: Hrefs) -> dict[str, Any]:
    calendar = view.calendar
    href = hrefs.calendar(calendar.key)
    return {
        "id": calendar.key,
        "href": href,
        "name": calendar.name,
        "description": calendar.description,
        "type": view.kind.value,
        "timeZone": calendar.tzid,
        "color": calendar.color,
        "owner": view.owner,
        "viewPermission": permission_text(calendar.view_permissions),
        "editPermission": permission_text(calendar.edit_permissions),
        "groups": list(calendar.groups) if calendar.groups else None,
        "publicURL": calendar.public_url,
        "privateURL": calendar.private_url,
        "icsURL": f"{href}/ics",
    }


def attachment_json(attachment: Attachment, hrefs: Hrefs) -> dict[str, Any]:
    """Spec §3.5: metadata only; the bytes are at ``{href}/content``."""
    return {
        "id": attachment.key,
        "href": hrefs.attachment(attachment.key),
        "name": attachment.name,
        "mimeType": attachment.media_type,
        "weight": attachment.size,
    }


def attachments_json(attachments: Sequence[Attachment], hrefs: Hrefs, expand: Mapping[str, Window]) -> list[Any]:
    """The ``attachments`` property of events and tasks: links, or objects with ``expand=attachments``."""
    if "attachments" in expand:
        return expand["attachments"].apply([attachment_json(a, hrefs) for a in attachments])
    return [hrefs.attachment(a.key) for a in attachments]


def category_json(category: Category, hrefs: Hrefs, localize: Localize) -> dict[str, Any]:
    return {"id": category.key, "href": hrefs.category(category.key), "name": localize(category.name)}


def event_json(
    view: EventView,
    hrefs: Hrefs,
    *,
    expand: Mapping[str, Window],
    calendars: Mapping[int, CalendarView],
    localize: Localize,
    attachments: Sequence[Attachment] = (),
    series: EventInSeries | None = None,
) -> dict[str, Any]:
    """The event of spec §3.2. ``calendars`` holds the calendars the caller may view: only those are
    embedded by ``expand=calendar`` (eXo embeds without re-checking, spec §1.6).

    ``series`` places it in its series (§4.1): a computed occurrence shows its
    own times and key with every other field of its master — privacy and
    availability included (eXo resets them to private/busy, §4.3); an override
    links its master in ``originalEvent``, which ``expand=originalEvent``
    embeds when the caller may read it (eXo's link is broken, §4.4).
    """
    event = view.event
    item = series or EventInSeries(view, event.starts_at, event.ends_at, recurrence_id=event.recurrence_id)
    original: Any = hrefs.event(item.master_key) if item.master_key else None
    if "originalEvent" in expand and item.master is not None:
        original = event_json(item.master.view, hrefs, expand={}, calendars={}, localize=localize, series=item.master)
    category = find_category(event.category_key) if event.category_key else None
    categories: list[Any] | None = [hrefs.category(event.category_key)] if event.category_key else None
    if "categories" in expand and category is not None:
        categories = expand["categories"].apply([category_json(category, hrefs, localize)])
    calendar: Any = hrefs.calendar(view.calendar.key)
    if "calendar" in expand and event.calendar_id in calendars:
        calendar = calendar_json(calendars[event.calendar_id], hrefs)
    return {
        "id": event.key,
        "href": hrefs.event(event.key),
        "subject": event.summary,
        "description": event.description,
        "from": format_datetime(item.starts_at),
        "to": format_datetime(item.ends_at),
        "calendar": calendar,
        "calendarId": view.calendar.key,
        "categories": categories,
        "categoryId": event.category_key,
        "location": event.location,
        "priority": event.priority.value,
        "repeat": repeat_json(event, overridden=item.overridden, occurrence=item.virtual),
        "recurrenceId": format_occurrence_key(item.recurrence_id) if item.recurrence_id is not None else None,
        "originalEvent": original,
        "isOccur": event.is_series and not event.is_override,
        "reminder": [_reminder_json(view, item, r, i) for i, r in enumerate(event.reminders)],
        "attachments": attachments_json(attachments, hrefs, expand),
        "uploadResources": None,
        "participants": [user.username for user in view.participants],
        "privacy": event.privacy.value,
        "availability": event.availability.value,
    }


def _reminder_json(view: EventView, item: EventInSeries, reminder: Reminder, position: int) -> dict[str, Any]:
    """Spec §3.4. Reminders have no stored id: a stable one is derived from the event and the position.
    An occurrence's reminder fires before that occurrence."""
    event: Event = view.event
    fires_at = reminder.at if reminder.at is not None else item.starts_at - (reminder.before or timedelta(0))
    minutes = int((item.starts_at - fires_at).total_seconds() // 60)
    digest = hashlib.sha256(f"{event.key}:{position}".encode()).hexdigest()[:32]
    email = reminder.channel.value == "email"
    return {
        "id": f"Reminder{digest}",
        "eventId": event.key,
        "reminderType": reminder.channel.value,
        "alarmBefore": minutes,
        "repeatInterval": 0,
        "repeat": False,
        "emailAddress": view.author.email if email else None,
        "reminderOwner": view.author.username,
        "summary": None,
        "description": None,
        "fromDateTime": {"time": epoch_millis(fires_at)},
    }
