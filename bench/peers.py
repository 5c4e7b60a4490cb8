"""The CalDAV peers: Radicale and Xandikos from PyPI, each started with its own CLI on loopback.

Each peer gets a fresh temporary storage directory and one calendar
collection; the runner uploads the same .ics objects to it (the ``caldav-put``
scenario, which measures the upload rate within a time limit), then writes the
objects the upload did not reach straight into the stopped peer's storage, as
the peer itself stores them (a file each for Radicale, a file each in one git
commit for Xandikos), and runs the CalDAV scenarios on all of them. Uploading
10,000 objects one PUT at a time would take the peers 5 to 30 minutes. A peer that
is not installed (the ``bench`` extra was not) is reported as such, not as a failure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.ports import LOOPBACK
from bench.servers import ServerProcess


@dataclass(frozen=True)
class PeerSpec:
    name: str
    executable: str
    #: The command line, given the executable's path, a port and a fresh storage directory.
    command: Callable[[str, int, Path], list[str]]
    collection: str
    #: Writes the objects (name, iCalendar bytes) the collection lacks into the stopped peer's storage root;
    #: how many it wrote.
    store_objects: Callable[[Path, Sequence[tuple[str, bytes]]], int]
    headers: dict[str, str] = field(default_factory=dict)
    #: Run once after start: create the collection where the CLI does not.
    prepare: Callable[[httpx.Client, PeerSpec], None] | None = None


def _mkcalendar(client: httpx.Client, spec: PeerSpec) -> None:
    if client.request("PROPFIND", spec.collection, headers={**spec.headers, "Depth": "0"}).status_code == 207:
        return  # restarted on its storage: the collection exists (Radicale would answer MKCALENDAR with 409)
    response = client.request("MKCALENDAR", spec.collection, headers=spec.headers)
    if response.status_code not in (201, 405):  # 405: it exists already
        raise RuntimeError(f"{spec.name}: MKCALENDAR {spec.collection} answered {response.status_code}")


def _write_missing(folder: Path, objects: Sequence[tuple[str, bytes]]) -> list[str]:
    """Write the objects with no file in ``folder`` yet; their names."""
    written = []
    for name, data in objects:
        path = folder / name
        if not path.exists():
            path.write_bytes(data)
            written.append(name)
    return written


def _radicale_store(root: Path, objects: Sequence[tuple[str, bytes]]) -> int:
    # Radicale's filesystem storage: a collection is a folder, each object a file named as its href's last part.
    return len(_write_missing(root / "collection-root" / "bench" / "calendar", objects))


def _xandikos_store(root: Path, objects: Sequence[tuple[str, bytes]]) -> int:
    # Xandikos keeps a collection as a git repository and lists its objects from the git index: the files go
    # into the work tree, then into the index and one commit, as its own PUT does one object at a time.
    repository = root / "user" / "calendars" / "calendar"
    written = _write_missing(repository, objects)
    if written:
        git = ["git", "-C", str(repository), "-c", "user.name=bench", "-c", "user.email=bench@127.0.0.1"]
        names = "".join(f"{name}\0" for name in written).encode()
        subprocess.run([*git, "add", "--pathspec-from-file=-", "--pathspec-file-nul"], input=names, check=True)
        subprocess.run([*git, "commit", "--quiet", "-m", f"bench: {len(written)} objects"], check=True)
    return len(written)


PEERS: tuple[PeerSpec, ...] = (
    PeerSpec(
        name="radicale",
        executable="radicale",
        # --config "": ignore any system or user config file, so the run is the same everywhere.
        command=lambda exe, port, root: [
            exe,
            "--config",
            "",
            "--server-hosts",
            f"{LOOPBACK}:{port}",
            "--storage-filesystem-folder",
            str(root),
            "--auth-type",
            "none",
            "--logging-level",
            "warning",
            # Its default of 8 resets the connections of the 32-client phase; allow every client a connection.
            "--server-max-connections",
            "64",
        ],
        collection="/bench/calendar/",
        store_objects=_radicale_store,
        # auth none accepts any user; the user names the owner of /bench/ (rights: owner_only).
        headers={"Authorization": "Basic YmVuY2g6YmVuY2g="},
        prepare=_mkcalendar,
    ),
    PeerSpec(
        name="xandikos",
        executable="xandikos",
        # --defaults creates /user/calendars/calendar/ (xandikos serves one user, without authentication).
        command=lambda exe, port, root: [exe, "serve", "-d", str(root), "--defaults", "-l", LOOPBACK, "-p", str(port)],
        collection="/user/calendars/calendar/",
        store_objects=_xandikos_store,
    ),
)


def find_executable(spec: PeerSpec) -> str | None:
    """The peer's CLI next to this interpreter (the bench venv), else on PATH."""
    beside = Path(sys.executable).with_name(spec.executable)
    if beside.exists():
        return str(beside)
    return shutil.which(spec.executable)


def storage_root(spec: PeerSpec, workdir: Path) -> Path:
    return workdir / f"{spec.name}-store"


def start_peer(spec: PeerSpec, executable: str, port: int, workdir: Path) -> ServerProcess:
    """Start the peer on its storage in ``workdir`` (kept across restarts) and make sure its collection exists."""
    root = storage_root(spec, workdir)
    server = ServerProcess(
        spec.name, spec.command(executable, port, root), port=port, log_path=workdir / f"{spec.name}.log"
    )
    server.start()
    if spec.prepare is not None:
        with httpx.Client(base_url=server.base_url, timeout=30.0, trust_env=False) as client:
            spec.prepare(client, spec)
    return server
