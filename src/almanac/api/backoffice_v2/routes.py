"""The Back Office v2 routes: sign-in, refresh, sign-out and the six calendar-event methods of the seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic_core import PydanticCustomError

from almanac.api.auth import BearerPrincipal, Services
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
from almanac.api.conditional import entity_tags, if_match
from almanac.api.wire import (
    WIRE_TEMPLATES,
    checked_text,
    format_duration,
    format_instant,
    parse_email,
    parse_instant,
    shown,
)
from almanac.config import Settings
from almanac.domain.errors import N_, InvalidInputError, NotFoundError, Problem
from almanac.domain.events import Reminder
from almanac.domain.preconditions import entity_tag, none_match
from almanac.domain.queries import EventFilter, EventOrder, EventSortKey, PageRequest
from almanac.services import auth
from almanac.services import events as event_service
from almanac.services.auth import IssuedToken, TokenPair
from almanac.services.events import EventChanges, EventView

T = TypeVar("T")

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

SORT_KEYS: Final = {
    "starttime": EventSortKey.STARTS_AT,
    "startdate": EventSortKey.STARTS_AT,
    "endtime": EventSortKey.ENDS_AT,
    "enddate": EventSortKey.ENDS_AT,
    "name": EventSortKey.SUMMARY,
    "caption": EventSortKey.SUMMARY,
    "createtime": EventSortKey.CREATED_AT,
    "updatetime": EventSortKey.UPDATED_AT,
    "id": EventSortKey.ID,
}
FILTERS: Final = ("startDate", "endDate", "recipients", "name", "description")
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


@router.get(
    "/calendars/events",
    response_model=list[EventRead],
    tags=["Calendar events"],
    summary="Get a list of calendar events",
    responses={
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
        str | None, Query(alias="filter[startDate]", description="Events starting at or after this instant.")
    ] = None,
    filter_end: Annotated[
        str | None, Query(alias="filter[endDate]", description="Events ending at or before this instant.")
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
) -> list[EventRead]:
    settings = settings_of(request)
    problems: list[Problem] = []
    _refuse_unknown_filters(request, problems)
    page = _page(limit, offset, settings, problems)
    order = _order(sort_by, sort_order, problems)
    event_filter = EventFilter(
        period_start=_parsed("filter[startDate]", filter_start, parse_instant, problems),
        period_end=_parsed("filter[endDate]", filter_end, parse_instant, problems),
        participant_emails=tuple(
            email
            for part in (filter_recipients or "").split(",")
            if part.strip() and (email := _parsed("filter[recipients]", part, parse_email, problems)) is not None
        ),
        summary_contains=_parsed("filter[name]", filter_name, checked_text, problems) or None,
        description_contains=_parsed("filter[description]", filter_description, checked_text, problems) or None,
    )
    if problems:
        raise InvalidInputError(problems)
    found = event_service.list_events(services, principal=principal, event_filter=event_filter, order=order, page=page)
    response.headers["X-Total-Count"] = str(found.total)
    return [_read(view) for view in found.items]


@router.get(
    "/calendars/events/{eventId}",
    response_model=EventRead,
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
    return _read(view)


@router.post(
    "/calendars/events",
    response_model=EventRead,
    status_code=201,
    tags=["Calendar events"],
    summary="Add a calendar event",
    description="The body is read as JSON whatever its Content-Type. Answers 201 with a Location header.",
    responses={**_ERRORS, 201: {"description": "Created", "headers": {"Location": {"schema": {"type": "string"}}}}},
)
def add_calendar_event(
    body: EventCreate, request: Request, response: Response, services: Services, principal: BearerPrincipal
) -> EventRead:
    changes = EventChanges(
        summary=body.caption,
        description=body.description,
        starts_at=body.startDate,
        ends_at=body.endDate,
        reminders=body.notifications,
        participant_emails=body.recipients,
    )
    view = event_service.create_event(services, principal=principal, changes=changes)
    response.headers["ETag"] = entity_tag(view.event)
    response.headers["Location"] = str(request.url_for("get_calendar_event", eventId=str(view.event.id)))
    return _read(view)


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
    if "startDate" in sent:
        fields["starts_at"] = body.startDate
    if "endDate" in sent:
        fields["ends_at"] = body.endDate
    if "notifications" in sent:
        fields["reminders"] = body.notifications
    if "recipients" in sent:
        fields["participant_emails"] = body.recipients
    view = event_service.update_event(
        services,
        principal=principal,
        event_id=_event_id(eventId),
        changes=EventChanges(**fields),
        if_match=if_match(request.headers.get("if-match")),
    )
    response.headers["ETag"] = entity_tag(view.event)
    return _read(view)


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


# --- helpers of this face ------------------------------------------------------------------------------


def _read(view: EventView) -> EventRead:
    event = view.event
    assert event.id is not None and event.created_at is not None and event.updated_at is not None
    return EventRead(
        id=event.id,
        caption=event.summary,
        description=event.description,
        startDate=format_instant(event.starts_at),
        endDate=format_instant(event.ends_at),
        notifications=[_notification(r) for r in event.reminders],
        recipients=[user.email for user in view.participants],
        authorEmail=view.author.email,
        # Record timestamps in the Back Office house style: whole seconds.
        createTime=format_instant(event.created_at.replace(microsecond=0)),
        updateTime=format_instant(event.updated_at.replace(microsecond=0)),
    )


def _notification(reminder: Reminder) -> str:
    if reminder.before is not None:
        return format_duration(reminder.before)
    assert reminder.at is not None
    return format_instant(reminder.at)


def _event_id(raw: str) -> int:
    """Ids are positive integers; anything else names no event (404, like an unknown id)."""
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= _MAX_EVENT_ID:
        return int(raw)
    raise NotFoundError(kind="event", id=shown(raw))


def _parsed(name: str, raw: str | None, parse: Callable[[Any], T], problems: list[Problem]) -> T | None:
    if raw is None:
        return None
    try:
        return parse(raw)
    except PydanticCustomError as exc:
        problems.append(Problem(name, exc.type, WIRE_TEMPLATES.get(exc.type, exc.message()), dict(exc.context or {})))
        return None


def _page(limit: int | None, offset: int | None, settings: Settings, problems: list[Problem]) -> PageRequest:
    size = settings.v2_default_limit if limit is None else limit
    if not 1 <= size <= settings.v2_max_limit:
        problems.append(
            Problem(
                "limit",
                "out_of_range",
                N_("Must be between %(min)s and %(max)s."),
                {"min": 1, "max": settings.v2_max_limit},
            )
        )
    skip = 0 if offset is None else offset
    if skip < 0:
        problems.append(Problem("offset", "out_of_range", N_("Must be at least %(ge)s."), {"ge": 0}))
    return PageRequest(offset=max(skip, 0), limit=min(max(size, 1), settings.v2_max_limit))


def _order(sort_by: str | None, sort_order: str | None, problems: list[Problem]) -> EventOrder:
    key = EventSortKey.STARTS_AT
    if sort_by is not None:
        found = SORT_KEYS.get(sort_by.strip().lower())
        if found is None:
            problems.append(
                Problem(
                    "sort_by",
                    "unknown_sort_key",
                    N_("%(value)s is not a sort key; use one of: %(expected)s."),
                    {"value": shown(sort_by), "expected": "startTime, endTime, name, createTime, updateTime, id"},
                )
            )
        else:
            key = found
    descending = False
    if sort_order is not None:
        direction = sort_order.strip().lower()
        if direction not in ("asc", "desc"):
            problems.append(
                Problem(
                    "sort_order",
                    "unknown_sort_order",
                    N_("%(value)s is not a sort order; use asc or desc."),
                    {"value": shown(sort_order)},
                )
            )
        descending = direction == "desc"
    return EventOrder(key=key, descending=descending)


def _refuse_unknown_filters(request: Request, problems: list[Problem]) -> None:
    for name in request.query_params:
        if name.startswith("filter[") and name.removeprefix("filter[").removesuffix("]") not in FILTERS:
            problems.append(
                Problem(
                    name,
                    "unknown_filter",
                    N_("%(value)s is not a filter; use one of: %(expected)s."),
                    {"value": shown(name), "expected": ", ".join(FILTERS)},
                )
            )
