"""The peers' objects written straight into their storage: named as PUT names them, the ones already
uploaded left alone, and for Xandikos staged and committed, since it lists a collection from its git index."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench import peer_storage

OBJECTS = [
    (f"event-{n}@bench.example", f"BEGIN:VCALENDAR\r\nUID:event-{n}\r\nEND:VCALENDAR\r\n".encode()) for n in range(5)
]


def test_radicale_gets_the_missing_objects_as_files_named_like_its_puts(tmp_path: Path) -> None:
    folder = tmp_path / "collection-root" / "bench" / "calendar"
    folder.mkdir(parents=True)
    (folder / "event-0@bench.example.ics").write_bytes(b"uploaded by PUT")

    assert peer_storage.radicale(tmp_path, OBJECTS) == 4

    assert sorted(p.name for p in folder.iterdir()) == [f"event-{n}@bench.example.ics" for n in range(5)]
    assert (folder / "event-0@bench.example.ics").read_bytes() == b"uploaded by PUT"
    assert (folder / "event-3@bench.example.ics").read_bytes() == OBJECTS[3][1]
    assert peer_storage.radicale(tmp_path, OBJECTS) == 0


def _git(repository: Path, *args: str) -> str:
    command = ["git", "-C", str(repository), "-c", "user.name=t", "-c", "user.email=t@127.0.0.1", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_xandikos_gets_the_missing_objects_committed_to_its_repository(tmp_path: Path) -> None:
    repository = tmp_path / "user" / "calendars" / "calendar"
    repository.mkdir(parents=True)
    _git(repository, "init", "--quiet")
    (repository / ".xandikos").write_text("[DEFAULT]\ntype = calendar\n")
    (repository / "event-1@bench.example.ics").write_bytes(b"uploaded by PUT")
    _git(repository, "add", ".")
    _git(repository, "commit", "--quiet", "-m", "put")

    assert peer_storage.xandikos(tmp_path, OBJECTS) == 4

    listed = _git(repository, "ls-files").split()
    assert sorted(listed) == [".xandikos", *(f"event-{n}@bench.example.ics" for n in range(5))]
    assert _git(repository, "status", "--porcelain") == ""
    assert _git(repository, "show", "HEAD:event-1@bench.example.ics") == "uploaded by PUT"
    committed = subprocess.run(
        ["git", "-C", str(repository), "show", "HEAD:event-4@bench.example.ics"], check=True, capture_output=True
    ).stdout
    assert committed == OBJECTS[4][1]
    assert peer_storage.xandikos(tmp_path, OBJECTS) == 0
    assert _git(repository, "rev-list", "--count", "HEAD").strip() == "2"
