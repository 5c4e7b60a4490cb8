"""Shared fixtures: a fresh database per test, the real container wired with test doubles, an HTTP client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container, build_container
from almanac.config import Settings
from almanac.domain.users import User
from almanac.passwords import Argon2PasswordHasher
from almanac.services import accounts, auth
from tests import databases
from tests.doubles import FakeClock


@pytest.fixture(scope="session")
def _database_source(tmp_path_factory: pytest.TempPathFactory) -> str | Path:
    base = databases.backend_url()
    if base:
        return databases.postgres_worker_database(base)
    return databases.sqlite_template(tmp_path_factory.mktemp("schema"))


@pytest.fixture
def database_url(_database_source: str | Path, tmp_path: Path) -> str:
    if isinstance(_database_source, Path):
        return databases.sqlite_copy(_database_source, tmp_path)
    databases.postgres_empty(_database_source)
    return _database_source


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to change settings for its tests."""
    return {}


#: Tests make many requests at once from one address: the request rate limits are off unless a test asks.
UNLIMITED_RATES: dict[str, object] = {"rate_limit_per_token_per_minute": 0, "rate_limit_per_address_per_minute": 0}


@pytest.fixture
def container(database_url: str, clock: FakeClock, settings_overrides: dict[str, object]) -> Iterator[Container]:
    settings = Settings(database_url=database_url, **{**UNLIMITED_RATES, **settings_overrides})  # type: ignore[arg-type]
    built = build_container(settings, clock=clock, passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64))
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(container.web_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass(frozen=True)
class Account:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeAccount = Callable[..., Account]


@pytest.fixture
def make_account(container: Container) -> MakeAccount:
    """Create a user with a password of ``pw-<username>`` and an API token."""

    def make(username: str, *, email: str | None = None, admin: bool = False, groups: tuple[str, ...] = ()) -> Account:
        user = accounts.add_user(
            container.services,
            username=username,
            email=email or f"{username}@example.com",
            display_name=username.title(),
            password=f"pw-{username}",
            group_ids=groups,
            is_admin=admin,
        )
        token = auth.issue_api_token(container.services, username=username).secret
        return Account(user=user, token=token)

    return make
