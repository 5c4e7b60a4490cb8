"""``make bench``: generate a store, start the servers on 127.0.0.1, drive every scenario, print the table.

Order of a run (each step prints its progress on stderr):
1. generate the seeded dataset and bulk-load it into a fresh database
   (a SQLite file in a temporary directory, or ``--database-url``, which is EMPTIED);
2. start ``almanac serve`` on a free loopback port and run every scenario whose
   face answers (the others are reported "not yet available");
3. time the storage floor of each scenario in this process;
4. start the HTTP floor (bench/http_floor.py) with each scenario's real response
   body and run the same calls against it;
5. start each CalDAV peer, upload the hot calendar's events (timed), write the rest straight into its
   storage, run the CalDAV scenarios;
6. run the scenarios that have a driver (the reminders worker: bench/reminders.py; the ICS import:
   bench/ics_import.py);
7. print one Markdown table (and each driver's own) and write bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bench import report
from bench.dataset import Dataset, DatasetSpec
from bench.drivers import DriverReport, DriverRun
from bench.http_floor import CannedResponse, write_manifest
from bench.ics_export import export_ics, iter_ics
from bench.load import (
    Call,
    CallFactory,
    PhaseLimits,
    PhaseResult,
    client_for,
    overruns,
    run_phase,
    send,
    warm_up,
)
from bench.peers import PEERS, find_executable, start_peer, storage_root
from bench.ports import free_port
from bench.report import ALMANAC, HTTP_FLOOR, STORAGE_FLOOR, ScenarioResult, SystemResult, log
from bench.scenarios import PENDING_FACES, SCENARIOS, Scenario, Target, World
from bench.servers import ResourceProbe, ServerProcess
from bench.storage_floor import FloorOp
from bench.store import prepare_store, reuse_store

RESULTS = Path(__file__).with_name("results")
#: Probe answers that mean "this face does not exist yet" rather than "it is broken".
NOT_BUILT = (404, 405, 501)


#: The abuse limits refuse a load generator by design (429, 503): the bench measures the server without them.
UNLIMITED = {
    "ALMANAC_RATE_LIMIT_PER_TOKEN_PER_MINUTE": "0",
    "ALMANAC_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "0",
    "ALMANAC_MAX_CONCURRENT_EXPENSIVE_QUERIES": "0",
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="events in the generated store")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--database-url", help="PostgreSQL (or other) URL; the database is EMPTIED first")
    parser.add_argument(
        "--existing-store",
        type=Path,
        help="a SQLite store an earlier run made with the same --size and --seed (a copy of it: the write scenarios "
        "add to it), migrated and used instead of generating one; a 1M store takes 9 minutes to load",
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time of each phase")
    parser.add_argument("--max-phase-seconds", type=float, default=60.0, help="hard limit of one phase")
    parser.add_argument(
        "--peer-events", type=int, default=10_000, help="at most this many hot-calendar events go to the peers"
    )
    parser.add_argument("--upload-seconds", type=float, default=60.0, help="time limit of one upload")
    parser.add_argument("--only", action="append", default=[], metavar="KEY", help="run only these scenarios")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--reminders", type=int, default=2_000, help="reminders due at one instant in the reminders-lag scenario"
    )
    parser.add_argument(
        "--import-events", type=int, default=100_000, help="events in the ics-import-100k scenario's file"
    )
    parser.add_argument("--reminder-workers", type=int, nargs="+", default=[1, 2], metavar="N")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    return parser.parse_args(argv)


# --- preparing the store --------------------------------------------------------------------------------


def with_ics(world: World, workdir: Path, limit: int) -> World:
    """The hot calendar's events as .ics files (written to ``workdir/ics``), for the CalDAV uploads."""
    dataset = world.dataset
    paths = export_ics(workdir / "ics", dataset, iter_ics(dataset, calendar_id=dataset.hot_calendar.id, limit=limit))
    log(f"exported {len(paths):,} .ics objects of the hot calendar to {workdir / 'ics'}")
    ics = tuple((path.stem, path.read_bytes()) for path in paths)
    return World(
        dataset=world.dataset, tokens=world.tokens, writers=world.writers, own_events=world.own_events, ics=ics
    )


# --- measuring ------------------------------------------------------------------------------------------


