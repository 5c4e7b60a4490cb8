"""The sign-in limit (signin_max_failures within signin_window_seconds) on every way of giving a password:
Back Office sign-in, HTTP Basic on the eXo face, and HTTP Basic on CalDAV, with one count per user."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeAccount
from tests.doubles import FakeClock

EXO = "/rest/private/v1/calendar"
SIGNIN = "/api/v2/signin"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"signin_max_failures": 3, "signin_window_seconds": 60}


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def dav_propfind(client: TestClient, password: str, **headers: str) -> httpx.Response:
    return client.request(
        "PROPFIND", "/dav/calendars/alice/", headers={**basic("alice", password), "Depth": "0", **headers}
    )


def signin(client: TestClient, password: str) -> httpx.Response:
    return client.post(SIGNIN, json={"email": "alice@example.com", "password": password})


def test_back_office_sign_in_is_limited_even_for_the_right_password(
    client: TestClient, make_account: MakeAccount, clock: FakeClock
) -> None:
    make_account("alice")
    assert [signin(client, "wrong").status_code for _ in range(3)] == [401, 401, 401]
    locked = signin(client, "pw-alice")
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "60"
    assert locked.json()["code"] == "rate_limited"
    clock.advance(timedelta(seconds=61))
    assert signin(client, "pw-alice").status_code == 200


def test_bad_passwords_over_caldav_basic_hit_the_same_limit(
    client: TestClient, make_account: MakeAccount, clock: FakeClock
) -> None:
    make_account("alice")
    assert [dav_propfind(client, "wrong").status_code for _ in range(3)] == [401, 401, 401]
    locked = dav_propfind(client, "pw-alice", **{"Accept-Language": "ja"})
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "60"
    assert locked.text == "試行回数が多すぎます。60 秒後にもう一度お試しください。\n"
    # One count per user: the other faces are locked too, so guesses cannot alternate between them.
    assert signin(client, "pw-alice").status_code == 429
    exo = client.get(EXO + "/calendars", headers=basic("alice", "pw-alice"))
    assert exo.status_code == 429
    assert exo.json() == {"message": "Too many attempts. Try again in 60 seconds.", "developerMessage": "rate_limited"}
    clock.advance(timedelta(seconds=61))
    assert dav_propfind(client, "pw-alice").status_code == 207


def test_bad_passwords_over_exo_basic_count_and_a_success_clears_them(
    client: TestClient, make_account: MakeAccount
) -> None:
    make_account("alice")
    for _ in range(2):
        assert client.get(EXO + "/calendars", headers=basic("alice", "wrong")).status_code == 401
    assert client.get(EXO + "/calendars", headers=basic("alice", "pw-alice")).status_code == 200
    # The success forgot the failures: two more wrong ones do not reach the limit of three.
    for _ in range(2):
        assert client.get(EXO + "/calendars", headers=basic("alice", "wrong")).status_code == 401
    assert client.get(EXO + "/calendars", headers=basic("alice", "pw-alice")).status_code == 200


def test_unknown_usernames_are_limited_too(client: TestClient) -> None:
    for _ in range(3):
        assert client.get(EXO + "/calendars", headers=basic("nobody", "guess")).status_code == 401
    assert client.get(EXO + "/calendars", headers=basic("nobody", "guess")).status_code == 429


def test_a_token_given_as_the_basic_password_is_not_limited_by_earlier_failures(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    for _ in range(3):
        assert client.get(EXO + "/calendars", headers=basic("alice", "wrong")).status_code == 401
    assert client.get(EXO + "/calendars", headers=basic("alice", alice.token)).status_code == 200
