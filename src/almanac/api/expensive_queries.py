"""The cap on expensive queries running at once in this process: one guard, declared here, used by every face.

Expanding series over a window, exporting a calendar, serving a feed or a
CalDAV REPORT each read and compute far more than an ordinary request. A few
at once keep the server responsive; a flood of them would starve everything
else (and the database) long before the rate limits notice. So at most
``max_concurrent_expensive_queries`` run at once; one more waits up to
``expensive_query_wait_seconds`` for a slot, then is refused with 503 and
``Retry-After`` (a ``BusyError``), in the face's own error shape.

The slots are a ``threading`` semaphore, not an asyncio one: the routes and
the DAV handlers run in the thread pool, and waiting there never blocks the
event loop.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Depends, Request

from almanac.domain.errors import BusyError


class ExpensiveQueryGuard:
    """At most ``limit`` holders at once (0: no cap); a newcomer waits ``wait_seconds``, then BusyError."""

    def __init__(self, *, limit: int, wait_seconds: float) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(limit) if limit else None

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait_seconds))

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold one slot for the duration of the block; BusyError if none frees up in time."""
        if self._slots is None:
            yield
            return
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise BusyError(retry_after=self.retry_after)
        try:
            yield
        finally:
            self._slots.release()


def guard_of(request: Request) -> ExpensiveQueryGuard:
    guard: ExpensiveQueryGuard = request.app.state.expensive_queries
    return guard


def expensive_when(applies: Callable[[Request], bool]) -> Any:
    """A route dependency holding a slot of the guard while the route runs, for requests ``applies`` picks."""

    def hold_slot(request: Request) -> Iterator[None]:
        # A sync generator: FastAPI enters and leaves it in the thread pool, where waiting is harmless.
        if not applies(request):
            yield
            return
        with guard_of(request).hold():
            yield

    return Depends(hold_slot)


#: The OpenAPI responses of a guarded route (add to the route's ``responses``): it may answer 503.
BUSY_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"description": "Too many expensive queries are running; retry after the Retry-After seconds."}
}

#: For routes that are expensive whatever their parameters (add to the route's ``dependencies``).
EXPENSIVE_QUERY = expensive_when(lambda _request: True)
