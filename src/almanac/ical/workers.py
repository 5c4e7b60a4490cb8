"""Worker processes for parsing: one function mapped over a stream of inputs, results in input order.

A large import spends about 40% of its time parsing calendar objects, which
are independent of one another once the file is outlined; Python runs one
thread of Python code at a time, so they are parsed in other processes while
the importing process stores what they have parsed so far.

Each worker is a fresh interpreter running this module (``python -m
almanac.ical.workers``), fed pickled inputs on its stdin and answering on its
stdout. Not ``multiprocessing``: its fork copies the caller's threads (a web
server's pool, a test runner's) and database connections in whatever state
they are in, and its spawn imports the caller's main module again in every
worker (``almanac.cli``, hence the whole server: 1.5 s of CPU each, against
0.15 s for the parser alone). Nothing is started before the first input is
sent, and ``close`` ends every process (waiting for it), so a pool lives
exactly as long as the ``with`` block of its owner.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

#: The collector's thresholds in a worker (and ``relax_collector``): a worker makes objects by the hundred
#: thousand that all live until they are sent back, which at the default thresholds (700, 10, 10) the
#: collector traverses again and again, for more time than the parse itself. Cycles are still collected.
COLLECTOR_THRESHOLDS = (50_000, 50, 1_000)

#: Inputs sent ahead per worker: enough that a worker never waits for the next one, few enough that
#: results waiting to be consumed stay a small part of the file.
_AHEAD_PER_WORKER = 2
#: How long ``close`` lets a worker that was told to stop finish before ending it.
_STOP_SECONDS = 5.0
_END = object()


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def relax_collector() -> None:
    """Collect cyclic garbage less often in this process (``COLLECTOR_THRESHOLDS``): for a process whose
    work is making long-lived objects in bulk, such as a worker or a one-shot import."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


class WorkerError(RuntimeError):
    """A worker failed other than by the function raising an error it returns (a bug, or the process died)."""


class OrderedPool:
    """``workers`` processes running one function over inputs, in order (see the module)."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self._size = workers
        self._workers: list[_Worker] = []

    def map(self, function: Callable[[In], Out], inputs: Iterable[In]) -> Iterator[Out]:
        """``function(input)`` for each input, in the inputs' order, computed a few inputs ahead.
        ``function`` must be a module-level function and inputs and results picklable. Input *i* goes to
        worker *i mod n*, whose answers come back in the order it was sent its inputs. WorkerError when a
        worker raised (the traceback in the message) or ended."""
        if not self._workers:
            self._workers = [_Worker() for _ in range(self._size)]
        pending: deque[_Worker] = deque()
        for sent, item in enumerate(inputs):
            worker = self._workers[sent % self._size]
            worker.send(function, item)
            pending.append(worker)
            if len(pending) > self._size * _AHEAD_PER_WORKER:
                yield pending.popleft().receive()
        while pending:
            yield pending.popleft().receive()

    def running(self) -> int:
        """How many of the pool's processes are running (none before the first input or after ``close``)."""
        return sum(worker.running() for worker in self._workers)

    def close(self) -> None:
        """Stop every worker: those done end by themselves, the others (an import given up) are ended."""
        for worker in self._workers:
            worker.stop()
        for worker in self._workers:
            worker.join()
        self._workers = []


class _Worker:
    """One worker process and the thread that writes its inputs (so that a worker busy answering, whose
    stdin is full, never blocks the caller, who reads the answers)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "almanac.ical.workers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_worker_environment(),
        )
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._unanswered = 0
        self._writer = threading.Thread(target=self._write, name="almanac-parse-feeder", daemon=True)
        self._writer.start()

    def send(self, function: Callable[[Any], Any], item: object) -> None:
        self._unanswered += 1
        self._inbox.put((function, item))

    def receive(self) -> Any:
        assert self._process.stdout is not None
        try:
            ok, value = pickle.load(self._process.stdout)
        except (EOFError, pickle.UnpicklingError, OSError) as exc:
            raise WorkerError(f"a parsing worker ended unexpectedly (exit status {self._process.poll()})") from exc
        self._unanswered -= 1
        if not ok:
            raise WorkerError(value)
        return value

    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        self._inbox.put(_END)

    def join(self) -> None:
        try:
            # A worker with nothing left to answer ends when its stdin closes; one still busy is ended now.
            self._process.wait(timeout=_STOP_SECONDS if not self._unanswered else 0)
        except subprocess.TimeoutExpired:
            self._process.kill()  # this pool's own child, by its pid
            self._process.wait()
        self._writer.join()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def _write(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):  # BrokenPipeError: the worker was ended
            while (message := self._inbox.get()) is not _END:
                pickle.dump(message, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
        with contextlib.suppress(OSError):
            stdin.close()


def _worker_environment() -> dict[str, str]:
    """This process's environment, with the directory this ``almanac`` was imported from first on the path:
    a worker runs the same code as its caller, even when the caller found it by a path set at run time."""
    source = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": source + (os.pathsep + path if path else "")}


def serve(inputs: IO[bytes], outputs: IO[bytes]) -> None:
    """A worker's loop: read (function, input) until the end of ``inputs``, answer (True, result) or
    (False, traceback) for each."""
    relax_collector()
    while True:
        try:
            function, item = pickle.load(inputs)
        except EOFError:
            return
        try:
            answer: tuple[bool, object] = (True, function(item))
        except Exception:
            answer = (False, traceback.format_exc())
        pickle.dump(answer, outputs, protocol=pickle.HIGHEST_PROTOCOL)
        outputs.flush()


if __name__ == "__main__":
    # The answers own stdout: anything printed goes to stderr instead.
    answers, sys.stdout = sys.stdout.buffer, sys.stderr
    serve(sys.stdin.buffer, answers)


__all__ = ["COLLECTOR_THRESHOLDS", "OrderedPool", "WorkerError", "available_cores", "relax_collector", "serve"]
