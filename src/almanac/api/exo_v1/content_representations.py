"""The eXo shapes of tasks (spec §3.8), feeds (§3.9) and uploads (§3.6), with their ``expand`` options.

Links are absolute, as everywhere on this face (eXo's feed ``rss`` is a
relative path, spec §8 item 32). Several delegates are a list of usernames
(eXo renders them as one comma-joined element, spec §8 item 31).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from almanac.api.exo_v1.dates import epoch_millis, format_datetime
from almanac.api.exo_v1.query import Window
from almanac.api.exo_v1.representations import (
    Hrefs,
    Localize,
    attachments_json,
    calendar_json,
    category_json,
)
from almanac.domain.attachments import Attachment, Upload
from almanac.domain.categories import find_category
from almanac.domain.events import Reminder
from almanac.services.calendars import CalendarView
from almanac.services.feeds import FeedView
from almanac.services.tasks import TaskView


def task_json(
    view: TaskView,
    hrefs: Hrefs,
    *,
    expand: Mapping[str, Window],
    calendars: Mapping[int, CalendarView],
    localize: Localize,
    attachments: Sequence[Attachment] = (),
) -> dict[str, Any]:
    """The task of spec §3.8; ``expand`` embeds ``calendar`` (when the caller may view it), ``categories``
    and ``attachments``."""
    task = view.task
    category = find_category(task.category_key) if task.category_key else None
    categories: list[Any] | None = [hrefs.category(task.category_key)] if task.category_key else None
    if "categories" in expand and category is not None:
        categories = expand["categories"].apply([category_json(category, hrefs, localize)])
    calendar: Any = hrefs.calendar(view.calendar.key)
    if "calendar" in expand and task.calendar_id in calendars:
        calendar = calendar_json(calendars[task.calendar_id], hrefs)
    return {
        "id": task.key,
        "href": hrefs.task(task.key),
        "name": task.summary,
        "note": task.description,
        "from": format_datetime(task.starts_at),
        "to": format_datetime(task.due_at),
        "calendar": calendar,
        "categories": categories,
        "categoryId": task.category_key,
        "delegation": [user.username for user in view.delegates],
        "priority": task.priority.value,
        "reminder": [_reminder_json(view, r, i) for i, r in enumerate(task.reminders)],
        "attachments": attachments_json(attachments, hrefs, expand),
        "status": task.status.value,
    }


def _reminder_json(view: TaskView, reminder: Reminder, position: int) -> dict[str, Any]:
    """Spec §3.4, as for events: a stable derived id, lead time in minutes before the task's start."""
    task = view.task
    fires_at = reminder.at if reminder.at is not None else task.starts_at - (reminder.before or timedelta(0))
    digest = hashlib.sha256(f"{task.key}:{position}".encode()).hexdigest()[:32]
    email = reminder.channel.value == "email"
    return {
        "id": f"Reminder{digest}",
        "eventId": task.key,
        "reminderType": reminder.channel.value,
        "alarmBefore": int((task.starts_at - fires_at).total_seconds() // 60),
        "repeatInterval": 0,
        "repeat": False,
        "emailAddress": view.author.email if email else None,
        "reminderOwner": view.author.username,
        "summary": None,
        "description": None,
        "fromDateTime": {"time": epoch_millis(fires_at)},
    }


def feed_json(
    view: FeedView, hrefs: Hrefs, *, expand: Mapping[str, Window], calendars: Mapping[int, CalendarView]
) -> dict[str, Any]:
    """The feed of spec §3.9. ``calendars`` holds the feed's calendars the caller may view: only those are
    embedded by ``expand=calendars`` (windowed once; eXo windows twice, spec §8 item 6)."""
    href = hrefs.feed(view.feed.title)
    listed: list[Any] = [hrefs.calendar(c.key) for c in view.calendars]
    if "calendars" in expand:
        listed = expand["calendars"].apply(
            [
                calendar_json(calendars[c.id], hrefs)
                if c.id is not None and c.id in calendars
                else hrefs.calendar(c.key)
                for c in view.calendars
            ]
        )
    return {
        "id": view.feed.title,
        "href": href,
        "name": view.feed.title,
        "rss": f"{href}/rss",
        "calendars": listed,
        "calendarIds": [c.key for c in view.calendars],
    }


def upload_json(upload: Upload, hrefs: Hrefs) -> dict[str, Any]:
    """An upload in the shape of spec §3.6, ready to be copied into a body's ``uploadResources``."""
    return {
        "id": upload.key,
        "href": hrefs.upload(upload.key),
        "name": upload.name,
        "mimeType": upload.media_type,
        "weight": upload.size,
    }
