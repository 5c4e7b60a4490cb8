"""Server processes under test: start on a free loopback port, wait until they answer, measure, stop.

Resource figures come from psutil on the server's pid (and its children):
CPU seconds are user + system time consumed between ``start()`` and ``stop()``
of a ``ResourceProbe``; peak RSS is the largest resident size sampled every
50 ms in between (a sampled peak, so a spike shorter than that can be missed;
``/proc/<pid>/status`` VmHWM is recorded too, the lifetime high-water mark).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
import psutil

from bench.ports import LOOPBACK


class ServerProcess:
    """A child process serving HTTP on ``127.0.0.1:port``; its output goes to ``log_path``."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        port: int,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        ready_path: str = "/",
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.base_url = f"http://{LOOPBACK}:{port}"
        self._command = list(command)
        self._log_path = log_path
        self._env = {**os.environ, **(env or {})}
        self._ready_path = ready_path
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self._process.pid

    def start(self, timeout: float = 60.0) -> None:
        log = self._log_path.open("wb")
        self._process = subprocess.Popen(
            self._command, stdout=log, stderr=subprocess.STDOUT, env=self._env, cwd=self._cwd
        )
        log.close()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self._process.returncode}; see {self._log_path}")
                try:
                    client.get(self.base_url + self._ready_path)
                    return  # any HTTP answer means it listens
                except httpx.TransportError:
                    time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s; see {self._log_path}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class Usage:
    cpu_seconds: float
    peak_rss_bytes: int
    hwm_rss_bytes: int | None


class ResourceProbe:
    """CPU time and peak RSS of one process tree over an interval."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self._process = psutil.Process(pid)
        self._interval = interval
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._cpu_before = 0.0

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self._process, *self._process.children(recursive=True)]
        except psutil.Error:
            return []

    def _cpu(self) -> float:
        total = 0.0
        for process in self._tree():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def _rss(self) -> int:
        total = 0
        for process in self._tree():
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self._peak = max(self._peak, self._rss())

    def start(self) -> None:
        self._cpu_before = self._cpu()
        self._peak = self._rss()
        self._thread.start()

    def stop(self) -> Usage:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self._rss())
        return Usage(cpu_seconds=self._cpu() - self._cpu_before, peak_rss_bytes=self._peak, hwm_rss_bytes=self._hwm())

    def _hwm(self) -> int | None:
        try:
            for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None
