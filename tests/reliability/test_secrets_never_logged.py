"""No password, token, private feed secret or webhook secret ever reaches a log line.

Two runs capture everything that is logged while every kind of secret is used:
in-process with the root logger at DEBUG (SQLAlchemy, httpx, the worker, the
faces, the last-resort error log), and a real ``almanac serve`` process at
``--log-level debug`` with uvicorn's access log, both its streams read whole.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from almanac.api.log_redaction import REDACTED, redact
from almanac.bootstrap import Container
from almanac.domain.webhooks import verify
from almanac.services import accounts, auth, calendar_feeds
from tests.dav.live import free_port
from tests.worker.peers import WebhookReceiver

EXO = "/rest/private/v1/calendar"
FEED = "/rest/v1/calendar/calendars/alice-defaultCalendarId"
WRONG_PASSWORD = "Mistyped-Passw0rd-9371"
ALMANAC = [sys.executable, "-m", "almanac.cli"]
HANG_BOUND = 30.0  # seconds; only against a hang


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def use_every_secret(client: httpx.Client | TestClient, api_token: str, password: str, hook_url: str) -> list[str]:
    """Sign in, refresh, sign out, read with Basic over eXo and CalDAV, mint and read a private feed, register
    a webhook; every secret used or handed out, in the order they appear."""
    secrets = [api_token, password, WRONG_PASSWORD]
    signed_in = client.post("/api/v2/signin", json={"email": "alice@example.com", "password": password})
    assert signed_in.status_code == 200, signed_in.text
    access, refresh = (signed_in.json()[kind]["token"] for kind in ("accessToken", "refreshToken"))
    secrets += [access, refresh]
    assert client.get("/api/v2/calendars/events", headers=bearer(access)).status_code == 200
    refreshed = client.post("/api/v2/refresh", json={"refreshToken": refresh})
    assert refreshed.status_code == 200, refreshed.text
    access, refresh = (refreshed.json()[kind]["token"] for kind in ("accessToken", "refreshToken"))
    secrets += [access, refresh]
    assert client.get("/api/v2/calendars/events", headers=bearer(access)).status_code == 200
    # A token in a query string (some scripts do that) is not a credential here, but must not be logged either.
    client.get("/api/v2/calendars/events", params={"access_token": access})
    assert client.post("/api/v2/signout", headers=bearer(access)).status_code == 204
    assert client.get(EXO + "/calendars", headers=basic("alice", password)).status_code == 200
    assert client.get(EXO + "/calendars", headers=basic("alice", WRONG_PASSWORD)).status_code == 401
    dav = client.request("PROPFIND", "/dav/calendars/alice/", headers={**basic("alice", password), "Depth": "1"})
    assert dav.status_code == 207
    assert client.request("PROPFIND", "/dav/", headers=basic("alice", WRONG_PASSWORD)).status_code == 401
    minted = client.post(EXO + "/calendars/alice-defaultCalendarId/private-url", headers=bearer(api_token))
    assert minted.status_code == 201, minted.text
    feed_secret = minted.json()["privateURL"].rsplit("/private/", 1)[1].removesuffix(".ics")
    secrets.append(feed_secret)
    assert client.get(f"{FEED}/private/{feed_secret}.ics").status_code == 200
    hook = client.post(
        "/api/v2/webhooks", json={"url": hook_url, "eventTypes": ["event.created"]}, headers=bearer(api_token)
    )
    assert hook.status_code == 201, hook.text
    secrets.append(hook.json()["secret"])
    created = client.post(
        "/api/v2/calendars/events",
        json={"caption": "Launch", "startDate": "2026-03-02T09:00:00Z", "endDate": "2026-03-02T10:00:00Z"},
        headers=bearer(api_token),
    )
    assert created.status_code == 201, created.text
    return secrets


def assert_no_secret_in(lines: list[str], secrets: list[str]) -> None:
    assert all(len(s) >= 12 for s in secrets), "a short secret could match by chance"
    for line in lines:
        for secret in secrets:
            assert secret not in line, f"a secret is logged: {line!r}"


def test_redaction_hides_feed_secrets_and_secret_parameters() -> None:
    assert redact('"GET /rest/v1/calendar/calendars/a/private/Zx_9-q.ics HTTP/1.1" 200') == (
        f'"GET /rest/v1/calendar/calendars/a/private/{REDACTED}.ics HTTP/1.1" 200'
    )
    assert redact("/answer?status=accepted&token=abc.def") == f"/answer?status=accepted&token={REDACTED}"
    assert redact("/x?access_token=t0k&limit=5") == f"/x?access_token={REDACTED}&limit=5"
    assert redact("/api/v2/calendars/events?limit=5") == "/api/v2/calendars/events?limit=5"


def test_nothing_secret_is_logged_in_process_at_debug(
    client: TestClient,
    container: Container,
    receiver: WebhookReceiver,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    password = "Alice-Own-Passw0rd-1187"
    accounts.add_user(
        container.services, username="alice", email="alice@example.com", display_name="Alice", password=password
    )
    api_token = auth.issue_api_token(container.services, username="alice").secret
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its own loggers at WARNING; INFO is what ALMANAC_DATABASE_ECHO turns on (statements and
    # their parameters; DEBUG would add result rows, i.e. stored data, and is no production setting).
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    secrets = use_every_secret(client, api_token, password, receiver.url)
    delivered = asyncio.run(container.worker(worker_id="test").drain())
    assert delivered == 1
    (post,) = receiver.received()
    now = int(container.services.clock.now().timestamp())
    assert verify(secrets[-1], post.headers["almanac-signature"], post.body, now=now)
    assert json.loads(post.body)["type"] == "event.created"

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug while serving a feed")

    # The last-resort error log names the failing path: a private feed's must be redacted.
    monkeypatch.setattr(calendar_feeds, "private_feed", broken)
    assert client.get(f"{FEED}/private/{secrets[-2]}.ics").status_code == 500

    lines = [
        caplog.handler.format(record)
        for record in caplog.records
        # The test's own HTTP client logs the URLs it requests (http://testserver/...): not the server's log.
        if not (record.name.startswith("httpx") and "http://testserver" in record.getMessage())
    ]
    assert any("unexpected error on GET" in line and REDACTED in line for line in lines)
    assert any(record.name.startswith("sqlalchemy") for record in caplog.records), "SQL logging was not captured"
    assert_no_secret_in(lines, secrets)


def test_nothing_secret_is_logged_by_a_real_server_process(
    database_url: str, tmp_path: Path, receiver: WebhookReceiver
) -> None:
    env = {
        **os.environ,
        "ALMANAC_DATABASE_URL": database_url,
        "ALMANAC_RATE_LIMIT_PER_TOKEN_PER_MINUTE": "0",
        "ALMANAC_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "0",
        "ALMANAC_WORKER_POLL_INTERVAL": "0.2",
    }
    password = "Alice-Real-Passw0rd-5521"

    def cli(*args: str) -> str:
        done = subprocess.run([*ALMANAC, *args], env=env, check=True, capture_output=True, text=True)
        return done.stdout.strip()

    cli("user", "add", "alice", "--email", "alice@example.com", "--password", password)
    api_token = cli("token", "issue", "alice")
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [*ALMANAC, "serve", "--port", str(port), "--log-level", "debug"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + HANG_BOUND
            while True:
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and process.poll() is None, log_path.read_text()
                time.sleep(0.1)
            with httpx.Client(base_url=base, timeout=HANG_BOUND) as client:
                secrets = use_every_secret(client, api_token, password, receiver.url)
            deadline = time.monotonic() + HANG_BOUND
            while not receiver.received() and time.monotonic() < deadline:
                time.sleep(0.1)
            (post,) = receiver.received()
            assert verify(secrets[-1], post.headers["almanac-signature"], post.body, now=int(time.time()))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=HANG_BOUND)
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    # The access log was on and saw the feed request, with its secret redacted.
    assert any(f"/private/{REDACTED}.ics" in line for line in lines), lines
    assert any("/api/v2/signin" in line for line in lines)
    assert_no_secret_in(lines, secrets)
