"""Small builders for Back Office v2 request bodies and calls."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import Account

EVENTS = "/api/v2/calendars/events"


def event_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "caption": "Quarterly review",
        "description": "Numbers and plans",
        "startDate": "2026-03-02T09:00:00+00:00",
        "endDate": "2026-03-02T10:00:00+00:00",
        "notifications": [],
        "recipients": [],
    }
    body.update(overrides)
    return body


def create(client: TestClient, account: Account, **overrides: Any) -> dict[str, Any]:
    response = client.post(EVENTS, json=event_body(**overrides), headers=account.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def listing(client: TestClient, account: Account, query: str = "") -> Response:
    return client.get(f"{EVENTS}?{query}", headers=account.headers)


def captions(response: Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [event["caption"] for event in response.json()]
