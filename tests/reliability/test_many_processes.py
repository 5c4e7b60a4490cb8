"""Many processes, one database: two ``almanac serve`` processes over one PostgreSQL database (or one SQLite
file) answer as one server, and schema migrations are safe while another process is up or migrating.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from almanac.storage.engine import build_engine
from almanac.storage.migrate import current_revision, head_revision
from tests import databases
from tests.reliability.load import EVENTS, event_body, soak_scale, update_body
from tests.reliability.servers import AlmanacServer, Person, add_people, almanac_command, server_set

CLIENTS = 4
BOUND = 120.0  # seconds; against hangs only


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    writes: int = 0
    cross_reads: int = 0
    server_errors: list[str] = field(default_factory=list)
    inconsistencies: list[str] = field(default_factory=list)

    def count(self, *, writes: int = 0, cross_reads: int = 0) -> None:
        with self.lock:
            self.writes += writes
            self.cross_reads += cross_reads

    def check(self, response: httpx.Response, expected: int) -> bool:
        with self.lock:
            if response.status_code >= 500:
                self.server_errors.append(f"{response.request.method} {response.status_code}: {response.text[:200]}")
            if response.status_code != expected:
                self.inconsistencies.append(f"{response.request.method} {response.request.url.path}: {response.text}")
                return False
        return True

    def same(self, what: str, seen: Any, written: Any) -> None:
        if seen != written:
            with self.lock:
                self.inconsistencies.append(f"{what}: read {seen}, wrote {written}")


def _client_load(servers: list[AlmanacServer], person: Person, tally: Tally, rounds: int, offset: int) -> None:
    """Write through one process and read it back through the other at once, alternating the two."""
    clients = [httpx.Client(base_url=s.url, headers=person.headers, timeout=BOUND) for s in servers]
    try:
        for n in range(rounds):
            writer, reader = clients[(n + offset) % 2], clients[(n + offset + 1) % 2]
            created = writer.post(EVENTS, json=event_body(f"{person.username}-{n}", serial=n, recipient=None))
            if not tally.check(created, 201):
                continue
            event = created.json()
            read = reader.get(f"{EVENTS}/{event['id']}")
            if tally.check(read, 200):
                tally.same(f"event {event['id']}", read.json(), event)
            latest = reader.get(EVENTS, params={"sort_by": "id", "sort_order": "desc", "limit": 1})
            if tally.check(latest, 200):
                tally.same("the newest of the list", [e["id"] for e in latest.json()], [event["id"]])
            tally.count(writes=1, cross_reads=2)
            if n % 2:
                updated = reader.patch(f"{EVENTS}/{event['id']}", json=update_body(f"{person.username}-{n}-again"))
                if tally.check(updated, 200):
                    back = writer.get(f"{EVENTS}/{event['id']}")
                    if tally.check(back, 200):
                        tally.same(f"updated event {event['id']}", back.json(), updated.json())
                    tally.count(writes=1, cross_reads=1)
    finally:
        for client in clients:
            client.close()


def test_two_servers_over_one_database_read_each_others_writes_at_once(database_url: str, tmp_path: Path) -> None:
    people = add_people(database_url, *(f"client{n}" for n in range(CLIENTS)))
    tally = Tally()
    rounds = 12 * soak_scale()
    with server_set(tmp_path) as servers:
        pair = [servers.serve(database_url), servers.serve(database_url)]
        threads = [
            threading.Thread(target=_client_load, args=(pair, person, tally, rounds, n))
            for n, person in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        # A migration run while both serve (as a deploy does) waits its turn and changes nothing at head.
        migrate = almanac_command(database_url, "migrate")
        output, _ = migrate.communicate(timeout=BOUND)
        assert migrate.returncode == 0, output
        for thread in threads:
            thread.join(timeout=BOUND)
        assert not any(t.is_alive() for t in threads)
        assert all(s.running for s in pair)
    assert tally.server_errors == []
    assert tally.inconsistencies == []
    assert tally.writes == CLIENTS * (rounds + rounds // 2)
    print(
        f"\nmany processes ({make_url(database_url).get_backend_name()}): 2 servers, {tally.writes} writes, "
        f"{tally.cross_reads} reads through the other process, {len(tally.inconsistencies)} stale, "
        f"{len(tally.server_errors)} server errors"
    )


def test_migrations_started_at_once_on_a_fresh_database_all_succeed(tmp_path: Path) -> None:
    url = databases.unmigrated_database(tmp_path)
    migrators = [almanac_command(url, "migrate") for _ in range(3)]
    outputs = [m.communicate(timeout=BOUND)[0].decode(errors="replace") for m in migrators]
    assert [m.returncode for m in migrators] == [0, 0, 0], outputs
    engine = build_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()
