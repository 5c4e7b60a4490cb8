"""`make caldav-compat`: the `caldav-server-tester` verdict on Almanac, Radicale and Xandikos, side by side.

Each server is started by this script on a free 127.0.0.1 port with a fresh
store in a temporary directory (Almanac: a new SQLite file, migrated, with one
user; the peers as `bench.peers` starts them), the tester is run against it
once (`--format json`), and the servers are stopped. The script prints one
Markdown table of every feature the tester reported for any server, and writes
every server's raw answer to ``bench/results/caldav-compat.json`` (git-ignored;
the table worth keeping is in README's CalDAV section). A run takes about four
minutes per server, mostly the tester's own waits. ``--peer-verdicts PATH``
also writes the peers' verdicts in the shape of
``tests/data/caldav_peer_verdicts.json``, the record `make test` holds
Almanac's own verdict against (``tests/dav/test_caldav_server_tester.py``).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caldav.compatibility_hints import FeatureSet

from bench.peers import PEERS, PeerSpec, find_executable, start_peer
from bench.ports import LOOPBACK, free_port
from bench.servers import ServerProcess

RESULTS = Path(__file__).with_name("results") / "caldav-compat.json"
USER, PASSWORD = "tester", "tester-password-1"
#: Generous: the tester waits between writes and reads by design; a hung server must still end the run.
TESTER_TIMEOUT_SECONDS = 1200


@dataclass(frozen=True)
class Verdict:
    server: str
    features: dict[str, dict[str, Any]]
    error: str | None = None


def _tester() -> str:
    beside = Path(sys.executable).with_name("caldav-server-tester")
    found = str(beside) if beside.exists() else shutil.which("caldav-server-tester")
    if found is None:
        raise SystemExit("caldav-server-tester is not installed: `make caldav-compat` installs the bench extra")
    return found


def _almanac_cli() -> list[str]:
    beside = Path(sys.executable).with_name("almanac")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "almanac.cli"]


def start_almanac(workdir: Path) -> ServerProcess:
    """A fresh SQLite store, migrated, with the tester's user; then `almanac serve` on a free port."""
    url = f"sqlite:///{workdir / 'almanac.db'}"
    cli = [*_almanac_cli(), "--database-url", url]
    subprocess.run([*cli, "migrate"], check=True, capture_output=True)
    add = ["user", "add", USER, "--email", f"{USER}@example.com", "--password", PASSWORD]
    subprocess.run([*cli, *add], check=True, capture_output=True)
    port = free_port()
    command = [*cli, "serve", "--host", LOOPBACK, "--port", str(port), "--log-level", "warning"]
    server = ServerProcess("almanac", command, port=port, log_path=workdir / "almanac.log", ready_path="/openapi.json")
    server.start()
    return server


def run_tester(server: str, base_url: str, username: str, password: str) -> Verdict:
    command = [
        _tester(),
        "--name",
        server,
        "--caldav-url",
        base_url + "/",
        "--caldav-username",
        username,
        "--caldav-password",
        password,
        "--format",
        "json",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TESTER_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return Verdict(server, {}, f"the tester did not finish within {TESTER_TIMEOUT_SECONDS} s")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return Verdict(server, {}, f"the tester exited with {done.returncode}: {done.stderr.strip()[-500:]}")
    features: dict[str, dict[str, Any]] = report.get("features", {})
    return Verdict(server, features)


def check_peer(spec: PeerSpec, workdir: Path) -> Verdict:
    executable = find_executable(spec)
    if executable is None:
        return Verdict(spec.name, {}, "not installed")
    server = start_peer(spec, executable, free_port(), workdir)
    try:
        # Radicale runs with auth "none" (any user, the user owning its collections); Xandikos without auth.
        return run_tester(spec.name, server.base_url, "bench", "bench")
    finally:
        server.stop()


def check_almanac(workdir: Path) -> Verdict:
    server = start_almanac(workdir)
    try:
        return run_tester("almanac", server.base_url, USER, PASSWORD)
    finally:
        server.stop()


def _expected(name: str) -> str:
    """What the tester expects of a feature it did not report for a server (it reports departures from this)."""
    try:
        info = FeatureSet.find_feature(name)
    except Exception:
        return "?"
    default = info.get("default", {}) if isinstance(info, dict) else {}
    support = default.get("support", "full") if isinstance(default, dict) else "full"
    return f"({support})"


def table(verdicts: Sequence[Verdict]) -> str:
    """One Markdown row per feature any server reported; a cell in parentheses is one the tester did not
    report for that server, i.e. found as it expects by default."""
    names = sorted({name for v in verdicts for name in v.features})
    lines = [
        "| feature | " + " | ".join(v.server for v in verdicts) + " |",
        "|---|" + "---|" * len(verdicts),
    ]
    for name in names:
        cells = [str(v.features[name].get("support", "")) if name in v.features else _expected(name) for v in verdicts]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for verdict in verdicts:
        if verdict.error:
            lines.append(f"\n{verdict.server}: {verdict.error}")
    return "\n".join(lines)


def peer_record(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """The peers' verdicts as the test keeps them: each feature the tester reported, with its support level
    (features it did not report are as it expects by default), and the versions that produced them."""
    return {
        "recorded_on": datetime.date.today().isoformat(),
        "caldav-server-tester": importlib.metadata.version("caldav-server-tester"),
        "caldav": importlib.metadata.version("caldav"),
        "peers": {
            v.server: {name: str(found.get("support", "")) for name, found in sorted(v.features.items())}
            for v in verdicts
            if v.server != "almanac" and not v.error
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--servers", default="almanac,radicale,xandikos", help="comma-separated: almanac, radicale, xandikos"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--peer-verdicts", type=Path, help="also write the peers' verdicts for the test to this file")
    args = parser.parse_args(argv)
    wanted = [name.strip() for name in args.servers.split(",") if name.strip()]
    peers = {spec.name: spec for spec in PEERS}
    verdicts: list[Verdict] = []
    with tempfile.TemporaryDirectory(prefix="almanac-caldav-compat-") as tmp:
        for name in wanted:
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"running caldav-server-tester against {name}...", file=sys.stderr, flush=True)
            if name == "almanac":
                verdicts.append(check_almanac(workdir))
            elif name in peers:
                verdicts.append(check_peer(peers[name], workdir))
            else:
                parser.error(f"unknown server {name!r}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    raw = {v.server: {"features": v.features, "error": v.error} for v in verdicts}
    args.output.write_text(json.dumps(raw, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if args.peer_verdicts is not None:
        args.peer_verdicts.write_text(json.dumps(peer_record(verdicts), indent=2) + "\n", encoding="utf-8")
    print(table(verdicts))
    print(f"\nraw verdicts: {args.output}", file=sys.stderr)
    return 1 if any(v.error for v in verdicts if v.server == "almanac") else 0


if __name__ == "__main__":
    raise SystemExit(main())
