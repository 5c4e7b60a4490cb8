"""The answer links of invitation mails: signed, expiring, usable without signing in; GET only asks, POST
records (spec §5.9.4's answer, outside the signed-in prefix)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from almanac.domain.invitations import sign_answer_token
from tests.api.exo_v1.conftest import Caller, MakeCaller
from tests.doubles import FakeClock

SECRET = "test-secret-test-secret-test-secret-0123"
PAGE = "/rest/v1/calendar/invitations/{}/answer"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"secret_key": SECRET}


@pytest.fixture
def invitation(caller: MakeCaller) -> tuple[Caller, Caller, str]:
    mary, john = caller("mary"), caller("john")
    event = mary.create_event(mary.default_calendar, subject="Sprint <review>", location="Room 2")
    assert mary.post(f"/events/{event}/invitations", json={"participant": "john"}).status_code == 201
    return mary, john, f"{event}:john"


def link(invitation: str, token: str, status: str | None = "yes") -> str:
    query = {"token": token} | ({"status": status} if status is not None else {})
    return PAGE.format(invitation) + "?" + urlencode(query)


def token_for(invitation: str, expires_at: datetime, secret: str = SECRET) -> str:
    return sign_answer_token(secret, invitation=invitation, expires_at=expires_at)


def status_of(mary: Caller, invitation: str) -> str:
    answer: str = mary.get(f"/invitations/{invitation}").json()["status"]
    return answer


def test_the_link_page_asks_and_the_post_records_without_signing_in(
    client: TestClient, clock: FakeClock, invitation: tuple[Caller, Caller, str]
) -> None:
    mary, _, inv = invitation
    token = token_for(inv, clock.now() + timedelta(days=1))
    page = client.get(link(inv, token))
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "Sprint &lt;review&gt;" in page.text and "<review>" not in page.text
    assert "Room 2" in page.text
    assert status_of(mary, inv) == "", "opening the link (as mail scanners do) answers nothing"

    recorded = client.post(link(inv, token, "maybe"))
    assert recorded.status_code == 200
    assert "Your answer has been recorded: Maybe" in recorded.text
    assert status_of(mary, inv) == "maybe"
    assert mary.get(f"/events/{inv.split(':')[0]}/invitations?status=maybe").json()["data"][0]["participant"] == "john"

    assert client.post(link(inv, token, "no")).status_code == 200
    assert status_of(mary, inv) == "no"


def test_the_page_speaks_the_callers_language(
    client: TestClient, clock: FakeClock, invitation: tuple[Caller, Caller, str]
) -> None:
    _, _, inv = invitation
    token = token_for(inv, clock.now() + timedelta(days=1))
    page = client.post(link(inv, token, "yes"), headers={"Accept-Language": "ja"})
    assert "回答を記録しました: 参加する" in page.text
    assert page.headers["Content-Language"] == "ja"


@pytest.mark.parametrize("status", [None, "", "accepted"])
def test_a_link_without_a_valid_answer_offers_the_choices_and_records_nothing(
    client: TestClient, clock: FakeClock, invitation: tuple[Caller, Caller, str], status: str | None
) -> None:
    mary, _, inv = invitation
    token = token_for(inv, clock.now() + timedelta(days=1))
    page = client.get(link(inv, token, status))
    assert page.status_code == 200
    assert page.text.count('<form method="post"') == 3
    assert client.post(link(inv, token, status)).status_code == 400
    assert status_of(mary, inv) == ""


def test_tampered_links_are_refused(
    client: TestClient, clock: FakeClock, invitation: tuple[Caller, Caller, str]
) -> None:
    mary, _, inv = invitation
    expires = clock.now() + timedelta(days=1)
    token = token_for(inv, expires)
    version, stamp, signature = token.split(".")
    later = int(stamp) + 86400
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forged = [
        f"{version}.{later}.{signature}",  # a longer life
        f"{version}.{stamp}.{flipped}",  # another signature
        token_for(inv, expires, secret="another-secret-another-secret-another"),
        token_for(f"{inv.split(':')[0]}:mary", expires),  # signed for another invitation
        "",
        "v1..",
        "v2." + token.partition(".")[2],
        token + "x",
    ]
    for bad in forged:
        for response in (client.get(link(inv, bad)), client.post(link(inv, bad))):
            assert response.status_code == 403, bad
            assert "This answer link is not valid" in response.text
    assert status_of(mary, inv) == ""


def test_links_expire_by_the_servers_clock(
    client: TestClient, clock: FakeClock, invitation: tuple[Caller, Caller, str]
) -> None:
    mary, _, inv = invitation
    token = token_for(inv, clock.now() + timedelta(hours=1))
    clock.advance(timedelta(minutes=59, seconds=59))
    assert client.get(link(inv, token)).status_code == 200
    clock.advance(timedelta(seconds=1))
    for response in (client.get(link(inv, token)), client.post(link(inv, token))):
        assert response.status_code == 403
        assert "This answer link has expired" in response.text
    assert status_of(mary, inv) == ""


def test_a_link_of_someone_uninvited_finds_nothing(
    client: TestClient, clock: FakeClock, invitation: tuple[Caller, Caller, str]
) -> None:
    mary, _, inv = invitation
    token = token_for(inv, clock.now() + timedelta(days=1))
    assert mary.delete(f"/invitations/{inv}").status_code == 200
    response = client.post(link(inv, token))
    assert response.status_code == 404
    assert "This invitation no longer exists." in response.text


def test_the_signed_in_api_ignores_link_tokens(
    client: TestClient, clock: FakeClock, invitation: tuple[Caller, Caller, str]
) -> None:
    _, _, inv = invitation
    token = token_for(inv, clock.now() + timedelta(days=1))
    response = client.put(f"/rest/private/v1/calendar/invitations/{inv}?status=yes&token={token}")
    assert response.status_code == 401
