"""The error shape, Accept-Language, body limits, unknown routes and methods, and security headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.backoffice_v2.factories import EVENTS, event_body, listing
from tests.conftest import MakeAccount


def test_messages_follow_accept_language(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    body = event_body(endDate="2020-01-01T00:00:00Z", recipients=["ghost@example.com"])
    english = client.post(EVENTS, json=body, headers=alice.headers)
    japanese = client.post(EVENTS, json=body, headers={**alice.headers, "accept-language": "ja"})
    assert english.headers["content-language"] == "en"
    assert japanese.headers["content-language"] == "ja"
    assert japanese.json()["message"] == "リクエストが無効です。"
    assert japanese.json()["errors"] == [
        {
            "field": "recipients",
            "code": "unknown_user",
            "message": "メールアドレス ghost@example.com のユーザーはいません。",
        }
    ]
    assert english.json()["errors"][0]["message"] == "No user has the email address ghost@example.com."


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("fr-CH, fr;q=0.9, ja;q=0.5", "ja"),
        ("en-US,ja;q=0.9", "en"),
        ("de", "en"),
        ("*", "en"),
        ("ja;q=0", "en"),
        (";;;,,=q", "en"),
        ("x" * 5000, "en"),
    ],
)
def test_language_negotiation_falls_back_to_english(
    client: TestClient, make_account: MakeAccount, header: str, language: str
) -> None:
    alice = make_account("alice")
    response = client.get(f"{EVENTS}/404", headers={**alice.headers, "Accept-Language": header})
    assert response.status_code == 404
    assert response.headers["content-language"] == language


def test_not_found_names_the_kind_in_the_callers_language(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    response = client.get(f"{EVENTS}/7", headers={**alice.headers, "Accept-Language": "ja"})
    assert response.json() == {"code": "not_found", "message": "ID 7 のイベントは見つかりませんでした。", "errors": []}


def test_unknown_routes_and_methods_answer_in_the_error_shape(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    unknown = client.get("/api/v2/calendars/nothing-here", headers=alice.headers)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    wrong_method = client.post(f"{EVENTS}/1", json={}, headers=alice.headers)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


def test_trailing_slash_is_the_same_resource(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    assert client.get(f"{EVENTS}/", headers=alice.headers).status_code == 200
    assert client.post(f"{EVENTS}/", json=event_body(), headers=alice.headers).status_code == 201


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_body_bytes": 4096}


def test_oversize_bodies_are_413_and_store_nothing(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    huge = event_body(description="x" * 5000)
    declared = client.post(EVENTS, json=huge, headers={**alice.headers, "Accept-Language": "ja"})
    assert declared.status_code == 413
    assert declared.json()["code"] == "too_large"
    assert "4096" in declared.json()["message"]

    def chunks() -> Iterator[bytes]:
        yield b'{"caption": "chunked", "description": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'", "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"}'

    streamed = client.post(EVENTS, content=chunks(), headers=alice.headers)
    assert streamed.status_code == 413
    assert listing(client, alice).json() == []


def test_deeply_nested_json_is_a_clear_400(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    nested = b"[" * 2000 + b"]" * 2000
    response = client.post(EVENTS, content=nested, headers=alice.headers)
    assert response.status_code == 400


def test_every_response_carries_security_headers(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    for response in (listing(client, alice), client.get(EVENTS)):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
