"""Reminder dispatch benchmark: lag from due time to SMTP accept, and deliveries per second.

10,000 email reminders fall due in the same minute (all at one instant: the
worst case of that minute); one, then two, ``almanac worker`` processes send
them to a local SMTP server (aiosmtpd) that stamps each accept. Reports lag
p50/p99 and throughput, on SQLite and, when ALMANAC_BENCH_DATABASE_URL names a
PostgreSQL server, on a scratch database created there (and dropped after).

    .venv/bin/python bench/reminders.py [--count 10000] [--workers 1 2]
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


class Sink:
    """Stamps the wall-clock time each mail is accepted, by Message-ID."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}
        self.duplicates = 0
        self._lock = threading.Lock()

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    rows: list[tuple[str, int, dict[str, float]]] = []
    postgres = os.environ.get("ALMANAC_BENCH_DATABASE_URL")
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{Path(directory) / 'bench.db'}"
            rows.append(("sqlite", workers, run(url, args.count, workers, args.port)))
            print(f"sqlite, {workers} worker(s): done", file=sys.stderr)
        if postgres:
            url, name = scratch_postgres(postgres)
            try:
                rows.append(("postgresql", workers, run(url, args.count, workers, args.port)))
            finally:
                drop_postgres(postgres, name)
            print(f"postgresql, {workers} worker(s): done", file=sys.stderr)
    print(f"\n{args.count} email reminders due at the same instant\n")
    print(f"{'backend':<11} {'workers':>7} {'sent':>6} {'dupes':>5} {'lag p50':>9} {'lag p99':>9} {'sent/s':>8}")
    for backend, workers, r in rows:
        print(
            f"{backend:<11} {workers:>7} {int(r['sent']):>6} {int(r['duplicates']):>5} "
            f"{r['p50']:>8.2f}s {r['p99']:>8.2f}s {r['rate']:>8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
