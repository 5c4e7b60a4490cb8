"""Where one request's time goes: a scenario's calls run in-process, counted and profiled (issue 8).

``python -m bench.profile_requests --only v2-list-week`` generates the bench store
(or reuses ``--store``), builds Almanac's web app as ``almanac serve`` does, and
sends each scenario's calls straight to the ASGI app (no socket, no server).
Per scenario it prints the SQL statements per request (counted by a
``before_cursor_execute`` hook on the app's engine), the in-process wall and CPU time per
request, with ``--profile`` the top functions of a cProfile run, and with ``--memory``
the peak of Python memory one request allocates (``tracemalloc``) and its answer's size.

Why the thread pool is bypassed: FastAPI runs synchronous routes and
dependencies in worker threads, which cProfile (a per-thread hook) does not see.
Here they run inline on the event loop's thread, which also keeps the figures
free of thread hand-over noise. Only this tool does that; the server is not changed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
from sqlalchemy import event

from almanac.bootstrap import build_container
from almanac.config import Settings
from bench.dataset import Dataset, DatasetSpec
from bench.scenarios import SCENARIOS, Target
from bench.store import prepare_store, reuse_store

DEFAULT_KEYS = ("v2-list-week", "exo-calendar-week", "exo-events-week", "caldav-query-week")


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_requests", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="events in the generated store")
    parser.add_argument("--store", type=Path, help="new SQLite file to create and use (default: in a temp dir)")
    parser.add_argument(
        "--existing-store",
        type=Path,
        help="a SQLite store an earlier run made with the same --size and seed (a copy of a 1M run's, say): "
        "used as it is, not generated again",
    )
    parser.add_argument(
        "--database-url", help="a PostgreSQL (or other) URL to generate the store in instead; it is EMPTIED first"
    )
    parser.add_argument("--only", action="append", default=[], metavar="KEY", help="scenarios (default: 4 lists)")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per scenario")
    parser.add_argument("--profile", action="store_true", help="print the top functions of a cProfile run")
    parser.add_argument("--statements", action="store_true", help="print the SQL of one request per scenario")
    parser.add_argument(
        "--memory", action="store_true", help="print the peak Python memory one request allocates, and its size"
    )
    parser.add_argument("--top", type=int, default=30, help="functions to print with --profile")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key with --profile (tottime, ...)")
    return parser.parse_args(argv)


async def _drive(app: Any, calls: list[Any]) -> int:
    """Send the calls; the size of the last answer's body."""
    transport = httpx.ASGITransport(app=app)
    size = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for call in calls:
            answer = await client.request(call.method, call.path, headers=dict(call.headers), content=call.content)
            if answer.status_code not in call.ok:
                raise SystemExit(f"{call.method} {call.path} answered {answer.status_code}: {answer.text[:300]}")
            size = len(answer.content)
    return size


def _memory_of(app: Any, call: Any) -> tuple[int, int]:
    """The peak of Python memory one call allocates, and its answer's size (both in bytes).

    ``tracemalloc`` sees what Python allocates, not what C libraries take from malloc themselves (lxml's
    trees): for a DAV answer, add about the answer's size again for its tree.
    """
    tracemalloc.start()  # traces only what is allocated from here on: the peak is this call's
    try:
        size = asyncio.run(_drive(app, [call]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    keys = args.only or list(DEFAULT_KEYS)
    with tempfile.TemporaryDirectory(prefix="almanac-profile-") as scratch:
        dataset = Dataset(DatasetSpec(events=args.size))
        if args.existing_store:
            url = f"sqlite:///{args.existing_store.resolve()}"
            engine, world, _ = reuse_store(url, dataset)
        elif args.database_url:
            url = args.database_url
            engine, world, _ = prepare_store(url, dataset)
        else:
            store = args.store or Path(scratch) / "bench.db"
            url = f"sqlite:///{store}"
            if store.exists():
                raise SystemExit(f"{store} exists: give a new path, or use it with --existing-store")
            engine, world, _ = prepare_store(url, dataset)
        engine.dispose()
        settings = Settings(
            database_url=url,
            rate_limit_per_token_per_minute=0,
            rate_limit_per_address_per_minute=0,
            max_concurrent_expensive_queries=0,
        )
        container = build_container(settings)
        statements = [0]
        seen: list[str] = []

        @event.listens_for(container.engine, "before_cursor_execute")
        def _count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements[0] += 1
            seen.append(statement)

        anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # see the module docstring
        app = container.web_app()
        for key in keys:
            scenario = next(s for s in SCENARIOS if s.key == key)
            assert scenario.calls is not None, f"{key} is not a request loop"
            factory = scenario.calls(world, Target("almanac", "http://bench"))
            calls = [c for n in range(args.requests + 10) if (c := factory(0, n)) is not None]
            asyncio.run(_drive(app, calls[:10]))  # warm-up: caches, first compilations
            if args.statements:
                seen.clear()
                asyncio.run(_drive(app, calls[:1]))
                print(f"{key}: the statements of one request")
                for number, statement in enumerate(seen, 1):
                    print(f"  {number:2d}. {' '.join(statement.split())[:400]}")
            statements[0] = 0
            started, cpu_started = time.perf_counter(), time.process_time()
            asyncio.run(_drive(app, calls[10:]))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            measured = len(calls) - 10
            # CPU time is the steadier figure on a shared machine: wall time also counts other jobs' turns.
            print(
                f"{key}: {measured} requests, {statements[0] / measured:.1f} SQL statements each, "
                f"{elapsed / measured * 1000:.2f} ms wall and {cpu / measured * 1000:.2f} ms CPU each in-process"
            )
            if args.memory:
                peak, size = _memory_of(app, calls[10])
                mib = 2**20
                print(f"{key}: one request allocates {peak / mib:.1f} MiB at its peak; its answer {size / mib:.2f} MiB")
            if args.profile:
                # CPU time, not wall time: on a shared machine other jobs' turns would land in whatever ran.
                profiler = cProfile.Profile(time.process_time)
                profiler.enable()
                asyncio.run(_drive(app, calls[10:]))
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
                print(out.getvalue())
        container.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
