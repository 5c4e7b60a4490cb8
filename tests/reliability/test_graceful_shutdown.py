"""Graceful shutdown: on SIGTERM, ``almanac serve`` stops taking connections, finishes the requests in flight
(their writes persist) and lets the in-process worker finish and record the deliveries in flight, then exits 0.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.reliability.load import EVENTS, event_body
from tests.reliability.servers import AlmanacServer, add_people, server_set
from tests.worker.peers import SmtpSink

BOUND = 60.0  # seconds; against hangs only


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before {marker!r}: {data!r}")
        data += chunk
    return data


def _wait_for(condition: str, check: object) -> None:
    assert callable(check)
    deadline = time.monotonic() + BOUND
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.05)


def _stopped_taking_connections(server: AlmanacServer) -> bool:
    return not server.accepts_connections()


def test_a_request_in_flight_at_sigterm_is_answered_and_its_write_persists(database_url: str, tmp_path: Path) -> None:
    (alice,) = add_people(database_url, "alice")
    body = json.dumps(event_body("in flight", serial=1, recipient=None)).encode()
    with server_set(tmp_path) as servers:
        server = servers.serve(database_url)
        with socket.create_connection(("127.0.0.1", server.port), timeout=BOUND) as sock:
            # "Expect: 100-continue" (RFC 9110 §10.1.1) makes the server say when the application starts
            # reading the body: from then on the request is in flight, and it waits for the rest of it.
            sock.sendall(
                (
                    f"POST {EVENTS} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                    f"Authorization: Bearer {alice.token}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
                ).encode()
            )
            assert _read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 100")
            server.terminate()
            _wait_for("the server to close its listening socket", lambda: _stopped_taking_connections(server))
            sock.sendall(body)
            answer = _read_until(sock, b"\r\n\r\n")
            head, _, rest = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 201"), answer
            length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
            while len(rest) < length:
                rest += sock.recv(65536)
        created = json.loads(rest)
        assert server.wait() == 0
        assert created["caption"] == "load in flight"

        server.start()
        stored = httpx.get(f"{server.url}{EVENTS}/{created['id']}", headers=alice.headers, timeout=BOUND)
        assert stored.status_code == 200
        assert stored.json() == created


def _delivery_states(database_url: str) -> list[tuple[str, int]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT status, attempts FROM deliveries WHERE channel = 'email'"))
            return [(row[0], row[1]) for row in rows]
    finally:
        engine.dispose()


def test_a_delivery_in_flight_at_sigterm_is_finished_and_recorded_and_never_sent_again(
    database_url: str, tmp_path: Path
) -> None:
    alice, bob = add_people(database_url, "alice", "bob")
    # The SMTP server receives the message, then waits before its "250": SIGTERM arrives in that gap.
    sink = SmtpSink(reply_delay=2.0).start()
    lease = 4.0
    env = {
        "ALMANAC_SMTP_HOST": "127.0.0.1",
        "ALMANAC_SMTP_PORT": str(sink.port),
        "ALMANAC_SMTP_FROM": "reminders@almanac.test",
        "ALMANAC_WORKER_POLL_INTERVAL": "0.2",
        # A short lease: a delivery left claimed but unrecorded would be claimed again soon after a restart.
        "ALMANAC_DELIVERY_LEASE_SECONDS": str(lease),
    }
    try:
        with server_set(tmp_path) as servers:
            server = servers.serve(database_url, worker=True, env=env)
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
            created = httpx.post(
                f"{server.url}{EVENTS}",
                headers=alice.headers,
                timeout=BOUND,
                json={
                    "caption": "Stand-up",
                    "startDate": start.isoformat(),
                    "endDate": (start + timedelta(minutes=15)).isoformat(),
                    "notifications": ["PT15M"],  # due five minutes ago: the worker sends it at once
                    "recipients": [bob.email],
                },
            )
            assert created.status_code == 201, created.text
            _wait_for("the reminder to reach the SMTP server", lambda: sink.count == 1)
            server.terminate()
            code = server.wait()
            assert _delivery_states(database_url) == [("sent", 1)], "recorded as sent before the process ended"
            assert code == 0, server.log_tail()
            assert _delivery_states(database_url) == [("sent", 1)], "recorded as sent before the process ended"

            server.start()
            time.sleep(lease + 2)  # past the lease of any claim the first process could have left behind
            assert sink.count == 1, "the reminder is not sent again after the restart"
            assert _delivery_states(database_url) == [("sent", 1)]
    finally:
        sink.stop()
    assert sink.messages[0]["To"].addresses[0].addr_spec == bob.email
