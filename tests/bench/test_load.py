"""The load generator's bounds: a slow system must not stretch a run past its limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import WARM_UP_AT_LEAST, Call, PhaseResult, overruns, warm_up


def _phase(clients: int, latencies: list[float], elapsed: float) -> PhaseResult:
    return PhaseResult(clients=clients, latencies=latencies, errors=0, elapsed=elapsed)


def test_a_phase_runs_when_one_round_of_calls_fits_the_limit() -> None:
    one = _phase(1, [0.1] * 30, 3.0)
    eight = _phase(8, [0.8] * 80, 3.0)  # 26.7/s

    assert overruns(8, one, one, 60.0) is None
    assert overruns(32, one, eight, 60.0) is None


def test_a_phase_is_skipped_when_its_clients_at_the_one_client_p50_outlast_the_limit() -> None:
    one = _phase(1, [3.0] * 5, 15.0)

    assert overruns(32, one, one, 60.0) == "p50 × 32 > 60 s"


def test_a_phase_is_skipped_when_the_previous_phase_s_rate_cannot_answer_every_client_in_time() -> None:
    # Radicale answered a 10,000-object week in 1 s at one client, but 0.4 calls/s at 8: 32 clients took 87 s.
    one = _phase(1, [1.0] * 5, 5.0)
    eight = _phase(8, [20.0] * 12, 30.0)

    assert overruns(32, one, eight, 60.0) == "32 calls at 0.4/s > 60 s"


class _CountingHandler(BaseHTTPRequestHandler):
    calls = 0
    delay = 0.0

    def do_GET(self) -> None:
        type(self).calls += 1
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    _CountingHandler.calls = 0
    _CountingHandler.delay = 1.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_warm_up_stops_making_calls_once_its_time_is_spent(slow_server: str) -> None:
    warm_up(slow_server, lambda worker, number: Call("GET", "/"), 10, max_seconds=WARM_UP_AT_LEAST + 0.5)

    # 1 s a call: the sixth starts at 5 s, the seventh at 6 s would be past the 5.5 s (half a second either way).
    assert _CountingHandler.calls == WARM_UP_AT_LEAST + 1


def test_a_slow_system_still_gets_the_calls_that_make_xandikos_index_a_filter(slow_server: str) -> None:
    warm_up(slow_server, lambda worker, number: Call("GET", "/"), 10, max_seconds=0.0)

    assert _CountingHandler.calls == WARM_UP_AT_LEAST == 5
