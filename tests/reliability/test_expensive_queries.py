"""The cap on expensive queries at once: over it, 503 with Retry-After on every face, and recovery after."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from almanac.api.expensive_queries import ExpensiveQueryGuard
from almanac.bootstrap import Container
from almanac.domain.errors import BusyError
from almanac.services import series_reads
from tests.conftest import Account, MakeAccount

EXO = "/rest/private/v1/calendar"
REPORT = (
    '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>'
    '<c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>'
)
HANG_BOUND = 30.0  # seconds; only against a hang, never a speed claim


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_concurrent_expensive_queries": 1, "expensive_query_wait_seconds": 0.2}


def guard(container: Container) -> ExpensiveQueryGuard:
    held: ExpensiveQueryGuard = container.web_app().state.expensive_queries
    return held


def basic(username: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:pw-{username}".encode()).decode()}


Send = Callable[[TestClient, Account], httpx.Response]

EXPENSIVE: dict[str, Send] = {
    "back office expanded list": lambda c, a: c.get(
        "/api/v2/calendars/events",
        params={
            "expand": "occurrences",
            "filter[startDate]": "2026-01-01T00:00:00Z",
            "filter[endDate]": "2026-02-01T00:00:00Z",
        },
        headers=a.headers,
    ),
    "back office occurrences": lambda c, a: c.get(
        "/api/v2/calendars/events/1/occurrences",
        params={"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"},
        headers=a.headers,
    ),
    "exo event query": lambda c, a: c.get(EXO + "/events", headers=a.headers),
    "exo occurrences": lambda c, a: c.get(EXO + "/events/Event1/occurrences", headers=a.headers),
    "exo availabilities": lambda c, a: c.get(EXO + "/availabilities", params={"usernames": "alice"}, headers=a.headers),
    "exo ics export": lambda c, a: c.get(EXO + "/calendars/alice-defaultCalendarId/ics", headers=a.headers),
    "exo rss": lambda c, a: c.get(EXO + "/feeds/none/rss", headers=a.headers),
    "public feed": lambda c, a: c.get("/rest/v1/calendar/calendars/alice-defaultCalendarId/ics"),
    "private feed": lambda c, a: c.get("/rest/v1/calendar/calendars/alice-defaultCalendarId/private/guess.ics"),
    "caldav report": lambda c, a: c.request(
        "REPORT",
        "/dav/calendars/alice/alice-defaultCalendarId/",
        content=REPORT,
        headers={**basic("alice"), "Depth": "1"},
    ),
    "caldav propfind depth 1": lambda c, a: c.request(
        "PROPFIND", "/dav/calendars/alice/alice-defaultCalendarId/", headers={**basic("alice"), "Depth": "1"}
    ),
}

CHEAP: dict[str, Send] = {
    "back office list": lambda c, a: c.get("/api/v2/calendars/events", headers=a.headers),
    "exo calendars": lambda c, a: c.get(EXO + "/calendars", headers=a.headers),
    "caldav propfind depth 0": lambda c, a: c.request(
        "PROPFIND", "/dav/calendars/alice/alice-defaultCalendarId/", headers={**basic("alice"), "Depth": "0"}
    ),
}


@pytest.mark.parametrize("name", sorted(EXPENSIVE))
def test_an_expensive_query_over_the_cap_is_refused_with_503_then_served(
    name: str, client: TestClient, container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    with guard(container).hold():
        refused = EXPENSIVE[name](client, alice)
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    message = "The server is busy with other expensive requests. Try again in 1 seconds."
    assert message in refused.text
    served = EXPENSIVE[name](client, alice)
    assert served.status_code != 503, served.text


@pytest.mark.parametrize("name", sorted(CHEAP))
def test_ordinary_requests_are_served_while_the_cap_is_reached(
    name: str, client: TestClient, container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    with guard(container).hold():
        assert CHEAP[name](client, alice).status_code in (200, 207)


def test_the_503_is_translated_in_each_faces_shape(
    client: TestClient, container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    ja = {"Accept-Language": "ja"}
    busy = "サーバーは他の負荷の高いリクエストを処理中です。1 秒後にもう一度お試しください。"
    with guard(container).hold():
        exo = client.get(EXO + "/events", headers={**alice.headers, **ja})
        back_office = client.get(
            "/api/v2/calendars/events/1/occurrences",
            params={"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"},
            headers={**alice.headers, **ja},
        )
        feed = client.get("/rest/v1/calendar/calendars/alice-defaultCalendarId/ics", headers=ja)
        dav = client.request(
            "REPORT", "/dav/calendars/alice/alice-defaultCalendarId/", content=REPORT, headers={**basic("alice"), **ja}
        )
    assert exo.json() == {"message": busy, "developerMessage": "busy"}
    assert back_office.json() == {"code": "busy", "message": busy, "errors": []}
    assert (feed.text, feed.headers["Content-Type"]) == (busy + "\n", "text/plain; charset=utf-8")
    assert (dav.status_code, dav.text) == (503, busy + "\n")


def test_requests_holding_the_cap_make_the_next_one_wait_then_503_and_it_recovers(
    client: TestClient, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real requests hold the only slot (a slow step patched into the event query); the next is refused."""
    alice = make_account("alice")
    entered, release = threading.Event(), threading.Event()
    original = series_reads.list_own_occurrences

    def slow(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(HANG_BOUND)
        return original(*args, **kwargs)

    monkeypatch.setattr(series_reads, "list_own_occurrences", slow)
    with ThreadPoolExecutor(max_workers=1) as pool:
        holder = pool.submit(client.get, EXO + "/events", headers=alice.headers)
        assert entered.wait(HANG_BOUND)
        refused = client.get(EXO + "/events", headers=alice.headers)
        release.set()
        assert holder.result(HANG_BOUND).status_code == 200
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert client.get(EXO + "/events", headers=alice.headers).status_code == 200


def test_a_newcomer_waits_for_a_slot_that_frees_up_within_the_wait() -> None:
    held = ExpensiveQueryGuard(limit=1, wait_seconds=HANG_BOUND)
    acquired = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        with held.hold():

            def newcomer() -> bool:
                with held.hold():
                    acquired.set()
                return True

            waiting = pool.submit(newcomer)
            assert not acquired.is_set()
        assert waiting.result(HANG_BOUND) is True


def test_the_cap_refuses_past_the_wait_and_zero_means_no_cap() -> None:
    held = ExpensiveQueryGuard(limit=1, wait_seconds=0)
    with held.hold(), pytest.raises(BusyError) as refused, held.hold():
        pass
    assert refused.value.params == {"retry_after": 1}
    uncapped = ExpensiveQueryGuard(limit=0, wait_seconds=0)
    with uncapped.hold(), uncapped.hold():
        pass
