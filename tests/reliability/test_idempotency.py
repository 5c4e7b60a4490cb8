"""Idempotency-Key on creates (both REST faces): a retry replays the first response and creates nothing; the
key reused for another request is 422; keys are per user, bounded in length, and expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.backoffice_v2.factories import EVENTS, event_body
from tests.conftest import Account, MakeAccount
from tests.doubles import FakeClock

EXO = "/rest/private/v1/calendar"


def bo_create(client: TestClient, account: Account, key: str | None, **overrides: Any) -> Response:
    headers = {**account.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post(EVENTS, json=event_body(**overrides), headers=headers)


def bo_count(client: TestClient, account: Account) -> int:
    return int(client.get(EVENTS, headers=account.headers).headers["X-Total-Count"])


def exo_create(client: TestClient, account: Account, kind: str, key: str | None, **body: Any) -> Response:
    if kind == "events":
        body = {"subject": "Sprint review", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z", **body}
    else:
        body = {"name": "Prepare budget", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T17:00:00Z", **body}
    headers = {**account.headers, **({"Idempotency-Key": key} if key is not None else {})}
    calendar = f"{account.user.username}-defaultCalendarId"
    return client.post(f"{EXO}/calendars/{calendar}/{kind}", json=body, headers=headers)


def exo_count(client: TestClient, account: Account, kind: str) -> int:
    calendar = f"{account.user.username}-defaultCalendarId"
    window = {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-02-01T00:00:00Z", "returnSize": "true"}
    found = client.get(f"{EXO}/calendars/{calendar}/{kind}", params=window, headers=account.headers)
    assert found.status_code == 200, found.text
    return int(found.json()["size"])


def test_a_back_office_retry_replays_the_first_response_and_creates_nothing(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    first = bo_create(client, alice, "create-1")
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    retry = bo_create(client, alice, "create-1")
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.content == first.content
    assert retry.json()["caption"] == "Quarterly review"
    assert bo_count(client, alice) == 1
    # The created event is real and readable where Location points.
    assert client.get(first.headers["Location"], headers=alice.headers).json()["id"] == first.json()["id"]


def test_without_a_key_every_create_creates(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    one, two = bo_create(client, alice, None), bo_create(client, alice, None)
    assert one.status_code == two.status_code == 201
    assert one.headers["Location"] != two.headers["Location"]
    assert bo_count(client, alice) == 2


def test_the_same_key_with_another_body_is_422_and_creates_nothing(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    assert bo_create(client, alice, "k").status_code == 201
    reused = bo_create(client, alice, "k", caption="Something else")
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert "different request" in reused.json()["message"]
    assert bo_count(client, alice) == 1
    japanese = client.post(
        EVENTS, json=event_body(caption="x"), headers={**alice.headers, "Idempotency-Key": "k", "Accept-Language": "ja"}
    )
    assert japanese.status_code == 422
    assert "Idempotency-Key" in japanese.json()["message"] and "別のリクエスト" in japanese.json()["message"]


def test_keys_belong_to_their_user(client: TestClient, make_account: MakeAccount) -> None:
    alice, bob = make_account("alice"), make_account("bob")
    mine = bo_create(client, alice, "shared-key")
    theirs = bo_create(client, bob, "shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.headers["Location"] != theirs.headers["Location"]
    assert bo_count(client, alice) == bo_count(client, bob) == 1


def test_a_refused_create_keeps_no_key(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    refused = bo_create(client, alice, "k", caption="")
    assert refused.status_code == 400
    assert bo_create(client, alice, "k", caption="").status_code == 400  # not a replay: done again, refused again
    assert bo_count(client, alice) == 0
    assert bo_create(client, alice, "k").status_code == 201


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_an_empty_or_too_long_key_is_400(client: TestClient, make_account: MakeAccount, key: str) -> None:
    alice = make_account("alice")
    refused = bo_create(client, alice, key)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert exo_create(client, alice, "events", key).status_code == 400
    assert bo_count(client, alice) == 0
    assert bo_create(client, alice, "x" * 255).status_code == 201


def test_a_key_expires_after_the_configured_time(
    client: TestClient, make_account: MakeAccount, clock: FakeClock
) -> None:
    alice = make_account("alice")
    first = bo_create(client, alice, "k")
    clock.advance(timedelta(hours=23, minutes=59))
    assert bo_create(client, alice, "k").headers["Location"] == first.headers["Location"]
    clock.advance(timedelta(minutes=2))
    later = bo_create(client, alice, "k", caption="A new one")
    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later.headers
    assert later.headers["Location"] != first.headers["Location"]
    assert bo_count(client, alice) == 2


@pytest.mark.parametrize("kind", ["events", "tasks"])
def test_an_exo_retry_replays_the_first_response_and_creates_nothing(
    client: TestClient, make_account: MakeAccount, kind: str
) -> None:
    alice = make_account("alice")
    first = exo_create(client, alice, kind, "exo-1")
    assert first.status_code == 201, first.text
    retry = exo_create(client, alice, kind, "exo-1")
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Cache-Control"] == "no-cache, no-store"
    assert retry.content == first.content == b""
    assert exo_count(client, alice, kind) == 1
    reused = exo_create(client, alice, kind, "exo-1", **{"subject" if kind == "events" else "name": "Other"})
    assert reused.status_code == 422
    assert reused.json()["developerMessage"] == "idempotency_key_reused"
    assert exo_count(client, alice, kind) == 1
    assert client.get(first.headers["Location"], headers=alice.headers).status_code == 200


def test_an_exo_calendar_create_is_idempotent_too(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    headers = {**alice.headers, "Idempotency-Key": "cal-1"}

    def calendars() -> int:
        found = client.get(f"{EXO}/calendars", params={"returnSize": "true"}, headers=alice.headers)
        return int(found.json()["size"])

    before = calendars()
    first = client.post(f"{EXO}/calendars", json={"name": "Projects"}, headers=headers)
    assert first.status_code == 201, first.text
    retry = client.post(f"{EXO}/calendars", json={"name": "Projects"}, headers=headers)
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first.headers["Location"]
    assert calendars() == before + 1
    assert client.post(f"{EXO}/calendars", json={"name": "Other"}, headers=headers).status_code == 422
    assert calendars() == before + 1


def test_one_key_on_two_paths_is_two_different_requests(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    assert exo_create(client, alice, "events", "k").status_code == 201
    assert exo_create(client, alice, "tasks", "k").status_code == 422
    assert exo_count(client, alice, "tasks") == 0


def test_openapi_declares_the_header_and_its_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    creates = ("/calendars", "/calendars/{calendar_id}/events", "/calendars/{calendar_id}/tasks")
    for path in (EVENTS, *(EXO + create for create in creates)):
        operation = paths[path]["post"]
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"409", "422"} <= operation["responses"].keys()
