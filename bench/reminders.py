"""Reminder dispatch benchmark: lag from due time to SMTP accept, and deliveries per second.

10,000 email reminders fall due in the same minute (all at one instant: the
worst case of that minute); one, then two, ``almanac worker`` processes send
them to a local SMTP server (aiosmtpd) that stamps each accept and counts the
connections. Reports lag p50/p99, throughput and connections, on SQLite and,
when ALMANAC_BENCH_DATABASE_URL names a PostgreSQL server, on a scratch
database created there (and dropped after).

    .venv/bin/python bench/reminders.py [--count 10000] [--workers 1 2]

``make bench`` runs the same measurement as its ``reminders-lag`` scenario
(``drive``), with ``--reminders`` reminders (2,000 by default).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from almanac.bootstrap import build_container
from almanac.config import Settings
from almanac.domain.deliveries import Delivery, DeliveryChannel
from almanac.domain.users import Principal
from almanac.services import accounts
from almanac.services import events as event_service
from almanac.services.events import EventChanges
from bench.drivers import DriverReport, DriverRun
from bench.ports import free_port

Row = tuple[str, int, dict[str, float]]


class Sink:
    """Stamps the wall-clock time each mail is accepted, by Message-ID, and counts connections (EHLOs)."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}
        self.duplicates = 0
        self.connections = 0
        self._lock = threading.Lock()

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # One EHLO per connection from the worker (aiosmtpd's own readiness probe sends none).
        session.host_name = hostname
        with self._lock:
            self.connections += 1
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        stamp = time.time()
        head = bytes(envelope.content).split(b"\r\n\r\n", 1)[0]
        message_id = next(
            (
                line.split(b":", 1)[1].strip().decode()
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"message-id:")
            ),
            "",
        )
        with self._lock:
            if message_id in self.accepted:
                self.duplicates += 1
            else:
                self.accepted[message_id] = stamp
        return "250 OK"


def seed(database_url: str, count: int, due_at: datetime) -> None:
    container = build_container(Settings(database_url=database_url))
    container.migrate()
    services = container.services
    user = accounts.add_user(services, username="bench", email="bench@example.com")
    assert user.id is not None
    start = due_at + timedelta(hours=1)
    view = event_service.create_event(
        services,
        principal=Principal(user_id=user.id, username=user.username, email=user.email),
        changes=EventChanges(summary="Bench", starts_at=start, ends_at=start + timedelta(hours=1)),
    )
    now = datetime.now(UTC)
    with services.uow() as uow:
        uow.deliveries.add_missing(
            [
                Delivery(
                    id=str(uuid.uuid4()),
                    channel=DeliveryChannel.EMAIL,
                    due_at=due_at,
                    event_id=view.event.id,
                    occurrence_start=start,
                    reminder_key="before:3600/email",
                    recipient_id=user.id,
                    created_at=now,
                )
                for _ in range(count)
            ]
        )
        uow.commit()
    container.close()


def run(database_url: str, count: int, workers: int, port: int) -> dict[str, float]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    due_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=8)
    seed(database_url, count, due_at)
    env = {
        **os.environ,
        "ALMANAC_DATABASE_URL": database_url,
        "ALMANAC_SMTP_HOST": "127.0.0.1",
        "ALMANAC_SMTP_PORT": str(port),
        "ALMANAC_SMTP_FROM": "bench@almanac.test",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "almanac.cli", "worker", "--id", f"bench{i}", "--log-level", "warning"], env=env
        )
        for i in range(workers)
    ]
    try:
        deadline = time.time() + 600
        while len(sink.accepted) < count and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        controller.stop()
    due = due_at.timestamp()
    lags = sorted(stamp - due for stamp in sink.accepted.values())
    last = max(sink.accepted.values())
    first = min(sink.accepted.values())
    return {
        "sent": len(sink.accepted),
        "duplicates": sink.duplicates,
        "connections": sink.connections,
        "p50": statistics.median(lags),
        "p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))],
        "rate": len(lags) / max(last - first, 1e-9),
    }


def scratch_postgres(base: str) -> tuple[str, str]:
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"almanac_bench_reminders_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_postgres(base: str, name: str) -> None:
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def measure(count: int, workers: list[int], *, workdir: Path, postgres: str | None) -> list[Row]:
    """Every (backend, workers) run: SQLite in ``workdir``, and PostgreSQL when ``postgres`` is a server URL."""
    rows: list[Row] = []
    for n in workers:
        with tempfile.TemporaryDirectory(dir=workdir) as directory:
            url = f"sqlite:///{Path(directory) / 'bench.db'}"
            rows.append(("sqlite", n, run(url, count, n, free_port())))
            print(f"reminders: sqlite, {n} worker(s): done", file=sys.stderr)
        if postgres:
            url, name = scratch_postgres(postgres)
            try:
                rows.append(("postgresql", n, run(url, count, n, free_port())))
            finally:
                drop_postgres(postgres, name)
            print(f"reminders: postgresql, {n} worker(s): done", file=sys.stderr)
    return rows


COLUMNS = ("backend", "workers", "sent", "duplicates", "SMTP connections", "lag p50 s", "lag p99 s", "mails/s")


def formatted(backend: str, workers: int, r: dict[str, float]) -> tuple[str, ...]:
    return (
        backend,
        str(workers),
        f"{int(r['sent']):,}",
        str(int(r["duplicates"])),
        str(int(r["connections"])),
        f"{r['p50']:.2f}",
        f"{r['p99']:.2f}",
        f"{r['rate']:.0f}",
    )


def drive(context: DriverRun) -> DriverReport:
    """The ``reminders-lag`` scenario of ``make bench``."""
    count = int(context.options.get("reminders", 2_000))
    workers = list(context.options.get("reminder_workers", [1, 2]))
    rows = measure(count, workers, workdir=context.workdir, postgres=context.postgres_url)
    return DriverReport(
        title=f"Reminder dispatch: {count:,} email reminders due at the same instant",
        columns=COLUMNS,
        rows=[formatted(backend, n, r) for backend, n, r in rows],
        data=[{"backend": backend, "workers": n, **r} for backend, n, r in rows],
        notes=["lag: due time to SMTP accept (the sink's clock); mails/s: from the first accept to the last"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        rows = measure(
            args.count, args.workers, workdir=Path(directory), postgres=os.environ.get("ALMANAC_BENCH_DATABASE_URL")
        )
    print(f"\n{args.count} email reminders due at the same instant\n")
    print("| " + " | ".join(COLUMNS) + " |")
    for backend, workers, r in rows:
        print("| " + " | ".join(formatted(backend, workers, r)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