def measure(
    system: str, server: ServerProcess, scenario: Scenario, factory: CallFactory, args: argparse.Namespace, calls: int
) -> SystemResult:
    """Run the scenario's phases against one server, with its CPU time and peak RSS over all of them."""
    result = SystemResult(system)
    if not scenario.exhaustive:
        warm_up(server.base_url, factory, 10, max_seconds=args.max_phase_seconds)
    probe = ResourceProbe(server.pid)
    probe.start()
    one_client: PhaseResult | None = None
    previous: PhaseResult | None = None
    for clients in scenario.clients:
        if scenario.exhaustive:
            limits = PhaseLimits(seconds=math.inf, min_samples=0, max_seconds=args.upload_seconds, max_calls=calls)
        else:
            limits = PhaseLimits(seconds=args.seconds, max_seconds=args.max_phase_seconds)
            skipped = overruns(clients, one_client, previous, args.max_phase_seconds)
            if skipped is not None:
                result.notes.append(f"@{clients} skipped: {skipped}")
                continue
        phase = run_phase(server.base_url, factory, clients, limits)
        if clients == 1:
            one_client = phase
        previous = phase
        result.add_phase(phase)
        log(
            f"  {system:13} {scenario.key:26} @{clients:<2} {phase.completed:6} ok {phase.errors:4} errors "
            f"{phase.throughput:8.1f}/s in {phase.elapsed:5.1f} s"
        )
    usage = probe.stop()
    result.cpu_seconds = usage.cpu_seconds
    result.peak_rss_mb = usage.peak_rss_bytes / 1024 / 1024
    if scenario.exhaustive and result.samples.get(scenario.clients[0], 0) < calls:
        result.notes.append(f"uploaded {result.samples.get(scenario.clients[0], 0)} of {calls} within the time limit")
    return result


def time_in_process(op: FloorOp, args: argparse.Namespace) -> PhaseResult:
    """The storage floor's loop: one call at a time, same duration and sample rules as a 1-client phase."""
    for n in range(5):  # warm-up: statement cache, page cache
        op(1_000_000 + n)
    latencies: list[float] = []
    started = time.perf_counter()
    n = 0
    while True:
        elapsed = time.perf_counter() - started
        if elapsed >= args.max_phase_seconds or (elapsed >= args.seconds and n >= 5):
            break
        begin = time.perf_counter()
        op(n)
        latencies.append(time.perf_counter() - begin)
        n += 1
    return PhaseResult(clients=1, latencies=latencies, errors=0, elapsed=time.perf_counter() - started)


