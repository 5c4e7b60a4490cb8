"""The eXo v1 router: every resource module of this face under ``PREFIX``."""

from __future__ import annotations

from fastapi import APIRouter

from almanac.api.exo_v1 import (
    PREFIX,
    attachments,
    availabilities,
    calendars,
    categories,
    events,
    feeds,
    ics,
    invitations,
    participants,
    reminders,
    root,
    tasks,
)

router = APIRouter(prefix=PREFIX)
# The root has an empty path under the prefix, which FastAPI accepts only as a route of this router itself.
router.add_api_route("", root.sub_resources, methods=["GET"], summary="List the sub-resources of the calendar API")
for module in (
    calendars,
    ics,
    events,
    categories,
    invitations,
    participants,
    availabilities,
    tasks,
    attachments,
    feeds,
    reminders,
):
    router.include_router(module.router)
