"""``/calendars/{id}/events``, ``/events`` and ``/events/{id}`` of the eXo face (spec §5.3, the seed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.bodies import event_changes
from almanac.api.exo_v1.content_bodies import upload_references
from almanac.api.exo_v1.context import Exo, ExoRequest
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
from almanac.api.exo_v1.representations import event_json
from almanac.api.exo_v1.schemas import EventWrite
from almanac.domain.attachments import Attachment
from almanac.domain.queries import Page, PageRequest
from almanac.services import attachments as attachment_service
from almanac.services import calendar_events as event_service
from almanac.services import calendars as calendar_service
from almanac.services.calendars import CalendarView
from almanac.services.events import EventView

router = APIRouter(tags=["eXo events"])

OptionalText = Annotated[str | None, Query()]


@dataclass(frozen=True)
class EventListQuery:
    """The query parameters both event lists share (spec §5.3), parsed and checked once."""

    callback: str | None
    paging: q.Paging
    window: q.EventWindow
    category_key: str | None
    return_size: str | None
    fields: str | None
    expand: str | None


def event_list_query(
    exo: Exo,
    startTime: OptionalText = None,  # noqa: N803 - wire names
    endTime: OptionalText = None,  # noqa: N803
    category: OptionalText = None,
    offset: OptionalText = None,
    limit: OptionalText = None,
    returnSize: OptionalText = None,  # noqa: N803
    fields: OptionalText = None,
    jsonp: OptionalText = None,
    expand: OptionalText = None,
) -> EventListQuery:
    return EventListQuery(
        callback=q.jsonp(jsonp),
        paging=_paging(exo, offset, limit),
        window=q.event_window(startTime, endTime, tzid=exo.principal.tzid, now=exo.services.clock.now()),
        category_key=q.category_filter(category),
        return_size=returnSize,
        fields=fields,
        expand=expand,
    )


EventList = Annotated[EventListQuery, Depends(event_list_query)]


@router.get("/calendars/{calendar_id}/events", summary="Events of one calendar starting in a window (the seed)")
def list_calendar_events(exo: Exo, calendar_id: str, query: EventList) -> Response:
    found = event_service.list_calendar_events(
        exo.services,
        principal=exo.principal,
        calendar_key=calendar_id,
        starts_from=query.window.start,
        starts_until=query.window.end,
        category_key=query.category_key,
        page=PageRequest(query.paging.offset, query.paging.limit),
    )
    return _collection(exo, found, query)


@router.get("/events", summary="The caller's events: own personal and group calendars, overlapping a window")
def list_own_events(exo: Exo, query: EventList) -> Response:
    found = event_service.list_own_events(
        exo.services,
        principal=exo.principal,
        overlap_from=query.window.start,
        overlap_until=query.window.end,
        category_key=query.category_key,
        page=PageRequest(query.paging.offset, query.paging.limit),
    )
    return _collection(exo, found, query)


@router.post("/calendars/{calendar_id}/events", status_code=201, summary="Create an event in a calendar")
def create_event(exo: Exo, calendar_id: str, payload: Annotated[EventWrite, Body()]) -> Response:
    changes, problem = event_changes(payload, tzid=exo.principal.tzid, now=exo.services.clock.now(), creating=True)
    view = event_service.create_event_in_calendar(
        exo.services,
        principal=exo.principal,
        calendar_key=calendar_id,
        changes=changes,
        rejected=problem,
        uploads=upload_references(payload.uploadResources),
    )
    return empty(201, {"Location": exo.hrefs.event(view.event.key)})


@router.get("/events/{event_id}", summary="One event the caller may read")
def get_event(
    exo: Exo,
    event_id: str,
    fields: OptionalText = None,
    jsonp: OptionalText = None,
    expand: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    view = event_service.get_event_by_key(exo.services, principal=exo.principal, event_key=event_id)
    headers = cacheable(exo.settings.exo_cache_max_age, view.event.updated_at)
    unchanged = not_modified(exo.request, view.event.updated_at, headers)
    if unchanged is not None:
        return unchanged
    rendered = _render(exo, [view], q.expand(expand))[0]
    return body(project(rendered, q.fields(fields)), callback=callback, headers=headers)


@router.put("/events/{event_id}", summary="Change an event; a new calendarId moves it")
def update_event(exo: Exo, event_id: str, payload: Annotated[EventWrite, Body()]) -> Response:
    changes, problem = event_changes(payload, tzid=exo.principal.tzid, now=exo.services.clock.now(), creating=False)
    event_service.update_event_by_key(
        exo.services,
        principal=exo.principal,
        event_key=event_id,
        changes=changes,
        target_calendar_key=payload.calendarId,
        rejected=problem,
        uploads=upload_references(payload.uploadResources),
    )
    return empty(200)


@router.delete("/events/{event_id}", summary="Delete an event")
def delete_event(exo: Exo, event_id: str) -> Response:
    event_service.delete_event_by_key(exo.services, principal=exo.principal, event_key=event_id)
    return empty(200)


def _paging(exo: ExoRequest, offset: str | None, limit: str | None) -> q.Paging:
    return q.paging(
        offset, limit, default_limit=exo.settings.exo_default_limit, query_limit=exo.settings.exo_query_limit
    )


def _collection(exo: ExoRequest, found: Page[EventView], query: EventListQuery) -> Response:
    paging = query.paging
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


def _render(exo: ExoRequest, views: list[EventView], expansions: dict[str, q.Window]) -> list[dict[str, object]]:
    calendars: dict[int, CalendarView] = {}
    if "calendar" in expansions and views:
        ids = sorted({v.event.calendar_id for v in views})
        described = calendar_service.describe_calendars(exo.services, principal=exo.principal, calendar_ids=ids)
        calendars = {c.calendar.id: c for c in described if c.calendar.id is not None}
    files: dict[int, list[Attachment]] = {}
    event_ids = [v.event.id for v in views if v.event.id is not None]
    for attachment in attachment_service.attachments_for(exo.services, event_ids=event_ids):
        if attachment.event_id is not None:
            files.setdefault(attachment.event_id, []).append(attachment)
    return [
        event_json(
            v,
            exo.hrefs,
            expand=expansions,
            calendars=calendars,
            localize=exo.localize,
            attachments=files.get(v.event.id, []) if v.event.id is not None else [],
        )
        for v in views
    ]
