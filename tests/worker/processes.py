"""Real ``almanac worker`` processes against the test database, sending to the test SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.worker.peers import SmtpSink


class Workers:
    """Starts worker processes (real clock, 0.1 s poll) and stops them all with SIGTERM (SIGKILL after 30 s)."""

    def __init__(self, database_url: str, sink: SmtpSink) -> None:
        self._env = {
            **os.environ,
            "ALMANAC_DATABASE_URL": database_url,
            "ALMANAC_SMTP_HOST": "127.0.0.1",
            "ALMANAC_SMTP_PORT": str(sink.port),
            "ALMANAC_SMTP_FROM": "reminders@almanac.test",
            "ALMANAC_WORKER_POLL_INTERVAL": "0.1",
            "ALMANAC_WORKER_BATCH_SIZE": "50",
        }
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, name: str, **env: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "almanac.cli", "worker", "--id", name],
            env={**self._env, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
