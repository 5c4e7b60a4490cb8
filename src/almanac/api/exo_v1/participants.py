"""``GET /participants`` of the eXo face (spec §5.10): users to invite, among those the caller may find
(``ALMANAC_PARTICIPANT_SEARCH``; eXo lets anyone enumerate every account)."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Response

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.context import Exo
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.people_representations import participant_json
from almanac.api.exo_v1.rendering import body, collection_url, envelope, link_header, project
from almanac.domain.errors import N_
from almanac.domain.queries import PageRequest
from almanac.services import participants as participant_service

router = APIRouter(tags=["eXo people"])

OptionalText = Annotated[str | None, Query()]
MAX_NAME_LENGTH: Final = 320
NAME_TOO_LONG: Final = N_("name must have at most 320 characters")
NUL_CHARACTER: Final = N_("Text must not contain NUL characters.")


@router.get("/participants", summary="Suggest users to invite, by name, username or email address")
def suggest_participants(
    exo: Exo,
    name: OptionalText = None,
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
    text = name or ""
    if len(text) > MAX_NAME_LENGTH:
        raise q.rejected("name", NAME_TOO_LONG)
    if "\x00" in text:  # PostgreSQL text cannot hold it: a 400, not a failed query
        raise q.rejected("name", NUL_CHARACTER)
    found = participant_service.suggest_participants(
        exo.services, principal=exo.principal, text=text, page=PageRequest(paging.offset, paging.limit)
    )
    names = q.fields(fields)
    data = [project(participant_json(user), names) for user in found.items]
    headers = dict(NO_CACHE)
    size = found.total if q.return_size(returnSize) else None
    if size is not None:
        headers["Link"] = link_header(
            collection_url(exo.request, exo.base), offset=paging.offset, limit=paging.limit, size=size
        )
    return body(envelope(data, offset=paging.offset, limit=paging.limit, size=size), callback=callback, headers=headers)
