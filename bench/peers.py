"""The CalDAV peers: Radicale and Xandikos from PyPI, each started with its own CLI on loopback.

Each peer gets a fresh temporary storage directory and one calendar
collection; the runner uploads the same .ics objects to it (the ``caldav-put``
scenario, which measures the upload rate within a time limit), then writes the
objects the upload did not reach straight into the stopped peer's storage, as
the peer itself stores them (a file each for Radicale, a file each in one git
commit for Xandikos), and runs the CalDAV scenarios on all of them. One PUT at
a time, the peers slow down with every object a collection holds (2.2 and 1.3
PUTs/s at 2,900 objects), so 10,000 uploads would take them hours. A peer that
is not installed (the ``bench`` extra was not) is reported as such, not as a failure.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import peer_storage
from bench.ports import LOOPBACK
from bench.servers import ServerProcess


@dataclass(frozen=True)
class PeerSpec:
    name: str
    executable: str
    #: The command line, given the executable's path, a port and a fresh storage directory.
    command: Callable[[str, int, Path], list[str]]
    collection: str
    #: Writes the hot calendar's objects (UID, iCalendar bytes) the collection lacks into the stopped peer's
    #: storage root; how many it wrote (see bench/peer_storage.py).
    store_objects: Callable[[Path, Sequence[tuple[str, bytes]]], int]
    headers: dict[str, str] = field(default_factory=dict)
    #: Run once after start: create the collection where the CLI does not.
    prepare: Callable[[httpx.Client, PeerSpec], None] | None = None


PREPARE_TIMEOUT_SECONDS = 900.0


def _mkcalendar(client: httpx.Client, spec: PeerSpec) -> None:
    if client.request("PROPFIND", spec.collection, headers={**spec.headers, "Depth": "0"}).status_code == 207:
        return  # restarted on its storage: the collection exists (Radicale would answer MKCALENDAR with 409)
    response = client.request("MKCALENDAR", spec.collection, headers=spec.headers)
    if response.status_code not in (201, 405):  # 405: it exists already
        raise RuntimeError(f"{spec.name}: MKCALENDAR {spec.collection} answered {response.status_code}")


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
        store_objects=peer_storage.radicale,
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
        store_objects=peer_storage.xandikos,
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
        # Long: the first request after objects were written into its storage makes Radicale read them all.
        with httpx.Client(base_url=server.base_url, timeout=PREPARE_TIMEOUT_SECONDS, trust_env=False) as client:
            spec.prepare(client, spec)
    return server
