"""Worker processes map a function over inputs in order, report a worker's failure, and end when closed."""

from __future__ import annotations

import pytest

from almanac.ical.workers import OrderedPool, WorkerError


def test_results_come_back_in_the_order_of_the_inputs() -> None:
    pool = OrderedPool(2)
    try:
        words = [f"word-{'x' * (n * 7 % 11)}" for n in range(23)]
        assert list(pool.map(len, words)) == [len(w) for w in words]
        assert pool.running() == 2
    finally:
        pool.close()
    assert pool.running() == 0


def test_an_exception_in_a_worker_is_raised_with_its_traceback() -> None:
    pool = OrderedPool(1)
    try:
        results = pool.map(int, ["1", "2", "three"])
        assert (next(results), next(results)) == (1, 2)
        with pytest.raises(WorkerError, match="ValueError: invalid literal for int"):
            next(results)
    finally:
        pool.close()


def test_closing_a_pool_given_up_half_way_ends_its_workers() -> None:
    pool = OrderedPool(2)
    results = pool.map(str, range(1_000))
    assert next(results) == "0"
    pool.close()
    assert pool.running() == 0
