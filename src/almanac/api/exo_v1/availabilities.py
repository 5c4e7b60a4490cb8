"""``GET /availabilities`` of the eXo face (spec §5.11): when users are busy between two instants, as
``{"username": "start,end,…" | null}`` in epoch milliseconds, for the users the caller may see."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Query, Response

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.context import Exo
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.people_representations import busy_text
from almanac.api.exo_v1.rendering import body
from almanac.api.expensive_queries import BUSY_RESPONSES, EXPENSIVE_QUERY
from almanac.domain.errors import N_
from almanac.domain.people import Interval
from almanac.services import availability as availability_service

router = APIRouter(tags=["eXo people"])

OptionalText = Annotated[str | None, Query()]
_MILLIS: Final = re.compile(r"[+-]?\d{1,15}")
# datetime's range, in epoch milliseconds (years 1..9999).
_MIN_MILLIS: Final = -62135596800000
_MAX_MILLIS: Final = 253402300799999

BAD_INSTANT: Final = N_("%(name)s must be a number of milliseconds since 1970-01-01T00:00:00Z")
BAD_ORDER: Final = N_("toDate must be after fromDate")
TOO_LONG: Final = N_("fromDate and toDate may be at most %(days)s days apart")
TOO_MANY: Final = N_("usernames may name at most %(limit)s users")


@router.get(
    "/availabilities",
    responses=BUSY_RESPONSES,
    dependencies=[EXPENSIVE_QUERY],
    summary="Busy times of users between fromDate and toDate (epoch milliseconds)",
)
def get_availabilities(
    exo: Exo,
    usernames: OptionalText = None,
    fromDate: OptionalText = None,  # noqa: N803 - wire names
    toDate: OptionalText = None,  # noqa: N803
    jsonp: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    names = list(dict.fromkeys(n.strip() for n in (usernames or "").split(",") if n.strip()))
    limit = exo.settings.exo_query_limit
    if len(names) > limit:
        raise q.rejected("usernames", TOO_MANY, limit=limit)
    start, end = _instant(fromDate, "fromDate"), _instant(toDate, "toDate")
    if end <= start:
        raise q.rejected("toDate", BAD_ORDER)
    days = exo.settings.availability_max_days
    if end - start > timedelta(days=days):
        raise q.rejected("toDate", TOO_LONG, days=days)
    busy = availability_service.availabilities(
        exo.services, principal=exo.principal, usernames=names, window=Interval(start, end)
    )
    return body({name: busy_text(spans) for name, spans in busy.items()}, callback=callback, headers=dict(NO_CACHE))


def _instant(text: str | None, name: str) -> datetime:
    value = (text or "").strip()
    if not _MILLIS.fullmatch(value) or not _MIN_MILLIS <= int(value) <= _MAX_MILLIS:
        raise q.rejected(name, BAD_INSTANT, name=name)
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(value))
