"""``/calendars/{id}/tasks`` and ``/tasks/{id}`` of the eXo face (spec §5.6)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Annotated, Final

from fastapi import APIRouter, Body, Query, Response

from almanac.api.conditional import if_match
from almanac.api.errors import renamed_field
from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.content_bodies import task_changes
from almanac.api.exo_v1.content_representations import task_json
from almanac.api.exo_v1.context import Exo, ExoRequest
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.events import NOT_MODIFIED, STALE, EventList
from almanac.api.exo_v1.rendering import (
    body,
    cacheable,
    collection_url,
    empty,
    envelope,
    link_header,
    not_modified,
    project,
)
from almanac.api.exo_v1.schemas import TaskWrite
from almanac.api.idempotency import CREATED_HEADERS, IDEMPOTENCY_RESPONSES, IdempotencyKey, answered
from almanac.domain.attachments import Attachment
from almanac.domain.errors import InvalidInputError
from almanac.domain.idempotency import RecordedResponse
from almanac.domain.preconditions import entity_tag
from almanac.domain.queries import PageRequest
from almanac.services import attachments as attachment_service
from almanac.services import calendars as calendar_service
from almanac.services import idempotency as idempotency_service
from almanac.services import tasks as task_service
from almanac.services.calendars import CalendarView
from almanac.services.tasks import TaskView

router = APIRouter(tags=["eXo tasks"])

OptionalText = Annotated[str | None, Query()]
#: Domain field names as tasks call them on this face.
TASK_FIELDS: Final = {
    "summary": "name",
    "description": "note",
    "starts_at": "from",
    "due_at": "to",
    "reminders": "reminder",
}


@router.get("/calendars/{calendar_id}/tasks", summary="Tasks of one calendar starting in a window")
def list_calendar_tasks(exo: Exo, calendar_id: str, query: EventList) -> Response:
    paging = query.paging
    found = task_service.list_calendar_tasks(
        exo.services,
        principal=exo.principal,
        calendar_key=calendar_id,
        starts_from=query.window.start,
        starts_until=query.window.end,
        category_key=query.category_key,
        page=PageRequest(paging.offset, paging.limit),
    )
    names = q.fields(query.fields)
    data = [project(item, names) for item in _render(exo, found.items, q.expand(query.expand))]
    headers = dict(NO_CACHE)
    size = found.total if q.return_size(query.return_size) else None
    if size is not None:
        headers["Link"] = link_header(
            collection_url(exo.request, exo.base), offset=paging.offset, limit=paging.limit, size=size
        )
    return body(
        envelope(data, offset=paging.offset, limit=paging.limit, size=size), callback=query.callback, headers=headers
    )


@router.post(
    "/calendars/{calendar_id}/tasks",
    response_class=Response,
    status_code=201,
    summary="Create a task in a calendar",
    description="With an `Idempotency-Key`, a retry of the same request answers the first response again.",
    responses={**IDEMPOTENCY_RESPONSES, 201: {"description": "Created", "headers": CREATED_HEADERS}},
)
def create_task(
    exo: Exo, calendar_id: str, payload: Annotated[TaskWrite, Body()], idempotency: IdempotencyKey
) -> Response:
    changes, problem = task_changes(payload, tzid=exo.principal.tzid, now=exo.services.clock.now(), creating=True)
    with task_fields():
        answer = idempotency_service.create_once(
            exo.services,
            request=idempotency.of(exo.principal),
            create=lambda record: task_service.create_task_in_calendar(
                exo.services,
                principal=exo.principal,
                calendar_key=calendar_id,
                changes=changes,
                rejected=problem,
                on_created=record,
            ),
            respond=lambda view: RecordedResponse(201, {"Location": exo.hrefs.task(view.task.key)}),
        )
    return answered(answer, dict(NO_CACHE))


@router.get(
    "/tasks/{task_id}",
    summary="One task the caller may read",
    description="Carries a strong `ETag` (the same for the same stored version); If-None-Match naming it: 304.",
    responses=NOT_MODIFIED,
)
def get_task(
    exo: Exo,
    task_id: str,
    fields: OptionalText = None,
    jsonp: OptionalText = None,
    expand: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    view = task_service.get_task_by_key(exo.services, principal=exo.principal, task_key=task_id)
    tag = entity_tag(view.task)
    headers = {**cacheable(exo.settings.exo_cache_max_age, view.task.updated_at), "ETag": tag}
    unchanged = not_modified(exo.request, view.task.updated_at, headers, etag=tag)
    if unchanged is not None:
        return unchanged
    rendered = _render(exo, [view], q.expand(expand))[0]
    return body(project(rendered, q.fields(fields)), callback=callback, headers=headers)


@router.put(
    "/tasks/{task_id}",
    response_class=Response,
    summary="Change a task: validated first, nothing stored on a 400",
    description=(
        "With `If-Match`, the change is made only if the task still carries that ETag (else 412, nothing "
        "changed); the check and the write are one transaction. The answer carries the task's new ETag."
    ),
    responses=STALE,
)
def update_task(exo: Exo, task_id: str, payload: Annotated[TaskWrite, Body()]) -> Response:
    changes, problem = task_changes(payload, tzid=exo.principal.tzid, now=exo.services.clock.now(), creating=False)
    with task_fields():
        view = task_service.update_task_by_key(
            exo.services,
            principal=exo.principal,
            task_key=task_id,
            changes=changes,
            rejected=problem,
            if_match=if_match(exo.request.headers.get("if-match")),
        )
    return empty(200, {"ETag": entity_tag(view.task)})


@router.delete(
    "/tasks/{task_id}",
    response_class=Response,
    summary="Delete a task with its attachments",
    description="With `If-Match`, only if the task still carries that ETag (else 412, nothing deleted).",
    responses=STALE,
)
def delete_task(exo: Exo, task_id: str) -> Response:
    task_service.delete_task_by_key(
        exo.services, principal=exo.principal, task_key=task_id, if_match=if_match(exo.request.headers.get("if-match"))
    )
    return empty(200)


@contextmanager
def task_fields() -> Iterator[None]:
    """Name the fields of the shared task rules (``summary``, ``due_at``...) as this face does (``name``, ``to``)."""
    try:
        yield
    except InvalidInputError as exc:
        problems = [replace(p, field=renamed_field(p.field, TASK_FIELDS)) for p in exc.problems]
        raise InvalidInputError(problems, exc.template, **exc.params) from exc


def _render(exo: ExoRequest, views: list[TaskView], expansions: dict[str, q.Window]) -> list[dict[str, object]]:
    calendars: dict[int, CalendarView] = {}
    if "calendar" in expansions and views:
        ids = sorted({v.task.calendar_id for v in views})
        described = calendar_service.describe_calendars(exo.services, principal=exo.principal, calendar_ids=ids)
        calendars = {c.calendar.id: c for c in described if c.calendar.id is not None}
    files: dict[int, list[Attachment]] = {}
    task_ids = [v.task.id for v in views if v.task.id is not None]
    for attachment in attachment_service.attachments_for(exo.services, task_ids=task_ids):
        if attachment.task_id is not None:
            files.setdefault(attachment.task_id, []).append(attachment)
    return [
        task_json(
            v,
            exo.hrefs,
            expand=expansions,
            calendars=calendars,
            localize=exo.localize,
            attachments=files.get(v.task.id, []) if v.task.id is not None else [],
        )
        for v in views
    ]
