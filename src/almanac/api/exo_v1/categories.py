"""``/categories`` and ``/categories/{id}`` of the eXo face (spec §5.7): the caller's categories, named in
the caller's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.context import Exo
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.rendering import (
    body,
    cacheable,
    collection_url,
    envelope,
    link_header,
    not_modified,
    project,
)
from almanac.api.exo_v1.representations import category_json
from almanac.domain.errors import NotFoundError
from almanac.services import categories as category_service

router = APIRouter(tags=["eXo categories"])

OptionalText = Annotated[str | None, Query()]


@router.get("/categories", summary="The caller's event categories")
def list_categories(
    exo: Exo,
    offset: OptionalText = None,
    limit: OptionalText = None,
    fields: OptionalText = None,
    jsonp: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    paging = q.paging(
        offset, limit, default_limit=exo.settings.exo_default_limit, query_limit=exo.settings.exo_query_limit
    )
    every = category_service.list_categories(exo.services, principal=exo.principal)
    page = every[paging.offset : paging.offset + paging.limit]
    if not page:
        # eXo answers an empty page with 404 (spec §5.7.1 step 2).
        raise NotFoundError(kind="category", id="*")
    names = q.fields(fields)
    data = [project(category_json(c, exo.hrefs, exo.localize), names) for c in page]
    # Always a size and a Link (spec §1.5); the size is the total, not eXo's page length (spec §8 item 2).
    link = link_header(collection_url(exo.request, exo.base), offset=paging.offset, limit=paging.limit, size=len(every))
    return body(
        envelope(data, offset=paging.offset, limit=paging.limit, size=len(every)),
        callback=callback,
        headers={**NO_CACHE, "Link": link},
    )


@router.get("/categories/{category_id}", summary="One of the caller's categories")
def get_category(exo: Exo, category_id: str, fields: OptionalText = None, jsonp: OptionalText = None) -> Response:
    callback = q.jsonp(jsonp)
    category = category_service.get_category(exo.services, principal=exo.principal, category_key=category_id)
    headers = cacheable(exo.settings.exo_cache_max_age, category.updated_at)
    unchanged = not_modified(exo.request, category.updated_at, headers)
    if unchanged is not None:
        return unchanged
    rendered = project(category_json(category, exo.hrefs, exo.localize), q.fields(fields))
    return body(rendered, callback=callback, headers=headers)
