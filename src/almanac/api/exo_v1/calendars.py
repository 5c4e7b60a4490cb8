"""``/calendars`` and ``/calendars/{id}`` of the eXo face (spec §5.2.1-5.2.5)."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Body, Query, Response

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.bodies import calendar_draft
from almanac.api.exo_v1.context import Exo
from almanac.api.exo_v1.errors import NO_CACHE
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
from almanac.api.exo_v1.representations import calendar_json
from almanac.api.exo_v1.schemas import CalendarWrite
from almanac.api.idempotency import CREATED_HEADERS, IDEMPOTENCY_RESPONSES, IdempotencyKey, answered
from almanac.domain.errors import NotFoundError
from almanac.domain.idempotency import RecordedResponse
from almanac.domain.queries import PageRequest
from almanac.domain.sharing import KIND_ORDER, CalendarKind
from almanac.services import calendars as calendar_service
from almanac.services import idempotency as idempotency_service

router = APIRouter(tags=["eXo calendars"])

KINDS: Final = {"personal": CalendarKind.PERSONAL, "group": CalendarKind.GROUP, "shared": CalendarKind.SHARED}
OptionalText = Annotated[str | None, Query()]


@router.get("/calendars", summary="The caller's calendars: personal, then group, then shared")
def list_calendars(
    exo: Exo,
    type: OptionalText = None,
    offset: OptionalText = None,
    limit: OptionalText = None,
    returnSize: OptionalText = None,  # noqa: N803
    fields: OptionalText = None,
    jsonp: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    paging = q.paging(
        offset, limit, default_limit=exo.settings.exo_default_limit, query_limit=exo.settings.exo_query_limit
    )
    # Any other value (or none) means every kind, as in eXo.
    wanted = KINDS.get((type or "").strip().lower())
    kinds = (wanted,) if wanted else KIND_ORDER
    found = calendar_service.list_calendars(
        exo.services, principal=exo.principal, kinds=kinds, page=PageRequest(paging.offset, paging.limit)
    )
    if not found.items:
        # eXo answers an empty page with 404 (spec §5.2.1 step 3); its clients stop paging on it.
        raise NotFoundError(kind="calendar", id=type or "*")
    names = q.fields(fields)
    data = [project(calendar_json(view, exo.hrefs), names) for view in found.items]
    headers = dict(NO_CACHE)
    size = found.total if q.return_size(returnSize) else None
    if size is not None:
        headers["Link"] = link_header(
            collection_url(exo.request, exo.base), offset=paging.offset, limit=paging.limit, size=size
        )
    return body(envelope(data, offset=paging.offset, limit=paging.limit, size=size), callback=callback, headers=headers)


@router.post(
    "/calendars",
    response_class=Response,
    status_code=201,
    summary="Create a personal or group calendar",
    description="With an `Idempotency-Key`, a retry of the same request answers the first response again.",
    responses={**IDEMPOTENCY_RESPONSES, 201: {"description": "Created", "headers": CREATED_HEADERS}},
)
def create_calendar(exo: Exo, payload: Annotated[CalendarWrite, Body()], idempotency: IdempotencyKey) -> Response:
    draft = calendar_draft(payload)
    answer = idempotency_service.create_once(
        exo.services,
        request=idempotency.of(exo.principal),
        create=lambda record: calendar_service.create_calendar(
            exo.services, principal=exo.principal, draft=draft, on_created=record
        ),
        respond=lambda view: RecordedResponse(201, {"Location": exo.hrefs.calendar(view.calendar.key)}),
    )
    return answered(answer, dict(NO_CACHE))


@router.get("/calendars/{calendar_id}", summary="One calendar the caller may view")
def get_calendar(exo: Exo, calendar_id: str, fields: OptionalText = None, jsonp: OptionalText = None) -> Response:
    callback = q.jsonp(jsonp)
    view = calendar_service.get_calendar(exo.services, principal=exo.principal, calendar_key=calendar_id)
    headers = cacheable(exo.settings.exo_cache_max_age, view.calendar.updated_at)
    unchanged = not_modified(exo.request, view.calendar.updated_at, headers)
    if unchanged is not None:
        return unchanged
    return body(project(calendar_json(view, exo.hrefs), q.fields(fields)), callback=callback, headers=headers)


@router.put("/calendars/{calendar_id}", response_class=Response, summary="Change a calendar and its sharing")
def update_calendar(exo: Exo, calendar_id: str, payload: Annotated[CalendarWrite, Body()]) -> Response:
    calendar_service.update_calendar(
        exo.services, principal=exo.principal, calendar_key=calendar_id, draft=calendar_draft(payload)
    )
    return empty(200)


@router.delete(
    "/calendars/{calendar_id}", response_class=Response, summary="Delete a calendar, or stop seeing one shared with you"
)
def delete_calendar(exo: Exo, calendar_id: str) -> Response:
    calendar_service.delete_calendar(exo.services, principal=exo.principal, calendar_key=calendar_id)
    return empty(200)
