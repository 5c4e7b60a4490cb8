"""The eXo query language without HTTP: the Link algorithm, expand windows, callbacks, dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from almanac.api.exo_v1.dates import format_datetime, parse_datetime
from almanac.api.exo_v1.query import Window, expand, jsonp
from almanac.api.exo_v1.rendering import link_header
from almanac.domain.errors import InvalidInputError

U = "http://h/rest/private/v1/calendar/calendars"


def test_link_header_matches_the_spec_example() -> None:
    assert link_header(U, offset=0, limit=15, size=27) == (
        f'<{U}?offset=15&limit=15>;rel="next",<{U}?offset=0&limit=15>;rel="first",<{U}?offset=15&limit=12>;rel="last"'
    )


@pytest.mark.parametrize(
    ("offset", "limit", "size", "expected"),
    [
        (0, 10, 0, ""),
        (0, 10, 5, f'<{U}?offset=0&limit=5>;rel="first"'),
        (5, 10, 30, f'<{U}?offset=0&limit=5>;rel="previous",<{U}?offset=15&limit=10>;rel="next",'
         f'<{U}?offset=0&limit=10>;rel="first",<{U}?offset=20&limit=10>;rel="last"'),
        (-3, 10, 12, f'<{U}?offset=10&limit=10>;rel="next",<{U}?offset=0&limit=10>;rel="first",'
         f'<{U}?offset=10&limit=2>;rel="last"'),
    ],
)  # fmt: skip
def test_link_header_cases(offset: int, limit: int, size: int, expected: str) -> None:
    assert link_header(U, offset=offset, limit=limit, size=size) == expected


def test_expand_reads_both_window_forms() -> None:
    assert expand("calendar,categories(1,5)") == {"calendar": Window(), "categories": Window(1, 5)}
    assert expand("attachments(offset:1,limit:2), calendar") == {"attachments": Window(1, 2), "calendar": Window()}
    assert expand("categories(oops)") == {"categories": Window()}
    assert expand("categories(2") == {"categories": Window(2, None)}
    assert Window(1, 5).apply([1, 2, 3]) == [2, 3]


def test_jsonp_accepts_identifier_paths_only() -> None:
    assert jsonp("jQuery123.callback_1") == "jQuery123.callback_1"
    assert jsonp(None) is None
    for bad in ("a(1)", "a.b[0]", "new", "a.this", "é"):
        with pytest.raises(InvalidInputError):
            jsonp(bad)


def test_dates_render_in_utc_with_milliseconds() -> None:
    assert format_datetime(datetime(2024, 3, 4, 9, 0, 0, 123456, tzinfo=UTC)) == "2024-03-04T09:00:00.123Z"
    assert parse_datetime("2024-03-04T10:00:00.000+01:00", "UTC") == datetime(2024, 3, 4, 9, tzinfo=UTC)
    assert parse_datetime("2024-03-04T10:00", "Asia/Tokyo") == datetime(2024, 3, 4, 1, tzinfo=UTC)
    assert parse_datetime("9999-12-31T23:59:59-05:00", "UTC") is None
    assert parse_datetime("x" * 1000, "UTC") is None
