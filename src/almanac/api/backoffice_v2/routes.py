"""The Back Office v2 routes: sign-in, refresh, sign-out, the six calendar-event methods of the seed,
and the occurrences of recurring events (an expanded list, and one series' occurrences)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from almanac.api.auth import BearerPrincipal, Services
from almanac.api.backoffice_v2.parameters import (
    event_order,
    expansion,
    page_request,
    parsed,
    refuse_unknown_filters,
)
from almanac.api.backoffice_v2.rendering import event_read, occurrence_read
from almanac.api.backoffice_v2.schemas import (
    ErrorRead,
    EventCreate,
    EventRead,
    EventUpdate,
    RefreshRequest,
    SigninRequest,
    SigninResponse,
    TokenRead,
)
from almanac.api.backoffice_v2.timing import changes_with_timing, create_sent
from almanac.api.conditional import entity_tags, if_match
from almanac.api.expensive_queries import BUSY_RESPONSES, EXPENSIVE_QUERY, expensive_when
from almanac.api.idempotency import IDEMPOTENCY_RESPONSES, REPLAY_HEADER_DOC, IdempotencyKey, answered
from almanac.api.wire import (
    WIRE_TEMPLATES,
    checked_text,
    format_instant,
    parse_email,
    parse_instant,
    shown,
)
from almanac.config import Settings
from almanac.domain.errors import N_, InvalidInputError, NotFoundError, Problem
from almanac.domain.idempotency import RecordedResponse
from almanac.domain.preconditions import entity_tag, none_match
from almanac.domain.queries import EventFilter
from almanac.services import auth
from almanac.services import events as event_service
from almanac.services import idempotency as idempotency_service
from almanac.services import occurrences as occurrence_service
from almanac.services.auth import IssuedToken, TokenPair
from almanac.services.events import EventView
from almanac.services.occurrence_pages import list_occurrence_page

router = APIRouter(prefix="/api/v2")

_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    400: {"model": ErrorRead, "description": "Invalid body or parameters (every invalid field is listed)."},
    401: {"model": ErrorRead, "description": "Missing, unknown, expired or revoked bearer token."},
    413: {"model": ErrorRead, "description": "The body is larger than the configured limit."},
}
_NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {
    404: {"model": ErrorRead, "description": "No such event, or not one the caller may see or change."}
}
_STALE: Final[dict[int | str, dict[str, Any]]] = {
    412: {"model": ErrorRead, "description": "If-Match given, and the event no longer carries that ETag."}
}

# Event objects leave out the optional properties that say nothing (see rendering).
_SPARSE: Final[dict[str, Any]] = {"response_model_exclude_unset": True}
_MAX_EVENT_ID: Final = 2**63 - 1


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# --- authentication ------------------------------------------------------------------------------------


@router.post(
    "/signin",
    response_model=SigninResponse,
    response_model_by_alias=True,
    tags=["Authentication"],
    summary="Sign in to the Back Office",
    responses={
        400: _ERRORS[400],
        401: {"model": ErrorRead, "description": "Wrong email address or password."},
        429: {"model": ErrorRead, "description": "Too many failed attempts for this address; see Retry-After."},
    },
)
def signin(body: SigninRequest, services: Services) -> SigninResponse:
    return _pair(auth.sign_in(services, email=body.email, password=body.password))


@router.post(
    "/refresh",
    response_model=SigninResponse,
    tags=["Authentication"],
    summary="Trade a refresh token for a new token pair",
    responses={400: _ERRORS[400], 401: {"model": ErrorRead, "description": "Invalid, expired or used refresh token."}},
)
def refresh(body: RefreshRequest, services: Services) -> SigninResponse:
    return _pair(auth.refresh(services, refresh_secret=body.refreshToken))


@router.post(
    "/signout",
    status_code=204,
    tags=["Authentication"],
    summary="Sign out: revoke the access token and its refresh token",
    responses={401: _ERRORS[401]},
)
def signout(request: Request, services: Services, _: BearerPrincipal) -> Response:
    secret = request.headers["authorization"].partition(" ")[2].strip()
    auth.sign_out(services, secret=secret)
    return Response(status_code=204)


def _pair(pair: TokenPair) -> SigninResponse:
    return SigninResponse(two_factor_required=False, accessToken=_token(pair.access), refreshToken=_token(pair.refresh))


def _token(issued: IssuedToken) -> TokenRead:
    expires = issued.token.expires_at
    assert expires is not None  # signed-in tokens always expire
    return TokenRead(
        token=issued.secret, createdAt=format_instant(issued.token.created_at), expiresAt=format_instant(expires)
    )


# --- calendar events -----------------------------------------------------------------------------------


def _expands_occurrences(request: Request) -> bool:
    return (request.query_params.get("expand") or "").strip().lower() == "occurrences"


@router.get(
    "/calendars/events",
    dependencies=[expensive_when(_expands_occurrences)],
    response_model=list[EventRead],
    **_SPARSE,
    tags=["Calendar events"],
    summary="Get a list of calendar events",
    description=(
        "Stored events, a series once (its first occurrence's times and its `recurrence`). With "
        "`expand=occurrences` and both `filter[startDate]` and `filter[endDate]`: each occurrence lying within "
        "the period instead, named by its series' `id` with its `recurrenceId` and `originalStartDate`; sorting "
        "and paging apply to the occurrences, and X-Total-Count counts them."
    ),
    responses={
        **BUSY_RESPONSES,
        **_ERRORS,
        200: {
            "description": "The matching events (a bare array); the total match count is in X-Total-Count.",
            "headers": {"X-Total-Count": {"schema": {"type": "integer"}, "description": "Matches before paging."}},
        },
    },
)
def list_calendar_events(
    request: Request,
    response: Response,
    services: Services,
    principal: BearerPrincipal,
    limit: Annotated[int | None, Query(description="Page size (default 10, at most 100; both are settings).")] = None,
    offset: Annotated[int | None, Query(description="How many matches to skip (default 0).")] = None,
    sort_by: Annotated[
        str | None,
        Query(description="startTime/startDate (default), endTime/endDate, name/caption, createTime, updateTime, id."),
    ] = None,
    sort_order: Annotated[str | None, Query(description="asc (default) or desc; ties are broken by id.")] = None,
    filter_start: Annotated[
        str | None,
        Query(alias="filter[startDate]", description="Events (or occurrences) starting at or after this instant."),
    ] = None,
    filter_end: Annotated[
        str | None,
        Query(alias="filter[endDate]", description="Events (or occurrences) ending at or before this instant."),
    ] = None,
    filter_recipients: Annotated[
        str | None,
        Query(
            alias="filter[recipients]", description="An address, or a comma-separated list: events with any of them."
        ),
    ] = None,
    filter_name: Annotated[
        str | None, Query(alias="filter[name]", description="Case-insensitive substring of the caption.")
    ] = None,
    filter_description: Annotated[
        str | None, Query(alias="filter[description]", description="Case-insensitive substring of the description.")
    ] = None,
    expand: Annotated[
        str | None,
        Query(description="`occurrences`: list each occurrence of recurring events; needs both date filters."),
    ] = None,
) -> list[EventRead]:
    settings = settings_of(request)
    problems: list[Problem] = []
    refuse_unknown_filters(request, problems)
    page = page_request(limit, offset, settings, problems)
    order = event_order(sort_by, sort_order, problems)
    event_filter = EventFilter(
        period_start=parsed("filter[startDate]", filter_start, parse_instant, problems),
        period_end=parsed("filter[endDate]", filter_end, parse_instant, problems),
        participant_emails=tuple(
            email
            for part in (filter_recipients or "").split(",")
            if part.strip() and (email := parsed("filter[recipients]", part, parse_email, problems)) is not None
        ),
        summary_contains=parsed("filter[name]", filter_name, checked_text, problems) or None,
        description_contains=parsed("filter[description]", filter_description, checked_text, problems) or None,
    )
    expanded = expansion(expand, filter_start, filter_end, problems)
    if problems:
        raise InvalidInputError(problems)
    if expanded and event_filter.period_start is not None and event_filter.period_end is not None:
        occurrences = list_occurrence_page(
            services,
            principal=principal,
            period_start=event_filter.period_start,
            period_end=event_filter.period_end,
            event_filter=event_filter,
            order=order,
            page=page,
        )
        response.headers["X-Total-Count"] = str(occurrences.total)
        return [occurrence_read(found) for found in occurrences.items]
    found = event_service.list_events(services, principal=principal, event_filter=event_filter, order=order, page=page)
    response.headers["X-Total-Count"] = str(found.total)
    return [event_read(view) for view in found.items]


@router.get(
    "/calendars/events/{eventId}",
    response_model=EventRead,
    **_SPARSE,
    tags=["Calendar events"],
    summary="Get calendar event details",
    description="Carries a strong `ETag`; with `If-None-Match` holding it, the answer is 304 without a body.",
    responses={**_ERRORS, **_NOT_FOUND, 304: {"description": "Not modified (If-None-Match)."}},
)
def get_calendar_event(
    eventId: str,  # noqa: N803 - the path parameter keeps the seed's name
    request: Request,
    response: Response,
    services: Services,
    principal: BearerPrincipal,
) -> EventRead | Response:
    view = event_service.get_event(services, principal=principal, event_id=_event_id(eventId))
    tag = entity_tag(view.event)
    condition = entity_tags(request.headers.get("if-none-match", ""))
    if condition is not None and not none_match(tag, condition[0], any_tag=condition[1]):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return event_read(view)


@router.post(
    "/calendars/events",
    response_model=EventRead,
    **_SPARSE,
    status_code=201,
    tags=["Calendar events"],
    summary="Add a calendar event",
    description=(
        "The body is read as JSON whatever its Content-Type. Answers 201 with a Location header and the event's "
        "ETag. With an `Idempotency-Key`, a retry of the same request answers the first response again and "
        "creates nothing."
    ),
    responses={
        **_ERRORS,
        **IDEMPOTENCY_RESPONSES,
        201: {
            "description": "Created",
            "headers": {
                "Location": {"schema": {"type": "string"}},
                "ETag": {"schema": {"type": "string"}},
                **REPLAY_HEADER_DOC,
            },
        },
    },
)
def add_calendar_event(
    body: EventCreate, request: Request, services: Services, principal: BearerPrincipal, idempotency: IdempotencyKey
) -> Response:
    fields: dict[str, Any] = {
        "summary": body.caption,
        "description": body.description,
        "reminders": body.notifications,
        "participant_emails": body.recipients,
    }
    changes = changes_with_timing(fields, body, create_sent(body))

    def respond(view: EventView) -> RecordedResponse:
        location = str(request.url_for("get_calendar_event", eventId=str(view.event.id)))
        content = event_read(view).model_dump(mode="json", by_alias=True, exclude_unset=True)
        headers = {"Content-Type": "application/json", "ETag": entity_tag(view.event), "Location": location}
        return RecordedResponse(201, headers, bytes(JSONResponse(content).body))

    answer = idempotency_service.create_once(
        services,
        request=idempotency.of(principal),
        create=lambda record: event_service.create_event(
            services, principal=principal, changes=changes, on_created=record
        ),
        respond=respond,
    )
    return answered(answer)


def update_calendar_event(
    eventId: str,  # noqa: N803 - the path parameter keeps the seed's name
    body: EventUpdate,
    request: Request,
    response: Response,
    services: Services,
    principal: BearerPrincipal,
) -> EventRead:
    sent = body.model_fields_set
    nulls = [name for name in sorted(sent) if getattr(body, name) is None and name not in EventUpdate.NULLABLE]
    if nulls:
        raise InvalidInputError(
            [Problem(name, "null_not_allowed", WIRE_TEMPLATES["null_not_allowed"]) for name in nulls]
        )
    fields: dict[str, Any] = {}
    if "caption" in sent:
        fields["summary"] = body.caption
    if "description" in sent:
        fields["description"] = body.description
    if "notifications" in sent:
        fields["reminders"] = body.notifications
    if "recipients" in sent:
        fields["participant_emails"] = body.recipients
    view = event_service.update_event(
        services,
        principal=principal,
        event_id=_event_id(eventId),
        changes=changes_with_timing(fields, body, sent),
        if_match=if_match(request.headers.get("if-match")),
    )
    response.headers["ETag"] = entity_tag(view.event)
    return event_read(view)


_UPDATE_SUMMARY: Final = "Update a calendar event"
_UPDATE_DESCRIPTION: Final = (
    "PUT and PATCH are the same: only the properties sent change, and the result is validated as a whole. "
    "With `If-Match`, the change is made only if the event still carries that ETag (else 412)."
)
for _method in ("PUT", "PATCH"):  # one handler, two verbs: the seed calls them interchangeable
    router.add_api_route(
        "/calendars/events/{eventId}",
        update_calendar_event,
        methods=[_method],
        operation_id=f"update_calendar_event_{_method.lower()}",
        response_model=EventRead,
        **_SPARSE,
        tags=["Calendar events"],
        summary=_UPDATE_SUMMARY,
        description=_UPDATE_DESCRIPTION,
        responses={**_ERRORS, **_NOT_FOUND, **_STALE},
    )


@router.delete(
    "/calendars/events/{eventId}",
    status_code=204,
    tags=["Calendar events"],
    summary="Delete a calendar event",
    responses={**_ERRORS, **_NOT_FOUND, **_STALE, 204: {"description": "Deleted; no body."}},
)
def delete_calendar_event(
    eventId: str,  # noqa: N803 - the path parameter keeps the seed's name
    request: Request,
    services: Services,
    principal: BearerPrincipal,
) -> Response:
    event_service.delete_event(
        services, principal=principal, event_id=_event_id(eventId), if_match=if_match(request.headers.get("if-match"))
    )
    return Response(status_code=204)


@router.get(
    "/calendars/events/{eventId}/occurrences",
    dependencies=[EXPENSIVE_QUERY],
    response_model=list[EventRead],
    **_SPARSE,
    tags=["Calendar events"],
    summary="Get the occurrences of a recurring event",
    description=(
        "The occurrences of the event's series overlapping the window [`from`, `to`), by start: computed ones, "
        "overrides at their own times, cancelled ones left out. An override's id lists its whole series; a "
        "single event lists itself when it overlaps."
    ),
    responses={
        **BUSY_RESPONSES,
        **_ERRORS,
        **_NOT_FOUND,
        200: {
            "description": "The occurrences (a bare array); their number is in X-Total-Count.",
            "headers": {"X-Total-Count": {"schema": {"type": "integer"}, "description": "Occurrences listed."}},
        },
    },
)
def list_calendar_event_occurrences(
    eventId: str,  # noqa: N803 - the path parameter keeps the seed's name
    response: Response,
    services: Services,
    principal: BearerPrincipal,
    window_from: Annotated[str | None, Query(alias="from", description="Window start (required), with offset.")] = None,
    window_to: Annotated[str | None, Query(alias="to", description="Window end (required, excluded).")] = None,
) -> list[EventRead]:
    event_id = _event_id(eventId)
    problems: list[Problem] = []
    bounds = [parsed(name, raw, parse_instant, problems) for name, raw in (("from", window_from), ("to", window_to))]
    for name, raw in (("from", window_from), ("to", window_to)):
        if raw is None:
            problems.append(Problem(name, "required", N_("This parameter is required.")))
    start, end = bounds
    if problems or start is None or end is None:
        raise InvalidInputError(problems)
    found = occurrence_service.list_series_occurrences(
        services, principal=principal, window_start=start, window_end=end, event_id=event_id
    )
    response.headers["X-Total-Count"] = str(len(found))
    return [occurrence_read(occurrence) for occurrence in found]


# --- helpers of this face ------------------------------------------------------------------------------


def _event_id(raw: str) -> int:
    """Ids are positive integers; anything else names no event (404, like an unknown id)."""
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= _MAX_EVENT_ID:
        return int(raw)
    raise NotFoundError(kind="event", id=shown(raw))
