"""Calendar object resources: GET, PUT and DELETE of ``.ics`` resources (RFC 4791 §4.1, §5.3.2).

Writes are conditional on the strong ETag (``If-Match``; ``If-None-Match: *``
for a create) inside the same unit of work as the write (412 otherwise), and
the RFC's preconditions come back as DAV:error bodies: CALDAV:valid-calendar-data
(unparsable iCalendar), CALDAV:supported-calendar-component (not a VEVENT or VTODO),
CALDAV:valid-calendar-object-resource (a rule of Almanac's events broken, or
more than one UID), CALDAV:no-uid-conflict (the UID lives in another resource).
"""

from __future__ import annotations

from starlette.responses import Response

from almanac.dav import paths
from almanac.dav.conditions import if_match_of, if_none_match_of
from almanac.dav.context import DavRequest
from almanac.dav.errors import DavError, caldav_condition
from almanac.dav.objects_store import load_stored_object, remove_object, store_object
from almanac.dav.resources import object_content_type
from almanac.domain.preconditions import none_match


def _object_target(request: DavRequest) -> tuple[str, str]:
    target = request.target
    if target.calendar_key is None or target.name is None or not request.is_own_home():
        raise DavError(404, None, "There is no resource at this address.")
    return target.calendar_key, target.name


def get_object(request: DavRequest) -> Response:
    key, name = _object_target(request)
    stored = load_stored_object(request, key, name)
    headers = {"ETag": stored.etag, "Cache-Control": "private, no-cache"}
    any_tag, tags = if_none_match_of(request.headers)
    if (any_tag or tags) and not none_match(stored.etag, tags, any_tag=any_tag):
        return Response(status_code=304, headers=headers)
    return Response(stored.data, media_type=object_content_type(stored.component), headers=headers)


def put_object(request: DavRequest) -> Response:
    key, name = _object_target(request)
    content_type = request.headers.get("content-type", "text/calendar").split(";")[0].strip().lower()
    if content_type not in ("text/calendar", "application/octet-stream", ""):
        raise DavError(403, caldav_condition("supported-calendar-data"), "Calendar objects are text/calendar.")
    if len(request.body) > request.max_resource_size:
        raise DavError(403, caldav_condition("max-resource-size"), "The calendar object is too large.")
    any_tag, _tags = if_none_match_of(request.headers)
    stored, created = store_object(
        request, key, name, request.body, if_match=if_match_of(request.headers), if_none_match_any=any_tag
    )
    headers = {"Cache-Control": "no-store"}
    # RFC 4791 §5.3.4: an ETag only when the stored bytes are the bytes sent.
    if stored.data == request.body:
        headers["ETag"] = stored.etag
    if created:
        headers["Location"] = paths.object_href(request.principal.username, key, stored.name)
    return Response(status_code=201 if created else 204, headers=headers)


def delete_object(request: DavRequest) -> Response:
    key, name = _object_target(request)
    remove_object(request, key, name, if_match=if_match_of(request.headers))
    return Response(status_code=204)
