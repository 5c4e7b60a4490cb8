"""Helpers for the eXo v1 face tests: the path prefix, a caller that knows its headers, groups."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.services import accounts
from tests.conftest import Account, MakeAccount

P = "/rest/private/v1/calendar"
BASE = "http://testserver" + P


@dataclass
class Caller:
    """One signed-in user of the eXo face."""

    client: TestClient
    account: Account

    @property
    def username(self) -> str:
        return self.account.user.username

    @property
    def default_calendar(self) -> str:
        return f"{self.username}-defaultCalendarId"

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(P + path, headers={**self.account.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.account.headers, **kwargs.pop("headers", {})}
        return self.client.post(P + path, json=json, headers=headers, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.account.headers, **kwargs.pop("headers", {})}
        return self.client.put(P + path, json=json, headers=headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.delete(P + path, headers={**self.account.headers, **kwargs.pop("headers", {})}, **kwargs)

    def create_calendar(self, **body: Any) -> str:
        response = self.post("/calendars", json=body)
        assert response.status_code == 201, response.text
        return response.headers["Location"].rsplit("/", 1)[1]

    def create_event(self, calendar: str, **body: Any) -> str:
        body.setdefault("subject", "Sprint review")
        body.setdefault("from", "2026-01-06T09:00:00Z")
        body.setdefault("to", "2026-01-06T10:00:00Z")
        response = self.post(f"/calendars/{calendar}/events", json=body)
        assert response.status_code == 201, response.text
        return response.headers["Location"].rsplit("/", 1)[1]


MakeCaller = Callable[..., Caller]


@pytest.fixture
def caller(client: TestClient, make_account: MakeAccount) -> MakeCaller:
    def make(username: str, **kwargs: Any) -> Caller:
        return Caller(client, make_account(username, **kwargs))

    return make


@pytest.fixture
def group(container: Container) -> Callable[..., None]:
    """``group("/team", ("tom", "member"), ("mia", "manager"))`` creates the group and its memberships."""

    def make(group_id: str, *members: tuple[str, str]) -> None:
        accounts.add_group(container.services, group_id=group_id)
        for username, membership_type in members:
            accounts.add_membership(
                container.services, group_id=group_id, username=username, membership_type=membership_type
            )

    return make


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
