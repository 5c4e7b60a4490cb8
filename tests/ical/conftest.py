"""Fixtures of the iCalendar API tests: eXo callers (as in tests/api/exo_v1) and groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.services import accounts
from tests.api.exo_v1.conftest import Caller, MakeCaller
from tests.conftest import MakeAccount


@pytest.fixture
def caller(client: TestClient, make_account: MakeAccount) -> MakeCaller:
    def make(username: str, **kwargs: Any) -> Caller:
        return Caller(client, make_account(username, **kwargs))

    return make


@pytest.fixture
def group(container: Container) -> Callable[..., None]:
    def make(group_id: str, *members: tuple[str, str]) -> None:
        accounts.add_group(container.services, group_id=group_id)
        for username, membership_type in members:
            accounts.add_membership(
                container.services, group_id=group_id, username=username, membership_type=membership_type
            )

    return make
