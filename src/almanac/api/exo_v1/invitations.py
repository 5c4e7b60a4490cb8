"""``/events/{id}/invitations`` and ``/invitations/{id}`` of the eXo face (spec §5.9): list, invite, read,
answer and uninvite. An invitation id is ``{eventId}:{username}``."""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.answers import answer_page_url
from almanac.api.exo_v1.context import Exo
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.people_representations import invitation_json
from almanac.api.exo_v1.rendering import body, cacheable, collection_url, empty, envelope, link_header, project
from almanac.api.wire import SafeText
from almanac.domain.errors import N_, PreconditionFailedError
from almanac.domain.invitations import InvitationStatus, invitation_id, parse_status
from almanac.domain.preconditions import none_match
from almanac.domain.queries import PageRequest
from almanac.services import invitations as invitation_service

router = APIRouter(tags=["eXo invitations"])

OptionalText = Annotated[str | None, Query()]

# eXo's messages (spec §6); its enumeration is printed in alphabetical order.
NO_BODY: Final = N_("Invitation information must not null")
NO_PARTICIPANT: Final = N_("participant must not null or empty")
BAD_STATUS: Final = N_("status must be one of: ,maybe,no,yes")


class InvitationWrite(BaseModel):
    """POST ``/events/{id}/invitations``: ``{"participant": "john", "status": ""}``; a missing status is ``""``."""

    model_config = ConfigDict(extra="ignore")

    participant: SafeText | None = Field(default=None, max_length=1000)
    status: SafeText | None = Field(default=None, max_length=100)


def _status(text: str | None) -> InvitationStatus:
    status = parse_status(text) if text is not None else None
    if status is None:
        raise q.rejected("status", BAD_STATUS)
    return status


@router.get("/events/{event_id}/invitations", summary="Invitations of an event (all for editors, else one's own)")
def list_invitations(
    exo: Exo,
    event_id: str,
    status: OptionalText = None,
    offset: OptionalText = None,
    limit: OptionalText = None,
    returnSize: OptionalText = None,  # noqa: N803 - wire name
    fields: OptionalText = None,
    jsonp: OptionalText = None,
    expand: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    paging = q.paging(
        offset, limit, default_limit=exo.settings.exo_default_limit, query_limit=exo.settings.exo_query_limit
    )
    wanted = _status(status) if status is not None else None
    found = invitation_service.list_invitations(
        exo.services,
        principal=exo.principal,
        event_key=event_id,
        status=wanted,
        page=PageRequest(paging.offset, paging.limit),
    )
    names, expansions = q.fields(fields), q.expand(expand)
    data = [
        project(invitation_json(v, exo.hrefs, expand=expansions, localize=exo.localize), names) for v in found.items
    ]
    headers = dict(NO_CACHE)
    size = found.total if q.return_size(returnSize) else None
    if size is not None:
        headers["Link"] = link_header(
            collection_url(exo.request, exo.base), offset=paging.offset, limit=paging.limit, size=size
        )
    return body(envelope(data, offset=paging.offset, limit=paging.limit, size=size), callback=callback, headers=headers)


@router.post(
    "/events/{event_id}/invitations", response_class=Response, status_code=201, summary="Invite someone to an event"
)
def create_invitation(exo: Exo, event_id: str, payload: Annotated[InvitationWrite | None, Body()] = None) -> Response:
    # eXo's order (spec §5.9.2): the body's rules, then the event, then the permission.
    if payload is None:
        raise q.rejected("invitation", NO_BODY)
    participant = (payload.participant or "").strip()
    if not participant:
        raise q.rejected("participant", NO_PARTICIPANT)
    status = _status(payload.status if payload.status is not None else "")
    view = invitation_service.invite(
        exo.services,
        principal=exo.principal,
        event_key=event_id,
        username=participant,
        status=status,
        answer_url=answer_page_url(exo.base, invitation_id(event_id, participant)),
    )
    return empty(201, {"Location": exo.hrefs.invitation(quote(view.id, safe=":@"))})


@router.get("/invitations/{invitation}", summary="One invitation: one's own, or any for an editor")
def get_invitation(
    exo: Exo,
    invitation: str,
    fields: OptionalText = None,
    jsonp: OptionalText = None,
    expand: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    view = invitation_service.get_invitation(exo.services, principal=exo.principal, invitation=invitation)
    headers = {**cacheable(exo.settings.exo_cache_max_age, None), "ETag": view.tag}
    # Conditions after the permission check (eXo evaluates them before it, spec §1.8).
    if_match = _tags(exo.request.headers.get("if-match"))
    if if_match is not None and "*" not in if_match and view.tag not in if_match:
        raise PreconditionFailedError()
    if_none_match = _tags(exo.request.headers.get("if-none-match"))
    if if_none_match is not None and not none_match(view.tag, frozenset(if_none_match), any_tag="*" in if_none_match):
        return Response(status_code=304, headers=headers)
    rendered = invitation_json(view, exo.hrefs, expand=q.expand(expand), localize=exo.localize)
    return body(project(rendered, q.fields(fields)), callback=callback, headers=headers)


@router.put(
    "/invitations/{invitation}", response_class=Response, summary="Answer one's own invitation: ?status=yes|no|maybe|"
)
def answer_invitation(exo: Exo, invitation: str, status: OptionalText = None) -> Response:
    answer = _status(status)
    invitation_service.answer_invitation(exo.services, principal=exo.principal, invitation=invitation, status=answer)
    return empty(200)


@router.delete(
    "/invitations/{invitation}", response_class=Response, summary="Uninvite: remove the participant (editors only)"
)
def delete_invitation(exo: Exo, invitation: str) -> Response:
    invitation_service.uninvite(exo.services, principal=exo.principal, invitation=invitation)
    return empty(200)


def _tags(header: str | None) -> set[str] | None:
    if header is None or len(header) > 2000:
        return None
    return {tag.strip() for tag in header.split(",") if tag.strip()}
