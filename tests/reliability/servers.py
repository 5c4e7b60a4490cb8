"""Real ``almanac serve`` processes for the reliability tests: started on a free 127.0.0.1 port over a given
database URL, awaited until they answer, and stopped the hard way (SIGKILL), the polite way (SIGTERM), or
restarted over the same database.

The server is the installed command run by this interpreter (``python -m almanac.cli serve``), configured
only through ``ALMANAC_*`` variables, as an operator would; the parent's ``ALMANAC_*`` variables are not
passed on, so a developer's environment cannot change what a test measures.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from almanac.bootstrap import build_container
from almanac.config import Settings
from almanac.services import accounts, auth

ALMANAC = [sys.executable, "-m", "almanac.cli"]
# Generous bounds against hangs, not speed expectations: a loaded CI machine may take seconds to start.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unlimited_rate_settings() -> dict[str, str]:
    """Rate limits and the expensive-query cap off (0): the load of these tests is deliberate, and a 429 or
    503 would hide what they measure."""
    return {
        "ALMANAC_RATE_LIMIT_PER_TOKEN_PER_MINUTE": "0",
        "ALMANAC_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "0",
        "ALMANAC_MAX_CONCURRENT_EXPENSIVE_QUERIES": "0",
    }


def almanac_env(database_url: str, extra: Mapping[str, str] = {}) -> dict[str, str]:
    """The environment of an Almanac command over ``database_url``: the parent's, minus its ``ALMANAC_*``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALMANAC_")}
    env.update(_unlimited_rate_settings())
    env["ALMANAC_DATABASE_URL"] = database_url
    env.update(extra)
    return env


@dataclass
class AlmanacServer:
    """One ``almanac serve`` process; ``worker`` runs the in-process delivery worker (off by default)."""

    database_url: str
    log_path: Path
    worker: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> AlmanacServer:
        """Start the process (a restart keeps the port) and wait until it answers HTTP."""
        assert not self.running, "already running"
        extra = {"ALMANAC_RUN_WORKER": "true" if self.worker else "false", **self.env}
        command = [*ALMANAC, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}: {' '.join(command)}\n".encode())
            self.process = subprocess.Popen(
                command, env=almanac_env(self.database_url, extra), stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_answering()
        return self

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"almanac serve exited at start:\n{self.log_tail()}")
            try:
                # Any HTTP answer means the app is up; 401 here is that answer.
                httpx.get(f"{self.url}/api/v2/calendars/events", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"almanac serve did not answer within {START_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs in the server, as after a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)

    def terminate(self) -> None:
        """Send SIGTERM and return at once (see ``wait``)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait(self) -> int:
        """Wait for the process to exit; its exit status."""
        assert self.process is not None
        return self.process.wait(timeout=STOP_TIMEOUT)

    def restart(self) -> AlmanacServer:
        self.kill()
        return self.start()

    def accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class ServerSet:
    """The servers one test starts; every one still running is killed when the block ends."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self.servers: list[AlmanacServer] = []

    def serve(self, database_url: str, *, worker: bool = False, env: Mapping[str, str] = {}) -> AlmanacServer:
        log = self._directory / f"server-{len(self.servers)}.log"
        server = AlmanacServer(database_url=database_url, log_path=log, worker=worker, env=dict(env))
        self.servers.append(server)
        return server.start()

    def close(self) -> None:
        for server in self.servers:
            server.kill()


@contextmanager
def server_set(directory: Path) -> Iterator[ServerSet]:
    servers = ServerSet(directory)
    try:
        yield servers
    finally:
        servers.close()


def almanac_command(database_url: str, *args: str, env: Mapping[str, str] = {}) -> subprocess.Popen[bytes]:
    """Start another ``almanac`` command (``migrate``...) over ``database_url``; the caller waits for it."""
    return subprocess.Popen(
        [*ALMANAC, *args], env=almanac_env(database_url, env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


@dataclass(frozen=True)
class Person:
    username: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def add_people(database_url: str, *usernames: str) -> list[Person]:
    """Users (no password: nothing slow to hash) with an API token each, written before any server starts."""
    container = build_container(Settings(database_url=database_url))
    try:
        people = []
        for username in usernames:
            email = f"{username}@example.com"
            accounts.add_user(container.services, username=username, email=email, display_name=username.title())
            token = auth.issue_api_token(container.services, username=username).secret
            people.append(Person(username=username, email=email, token=token))
        return people
    finally:
        container.close()


@contextmanager
def almanac_serve(database_url: str, directory: Path) -> Iterator[str]:
    """One ``almanac serve`` (no worker) on ``database_url`` for the block; yields its base URL. Stopped with
    SIGTERM at the end (killed if it does not stop in time); its log is ``directory/server-0.log``."""
    with server_set(directory) as servers:
        server = servers.serve(database_url)
        yield server.url
        server.terminate()
        server.wait()
