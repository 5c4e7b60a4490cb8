"""Waking a sleeping worker early: the in-process ``DeliverySignal``.

Services call ``delivery_due`` after committing a delivery (from any thread:
API routes run in a thread pool). The worker's loop sleeps on an asyncio event;
the signal sets it from whatever thread it is called on. Another process's
worker does not hear it and finds the delivery at its next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import datetime


class WakeSignal:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self.earliest: datetime | None = None

    def attach(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        with self._lock:
            self._loop, self._event = loop, event

    def detach(self) -> None:
        with self._lock:
            self._loop = self._event = None

    def delivery_due(self, due_at: datetime) -> None:
        with self._lock:
            self.earliest = due_at if self.earliest is None else min(self.earliest, due_at)
            loop, event = self._loop, self._event
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
                loop.call_soon_threadsafe(event.set)

    def take_earliest(self) -> datetime | None:
        with self._lock:
            earliest, self.earliest = self.earliest, None
            return earliest
