"""A real ``almanac serve`` process (its own interpreter, a free port) on the test database, for tests where
many HTTP clients write at once: the server's thread pool, its transactions and its locks are all real."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def almanac_serve(database_url: str, log: Path, *, timeout: float = 60.0) -> Iterator[str]:
    """Run ``almanac serve`` on ``database_url`` (no in-process worker) until the block ends; yields its
    base URL. Its output goes to ``log`` (a file, so a chatty server never blocks on a full pipe). The
    server is stopped with SIGTERM, then killed if it does not stop within 30 seconds."""
    port = free_port()
    env = {**os.environ, "ALMANAC_DATABASE_URL": database_url, "ALMANAC_RUN_WORKER": "false"}
    with log.open("w") as output:
        command = [sys.executable, "-m", "almanac.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--no-worker", "--log-level", "warning"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base, log, timeout)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], base: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"almanac serve exited with {process.returncode}: {log.read_text()}")
        try:
            httpx.get(f"{base}/openapi.json", timeout=2.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("almanac serve did not start in time")
