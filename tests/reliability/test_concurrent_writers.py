"""Concurrent writers against a real ``almanac serve`` process: no acknowledged update is ever lost.

Eight writers (half through the Back Office face with PATCH, half through the eXo face with PUT) repeat
read-modify-write cycles on one event: read its description and ETag, append a token of their own, and
write it back with If-Match. A write acknowledged with 2xx must leave its token in the final description;
a refused one must be a 412 and leave no trace. A server that checked If-Match outside the write's
transaction (or not at all) would let two writers holding one tag both win, and the first token would be
lost. Then writers racing with one Idempotency-Key must create exactly one event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from almanac.bootstrap import Container
from tests.api.backoffice_v2.factories import EVENTS, event_body
from tests.conftest import Account, MakeAccount
from tests.reliability.servers import almanac_serve

WRITERS = 8
CYCLES = 10
EXO = "/rest/private/v1/calendar"


@dataclass(frozen=True)
class Outcome:
    token: str
    status: int


@dataclass(frozen=True)
class Target:
    """One event as both faces name it."""

    event_id: int
    key: str

    def read(self, http: httpx.Client, face: str) -> tuple[str, str]:
        """The event's ETag and description, through ``face``."""
        url = f"{EVENTS}/{self.event_id}" if face == "bo" else f"{EXO}/events/{self.key}"
        response = http.get(url)
        assert response.status_code == 200, response.text
        return response.headers["ETag"], response.json().get("description") or ""

    def write(self, http: httpx.Client, face: str, description: str, tag: str) -> int:
        body, headers = {"description": description}, {"If-Match": tag}
        if face == "bo":
            return http.patch(f"{EVENTS}/{self.event_id}", json=body, headers=headers).status_code
        return http.put(f"{EXO}/events/{self.key}", json=body, headers=headers).status_code


def shared_event(http: httpx.Client, account: Account) -> Target:
    calendar = f"{account.user.username}-defaultCalendarId"
    created = http.post(
        f"{EXO}/calendars/{calendar}/events",
        json={"subject": "Contended", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z"},
    )
    assert created.status_code == 201, created.text
    key = created.headers["Location"].rsplit("/", 1)[1]
    (found,) = http.get(EVENTS).json()
    return Target(event_id=int(found["id"]), key=key)


def run_writers(base: str, account: Account, work: Callable[[httpx.Client, int], list[Outcome]]) -> list[Outcome]:
    def writer(number: int) -> list[Outcome]:
        with httpx.Client(base_url=base, headers=account.headers, timeout=120) as http:
            return work(http, number)

    with ThreadPoolExecutor(WRITERS) as pool:
        return [outcome for outcomes in pool.map(writer, range(WRITERS)) for outcome in outcomes]


def face_of(number: int) -> str:
    return "bo" if number % 2 == 0 else "exo"


def test_concurrent_read_modify_write_cycles_on_both_faces_lose_no_acknowledged_change(
    container: Container, make_account: MakeAccount, database_url: str, tmp_path: Path
) -> None:
    alice = make_account("alice")
    with almanac_serve(database_url, tmp_path) as base:
        with httpx.Client(base_url=base, headers=alice.headers, timeout=60) as http:
            target = shared_event(http, alice)

        def free_running(http: httpx.Client, number: int) -> list[Outcome]:
            outcomes = []
            for cycle in range(CYCLES):
                token = f"w{number}c{cycle}"
                tag, description = target.read(http, face_of(number))
                status = target.write(http, face_of(number), f"{description} {token}".strip(), tag)
                outcomes.append(Outcome(token, status))
            return outcomes

        outcomes = run_writers(base, alice, free_running)
        with httpx.Client(base_url=base, headers=alice.headers, timeout=60) as http:
            _tag, final = target.read(http, "bo")
    assert len(outcomes) == WRITERS * CYCLES
    assert {o.status for o in outcomes} <= {200, 412}, sorted({o.status for o in outcomes})
    acknowledged = [o.token for o in outcomes if o.status == 200]
    stored = final.split()
    assert len(stored) == len(set(stored))
    assert set(stored) == set(acknowledged)
    assert acknowledged, "no write got through"


def test_writers_holding_one_tag_are_served_one_at_a_time_exactly_one_wins_each_round(
    container: Container, make_account: MakeAccount, database_url: str, tmp_path: Path
) -> None:
    alice = make_account("alice")
    rounds = 5
    # Every writer reads before any writes: all hold the same tag, so exactly one write per round may win.
    read_all, written_all = threading.Barrier(WRITERS), threading.Barrier(WRITERS)
    with almanac_serve(database_url, tmp_path) as base:
        with httpx.Client(base_url=base, headers=alice.headers, timeout=60) as http:
            target = shared_event(http, alice)

        def in_rounds(http: httpx.Client, number: int) -> list[Outcome]:
            outcomes = []
            for cycle in range(rounds):
                token = f"w{number}r{cycle}"
                tag, description = target.read(http, face_of(number))
                read_all.wait(timeout=120)
                status = target.write(http, face_of(number), f"{description} {token}".strip(), tag)
                outcomes.append(Outcome(token, status))
                written_all.wait(timeout=120)
            return outcomes

        outcomes = run_writers(base, alice, in_rounds)
        with httpx.Client(base_url=base, headers=alice.headers, timeout=60) as http:
            _tag, final = target.read(http, "exo")
    assert {o.status for o in outcomes} <= {200, 412}
    for cycle in range(rounds):
        won = [o for o in outcomes if o.token.endswith(f"r{cycle}") and o.status == 200]
        assert len(won) == 1, f"round {cycle}: {len(won)} writers won"
    winners = [
        o.token for cycle in range(rounds) for o in outcomes if o.status == 200 and o.token.endswith(f"r{cycle}")
    ]
    assert final.split() == winners


def test_concurrent_first_requests_with_one_idempotency_key_create_exactly_one_event(
    container: Container, make_account: MakeAccount, database_url: str, tmp_path: Path
) -> None:
    alice = make_account("alice")
    start = threading.Barrier(WRITERS)
    calendar = f"{alice.user.username}-defaultCalendarId"
    requests: dict[str, tuple[str, dict[str, Any]]] = {
        "bo": (EVENTS, event_body(caption="Once")),
        "exo": (
            f"{EXO}/calendars/{calendar}/events",
            {"subject": "Once too", "from": "2026-03-02T09:00:00Z", "to": "2026-03-02T10:00:00Z"},
        ),
    }
    with almanac_serve(database_url, tmp_path) as base:

        def racer(face: str) -> Callable[[httpx.Client, int], list[Outcome]]:
            def post(http: httpx.Client, number: int) -> list[Outcome]:
                path, body = requests[face]
                start.wait(timeout=120)
                response = http.post(path, json=body, headers={"Idempotency-Key": f"race-{face}"})
                return [Outcome(response.headers.get("Location", ""), response.status_code)]

            return post

        results = {face: run_writers(base, alice, racer(face)) for face in requests}
        with httpx.Client(base_url=base, headers=alice.headers, timeout=60) as http:
            captions = sorted(e["caption"] for e in http.get(EVENTS).json())
    assert captions == ["Once", "Once too"]
    for face, outcomes in results.items():
        assert {o.status for o in outcomes} <= {201, 409}, (face, outcomes)
        assert len({o.token for o in outcomes if o.status == 201}) == 1, (face, outcomes)
