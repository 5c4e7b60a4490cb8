"""Every curl example of the Back Office seed, run verbatim (host replaced) against a real server process.

A new user follows the README: start ``almanac serve``, add users and a token
with the CLI, and paste the seed's examples. This test does exactly that, with
the real ``curl`` binary and the real CLI, on SQLite or on the test PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SEED = Path(__file__).parent / "data" / "seed-backoffice-calendar-events-v2.txt"
ALMANAC = [sys.executable, "-m", "almanac.cli"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("curl") is None, reason="the seed's examples are curl commands"),
]


def curl_examples() -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    return [m.group(0) for m in re.finditer(r"curl .*?(?=\n\n|\nResponse)", text, flags=re.S)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "ALMANAC_DATABASE_URL": database_url}
    run = lambda *args: subprocess.run([*ALMANAC, *args], env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run("user", "add", "admin", "--email", "admin@example.com", "--password", "Secret123")
    run("user", "add", "user", "--email", "user@example.com", "--name", "Back Office User")
    token = run("token", "issue", "admin").stdout.strip()
    port = free_port()
    process = subprocess.Popen(
        [*ALMANAC, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # generous: a loaded CI machine starts Python slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"server did not start: {process.communicate()[0]!r}")
    yield base, {"token": token}
    process.terminate()
    process.wait(timeout=10)


# The details example reads "curl --location -- request GET 'URL' --header ...": after "--", curl
# takes every remaining word as a URL, so "request" and "GET" become hosts and the Authorization
# header is never sent. Pin those hosts to a closed loopback port so no lookup leaves the machine.
_TYPO_HOSTS = "--resolve request:80:127.0.0.1 --resolve GET:80:127.0.0.1 --connect-timeout 2"
_MARK = re.compile(r"<<<(\d{3}) (\S*)>>>")


def run_curl(example: str, base: str, token: str) -> tuple[int, str]:
    """Run one example; return the status and body of the transfer to ``base``."""
    command = example.replace("https://host.name", base).replace("<token>", token)
    command = command.replace(
        "curl ", f"curl --silent {_TYPO_HOSTS} --write-out '<<<%{{http_code}} %{{url_effective}}>>>' ", 1
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30, check=False)
    body_start = 0
    for match in _MARK.finditer(done.stdout):
        if match.group(2).startswith(base):
            return int(match.group(1)), done.stdout[body_start : match.start()]
        body_start = match.end()
    raise AssertionError(f"no transfer to {base}: {done.stdout!r} {done.stderr!r}")


def test_the_seed_has_five_curl_examples_for_the_six_methods() -> None:
    examples = curl_examples()
    assert len(examples) == 5
    assert all("https://host.name/api/v2/calendars/events" in e for e in examples)
    assert ["--data-raw" in e for e in examples] == [False, False, True, True, False]


def test_every_seed_example_works_verbatim(server: tuple[str, dict[str, str]]) -> None:
    base, credentials = server
    listing, details, create, update, delete = curl_examples()

    status, body = run_curl(create, base, credentials["token"])
    assert status == 201, body
    created = json.loads(body)
    assert created["id"] == 1
    assert created["caption"] == "Name"
    assert created["startDate"] == created["endDate"] == "2022-01-01T00:00:00+00:00"
    assert created["notifications"] == ["PT2H"]
    assert created["recipients"] == ["user@example.com"]

    status, body = run_curl(listing, base, credentials["token"])
    assert status == 200, body
    assert [event["id"] for event in json.loads(body)] == [1]

    # Verbatim, the details example sends no credentials (see _TYPO_HOSTS): it must be refused...
    status, body = run_curl(details, base, credentials["token"])
    assert status == 401, body
    # ...and with its typo fixed it returns the event.
    status, body = run_curl(details.replace("-- request", "--request"), base, credentials["token"])
    assert status == 200, body
    assert json.loads(body) == created

    status, body = run_curl(update, base, credentials["token"])
    assert status == 200, body
    assert json.loads(body)["caption"] == "Name"

    status, body = run_curl(delete, base, credentials["token"])
    assert (status, body) == (204, "")
    status, body = run_curl(details.replace("-- request", "--request"), base, credentials["token"])
    assert status == 404


def test_signin_as_the_back_office_does(server: tuple[str, dict[str, str]]) -> None:
    base, _ = server
    response = httpx.post(f"{base}/api/v2/signin", json={"email": "admin@example.com", "password": "Secret123"})
    assert response.status_code == 200
    token = response.json()["accessToken"]["token"]
    assert httpx.get(f"{base}/api/v2/calendars/events", headers={"Authorization": f"Bearer {token}"}).status_code == 200