def run_almanac(
    url: str, engine: Engine, world: World, scenarios: list[ScenarioResult], args: argparse.Namespace, workdir: Path
) -> dict[str, CannedResponse]:
    """Every scenario against ``almanac serve``; returns each available scenario's response for the HTTP floor."""
    canned: dict[str, CannedResponse] = {}
    port = free_port()
    almanac = Path(sys.executable).with_name("almanac")
    command = [str(almanac)] if almanac.exists() else [sys.executable, "-m", "almanac.cli"]
    server = ServerProcess(
        ALMANAC,
        [
            *command,
            "--database-url",
            url,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        port=port,
        log_path=workdir / "almanac.log",
        ready_path="/openapi.json",
        env=UNLIMITED,
    )
    log(f"starting almanac serve on {server.base_url}")
    with server:
        target = Target(ALMANAC, server.base_url)
        for entry in scenarios:
            scenario = entry.scenario
            pending = PENDING_FACES.get(scenario.face, "")
            if scenario.driver is not None:
                continue  # measured by run_drivers, against servers of its own
            if scenario.calls is None:
                entry.systems.append(SystemResult(ALMANAC, status=f"n/a ({pending or scenario.note})"))
                continue
            factory = scenario.calls(world, target)
            first = factory(0, 0)
            if first is None:
                entry.systems.append(SystemResult(ALMANAC, status="n/a (nothing to send)"))
                continue
            with client_for(server.base_url) as client:
                answer = send(client, first)
            if answer.status_code not in first.ok:
                # Only "no such resource / method" means the face is not built yet; anything else is a failure.
                if pending and answer.status_code in NOT_BUILT:
                    status = f"n/a ({pending})"
                else:
                    status = f"FAILED (probe answered {answer.status_code})"
                    log(f"  {scenario.key}: probe answered {answer.status_code}: {answer.text[:300]}")
                entry.systems.append(SystemResult(ALMANAC, status=status))
                continue
            canned[scenario.key] = CannedResponse(
                answer.status_code, answer.headers.get("content-type", "application/octet-stream"), answer.content
            )
            entry.systems.append(measure(ALMANAC, server, scenario, factory, args, len(world.ics)))
            if scenario.storage_floor is not None:
                floor = time_in_process(scenario.storage_floor(world, engine), args)
                row = SystemResult(STORAGE_FLOOR, notes=["in-process, 1 thread; no HTTP"])
                row.add_phase(floor)
                row.throughput.pop(1, None)
                entry.systems.append(row)
                log(f"  {STORAGE_FLOOR:13} {scenario.key:26} @1  {floor.completed:6} ok  p50 {row.p50_ms:.2f} ms")
    return canned


def run_http_floor(
    canned: dict[str, CannedResponse],
    world: World,
    scenarios: list[ScenarioResult],
    args: argparse.Namespace,
    workdir: Path,
) -> None:
    if not canned:
        return
    manifest = workdir / "floor.json"
    write_manifest(manifest, canned)
    port = free_port()
    command = [sys.executable, "-m", "bench.http_floor", "--port", str(port), "--manifest", str(manifest)]
    server = ServerProcess(
        HTTP_FLOOR, command, port=port, log_path=workdir / "http-floor.log", cwd=Path(__file__).parent.parent
    )
    log(f"starting the HTTP floor on {server.base_url}")
    with server:
        for entry in scenarios:
            scenario = entry.scenario
            if scenario.key not in canned or scenario.calls is None:
                continue
            real = scenario.calls(world, Target(ALMANAC, server.base_url, stateful=False))
            status = canned[scenario.key].status

            def floor_call(
                worker: int, n: int, real: CallFactory = real, key: str = scenario.key, status: int = status
            ) -> Call | None:
                # The same method, headers and body as the real call; only the path and the expected status differ.
                call = real(worker, n)
                if call is None:
                    return None
                return Call(call.method, f"/floor/{key}", call.headers, call.content, ok=(status,))

            entry.systems.append(measure(HTTP_FLOOR, server, scenario, floor_call, args, len(world.ics)))


def run_drivers(
    scenarios: list[ScenarioResult], args: argparse.Namespace, url: str, workdir: Path
) -> dict[str, DriverReport]:
    """Scenarios measured by a driver (bench.drivers) rather than a request loop; each reports its own table."""
    reports: dict[str, DriverReport] = {}
    postgres = url if url.startswith("postgresql") else None
    options = {
        "reminders": args.reminders,
        "reminder_workers": args.reminder_workers,
        "import_events": args.import_events,
        "seed": args.seed,
    }
    for entry in scenarios:
        driver = entry.scenario.driver
        if driver is None:
            continue
        log(f"running the {entry.scenario.key} driver")
        report_ = driver(DriverRun(workdir=workdir, options=options, postgres_url=postgres))
        reports[entry.scenario.key] = report_
        entry.systems.append(SystemResult(ALMANAC, status="measured: see its table below"))
    return reports


def run_peers(world: World, scenarios: list[ScenarioResult], args: argparse.Namespace, workdir: Path) -> None:
    peer_scenarios = [e for e in scenarios if e.scenario.peers and e.scenario.calls is not None]
    if not peer_scenarios:
        return
    for spec in PEERS:
        executable = find_executable(spec)
        if executable is None:
            for entry in peer_scenarios:
                entry.systems.append(SystemResult(spec.name, status="n/a (not installed: make bench installs it)"))
            continue
        log(f"starting {spec.name}")
        server = start_peer(spec, executable, free_port(), workdir)
        loaded = False
        try:
            for entry in peer_scenarios:
                scenario = entry.scenario
                assert scenario.calls is not None
                if not loaded and not scenario.exhaustive:
                    # The queries need every object the upload (timed, and limited in time) did not reach.
                    server.stop()
                    written = spec.store_objects(storage_root(spec, workdir), world.ics)
                    log(f"wrote the {written:,} objects the upload did not reach into {spec.name}'s storage")
                    server = start_peer(spec, executable, free_port(), workdir)
                    loaded = True
                target = Target(spec.name, server.base_url, spec.collection, spec.headers)
                entry.systems.append(
                    measure(spec.name, server, scenario, scenario.calls(world, target), args, len(world.ics))
                )
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    started = time.perf_counter()
    selected = [s for s in SCENARIOS if not args.only or s.key in args.only]
    with tempfile.TemporaryDirectory(prefix="almanac-bench-") as tmp:
        workdir = Path(tmp)
        dataset = Dataset(DatasetSpec(events=args.size, seed=args.seed))
        if args.existing_store:
            url = f"sqlite:///{args.existing_store.resolve()}"
            engine, world, stats = reuse_store(url, dataset)
        else:
            url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
            engine, world, stats = prepare_store(url, dataset)
        if any(s.peers for s in selected):
            # The CalDAV scenarios name the hot calendar's objects by these (uploads, multiget, sync), so they
            # are needed without the peers too: else a multiget would ask for one missing object.
            world = with_ics(world, workdir, args.peer_events)
        results = [ScenarioResult(s) for s in selected]
        try:
            canned = run_almanac(url, engine, world, results, args, workdir)
            run_http_floor(canned, world, results, args, workdir)
            if not args.no_peers:
                run_peers(world, results, args, workdir)
            driven = run_drivers(results, args, url, workdir)
        finally:
            engine.dispose()
    meta = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(time.perf_counter() - started, 1),
        "size": args.size,
        "seed": args.seed,
        "database": engine.dialect.name,
        "phase_seconds": args.seconds,
        "dataset": {
            "users": stats.users,
            "calendars": stats.calendars,
            "events": stats.events,
            "participants": stats.participants,
            "reminders": stats.reminders,
            "load_seconds": round(stats.seconds, 2),
            "hot_calendar_events_uploaded_to_peers": len(world.ics),
        },
        "machine": report.machine_info(),
        "drivers": {key: asdict(r) for key, r in driven.items()},
    }
    print(report.table(results))
    for driven_report in driven.values():
        print("\n" + driven_report.markdown())
    notes = [f"{s.scenario.key} / {r.system}: {n}" for s in results for r in s.systems for n in r.notes]
    errors = [f"{s.scenario.key} / {r.system}: {r.first_error}" for s in results for r in s.systems if r.first_error]
    for line in notes + [f"first error — {e}" for e in errors]:
        print(f"- {line}")
    report.write_json(args.out, report.to_json(results, meta))
    log(f"done in {meta['duration_seconds']} s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
