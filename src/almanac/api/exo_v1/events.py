"""``/calendars/{id}/events``, ``/events``, ``/events/{id}`` and ``/events/{id}/occurrences`` of the eXo face
(spec §5.3, §5.4, §4: the seed, and recurring events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends, Query, Response

from almanac.api.conditional import if_match
from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.bodies import event_draft
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
from almanac.api.expensive_queries import BUSY_RESPONSES, EXPENSIVE_QUERY
from almanac.api.idempotency import CREATED_HEADERS, IDEMPOTENCY_RESPONSES, IdempotencyKey, answered
from almanac.domain.idempotency import RecordedResponse
from almanac.domain.preconditions import entity_tag
from almanac.domain.queries import Page, PageRequest
from almanac.services import calendar_events as event_service
from almanac.services import calendars as calendar_service
from almanac.services import idempotency as idempotency_service
from almanac.services import series
from almanac.services import series_reads as reads
from almanac.services.calendars import CalendarView
from almanac.services.series_reads import EventInSeries

router = APIRouter(tags=["eXo events"])

OptionalText = Annotated[str | None, Query()]

#: The conditional answers of a stored event or task (OpenAPI ``responses``), shared with the task routes.
NOT_MODIFIED: Final[dict[int | str, dict[str, Any]]] = {
    304: {"description": "Not modified: If-None-Match names the current ETag (or If-Modified-Since is not older)."}
}
STALE: Final[dict[int | str, dict[str, Any]]] = {
    412: {
        "description": (
            "If-Match given and the item no longer carries that ETag (a malformed If-Match matches nothing); "
            'nothing is changed. Body: {"message", "developerMessage": "precondition_failed"}.'
        )
    }
}


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
    """Stored events, masters once and not expanded (spec §5.3.2)."""
    found = reads.list_calendar_events_in_series(
        exo.services,
        principal=exo.principal,
        calendar_key=calendar_id,
        starts_from=query.window.start,
        starts_until=query.window.end,
        category_key=query.category_key,
        page=PageRequest(query.paging.offset, query.paging.limit),
    )
    return _collection(exo, found, query)


@router.get(
    "/events",
    responses=BUSY_RESPONSES,
    dependencies=[EXPENSIVE_QUERY],
    summary="The caller's events: own personal and group calendars, series expanded",
)
def list_own_events(exo: Exo, query: EventList) -> Response:
    """Occurrences overlapping the window, paged in memory (spec §5.3.1; eXo ignores offset/limit)."""
    found = reads.list_own_occurrences(
        exo.services,
        principal=exo.principal,
        window_start=query.window.start,
        window_end=query.window.end,
        category_key=query.category_key,
    )
    return _collection(exo, _page(found, query.paging), query)


@router.post(
    "/calendars/{calendar_id}/events",
    response_class=Response,
    status_code=201,
    summary="Create an event in a calendar",
    description="With an `Idempotency-Key`, a retry of the same request answers the first response again.",
    responses={**IDEMPOTENCY_RESPONSES, 201: {"description": "Created", "headers": CREATED_HEADERS}},
)
def create_event(
    exo: Exo, calendar_id: str, payload: Annotated[EventWrite, Body()], idempotency: IdempotencyKey
) -> Response:
    draft = event_draft(payload, tzid=exo.principal.tzid, now=exo.services.clock.now(), creating=True)
    answer = idempotency_service.create_once(
        exo.services,
        request=idempotency.of(exo.principal),
        create=lambda record: (
            event_service.create_event_in_calendar(
                exo.services,
                principal=exo.principal,
                calendar_key=calendar_id,
                changes=draft.changes,
                rejected=draft.problem,
                recurrence_of=draft.recurrence_of,
                uploads=upload_references(payload.uploadResources),
                on_created=record,
            ).event
        ),
        respond=lambda event: RecordedResponse(201, {"Location": exo.hrefs.event(event.key)}),
    )
    return answered(answer, dict(NO_CACHE))


@router.get(
    "/events/{event_id}",
    summary="One event the caller may read",
    description="Carries a strong `ETag` (the same for the same stored version); If-None-Match naming it: 304.",
    responses=NOT_MODIFIED,
)
def get_event(
    exo: Exo,
    event_id: str,
    fields: OptionalText = None,
    jsonp: OptionalText = None,
    expand: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    item = reads.get_event_in_series(exo.services, principal=exo.principal, event_key=event_id)
    updated_at = item.event.updated_at
    tag = entity_tag(item.event)
    headers = {**cacheable(exo.settings.exo_cache_max_age, updated_at), "ETag": tag}
    unchanged = not_modified(exo.request, updated_at, headers, etag=tag)
    if unchanged is not None:
        return unchanged
    rendered = _render(exo, [item], q.expand(expand))[0]
    return body(project(rendered, q.fields(fields)), callback=callback, headers=headers)


@router.put(
    "/events/{event_id}",
    response_class=Response,
    summary="Change an event, one occurrence, this and following, or a whole series",
    description=(
        "With `If-Match`, the change is made only if the addressed event still carries that ETag (else 412, "
        "nothing changed); the check and the write are one transaction. The answer carries the event's new ETag "
        "when the stored result is the addressed event."
    ),
    responses=STALE,
)
def update_event(
    exo: Exo,
    event_id: str,
    payload: Annotated[EventWrite, Body()],
    recurringUpdateType: OptionalText = None,  # noqa: N803 - wire name
) -> Response:
    """Without ``recurringUpdateType`` the stored event changes as addressed (a master: its whole series;
    an override: in place). ``ONE``/``FOLLOWING``/``ALL`` edit the occurrence the body's ``recurrenceId``
    names (spec §4.5); a missing or unknown one is a 400 (eXo answers 200 and changes nothing)."""
    update_type = q.recurring_update_type(recurringUpdateType)
    draft = event_draft(payload, tzid=exo.principal.tzid, now=exo.services.clock.now(), creating=False)
    ctx, me, key, target = exo.services, exo.principal, event_id, payload.calendarId
    changes, problem, check, occurrence = draft.changes, draft.problem, draft.check, payload.recurrenceId
    condition = if_match(exo.request.headers.get("if-match"))
    if update_type is None:
        view = series.update_event_in_series(
            ctx,
            principal=me,
            event_key=key,
            changes=changes,
            target_calendar_key=target,
            recurrence_of=draft.recurrence_of,
            if_match=condition,
            rejected=problem,
            check=check,
            before_commit=event_service.attaching_uploads(ctx, me, upload_references(payload.uploadResources)),
        )
    elif update_type == "ONE":
        # An occurrence cannot repeat itself: the body's repeat (eXo clients send the master's) is ignored.
        view = series.detach_occurrence(
            ctx,
            principal=me,
            event_key=key,
            occurrence_key=occurrence,
            changes=changes,
            target_calendar_key=target,
            if_match=condition,
            rejected=problem,
            check=check,
        )
    else:
        edit = series.split_series if update_type == "FOLLOWING" else series.update_series
        view = edit(
            ctx,
            principal=me,
            event_key=key,
            occurrence_key=occurrence,
            changes=changes,
            target_calendar_key=target,
            recurrence_of=draft.recurrence_of,
            if_match=condition,
            rejected=problem,
            check=check,
        )
    # An ETag describes the addressed resource only (RFC 9110 §9.3.4): not a new override or a new master.
    return empty(200, {"ETag": entity_tag(view.event)} if view.event.key == key else None)


@router.delete(
    "/events/{event_id}",
    response_class=Response,
    summary="Delete an event, a whole series, or one occurrence (recurrenceId)",
    description="With `If-Match`, only if the addressed event still carries that ETag (else 412, nothing deleted).",
    responses=STALE,
)
def delete_event(exo: Exo, event_id: str, recurrenceId: OptionalText = None) -> Response:  # noqa: N803
    """A master goes with its overrides; an override, or ``recurrenceId=KEY`` on a master, cancels that
    occurrence only (eXo has no call for this, spec §4.6)."""
    condition = if_match(exo.request.headers.get("if-match"))
    if recurrenceId is not None:
        series.cancel_occurrence(
            exo.services,
            principal=exo.principal,
            event_key=event_id,
            occurrence_key=recurrenceId,
            if_match=condition,
        )
    else:
        series.delete_event_in_series(exo.services, principal=exo.principal, event_key=event_id, if_match=condition)
    return empty(200)


@router.get(
    "/events/{event_id}/occurrences",
    responses=BUSY_RESPONSES,
    dependencies=[EXPENSIVE_QUERY],
    summary="Occurrences of a recurring event in a window",
)
def list_event_occurrences(
    exo: Exo,
    event_id: str,
    start: OptionalText = None,
    end: OptionalText = None,
    offset: OptionalText = None,
    limit: OptionalText = None,
    returnSize: OptionalText = None,  # noqa: N803 - wire name
    fields: OptionalText = None,
    jsonp: OptionalText = None,
    expand: OptionalText = None,
) -> Response:
    """The series' occurrences overlapping ``[start, end)`` by start (spec §5.4.1): computed ones carry the
    master's id and their ``recurrenceId``, overrides their own id and ``originalEvent``. An empty window is
    an empty list (eXo: 404); unreadable events are 404 before anything else."""
    query = EventListQuery(
        callback=q.jsonp(jsonp),
        paging=_paging(exo, offset, limit),
        window=q.event_window(
            start, end, tzid=exo.principal.tzid, now=exo.services.clock.now(), names=("start", "end")
        ),
        category_key=None,
        return_size=returnSize,
        fields=fields,
        expand=expand,
    )
    found = reads.list_occurrences_of_series(
        exo.services,
        principal=exo.principal,
        event_key=event_id,
        window_start=query.window.start,
        window_end=query.window.end,
    )
    return _collection(exo, _page(found, query.paging), query)


def _paging(exo: ExoRequest, offset: str | None, limit: str | None) -> q.Paging:
    return q.paging(
        offset, limit, default_limit=exo.settings.exo_default_limit, query_limit=exo.settings.exo_query_limit
    )


def _page(items: list[EventInSeries], paging: q.Paging) -> Page[EventInSeries]:
    return Page(items=items[paging.offset : paging.offset + paging.limit], total=len(items))


def _collection(exo: ExoRequest, found: Page[EventInSeries], query: EventListQuery) -> Response:
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


def _render(exo: ExoRequest, items: list[EventInSeries], expansions: dict[str, q.Window]) -> list[dict[str, object]]:
    calendars: dict[int, CalendarView] = {}
    if "calendar" in expansions and items:
        ids = sorted({i.event.calendar_id for i in items})
        described = calendar_service.describe_calendars(exo.services, principal=exo.principal, calendar_ids=ids)
        calendars = {c.calendar.id: c for c in described if c.calendar.id is not None}
    return [
        event_json(
            i.view,
            exo.hrefs,
            expand=expansions,
            calendars=calendars,
            localize=exo.localize,
            series=i,
            attachments=list(i.attachments),
        )
        for i in items
    ]
