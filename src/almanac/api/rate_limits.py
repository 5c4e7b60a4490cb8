"""Request rate limits: a token bucket per caller, kept in this process's memory.

A request that carries credentials (an ``Authorization`` header, Bearer or
Basic) counts against a SHA-256 digest of that header, so the raw token or
password is never kept as a key; any other request counts against its client
address. Over the limit, the face's own error shape answers 429 with
``Retry-After`` (seconds until the bucket holds a request again).

Credentials are cheap to invent, so they must not buy a fresh bucket each: a
request whose credentials are refused (401) is also charged to its address,
and an address whose bucket is empty is refused whatever credentials it sends.

The buckets live in one process: with N processes behind a balancer a caller
may make N times the configured rate. That is the honest guarantee of an
in-process limiter; a shared limit belongs in the balancer.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from almanac.domain.errors import N_, AlmanacError, RateLimitedError

Responder = Callable[[Request, AlmanacError], Any]

#: Callers remembered per limiter; past this the least recently seen is forgotten (its bucket would be
#: full again by then unless it is hammering, and a hammering caller is never the least recent).
MAX_TRACKED_CALLERS: Final = 100_000

TOO_MANY_REQUESTS: Final = N_("Too many requests. Try again in %(retry_after)s seconds.")


class RateLimiter:
    """Token buckets of ``burst`` requests, refilled at ``per_minute`` a minute, one per key."""

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_TRACKED_CALLERS,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        # Buckets are touched from the event loop, but a test may drive one app from several loops.
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one request of ``key``'s bucket: 0.0 if allowed, else the seconds until one is there."""
        with self._lock:
            tokens, now = self._refilled(key)
            if tokens >= 1.0:
                self._store(key, tokens - 1.0, now)
                return 0.0
            self._store(key, tokens, now)
            return (1.0 - tokens) / self.rate

    def wait(self, key: str) -> float:
        """The seconds until ``key`` may make a request (0.0 now), spending nothing."""
        with self._lock:
            tokens, _ = self._refilled(key)
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def charge(self, key: str) -> None:
        """Spend one request of ``key``'s bucket after the fact (never below empty)."""
        with self._lock:
            tokens, now = self._refilled(key)
            self._store(key, max(0.0, tokens - 1.0), now)

    def _refilled(self, key: str) -> tuple[float, float]:
        now = self._clock()
        tokens, stamp = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - stamp) * self.rate), now

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)


class RateLimitMiddleware:
    """Refuses a caller over its rate with 429 before the app does any work for it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_credentials: RateLimiter | None,
        per_address: RateLimiter | None,
        responder: Responder,
    ) -> None:
        self.app = app
        self.per_credentials = per_credentials
        self.per_address = per_address
        self.responder = responder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.per_credentials is None and self.per_address is None):
            await self.app(scope, receive, send)
            return
        address = _client_address(scope)
        credentials = _credentials_key(scope)
        if credentials is None:
            wait = self.per_address.take(address) if self.per_address is not None else 0.0
        else:
            wait = max(
                self.per_address.wait(address) if self.per_address is not None else 0.0,
                self.per_credentials.take(credentials) if self.per_credentials is not None else 0.0,
            )
        if wait > 0.0:
            error = RateLimitedError(TOO_MANY_REQUESTS, retry_after=max(1, math.ceil(wait)))
            response = self.responder(Request(scope, receive), error)
            await response(scope, receive, send)
            return
        if credentials is None or self.per_address is None:
            await self.app(scope, receive, send)
            return
        per_address = self.per_address

        async def charge_refused(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                per_address.charge(address)
            await send(message)

        await self.app(scope, receive, charge_refused)


def rate_limiters(
    *, per_token_per_minute: int, per_address_per_minute: int, burst: int
) -> tuple[RateLimiter | None, RateLimiter | None]:
    """The (credentials, address) limiters the settings ask for; None where a limit is 0 (off)."""
    per_credentials = RateLimiter(per_minute=per_token_per_minute, burst=burst) if per_token_per_minute else None
    per_address = RateLimiter(per_minute=per_address_per_minute, burst=burst) if per_address_per_minute else None
    return per_credentials, per_address


def _credentials_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization" and value.strip():
            return hashlib.sha256(value.strip()).hexdigest()
    return None


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
