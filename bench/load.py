"""The one load generator: the same httpx client code drives Almanac, the HTTP floor and the CalDAV peers.

A phase runs ``clients`` threads, each with its own keep-alive ``httpx.Client``
(one connection per simulated client, as a browser or CalDAV client holds).
Threads rather than asyncio because the client side must stay simple and
identical for every system; on a 2-core machine the load generator competes
with the server for CPU, which is why every figure is also compared with the
floors measured the same way in the same run.

Every phase is bounded: it stops issuing requests after ``seconds`` once it has
``min_samples``, never runs past ``max_seconds``, and never issues more than
``max_calls``. Requests in flight at the deadline are allowed to finish, and
throughput is completed calls divided by the time until the last one finished.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Call:
    """One HTTP request. ``ok`` lists the statuses that count as success (anything else is an error)."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    ok: tuple[int, ...] = (200,)


#: ``factory(worker, sequence)`` gives the next call, or None when the work is done (a fixed-size upload).
CallFactory = Callable[[int, int], Call | None]


@dataclass(frozen=True)
class PhaseLimits:
    seconds: float = 3.0
    min_samples: int = 5
    max_seconds: float = 60.0
    max_calls: int = 200_000


@dataclass
class PhaseResult:
    clients: int
    latencies: list[float]
    errors: int
    elapsed: float
    first_error: str | None = None

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Successful calls per second over the phase."""
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, q: float) -> float | None:
        """Nearest-rank percentile (seconds), or None with no sample."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def client_for(base_url: str) -> httpx.Client:
    # trust_env=False: never route loopback benchmark traffic through a proxy from the environment.
    return httpx.Client(base_url=base_url, timeout=120.0, trust_env=False)


def send(client: httpx.Client, call: Call) -> httpx.Response:
    return client.request(call.method, call.path, headers=dict(call.headers), content=call.content)


def run_phase(base_url: str, factory: CallFactory, clients: int, limits: PhaseLimits) -> PhaseResult:
    """Drive ``clients`` concurrent clients with calls from ``factory`` within ``limits``."""
    sequence = itertools.count()  # next() on itertools.count is atomic under the GIL: a shared call counter
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    finished: list[float] = []
    barrier = threading.Barrier(clients + 1)
    started = 0.0

    def worker(index: int) -> None:
        with client_for(base_url) as client:
            barrier.wait()
            last = time.perf_counter()
            while True:
                now = time.perf_counter()
                if now - started >= limits.max_seconds:
                    break
                with lock:
                    enough = len(latencies) + len(errors) >= limits.min_samples
                if now - started >= limits.seconds and enough:
                    break
                number = next(sequence)
                if number >= limits.max_calls:
                    break
                call = factory(index, number)
                if call is None:
                    break
                begin = time.perf_counter()
                try:
                    response = send(client, call)
                    failure = (
                        None
                        if response.status_code in call.ok
                        else f"{call.method} {call.path}: {response.status_code} {response.text[:200]}"
                    )
                except httpx.HTTPError as exc:
                    failure = f"{call.method} {call.path}: {exc!r}"
                last = time.perf_counter()
                with lock:
                    if failure is None:
                        latencies.append(last - begin)
                    else:
                        errors.append(failure)
            with lock:
                finished.append(last)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = (max(finished) if finished else time.perf_counter()) - started
    return PhaseResult(
        clients=clients,
        latencies=latencies,
        errors=len(errors),
        elapsed=max(elapsed, 0.0),
        first_error=errors[0] if errors else None,
    )


def overruns(clients: int, one_client: PhaseResult | None, previous: PhaseResult | None, limit: float) -> str | None:
    """Why a phase at ``clients`` would overrun the phase limit, or None.

    In-flight requests finish after the deadline, so one round of calls by every client must fit: N calls at
    the 1-client p50, or N calls at the throughput the previous phase reached (a server that handles one
    request at a time answers the 32nd client only after the other 31).
    """
    slow = one_client.percentile(0.5) if one_client is not None else None
    if slow is not None and slow * clients > limit:
        return f"p50 × {clients} > {limit:.0f} s"
    if previous is not None and previous.throughput > 0 and clients / previous.throughput > limit:
        return f"{clients} calls at {previous.throughput:.1f}/s > {limit:.0f} s"
    return None


#: Xandikos indexes a filter once it has been used this many times (its DEFAULT_INDEXING_THRESHOLD): the
#: warm-up makes at least as many calls, so that no system is measured while it builds what it keeps.
WARM_UP_AT_LEAST = 5


def warm_up(base_url: str, factory: CallFactory, calls: int, *, max_seconds: float) -> None:
    """A few unmeasured calls: connection set-up, lazy imports, cold caches and indexes a server builds on
    first use are not what we measure.

    ``calls`` at most, and ``WARM_UP_AT_LEAST`` at least; between the two, no new call after ``max_seconds``:
    ten calls of Radicale's expanded 10,000-object week (about 40 s each) took 6 minutes of a run.
    """
    started = time.perf_counter()
    with client_for(base_url) as client:
        for number in range(calls):
            if number >= WARM_UP_AT_LEAST and time.perf_counter() - started >= max_seconds:
                return
            call = factory(0, 1_000_000 + number)
            if call is None:
                return
            send(client, call)
