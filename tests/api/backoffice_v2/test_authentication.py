"""Bearer tokens, sign-in (with its rate limit), refresh and sign-out."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.api.backoffice_v2.factories import EVENTS
from tests.conftest import MakeAccount
from tests.doubles import FakeClock

SIGNIN = "/api/v2/signin"


def _signin(client: TestClient, email: str, password: str) -> dict[str, object]:
    response = client.post(SIGNIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_signin_returns_a_token_pair_as_the_back_office_does(client: TestClient, make_account: MakeAccount) -> None:
    make_account("alice")
    body = _signin(client, "ALICE@example.com", "pw-alice")
    assert body["2faRequired"] is False
    access, refresh = body["accessToken"], body["refreshToken"]
    assert isinstance(access, dict) and isinstance(refresh, dict)
    assert access["createdAt"] == "2026-01-05T09:00:00+00:00"
    assert access["expiresAt"] == "2026-01-05T10:00:00+00:00"
    assert refresh["expiresAt"] == "2026-02-04T09:00:00+00:00"
    events = client.get(EVENTS, headers={"Authorization": f"Bearer {access['token']}"})
    assert events.status_code == 200


def test_wrong_credentials_are_401(client: TestClient, make_account: MakeAccount) -> None:
    make_account("alice")
    wrong_password = client.post(SIGNIN, json={"email": "alice@example.com", "password": "nope"})
    unknown_email = client.post(SIGNIN, json={"email": "who@example.com", "password": "pw-alice"})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["message"] == unknown_email.json()["message"]
    assert client.post(SIGNIN, json={"email": "alice@example.com"}).status_code == 400


def test_more_than_five_failures_a_minute_is_429_until_they_age_out(
    client: TestClient, make_account: MakeAccount, clock: FakeClock
) -> None:
    make_account("alice")
    for _ in range(5):
        assert client.post(SIGNIN, json={"email": "alice@example.com", "password": "bad"}).status_code == 401
        clock.advance(timedelta(seconds=5))
    limited = client.post(SIGNIN, json={"email": "Alice@Example.com", "password": "pw-alice"})
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert limited.headers["retry-after"] == "35"
    other = make_account("bob")
    assert client.post(SIGNIN, json={"email": other.user.email, "password": "pw-bob"}).status_code == 200
    clock.advance(timedelta(seconds=36))
    assert client.post(SIGNIN, json={"email": "alice@example.com", "password": "pw-alice"}).status_code == 200


def test_refresh_rotates_the_pair(client: TestClient, make_account: MakeAccount) -> None:
    make_account("alice")
    first = _signin(client, "alice@example.com", "pw-alice")
    old_refresh = first["refreshToken"]["token"]  # type: ignore[index]
    old_access = first["accessToken"]["token"]  # type: ignore[index]
    second = client.post("/api/v2/refresh", json={"refreshToken": old_refresh})
    assert second.status_code == 200
    new_access = second.json()["accessToken"]["token"]
    assert new_access != old_access
    assert client.get(EVENTS, headers={"Authorization": f"Bearer {new_access}"}).status_code == 200
    assert client.get(EVENTS, headers={"Authorization": f"Bearer {old_access}"}).status_code == 401
    assert client.post("/api/v2/refresh", json={"refreshToken": old_refresh}).status_code == 401
    # A refresh token is not a bearer token.
    new_refresh = second.json()["refreshToken"]["token"]
    assert client.get(EVENTS, headers={"Authorization": f"Bearer {new_refresh}"}).status_code == 401


def test_signout_revokes_access_and_refresh(client: TestClient, make_account: MakeAccount) -> None:
    make_account("alice")
    pair = _signin(client, "alice@example.com", "pw-alice")
    headers = {"Authorization": f"Bearer {pair['accessToken']['token']}"}  # type: ignore[index]
    assert client.post("/api/v2/signout", headers=headers).status_code == 204
    assert client.get(EVENTS, headers=headers).status_code == 401
    refresh = pair["refreshToken"]["token"]  # type: ignore[index]
    assert client.post("/api/v2/refresh", json={"refreshToken": refresh}).status_code == 401


def test_access_tokens_expire(client: TestClient, make_account: MakeAccount, clock: FakeClock) -> None:
    make_account("alice")
    pair = _signin(client, "alice@example.com", "pw-alice")
    headers = {"Authorization": f"Bearer {pair['accessToken']['token']}"}  # type: ignore[index]
    clock.advance(timedelta(minutes=59))
    assert client.get(EVENTS, headers=headers).status_code == 200
    clock.advance(timedelta(minutes=1))
    expired = client.get(EVENTS, headers=headers)
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"] == 'Bearer realm="almanac", error="invalid_token"'


def test_missing_or_malformed_credentials_are_401_with_a_challenge(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": f"Basic {alice.token}"}, {"Authorization": "x"}):
        response = client.get(EVENTS, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["code"] == "unauthorized"
    assert client.get(EVENTS, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get(EVENTS, headers={"authorization": f"bearer {alice.token}"}).status_code == 200


def test_tokens_and_passwords_are_stored_only_as_hashes(
    client: TestClient, make_account: MakeAccount, database_url: str
) -> None:
    alice = make_account("alice")
    pair = _signin(client, "alice@example.com", "pw-alice")
    secrets = {alice.token, pair["accessToken"]["token"], pair["refreshToken"]["token"], "pw-alice"}  # type: ignore[index]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = [
            str(value)
            for table in ("tokens", "users")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
            for value in row
        ]
    engine.dispose()
    assert not any(secret in value for secret in secrets for value in stored)
    assert any(value.startswith("$argon2id$") for value in stored)
