"""Writing the hot calendar's objects straight into a stopped peer's storage, the way the peer keeps them.

``make bench`` uploads objects to the peers by PUT for a limited time (the
``caldav-put`` scenario measures the rate) and writes the rest here, so every
system answers the CalDAV scenarios over the same objects: one PUT at a time,
the peers slow down with every object a collection holds. Apart from the peers'
process, so the tests can check it without the peers installed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from bench.caldav import object_name

#: Each object as ``(uid, iCalendar bytes)``; a peer stores it under ``object_name(uid)``, as PUT names it.
Objects = Sequence[tuple[str, bytes]]


def _write_missing(folder: Path, objects: Objects) -> list[str]:
    """Write the objects with no file in ``folder`` yet; their file names."""
    written = []
    for uid, data in objects:
        name = object_name(uid)
        path = folder / name
        if not path.exists():
            path.write_bytes(data)
            written.append(name)
    return written


def radicale(root: Path, objects: Objects) -> int:
    """Radicale's filesystem storage: a collection is a folder, each object a file named as its href's last part
    (``/bench/calendar/`` under ``--storage-filesystem-folder``)."""
    return len(_write_missing(root / "collection-root" / "bench" / "calendar", objects))


def xandikos(root: Path, objects: Objects) -> int:
    """Xandikos keeps a collection as a git repository and lists its objects from the git index: the files go
    into the work tree, then into the index and one commit, as its own PUT does one object at a time
    (``/user/calendars/calendar/`` under ``-d``)."""
    repository = root / "user" / "calendars" / "calendar"
    written = _write_missing(repository, objects)
    if written:
        git = ["git", "-C", str(repository), "-c", "user.name=bench", "-c", "user.email=bench@127.0.0.1"]
        names = "".join(f"{name}\0" for name in written).encode()
        subprocess.run([*git, "add", "--pathspec-from-file=-", "--pathspec-file-nul"], input=names, check=True)
        subprocess.run([*git, "commit", "--quiet", "-m", f"bench: {len(written)} objects"], check=True)
    return len(written)
