"""Composing a task reminder mail: it says it is a task — its name, start and due time, note — in the
recipient's language and time zone, with a ``task.ics`` (a VTODO) attached and the same Message-ID rule as
an event reminder (``notify.mail``), so a resend after a crash is recognisably the same message."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Final

from babel.dates import format_date, format_datetime
from icalendar import Calendar, Todo

from almanac.domain.notices import TaskReminderNotice
from almanac.domain.recurrence import parse_occurrence_key
from almanac.domain.recurrence_zones import load_zone, utc_to_wall_clock
from almanac.domain.tasks import Task
from almanac.notify.mail import language_of, one_line, reminder_message, zone_of

#: Task mail texts per language; a language is offered when ``notify.mail.TEXTS`` has it (English otherwise).
TASK_TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "subject": "Task reminder: {summary} (due {when})",
        "subject_undated": "Task reminder: {summary}",
        "intro": "This is a reminder of a task.",
        "name": "Task",
        "starts": "Starts",
        "due": "Due",
        "note": "Note",
        "footer": "The attached task.ics adds the task to your task list.",
    },
    "ja": {
        "subject": "タスクのリマインダー: {summary}（期限 {when}）",
        "subject_undated": "タスクのリマインダー: {summary}",
        "intro": "タスクのリマインダーです。",
        "name": "タスク",
        "starts": "開始",
        "due": "期限",
        "note": "メモ",
        "footer": "添付の task.ics でタスクをタスクリストに追加できます。",
    },
}


def compose_task_reminder(notice: TaskReminderNotice, *, sender: str, now: datetime) -> EmailMessage:
    recipient, task, instance = notice.recipient, notice.task, notice.instance
    language = language_of(recipient.locale)
    texts = TASK_TEXTS.get(language, TASK_TEXTS["en"])
    zone = zone_of(recipient.tzid)
    lines = [texts["intro"], "", f"{texts['name']}: {task.summary}"]
    if task.has_start:
        lines.append(f"{texts['starts']}: {_when(task, instance.starts_at, language, zone.key, 'full')}")
    if task.has_due:
        lines.append(f"{texts['due']}: {_when(task, instance.due_at, language, zone.key, 'full')}")
    if task.description:
        lines += ["", f"{texts['note']}:", task.description]
    lines += ["", texts["footer"]]

    summary = one_line(task.summary)
    if task.has_due:
        subject = texts["subject"].format(summary=summary, when=_when(task, instance.due_at, language, zone.key))
    else:
        subject = texts["subject_undated"].format(summary=summary)
    return reminder_message(
        sender=sender,
        recipient=(recipient.display_name, recipient.email),
        subject=subject,
        now=now,
        delivery_id=notice.delivery.id,
        recurrence_key=notice.recurrence_key,
        body="\n".join(lines),
        attachment=task_attachment(notice, now=now),
        filename="task.ics",
        params={"method": "PUBLISH", "component": "vtodo"},
        language=language,
    )


def task_attachment(notice: TaskReminderNotice, *, now: datetime) -> bytes:
    """A one-VTODO VCALENDAR (RFC 5545 §3.6.2) of the reminded task; RECURRENCE-ID for an instance of a
    recurring one. Dates for an all-day task, UTC instants otherwise."""
    task, instance = notice.task, notice.instance
    calendar = Calendar()
    calendar.add("prodid", "-//Almanac//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    todo = Todo()
    todo.add("uid", task.uid)
    todo.add("dtstamp", now.astimezone(UTC))
    if task.has_start:
        todo.add("dtstart", _ical_moment(task, instance.starts_at))
    if task.has_due:
        todo.add("due", _ical_moment(task, instance.due_at))
    if notice.recurrence_key is not None:
        todo.add("recurrence-id", parse_occurrence_key(notice.recurrence_key, tzid=task.tzid, all_day=task.all_day))
    todo.add("summary", task.summary)
    if task.description:
        todo.add("description", task.description)
    todo.add("status", task.status.ical)
    todo.add("sequence", max(task.revision - 1, 0))
    calendar.add_component(todo)
    data: bytes = calendar.to_ical()
    return data


def _when(task: Task, instant: datetime, language: str, tzid: str, width: str = "medium") -> str:
    """An all-day task's date (in the task's zone: its dates are its own), else the instant in the recipient's
    zone, named when ``width`` is full."""
    if task.all_day:
        return format_date(utc_to_wall_clock(instant, load_zone(task.tzid)).date(), width, locale=language)
    shown = format_datetime(instant, width, tzinfo=zone_of(tzid), locale=language)
    return f"{shown} ({tzid})" if width == "full" else shown


def _ical_moment(task: Task, instant: datetime) -> object:
    if task.all_day:
        return utc_to_wall_clock(instant, load_zone(task.tzid)).date()
    return instant.astimezone(UTC)
