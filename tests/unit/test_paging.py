"""When a page tells the total by itself, so a repository can skip its COUNT."""

from __future__ import annotations

import pytest

from almanac.domain.queries import PageRequest


@pytest.mark.parametrize(
    ("offset", "limit", "on_page", "total"),
    [
        (0, 10, 0, 0),  # nothing matches at all
        (0, 10, 3, 3),  # the first page is also the last
        (20, 10, 4, 24),  # a short page ends the list: 20 before it, 4 on it
    ],
)
def test_a_short_page_is_the_last_one_and_tells_the_total(offset: int, limit: int, on_page: int, total: int) -> None:
    assert PageRequest(offset, limit).total_shown(on_page) == total


def test_a_full_page_may_have_more_after_it() -> None:
    assert PageRequest(0, 10).total_shown(10) is None
    assert PageRequest(30, 10).total_shown(10) is None


def test_an_empty_page_past_the_first_says_nothing_of_what_lies_before() -> None:
    assert PageRequest(50, 10).total_shown(0) is None
