"""``/feeds``, ``/feeds/{id}`` and ``/feeds/{id}/rss`` of the eXo face (spec §5.8). A feed's id is its title;
``GET /feeds`` and ``POST /feeds`` are Almanac's (eXo creates and lists feeds only in its UI)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Final

from fastapi import APIRouter, Body, Query, Response

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.content_bodies import feed_draft
from almanac.api.exo_v1.content_representations import feed_json
from almanac.api.exo_v1.context import Exo, ExoRequest
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.rendering import (
    body,
    cacheable,
    collection_url,
    empty,
    envelope,
    etag_matches,
    link_header,
    project,
)
from almanac.api.exo_v1.rss import rss_document
from almanac.api.exo_v1.schemas import FeedWrite
from almanac.api.expensive_queries import BUSY_RESPONSES, EXPENSIVE_QUERY
from almanac.domain.queries import PageRequest
from almanac.services import calendars as calendar_service
from almanac.services import feeds as feed_service
from almanac.services.calendars import CalendarView
from almanac.services.feeds import FeedView

router = APIRouter(tags=["eXo feeds"])

OptionalText = Annotated[str | None, Query()]
RSS_MEDIA_TYPE: Final = "application/xml"


@router.get("/feeds", summary="Your feeds (not in eXo's API)")
def list_feeds(
    exo: Exo,
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
    found = feed_service.list_feeds(
        exo.services, principal=exo.principal, page=PageRequest(paging.offset, paging.limit)
    )
    names = q.fields(fields)
    data = [project(item, names) for item in _render(exo, found.items, q.expand(expand))]
    headers = dict(NO_CACHE)
    size = found.total if q.return_size(returnSize) else None
    if size is not None:
        headers["Link"] = link_header(
            collection_url(exo.request, exo.base), offset=paging.offset, limit=paging.limit, size=size
        )
    return body(envelope(data, offset=paging.offset, limit=paging.limit, size=size), callback=callback, headers=headers)


@router.post(
    "/feeds",
    response_class=Response,
    status_code=201,
    summary="Create a feed of some of your calendars (not in eXo's API)",
)
def create_feed(exo: Exo, payload: Annotated[FeedWrite, Body()]) -> Response:
    view = feed_service.create_feed(exo.services, principal=exo.principal, draft=feed_draft(payload))
    return empty(201, {"Location": exo.hrefs.feed(view.feed.title)})


@router.get("/feeds/{feed_id}", summary="One of your feeds")
def get_feed(
    exo: Exo,
    feed_id: str,
    fields: OptionalText = None,
    jsonp: OptionalText = None,
    expand: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    view = feed_service.get_feed(exo.services, principal=exo.principal, title=feed_id)
    rendered = project(_render(exo, [view], q.expand(expand))[0], q.fields(fields))
    response = body(rendered, callback=callback, headers=cacheable(exo.settings.exo_cache_max_age, None))
    return _tagged(exo, response)


@router.put("/feeds/{feed_id}", response_class=Response, summary="Rename a feed or change its calendars")
def update_feed(exo: Exo, feed_id: str, payload: Annotated[FeedWrite, Body()]) -> Response:
    feed_service.update_feed(exo.services, principal=exo.principal, title=feed_id, draft=feed_draft(payload))
    return empty(200)


@router.delete(
    "/feeds/{feed_id}", response_class=Response, summary="Delete a feed (200 also when there was none, as in eXo)"
)
def delete_feed(exo: Exo, feed_id: str) -> Response:
    feed_service.delete_feed(exo.services, principal=exo.principal, title=feed_id)
    return empty(200)


@router.get(
    "/feeds/{feed_id}/rss",
    responses=BUSY_RESPONSES,
    dependencies=[EXPENSIVE_QUERY],
    summary="The RSS 2.0 stream of a feed's calendars",
)
def get_feed_rss(exo: Exo, feed_id: str) -> Response:
    found = feed_service.feed_items(
        exo.services, principal=exo.principal, title=feed_id, limit=exo.settings.exo_feed_max_items
    )
    feed = found.view.feed
    href = exo.hrefs.feed(feed.title)
    updated = feed.updated_at or exo.services.clock.now()
    document = rss_document(title=feed.title, link=href, items=found.items, hrefs=exo.hrefs, updated=updated)
    response = Response(
        document, 200, headers=cacheable(exo.settings.exo_cache_max_age, None), media_type=RSS_MEDIA_TYPE
    )
    return _tagged(exo, response)


def _tagged(exo: ExoRequest, response: Response) -> Response:
    """A strong ETag of the body (eXo's changes on every request, spec §8 item 34); If-None-Match → 304."""
    etag = f'"{hashlib.sha256(response.body).hexdigest()[:32]}"'
    response.headers["ETag"] = etag
    if etag_matches(exo.request, etag):
        return Response(status_code=304, headers={k: v for k, v in response.headers.items() if k != "content-length"})
    return response


def _render(exo: ExoRequest, views: list[FeedView], expansions: dict[str, q.Window]) -> list[dict[str, object]]:
    calendars: dict[int, CalendarView] = {}
    if "calendars" in expansions and views:
        ids = sorted({c.id for v in views for c in v.calendars if c.id is not None})
        described = calendar_service.describe_calendars(exo.services, principal=exo.principal, calendar_ids=ids)
        calendars = {c.calendar.id: c for c in described if c.calendar.id is not None}
    return [feed_json(v, exo.hrefs, expand=expansions, calendars=calendars) for v in views]
