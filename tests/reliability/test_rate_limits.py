"""Request rate limits on every face: 429 with Retry-After, in each face's error shape and the caller's language."""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi.testclient import TestClient

from almanac.api.rate_limits import RateLimiter, rate_limiters
from almanac.config import Settings
from tests.conftest import MakeAccount

EXO = "/rest/private/v1/calendar"
BURST = 3


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    # Six a minute: one every ten seconds, so a test's own duration refills nothing measurable.
    return {"rate_limit_per_token_per_minute": 6, "rate_limit_per_address_per_minute": 6, "rate_limit_burst": BURST}


class SteppingClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def exhaust(client: TestClient, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """Make the burst of requests, then one more, and return that one."""
    for _ in range(BURST):
        assert client.get(path, headers=headers).status_code != 429
    return client.get(path, headers=headers)


def assert_retry_after(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 10
    return seconds


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = SteppingClock()
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock)
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0  # another caller has its own bucket
    clock.now += 0.5
    assert limiter.wait("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    clock.now += 3600
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") > 0.0  # an hour's rest refills the bucket to its burst, never above


def test_a_limiter_forgets_the_least_recent_caller_past_its_size() -> None:
    clock = SteppingClock()
    limiter = RateLimiter(per_minute=1, burst=1, clock=clock, max_keys=2)
    limiter.take("a")
    limiter.take("b")
    limiter.take("c")
    assert limiter.wait("a") == 0.0  # forgotten: a full bucket again
    assert limiter.wait("c") > 0.0


def test_zero_switches_a_limit_off_also_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALMANAC_RATE_LIMIT_PER_TOKEN_PER_MINUTE", "0")
    monkeypatch.setenv("ALMANAC_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "0")
    settings = Settings()
    assert (settings.rate_limit_per_token_per_minute, settings.rate_limit_per_address_per_minute) == (0, 0)
    assert rate_limiters(per_token_per_minute=0, per_address_per_minute=0, burst=10) == (None, None)
    monkeypatch.delenv("ALMANAC_RATE_LIMIT_PER_TOKEN_PER_MINUTE")
    monkeypatch.delenv("ALMANAC_RATE_LIMIT_PER_ADDRESS_PER_MINUTE")
    defaults = Settings()
    assert defaults.rate_limit_per_token_per_minute > 0 and defaults.rate_limit_per_address_per_minute > 0


def test_back_office_answers_429_in_its_json_shape_in_english_and_japanese(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    refused = exhaust(client, "/api/v2/calendars/events", alice.headers)
    seconds = assert_retry_after(refused)
    assert refused.json() == {
        "code": "rate_limited",
        "message": f"Too many requests. Try again in {seconds} seconds.",
        "errors": [],
    }
    japanese = client.get("/api/v2/calendars/events", headers={**alice.headers, "Accept-Language": "ja"})
    seconds = assert_retry_after(japanese)
    assert japanese.json()["message"] == f"リクエストが多すぎます。{seconds} 秒後にもう一度お試しください。"
    assert japanese.headers["Content-Language"] == "ja"
    assert japanese.headers["X-Content-Type-Options"] == "nosniff"


def test_exo_answers_429_in_its_json_shape(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    refused = exhaust(client, EXO + "/calendars", alice.headers)
    seconds = assert_retry_after(refused)
    assert refused.json() == {
        "message": f"Too many requests. Try again in {seconds} seconds.",
        "developerMessage": "rate_limited",
    }
    japanese = client.get(EXO + "/calendars", headers={**alice.headers, "Accept-Language": "ja,en;q=0.5"})
    assert japanese.json()["message"].startswith("リクエストが多すぎます。")


def test_feeds_answer_429_in_plain_text(client: TestClient) -> None:
    refused = exhaust(client, "/rest/v1/calendar/calendars/nothing/ics")
    seconds = assert_retry_after(refused)
    assert refused.headers["Content-Type"].startswith("text/plain")
    assert refused.text == f"Too many requests. Try again in {seconds} seconds.\n"
    japanese = client.get("/rest/v1/calendar/calendars/nothing/ics", headers={"Accept-Language": "ja"})
    assert japanese.text.startswith("リクエストが多すぎます。")


def test_caldav_answers_429_in_plain_text_with_its_dav_header(client: TestClient, make_account: MakeAccount) -> None:
    make_account("alice")
    auth = {"Authorization": "Basic " + base64.b64encode(b"alice:pw-alice").decode(), "Depth": "0"}
    for _ in range(BURST):
        assert client.request("PROPFIND", "/dav/calendars/alice/", headers=auth).status_code == 207
    refused = client.request("PROPFIND", "/dav/calendars/alice/", headers={**auth, "Accept-Language": "ja"})
    seconds = assert_retry_after(refused)
    assert refused.text == f"リクエストが多すぎます。{seconds} 秒後にもう一度お試しください。\n"
    assert refused.headers["DAV"] == "1, 3, calendar-access"


def test_each_token_has_its_own_bucket_and_anonymous_callers_share_their_address(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice, bob = make_account("alice"), make_account("bob")
    assert exhaust(client, "/api/v2/calendars/events", alice.headers).status_code == 429
    assert client.get("/api/v2/calendars/events", headers=bob.headers).status_code == 200
    # The anonymous address bucket was not touched by the token holders.
    assert client.get("/rest/v1/calendar/calendars/nothing/ics").status_code == 404


def test_refused_credentials_are_charged_to_the_address(client: TestClient) -> None:
    """Inventing a new token per request buys no fresh bucket: each 401 spends the address's."""
    for attempt in range(BURST):
        refused = client.get("/api/v2/calendars/events", headers={"Authorization": f"Bearer invented-{attempt}"})
        assert refused.status_code == 401
    assert_retry_after(client.get("/api/v2/calendars/events", headers={"Authorization": "Bearer invented-new"}))
    assert_retry_after(client.get("/rest/v1/calendar/calendars/nothing/ics"))
