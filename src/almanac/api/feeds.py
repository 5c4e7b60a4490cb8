"""iCalendar feeds over HTTP: the anonymous public and private feeds, and the response every feed shares.

Subscriptions (``webcal://``) are plain GETs, so these routes need no login:

* ``GET /rest/v1/calendar/calendars/{id}/ics`` — a public calendar's feed (eXo serves
  the same resources under ``/rest/`` without login and ``/rest/private/`` with it, spec §1.1);
* ``GET /rest/v1/calendar/calendars/{id}/private/{secret}.ics`` — the private feed.

A feed is ``text/calendar; charset=utf-8`` with a ``Content-Disposition`` file
name, a strong ``ETag`` (a hash of the bytes) and ``Cache-Control: no-cache``:
subscribers revalidate each time, and ``If-None-Match`` answers 304 while the
calendar is unchanged. Anything not served is an empty 404.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from almanac.api.auth import Services
from almanac.api.conditional import entity_tags
from almanac.api.errors import FaceErrorRenderer
from almanac.api.expensive_queries import BUSY_RESPONSES, EXPENSIVE_QUERY
from almanac.api.i18n import Translator
from almanac.domain.errors import AlmanacError, BusyError, RateLimitedError
from almanac.domain.preconditions import none_match
from almanac.services import calendar_feeds
from almanac.services.calendar_feeds import CalendarFeed

PUBLIC_PREFIX: Final = "/rest/v1/calendar"
CALENDAR_TYPE: Final = "text/calendar; charset=utf-8"

router = APIRouter(prefix=PUBLIC_PREFIX, tags=["iCalendar feeds"])


class FeedErrorRenderer:
    """Feeds answer subscribing calendar apps, not scripts: a refusal to retry later (429, 503) is plain text
    with ``Retry-After``; every other failure is rendered as the eXo face renders it (mostly empty 404s)."""

    def __init__(self, translator: Translator, fallback: FaceErrorRenderer) -> None:
        self._translator = translator
        self._fallback = fallback

    def __call__(self, request: Request, error: AlmanacError, language: str) -> Response:
        if not isinstance(error, (RateLimitedError, BusyError)):
            return self._fallback(request, error, language)
        status = 429 if isinstance(error, RateLimitedError) else 503
        headers = {"Cache-Control": "no-store", "Retry-After": str(error.params.get("retry_after", 60))}
        text = self._translator.translate(language, error.template, error.params) + "\n"
        return Response(text, status, headers=headers, media_type="text/plain; charset=utf-8")


def private_path(calendar_key: str, secret: str) -> str:
    """The path of a calendar's private feed (the secret is URL-safe base64)."""
    return f"{PUBLIC_PREFIX}/calendars/{quote(calendar_key, safe='')}/private/{secret}.ics"


def public_path(calendar_key: str) -> str:
    return f"{PUBLIC_PREFIX}/calendars/{quote(calendar_key, safe='')}/ics"


def feed_response(request: Request, feed: CalendarFeed) -> Response:
    """The feed, or 304 when ``If-None-Match`` names its current entity tag."""
    headers = {
        "ETag": feed.etag,
        "Cache-Control": "private, no-cache",
        "Content-Disposition": content_disposition(feed.calendar.name),
    }
    condition = entity_tags(request.headers.get("if-none-match", ""))
    if condition is not None and not none_match(feed.etag, condition[0], any_tag=condition[1]):
        return Response(status_code=304, headers=headers)
    return Response(feed.data, 200, headers=headers, media_type=CALENDAR_TYPE)


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII file name and its UTF-8 form (RFC 6266), named after the calendar."""
    ascii_name = re.sub(r"[^A-Za-z0-9 _.-]+", "_", name).strip(" ._") or "calendar"
    return f"attachment; filename=\"{ascii_name}.ics\"; filename*=UTF-8''{quote(name + '.ics', safe='')}"


@router.get(
    "/calendars/{calendar_id}/ics",
    responses=BUSY_RESPONSES,
    dependencies=[EXPENSIVE_QUERY],
    summary="The iCalendar feed of a public calendar (no login)",
)
def public_feed(request: Request, services: Services, calendar_id: str) -> Response:
    return feed_response(request, calendar_feeds.public_feed(services, calendar_key=calendar_id))


@router.get(
    "/calendars/{calendar_id}/private/{secret}.ics",
    responses=BUSY_RESPONSES,
    dependencies=[EXPENSIVE_QUERY],
    summary="The iCalendar feed of a calendar, for whoever holds its private URL (no login)",
)
def private_feed(request: Request, services: Services, calendar_id: str, secret: str) -> Response:
    return feed_response(request, calendar_feeds.private_feed(services, calendar_key=calendar_id, secret=secret))


# HEAD too (outside the OpenAPI description, which lists the GETs): some subscribing clients probe a feed first.
router.add_api_route(
    "/calendars/{calendar_id}/ics",
    public_feed,
    methods=["HEAD"],
    dependencies=[EXPENSIVE_QUERY],
    include_in_schema=False,
)
router.add_api_route(
    "/calendars/{calendar_id}/private/{secret}.ics",
    private_feed,
    methods=["HEAD"],
    dependencies=[EXPENSIVE_QUERY],
    include_in_schema=False,
)
