"""How many malloc arenas a server process may keep: the largest share of its resident memory it controls.

glibc gives each thread that allocates while others do an arena of its own, up to eight per core, and keeps
what each arena once held for that arena's next use. A server thread pool (uvicorn's, anyio's forty
threads for synchronous routes) therefore grows one arena per busy thread, each holding the high-water mark of
the requests it served: measured with the benchmark's scenarios on 2 cores, 197 MB resident with glibc's
default against 164 MB with two arenas, at no measurable cost in latency (Python holds the GIL while it
allocates, so threads seldom contend for an arena anyway). This is the ``MALLOC_ARENA_MAX`` advice given for
threaded Python servers, applied by the process itself so that nobody has to remember the variable.

Only glibc has ``mallopt(M_ARENA_MAX)``; elsewhere (musl, macOS) nothing is changed. A ``MALLOC_ARENA_MAX``
set in the environment wins: glibc has read it at start-up, and it is the operator's explicit choice.
"""

from __future__ import annotations

import ctypes
import os
import platform

#: glibc's malloc.h: ``#define M_ARENA_MAX -8``.
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int) -> bool:
    """Let this process's glibc malloc keep at most ``arenas`` arenas; True if the limit was set.

    Call it before the process starts its threads: arenas already made are kept. ``arenas`` 0 leaves glibc's
    default (eight per core) alone.
    """
    if arenas <= 0 or "MALLOC_ARENA_MAX" in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(None)
    # mallopt returns 1 on success, 0 on error.
    return bool(libc.mallopt(ctypes.c_int(_M_ARENA_MAX), ctypes.c_int(arenas)))
