"""``/reminders/due`` and ``/reminders/{id}/dismiss`` of the eXo face: the caller's due popup reminders.

An Almanac addition (eXo's REST API has no popup endpoint; its web UI polls an
internal service): the same queue as ``GET /api/v2/reminders/due``, in this
face's envelope, dates and error style, for an eXo-style client to show
``reminderType: popup`` reminders. Each item is one fired reminder of one
occurrence, or of one task (``kind`` tells which), for the caller only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.context import Exo, ExoRequest
from almanac.api.exo_v1.dates import format_datetime
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.rendering import body, collection_url, empty, envelope, link_header, project
from almanac.domain.errors import NotFoundError
from almanac.services import reminders as reminder_service
from almanac.services.reminders import DuePopup

router = APIRouter(tags=["eXo reminders (Almanac addition)"])

OptionalText = Annotated[str | None, Query()]
#: Delivery ids are UUIDs: anything longer is no id of ours (and is not echoed back whole).
_MAX_ID_LENGTH = 36


@router.get("/reminders/due", summary="The caller's popup reminders that are due now (Almanac addition)")
def list_due_reminders(
    exo: Exo,
    offset: OptionalText = None,
    limit: OptionalText = None,
    returnSize: OptionalText = None,  # noqa: N803 - wire name
    fields: OptionalText = None,
    jsonp: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    paging = q.paging(
        offset, limit, default_limit=exo.settings.exo_default_limit, query_limit=exo.settings.exo_query_limit
    )
    names = q.fields(fields)
    every = reminder_service.due_popups(exo.services, principal=exo.principal)
    page = every[paging.offset : paging.offset + paging.limit]
    data = [project(popup_json(exo, p), names) for p in page]
    headers = dict(NO_CACHE)
    size = len(every) if q.return_size(returnSize) else None
    if size is not None:
        headers["Link"] = link_header(
            collection_url(exo.request, exo.base), offset=paging.offset, limit=paging.limit, size=size
        )
    return body(envelope(data, offset=paging.offset, limit=paging.limit, size=size), callback=callback, headers=headers)


@router.post(
    "/reminders/{reminder_id}/dismiss",
    response_class=Response,
    summary="Stop showing one of the caller's popups (Almanac addition)",
)
def dismiss_reminder(exo: Exo, reminder_id: str) -> Response:
    if len(reminder_id) > _MAX_ID_LENGTH:
        raise NotFoundError(kind="reminder", id=reminder_id[:_MAX_ID_LENGTH])
    reminder_service.dismiss_popup(exo.services, principal=exo.principal, delivery_id=reminder_id)
    return empty(200)


def popup_json(exo: ExoRequest, popup: DuePopup) -> dict[str, Any]:
    """One due popup: the reminder (as in spec §3.4) and the occurrence (§3.3) or task (§3.8) it is about."""
    delivery, instance = popup.delivery, popup.task_instance
    reminder: dict[str, Any] = {
        "id": delivery.id,
        "reminderType": "popup",
        "alarmBefore": _minutes_before(delivery.reminder_key),
        "dueTime": format_datetime(delivery.due_at),
    }
    if popup.task is not None and instance is not None:
        return reminder | {
            "kind": "task",
            "taskId": popup.task.key,
            "task": exo.hrefs.task(popup.task.key),
            "subject": popup.task.summary,
            "location": None,
            "from": format_datetime(instance.starts_at),
            "to": format_datetime(instance.due_at),
            "recurrenceId": delivery.recurrence_key,
        }
    event = popup.event
    assert event is not None
    starts_at = delivery.occurrence_start or event.starts_at
    return reminder | {
        "kind": "event",
        "eventId": event.key,
        "event": exo.hrefs.event(event.key),
        "subject": event.summary,
        "location": event.location,
        "from": format_datetime(starts_at),
        "to": format_datetime(starts_at + (event.ends_at - event.starts_at)),
        "recurrenceId": delivery.recurrence_key,
    }


def _minutes_before(reminder_key: str | None) -> int | None:
    """``before:<seconds>/popup`` → minutes; None for a reminder at an absolute time."""
    if reminder_key is None or not reminder_key.startswith("before:"):
        return None
    seconds = reminder_key.removeprefix("before:").partition("/")[0]
    return int(seconds) // 60 if seconds.isdigit() else None
