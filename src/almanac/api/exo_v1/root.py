"""``GET /`` of the eXo face (spec §5.1.1): the sub-resources this server implements, as URL templates."""

from __future__ import annotations

from typing import Final

from fastapi import Response

from almanac.api.exo_v1.context import Exo
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.rendering import body

#: One entry per implemented path (eXo lists 35 entries with duplicates, including endpoints of other issues),
#: Almanac's own additions (attachment content, uploads, feed creation and listing) included.
SUB_RESOURCES: Final = (
    "/calendars",
    "/calendars/{id}",
    "/calendars/{id}/events",
    "/calendars/{id}/tasks",
    "/events",
    "/events/{id}",
    "/events/{id}/attachments",
    "/tasks/{id}",
    "/tasks/{id}/attachments",
    "/attachments/{id}",
    "/attachments/{id}/content",
    "/uploads",
    "/uploads/{id}",
    "/categories",
    "/categories/{id}",
    "/events/{id}/invitations",
    "/invitations/{id}",
    "/participants",
    "/availabilities",
    "/feeds",
    "/feeds/{id}",
    "/feeds/{id}/rss",
)


def sub_resources(exo: Exo) -> Response:
    """List the sub-resources of the calendar API (mounted at the root itself, see ``routes``)."""
    root = exo.hrefs.root
    return body({"subResourcesHref": [root + path for path in SUB_RESOURCES]}, callback=None, headers=NO_CACHE)
