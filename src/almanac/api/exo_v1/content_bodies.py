"""From eXo task, feed and ``uploadResources`` bodies to use-case drafts, applying eXo's task rules in eXo's
order (spec §5.6.2 step 3, messages of §6) and stopping at the first broken one.

Differences from eXo kept on purpose (see the README): the rules are applied on
update too, and a broken one stores nothing (eXo stores a half-applied task
and answers 200); PUT changes only the properties sent (eXo resets the times);
an unknown ``categoryId`` is refused; several delegates are a list, not one
comma-joined string.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from almanac.api.exo_v1.bodies import CATEGORY, PRIORITY, reminders_from
from almanac.api.exo_v1.dates import DEFAULT_WINDOW, parse_datetime
from almanac.api.exo_v1.query import BAD_DATE, rejected
from almanac.api.exo_v1.schemas import FeedWrite, TaskWrite, UploadResourceWrite
from almanac.api.wire import shown
from almanac.domain.categories import ALL_CATEGORY_KEY, find_category
from almanac.domain.errors import N_, InvalidInputError
from almanac.domain.events import Priority
from almanac.domain.tasks import TaskStatus
from almanac.services.attachment_files import UploadReference
from almanac.services.feeds import FeedDraft
from almanac.services.tasks import START_BEFORE_DUE, START_BEFORE_DUE_CODE, TaskChanges

DEFAULT_TASK_NAME: Final = "default"
# eXo prints its enumerations in alphabetical order (spec §6).
STATUS: Final = N_("status must be one of canceled,completed,in-process,needs-action")
NAME: Final = N_("name must not be empty")


def task_changes(
    body: TaskWrite, *, tzid: str, now: datetime, creating: bool
) -> tuple[TaskChanges, InvalidInputError | None]:
    """The changes a task body asks for, and the first rule it breaks (None if it breaks none).

    Order (spec §5.6.2): categoryId, note, from/to, priority, reminder, status,
    name, delegation. On create eXo's defaults apply: name "default", category
    All, now → now + 1 week for a missing ``from``/``to``. ``from`` must be
    strictly before ``to`` whenever both are known here; a PUT that sends one of
    them is checked against the stored other by the use case.
    """
    fields: dict[str, Any] = {}
    try:
        _read_task(body, fields, tzid=tzid, now=now, creating=creating)
    except InvalidInputError as exc:
        return TaskChanges(), exc
    return TaskChanges(**fields), None


def _read_task(body: TaskWrite, fields: dict[str, Any], *, tzid: str, now: datetime, creating: bool) -> None:
    if body.categoryId is not None:
        if find_category(body.categoryId) is None:
            raise rejected("categoryId", CATEGORY)
        fields["category_key"] = body.categoryId
    elif creating:
        fields["category_key"] = ALL_CATEGORY_KEY
    if body.note is not None:
        fields["description"] = body.note or None
    start = _date(body.from_, "from", tzid)
    due = _date(body.to, "to", tzid)
    if creating:
        start = start or now
        due = due or now + DEFAULT_WINDOW
    if start is not None and due is not None and not start < due:
        raise rejected(START_BEFORE_DUE_CODE, START_BEFORE_DUE)
    if start is not None:
        fields["starts_at"] = start
    if due is not None:
        fields["due_at"] = due
    if body.priority is not None:
        try:
            fields["priority"] = Priority(body.priority)
        except ValueError:
            raise rejected("priority", PRIORITY) from None
    if body.reminder is not None:
        fields["reminders"] = reminders_from(body.reminder)
    if body.status:
        try:
            fields["status"] = TaskStatus(body.status)
        except ValueError:
            raise rejected("status", STATUS) from None
    if body.name is not None:
        if not body.name.strip():
            raise rejected("name", NAME)
        fields["summary"] = body.name.strip()
    elif creating:
        fields["summary"] = DEFAULT_TASK_NAME
    if body.delegation is not None:
        # eXo renders several delegates as one "john,mary" element: split such items so they round-trip.
        names = (name.strip() for item in body.delegation for name in item.split(","))
        fields["delegate_usernames"] = list(dict.fromkeys(name for name in names if name))
    if body.uploadResources is not None:
        fields["uploads"] = upload_references(body.uploadResources)


def upload_references(writes: list[UploadResourceWrite] | None) -> list[UploadReference] | None:
    """eXo ``uploadResources`` (spec §3.6) as references; None when the body has none (attachments unchanged)."""
    if writes is None:
        return None
    return [UploadReference(key=w.id, name=w.name) for w in writes]


def feed_draft(body: FeedWrite) -> FeedDraft:
    """``name`` and ``calendarIds``; what is null is not sent (kept on PUT)."""
    fields: dict[str, Any] = {}
    if body.name is not None:
        fields["title"] = body.name
    if body.calendarIds is not None:
        fields["calendar_keys"] = list(body.calendarIds)
    return FeedDraft(**fields)


def _date(text: str | None, name: str, tzid: str) -> datetime | None:
    if text is None or not text.strip():
        return None
    parsed = parse_datetime(text, tzid)
    if parsed is None:
        raise rejected(name, BAD_DATE, name=name, value=shown(text))
    return parsed
