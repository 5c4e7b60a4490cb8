"""almanac.process_memory: the malloc arena limit really binds a fresh process's threads (glibc only)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest
from pydantic import ValidationError

from almanac.config import Settings

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt(M_ARENA_MAX) is glibc's")

# Eight threads allocate at the same moment, then glibc's malloc_info() (XML, one <heap> per arena) is counted.
# glibc gives a thread without an arena a new one while there are fewer than the limit, so without a limit
# this makes one arena per thread plus the main one.
PROBE = textwrap.dedent(
    """
    import ctypes, re, sys, tempfile, threading
    from almanac.process_memory import limit_malloc_arenas

    applied = limit_malloc_arenas(int(sys.argv[1]))
    barrier = threading.Barrier(8)
    kept = []

    def allocate():
        barrier.wait()
        kept.append([bytearray(4096) for _ in range(200)])
        barrier.wait()

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    with tempfile.NamedTemporaryFile("r") as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, ctypes.c_void_p(stream))
        libc.fclose(ctypes.c_void_p(stream))
        print(applied, len(re.findall("<heap nr=", report.read())))
    """
)


def arenas_after_eight_threads(limit: int, **env: str) -> tuple[bool, int]:
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(limit)], capture_output=True, text=True, check=True, env=environment
    ).stdout.split()
    return out[0] == "True", int(out[1])


def test_without_a_limit_each_allocating_thread_gets_an_arena() -> None:
    # The control: glibc's default, which the limit exists to change.
    assert arenas_after_eight_threads(0) == (False, 9)


@pytest.mark.parametrize("limit", [1, 2])
def test_the_limit_caps_the_arenas_the_threads_share(limit: int) -> None:
    assert arenas_after_eight_threads(limit) == (True, limit)


def test_an_operators_malloc_arena_max_wins() -> None:
    applied, arenas = arenas_after_eight_threads(1, MALLOC_ARENA_MAX="3")
    assert (applied, arenas) == (False, 3)


def test_the_setting_defaults_to_two_and_refuses_a_negative_count() -> None:
    assert Settings().malloc_arenas == 2
    assert Settings(malloc_arenas=0).malloc_arenas == 0
    with pytest.raises(ValidationError):
        Settings(malloc_arenas=-1)
