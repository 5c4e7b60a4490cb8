"""``/calendars/{id}/ics`` and ``/calendars/{id}/private-url`` of the eXo face: iCalendar export and import,
and the private feed URL (spec §5.2.6, with eXo's bugs fixed; see the README).

* ``GET`` exports the calendar (viewers; everyone signed in when it is public), with a working ETag;
* ``POST`` imports an ``.ics`` body into it (editors), all or nothing, and answers a report;
* ``POST .../private-url`` mints a new secret feed URL (the old one stops working), shown only then;
  ``DELETE .../private-url`` revokes it. Both for whoever may change the calendar itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from almanac.api.exo_v1.context import Exo
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.rendering import body, empty
from almanac.api.expensive_queries import BUSY_RESPONSES, EXPENSIVE_QUERY
from almanac.api.feeds import feed_response, private_path, public_path
from almanac.services import calendar_feeds, calendar_imports
from almanac.services.calendar_imports import ImportReport

router = APIRouter(tags=["eXo calendars"])


@router.get(
    "/calendars/{calendar_id}/ics",
    responses=BUSY_RESPONSES,
    dependencies=[EXPENSIVE_QUERY],
    summary="The calendar as iCalendar (RFC 5545)",
)
def export_calendar(exo: Exo, calendar_id: str) -> Response:
    feed = calendar_feeds.export_calendar(exo.services, principal=exo.principal, calendar_key=calendar_id)
    return feed_response(exo.request, feed)


@router.post("/calendars/{calendar_id}/ics", summary="Import an iCalendar file into the calendar, matched by UID")
async def import_calendar(request: Request, exo: Exo, calendar_id: str) -> Response:
    data = await request.body()  # the body limit was enforced by the middleware
    report = await run_in_threadpool(
        calendar_imports.import_objects,
        exo.services,
        principal=exo.principal,
        calendar_key=calendar_id,
        data=data,
        max_objects=exo.settings.import_max_objects,
    )
    return body(_report_json(exo, report), callback=None, headers=dict(NO_CACHE))


@router.post("/calendars/{calendar_id}/private-url", status_code=201, summary="Mint a new private feed URL")
def rotate_private_url(exo: Exo, calendar_id: str) -> Response:
    secret = calendar_feeds.rotate_private_feed(exo.services, principal=exo.principal, calendar_key=calendar_id)
    url = exo.base + private_path(calendar_id, secret)
    content = {"privateURL": url, "webcalURL": _webcal(url), "publicURL": exo.base + public_path(calendar_id)}
    return body(content, callback=None, status=201, headers=dict(NO_CACHE))


@router.delete("/calendars/{calendar_id}/private-url", response_class=Response, summary="Revoke the private feed URL")
def revoke_private_url(exo: Exo, calendar_id: str) -> Response:
    calendar_feeds.revoke_private_feed(exo.services, principal=exo.principal, calendar_key=calendar_id)
    return empty(200)


def _webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url


def _report_json(exo: Exo, report: ImportReport) -> dict[str, Any]:
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": [
            {
                "uid": s.uid,
                "kind": s.kind.value,
                "line": s.line,
                "reason": exo.request.app.state.errors.translator.translate(
                    exo.language, s.reason, {"kind": s.kind.value}
                ),
            }
            for s in report.skipped
        ],
    }
