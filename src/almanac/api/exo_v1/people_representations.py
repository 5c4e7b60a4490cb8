"""The eXo shapes of invitations (spec §3.10), participant suggestions (§3.11) and the availability map
(§3.13)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from almanac.api.exo_v1.dates import epoch_millis
from almanac.api.exo_v1.query import Window
from almanac.api.exo_v1.representations import Hrefs, Localize, event_json
from almanac.domain.people import Interval
from almanac.domain.users import User
from almanac.services.invitations import InvitationView


def invitation_json(
    view: InvitationView, hrefs: Hrefs, *, expand: Mapping[str, Window], localize: Localize
) -> dict[str, Any]:
    """``event`` is the event's link, or the event itself with ``expand=event`` (not expanded further)."""
    event: Any = hrefs.event(view.event.event.key)
    if "event" in expand:
        event = event_json(view.event, hrefs, expand={}, calendars={}, localize=localize)
    return {
        "id": view.id,
        "href": hrefs.invitation(view.id),
        "event": event,
        "participant": view.participant.username,
        "status": view.status.value,
    }


def participant_json(user: User) -> dict[str, Any]:
    """Almanac keeps no avatars: ``avatar`` is null (eXo: a URL of its social module)."""
    return {"id": user.username, "href": None, "name": user.display_name, "email": user.email, "avatar": None}


def busy_text(intervals: list[Interval] | None) -> str | None:
    """``"start,end,start,end"`` in epoch milliseconds, or None when free (spec §3.13)."""
    if not intervals:
        return None
    return ",".join(f"{epoch_millis(i.start)},{epoch_millis(i.end)}" for i in intervals)
