"""Security headers on every response of every face: successes, errors, 404s, DAV, feeds, 413s, 500s."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import build_container
from almanac.config import Settings
from almanac.passwords import Argon2PasswordHasher
from almanac.services import series_reads
from tests.conftest import MakeAccount

EXO = "/rest/private/v1/calendar"
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
ALICE_BASIC = {"Authorization": "Basic " + base64.b64encode(b"alice:pw-alice").decode()}

Send = Callable[[TestClient, dict[str, str]], httpx.Response]

SAMPLES: dict[str, tuple[Send, int]] = {
    "back office list": (lambda c, h: c.get("/api/v2/calendars/events", headers=h), 200),
    "back office 401": (lambda c, h: c.get("/api/v2/calendars/events"), 401),
    "back office 404": (lambda c, h: c.get("/api/v2/calendars/events/999", headers=h), 404),
    "back office 400": (lambda c, h: c.get("/api/v2/calendars/events?limit=x", headers=h), 400),
    "unknown route": (lambda c, h: c.get("/nowhere"), 404),
    "exo calendars": (lambda c, h: c.get(EXO + "/calendars", headers=h), 200),
    "exo empty 404": (lambda c, h: c.get(EXO + "/events/nothing", headers=h), 404),
    "exo ics export": (lambda c, h: c.get(EXO + "/calendars/alice-defaultCalendarId/ics", headers=h), 200),
    "public feed 404": (lambda c, h: c.get("/rest/v1/calendar/calendars/alice-defaultCalendarId/ics"), 404),
    "caldav propfind": (
        lambda c, h: c.request("PROPFIND", "/dav/calendars/alice/", headers={**ALICE_BASIC, "Depth": "1"}),
        207,
    ),
    "caldav 401": (lambda c, h: c.request("PROPFIND", "/dav/calendars/alice/"), 401),
    "caldav options": (lambda c, h: c.request("OPTIONS", "/dav/"), 200),
    "openapi": (lambda c, h: c.get("/openapi.json"), 200),
    "body too large": (
        lambda c, h: c.post("/api/v2/calendars/events", content=b"x" * 2048, headers=h),
        413,
    ),
}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_body_bytes": 1024}


def assert_secure(response: httpx.Response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # only when configured


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_face_sends_the_security_headers(name: str, client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    send, status = SAMPLES[name]
    response = send(client, alice.headers)
    assert response.status_code == status, response.text
    assert_secure(response)
    if not response.headers.get("content-type", "").startswith("text/html"):
        assert response.headers["Content-Security-Policy"] == DATA_CSP


def test_authenticated_json_is_not_stored_unless_the_face_chose_its_caching(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    assert client.get("/api/v2/calendars/events", headers=alice.headers).headers["Cache-Control"] == "no-store"
    dav = client.request("PROPFIND", "/dav/calendars/alice/", headers={**ALICE_BASIC, "Depth": "0"})
    assert dav.headers["Cache-Control"] == "no-store"
    # eXo sets its own caching (spec §1.8), which is kept.
    exo = client.get(EXO + "/calendars/alice-defaultCalendarId", headers=alice.headers)
    assert exo.status_code == 200
    assert exo.headers["Cache-Control"] != "no-store"


def test_the_api_pages_may_run_their_scripts_but_not_be_framed(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert_secure(page)
    assert page.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_an_unexpected_failure_still_carries_the_headers(
    client: TestClient, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = make_account("alice")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(series_reads, "list_own_occurrences", broken)
    failed = client.get(EXO + "/events", headers=alice.headers)
    assert failed.status_code == 500
    assert_secure(failed)


def test_strict_transport_security_is_sent_when_configured(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        strict_transport_security="max-age=63072000; includeSubDomains",
        rate_limit_per_address_per_minute=0,
    )
    container = build_container(settings, passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64))
    try:
        with TestClient(container.web_app()) as client:
            for response in (client.get("/nowhere"), client.request("OPTIONS", "/dav/")):
                assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    finally:
        container.close()


def test_a_strict_transport_security_without_max_age_is_refused() -> None:
    with pytest.raises(ValueError, match="max-age"):
        Settings(strict_transport_security="includeSubDomains")
