"""ICS import benchmark: how long ``almanac import`` takes to store N events from one .ics file.

The dataset's events (the same generator as every other scenario) are written
as one VCALENDAR, each VTIMEZONE once, and imported into a fresh store by the
command a user runs (`almanac import FILE --calendar ID`), as one all-or-nothing
transaction. The store holds the importer and the dataset's people, so
attendees become participants (each reminded) as in a real calendar; the
organizers, other people than the importer, are kept as written. Reports
seconds, events per second and the peak RSS of the import process, on SQLite
and, when the run has a PostgreSQL server, on a scratch database there.

    .venv/bin/python -m bench.ics_import [--events 100000]

``make bench`` runs it as its ``ics-import-100k`` scenario (``drive``), with ``--import-events`` events.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import BinaryIO

from almanac.storage.engine import build_engine
from almanac.storage.tables import UserRow
from bench.dataset import Dataset, DatasetSpec, EventSpec, UserSpec
from bench.drivers import DriverReport, DriverRun
from bench.ics_export import event_vevent, needed_vtimezone
from bench.loader import event_chunks, user_columns
from bench.reminders import drop_postgres, scratch_postgres

USERNAME = "importer"
CALENDAR = f"{USERNAME}-defaultCalendarId"


#: Events serialized per task: enough that sending the specs to a worker costs little next to serializing them.
_CHUNK_EVENTS = 1_000


def write_calendar_file(path: Path, events: int, seed: int, *, chunk_events: int = _CHUNK_EVENTS) -> int:
    """One VCALENDAR with the first ``events`` events of the dataset (each VTIMEZONE once); returns the count.

    `icalendar` takes about 1 ms per event to serialize one, so the chunks are serialized on every core, a few
    chunks ahead of the one being written (which bounds the memory) and written in the dataset's order.
    """
    dataset = _dataset(events, seed)
    zones: dict[str, bytes] = {}
    count = 0
    workers = os.cpu_count() or 1
    with (
        tempfile.TemporaryFile() as bodies,
        ProcessPoolExecutor(workers, initializer=_remember_people, initargs=(dataset.users,)) as pool,
    ):
        pending: deque[Future[tuple[dict[str, bytes], bytes]]] = deque()
        for chunk in event_chunks(dataset.events(), chunk_events):
            pending.append(pool.submit(_serialized, chunk))
            count += len(chunk)
            if len(pending) > 2 * workers:
                _write_chunk(pending.popleft().result(), zones, bodies)
        while pending:
            _write_chunk(pending.popleft().result(), zones, bodies)
        bodies.seek(0)
        with path.open("wb") as out:
            out.write(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac//bench import//EN\r\n")
            for zone in zones.values():
                out.write(zone)
            shutil.copyfileobj(bodies, out)
            out.write(b"END:VCALENDAR\r\n")
    return count


def _write_chunk(serialized: tuple[dict[str, bytes], bytes], zones: dict[str, bytes], bodies: BinaryIO) -> None:
    chunk_zones, chunk_bodies = serialized
    for tzid, zone in chunk_zones.items():
        zones.setdefault(tzid, zone)
    bodies.write(chunk_bodies)


#: The dataset's people by id, in each worker process (set once by the pool's initializer).
_people: dict[int, UserSpec] = {}


def _remember_people(users: list[UserSpec]) -> None:
    _people.update((u.id, u) for u in users)


def _serialized(events: list[EventSpec]) -> tuple[dict[str, bytes], bytes]:
    """The VTIMEZONEs ``events`` need and their VEVENTs, each serialized alone (not inside a VCALENDAR)."""
    zones: dict[str, bytes] = {}
    bodies: list[bytes] = []
    for event in events:
        zone = needed_vtimezone(event)
        if zone is not None and event.tzid not in zones:
            zones[event.tzid] = zone.to_ical()
        bodies.append(event_vevent(event, _people).to_ical())
    return zones, b"".join(bodies)


def _dataset(events: int, seed: int) -> Dataset:
    return Dataset(DatasetSpec(events=events, seed=seed))


def add_people(database_url: str, people: list[UserSpec]) -> None:
    """The dataset's people as users (ids given by the store), so that attendees' addresses are users'."""
    engine = build_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                UserRow.metadata.tables[UserRow.__tablename__].insert(), [user_columns(u) for u in people]
            )
    finally:
        engine.dispose()


def _almanac(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "almanac.cli", "--database-url", database_url, *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})


def run(database_url: str, path: Path, people: list[UserSpec]) -> dict[str, float]:
    """A fresh store with the importer and ``people``, then the timed import; the store must be empty before."""
    _almanac(database_url, "migrate")
    _almanac(database_url, "user", "add", USERNAME, "--email", "importer@bench.example")
    add_people(database_url, people)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = _almanac(database_url, "import", str(path), "--calendar", CALENDAR)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if " 0 skipped" not in done.stderr:
        raise RuntimeError(f"the import skipped objects: {done.stderr[-500:]}")
    return {
        "seconds": seconds,
        "cpu_seconds": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        # ru_maxrss of children is the largest of them all (KiB on Linux): the import is the largest here.
        "peak_rss_mb": after.ru_maxrss / 1024,
    }


def measure(events: int, seed: int, *, workdir: Path, postgres: str | None) -> list[tuple[str, int, dict[str, float]]]:
    path = workdir / f"import-{events}.ics"
    count = write_calendar_file(path, events, seed)
    print(f"ics-import: wrote {count:,} events ({path.stat().st_size / 1e6:.0f} MB) to {path}", file=sys.stderr)
    people = _dataset(events, seed).users
    rows = [("sqlite", count, run(f"sqlite:///{workdir / 'import.db'}", path, people))]
    if postgres:
        url, name = scratch_postgres(postgres)
        try:
            rows.append(("postgresql", count, run(url, path, people)))
        finally:
            drop_postgres(postgres, name)
    return rows


def drive(context: DriverRun) -> DriverReport:
    events = int(context.options.get("import_events", 100_000))
    rows = measure(events, int(context.options.get("seed", 8)), workdir=context.workdir, postgres=context.postgres_url)
    report = DriverReport(
        title=f"ICS import of {events:,} events (`almanac import`, one transaction)",
        columns=("backend", "events", "seconds", "events/s", "CPU s", "peak RSS MB"),
    )
    for backend, count, figures in rows:
        report.rows.append(
            (
                backend,
                f"{count:,}",
                f"{figures['seconds']:.1f}",
                f"{count / figures['seconds']:,.0f}",
                f"{figures['cpu_seconds']:.1f}",
                f"{figures['peak_rss_mb']:.0f}",
            )
        )
        report.data.append({"backend": backend, "events": count, **figures})
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        rows = measure(
            args.events, args.seed, workdir=Path(directory), postgres=os.environ.get("ALMANAC_BENCH_DATABASE_URL")
        )
    for backend, count, figures in rows:
        print(backend, count, {k: round(v, 2) for k, v in figures.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
