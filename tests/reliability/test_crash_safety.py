"""Crash safety: SIGKILL ``almanac serve`` in the middle of a write load, restart it over the same database,
and find every acknowledged write, exactly as acknowledged, and no partial event.

The same test runs on SQLite and on PostgreSQL (the backend comes from the test fixtures). On SQLite the
store runs in WAL mode with synchronous=NORMAL: a commit is in the WAL (the operating system's page
cache) before the answer is sent, so killing the process loses nothing; only a power loss or an operating
system crash can lose the last commits (storage/engine.py says why that trade is made).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from almanac.bootstrap import build_container
from almanac.config import Settings
from tests.reliability.load import EVENTS, Ledger, Writer, soak_scale
from tests.reliability.servers import AlmanacServer, Person, add_people, server_set

WRITERS = 4
# Generous bound against a hang: the load only has to reach the kill point.
LOAD_TIMEOUT = 120.0


def _load_until(server: AlmanacServer, people: list[Person], ledger: Ledger, *, acknowledged: int) -> None:
    """Write with WRITERS threads until ``acknowledged`` writes are acknowledged in all, then SIGKILL the
    server with the load still running."""
    stop = threading.Event()
    writers = [
        Writer(f"w{server.starts}.{n}", server.url, people[n], ledger, stop, recipient=people[-1].email)
        for n in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + LOAD_TIMEOUT
    while ledger.writes_acknowledged < acknowledged and time.monotonic() < deadline:
        if not any(w.is_alive() for w in writers):
            break
        time.sleep(0.01)
    assert ledger.writes_acknowledged >= acknowledged, f"the load stalled:\n{server.log_tail()}"
    assert all(w.is_alive() for w in writers), "every writer is still writing when the server is killed"
    server.kill()
    stop.set()
    for writer in writers:
        writer.join(timeout=LOAD_TIMEOUT)


def _stored_event_ids(database_url: str) -> list[int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text("SELECT id FROM events ORDER BY id"))]
    finally:
        engine.dispose()


def _storage_integrity_problems(database_url: str) -> list[str]:
    """Orphan rows (a participant, reminder or change without its event) and, on SQLite, page-level damage."""
    problems: list[str] = []
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                check = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                if check != ["ok"]:
                    problems.append(f"integrity_check: {check[:5]}")
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    problems.append(f"foreign_key_check: {broken[:5]}")
            for child in ("event_participants", "event_reminders"):
                orphans = connection.execute(
                    text(f"SELECT count(*) FROM {child} c LEFT JOIN events e ON e.id = c.event_id WHERE e.id IS NULL")
                ).scalar_one()
                if orphans:
                    problems.append(f"{orphans} {child} rows without their event")
            orphan_deliveries = connection.execute(
                text(
                    "SELECT count(*) FROM deliveries d LEFT JOIN events e ON e.id = d.event_id "
                    "WHERE d.event_id IS NOT NULL AND e.id IS NULL"
                )
            ).scalar_one()
            if orphan_deliveries:
                problems.append(f"{orphan_deliveries} deliveries of events that do not exist")
    finally:
        engine.dispose()
    return problems


def _coherent(event: dict[str, Any]) -> bool:
    return (
        event["caption"].startswith("load ")
        and event["startDate"] <= event["endDate"]
        and len(event["notifications"]) in (1, 2)
        and len(event["recipients"]) in (0, 1)
    )


def _verify(server: AlmanacServer, people: list[Person], ledger: Ledger, database_url: str) -> tuple[int, int]:
    """Every acknowledged write is there as answered; every stored event is whole. (acknowledged, present)."""
    readers = {p.username: httpx.Client(base_url=server.url, headers=p.headers, timeout=60) for p in people}
    owner_of = {eid: body["authorEmail"].split("@")[0] for eid, body in ledger.acknowledged.items()}
    present = 0
    try:
        for event_id, answered in sorted(ledger.acknowledged.items()):
            response = readers[owner_of[event_id]].get(f"{EVENTS}/{event_id}")
            assert response.status_code == 200, f"acknowledged event {event_id} is gone: {response.text}"
            stored = response.json()
            assert _coherent(stored), stored
            if stored == answered:
                present += 1
                continue
            # Only an update sent later, whose answer the kill swallowed, may have changed it.
            assert stored["caption"] in ledger.captions_possible(event_id), (stored, answered)
            assert {k: v for k, v in stored.items() if k not in ("caption", "description", "updateTime")} == {
                k: v for k, v in answered.items() if k not in ("caption", "description", "updateTime")
            }
            present += 1

        unknown = [eid for eid in _stored_event_ids(database_url) if eid not in ledger.acknowledged]
        possible = {body["caption"] for body in ledger.unanswered_creates}
        for event_id in unknown:
            # A create whose answer was lost may have committed: then it is whole, and it is one of those sent.
            found = [r.get(f"{EVENTS}/{event_id}") for r in readers.values()]
            bodies = [f.json() for f in found if f.status_code == 200]
            assert len(bodies) == 1, f"stored event {event_id} is not readable by its author"
            assert bodies[0]["caption"] in possible, bodies[0]
            assert _coherent(bodies[0]), bodies[0]
    finally:
        for reader in readers.values():
            reader.close()
    assert _storage_integrity_problems(database_url) == []
    return len(ledger.acknowledged), present


def test_every_acknowledged_write_survives_sigkill_mid_load(database_url: str, tmp_path: Path) -> None:
    people = add_people(database_url, *(f"writer{n}" for n in range(WRITERS)), "bob")
    ledger = Ledger()
    rounds = 2 * soak_scale()
    per_round = 40 * soak_scale()
    with server_set(tmp_path) as servers:
        server = servers.serve(database_url)
        for round_number in range(1, rounds + 1):
            _load_until(server, people, ledger, acknowledged=per_round * round_number)
            server.start()
            acknowledged, present = _verify(server, people, ledger, database_url)
            assert present == acknowledged
        assert ledger.server_errors == []
        assert ledger.mismatches == []
    print(
        f"\ncrash safety ({make_url(database_url).get_backend_name()}): {rounds} SIGKILLs mid-load, "
        f"{ledger.creates_acknowledged} creates and {ledger.updates_acknowledged} updates acknowledged, "
        f"{acknowledged} events acknowledged, {present} present as answered, "
        f"{ledger.lost_answers} requests killed before their answer"
    )


def test_sqlite_keeps_commits_in_a_write_ahead_log_synchronous_normal_by_default_full_on_request(
    tmp_path: Path,
) -> None:
    # Those are the settings the durability statement of the README (and the module docstring) relies on.
    for setting, expected in ((None, 1), ("FULL", 2)):
        url = f"sqlite:///{tmp_path / f'{setting}.db'}"
        overrides = {} if setting is None else {"sqlite_synchronous": setting}
        container = build_container(Settings(database_url=url, **overrides))  # type: ignore[arg-type]
        try:
            with container.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == expected
        finally:
            container.close()
