"""The query parameters of the Back Office list: filters, sort order, paging and expansion, checked all at once.

Each reader appends a ``Problem`` per bad parameter (named as the client sent
it) instead of raising, so one 400 lists everything wrong with a request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from fastapi import Request
from pydantic_core import PydanticCustomError

from almanac.api.wire import WIRE_TEMPLATES, shown
from almanac.config import Settings
from almanac.domain.errors import N_, Problem
from almanac.domain.queries import EventOrder, EventSortKey, PageRequest

T = TypeVar("T")

SORT_KEYS: Final = {
    "starttime": EventSortKey.STARTS_AT,
    "startdate": EventSortKey.STARTS_AT,
    "endtime": EventSortKey.ENDS_AT,
    "enddate": EventSortKey.ENDS_AT,
    "name": EventSortKey.SUMMARY,
    "caption": EventSortKey.SUMMARY,
    "createtime": EventSortKey.CREATED_AT,
    "updatetime": EventSortKey.UPDATED_AT,
    "id": EventSortKey.ID,
}
FILTERS: Final = ("startDate", "endDate", "recipients", "name", "description")
EXPANSIONS: Final = ("occurrences",)


def parsed(name: str, raw: str | None, parse: Callable[[Any], T], problems: list[Problem]) -> T | None:
    """``parse(raw)``, or None when ``raw`` is absent or malformed (then a problem names ``name``)."""
    if raw is None:
        return None
    try:
        return parse(raw)
    except PydanticCustomError as exc:
        problems.append(Problem(name, exc.type, WIRE_TEMPLATES.get(exc.type, exc.message()), dict(exc.context or {})))
        return None


def page_request(limit: int | None, offset: int | None, settings: Settings, problems: list[Problem]) -> PageRequest:
    """The page asked for: ``limit`` within the configured bounds (default from settings), ``offset`` not negative."""
    size = settings.v2_default_limit if limit is None else limit
    if not 1 <= size <= settings.v2_max_limit:
        problems.append(
            Problem(
                "limit",
                "out_of_range",
                N_("Must be between %(min)s and %(max)s."),
                {"min": 1, "max": settings.v2_max_limit},
            )
        )
    skip = 0 if offset is None else offset
    if skip < 0:
        problems.append(Problem("offset", "out_of_range", N_("Must be at least %(ge)s."), {"ge": 0}))
    return PageRequest(offset=max(skip, 0), limit=min(max(size, 1), settings.v2_max_limit))


def event_order(sort_by: str | None, sort_order: str | None, problems: list[Problem]) -> EventOrder:
    """The sort order asked for (default: start, ascending); ``SORT_KEYS`` lists the accepted keys."""
    key = EventSortKey.STARTS_AT
    if sort_by is not None:
        found = SORT_KEYS.get(sort_by.strip().lower())
        if found is None:
            problems.append(
                Problem(
                    "sort_by",
                    "unknown_sort_key",
                    N_("%(value)s is not a sort key; use one of: %(expected)s."),
                    {"value": shown(sort_by), "expected": "startTime, endTime, name, createTime, updateTime, id"},
                )
            )
        else:
            key = found
    descending = False
    if sort_order is not None:
        direction = sort_order.strip().lower()
        if direction not in ("asc", "desc"):
            problems.append(
                Problem(
                    "sort_order",
                    "unknown_sort_order",
                    N_("%(value)s is not a sort order; use asc or desc."),
                    {"value": shown(sort_order)},
                )
            )
        descending = direction == "desc"
    return EventOrder(key=key, descending=descending)


def refuse_unknown_filters(request: Request, problems: list[Problem]) -> None:
    """A problem for each ``filter[...]`` key that is not one of ``FILTERS``."""
    for name in request.query_params:
        if name.startswith("filter[") and name.removeprefix("filter[").removesuffix("]") not in FILTERS:
            problems.append(
                Problem(
                    name,
                    "unknown_filter",
                    N_("%(value)s is not a filter; use one of: %(expected)s."),
                    {"value": shown(name), "expected": ", ".join(FILTERS)},
                )
            )


def expansion(expand: str | None, start: str | None, end: str | None, problems: list[Problem]) -> bool:
    """True for ``expand=occurrences``, which needs both ends of the period (an unbounded one cannot expand)."""
    if expand is None:
        return False
    if expand.strip().lower() not in EXPANSIONS:
        problems.append(
            Problem(
                "expand",
                "unknown_expansion",
                N_("%(value)s cannot be expanded; use one of: %(expected)s."),
                {"value": shown(expand), "expected": ", ".join(EXPANSIONS)},
            )
        )
        return False
    for name, bound in (("filter[startDate]", start), ("filter[endDate]", end)):
        if bound is None:
            problems.append(
                Problem(
                    name,
                    "period_required",
                    N_(
                        "expand=occurrences lists the occurrences within a period: "
                        "give both filter[startDate] and filter[endDate]."
                    ),
                )
            )
    return True
