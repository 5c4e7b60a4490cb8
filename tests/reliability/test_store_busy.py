"""When every database connection of a process stays busy past the pool's timeout, requests are refused with
503 and Retry-After on every face, in the caller's language, and served again once a connection is free.

The 1M benchmark found this as 500s: 32 clients each holding a connection for a second-long CalDAV report,
a pool of 15, and the rest timing out after 30 s in SQLAlchemy's pool."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.domain.errors import StoreBusyError
from almanac.storage.engine import PoolSettings, build_engine
from almanac.storage.unit_of_work import STORE_BUSY_RETRY_AFTER_SECONDS, SqlUnitOfWorkFactory
from tests.conftest import MakeAccount


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"database_pool_size": 1, "database_pool_overflow": 0, "database_pool_timeout_seconds": 0.2}


def test_a_unit_of_work_is_refused_while_the_pool_stays_busy_and_served_after(database_url: str) -> None:
    engine = build_engine(database_url, pool=PoolSettings(size=1, overflow=0, timeout_seconds=0.1))
    units = SqlUnitOfWorkFactory(engine)
    try:
        with units(read_only=True) as holder:
            assert holder.users.get(1) is None
            with pytest.raises(StoreBusyError) as refused, units(read_only=True):
                pass
        assert refused.value.params == {"retry_after": STORE_BUSY_RETRY_AFTER_SECONDS}
        with units(read_only=True) as after:
            assert after.users.get(1) is None
    finally:
        engine.dispose()


def test_every_face_answers_503_with_retry_after_while_the_store_is_busy(
    container: Container, client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    basic = {"Authorization": "Basic " + base64.b64encode(b"alice:" + alice.token.encode()).decode()}
    calls = {
        "back office": ("GET", "/api/v2/calendars/events", alice.headers),
        "eXo": ("GET", "/rest/private/v1/calendar/events", basic),
        "CalDAV": ("PROPFIND", "/dav/calendars/alice/", {**basic, "Depth": "1"}),
    }
    with container.services.uow(read_only=True) as holder:
        holder.users.get(alice.user.id)  # the process's only connection, held
        for face, (method, path, headers) in calls.items():
            answer = client.request(method, path, headers={**headers, "Accept-Language": "ja"})
            assert answer.status_code == 503, (face, answer.status_code, answer.text)
            assert answer.headers["Retry-After"] == str(STORE_BUSY_RETRY_AFTER_SECONDS), face
            if face != "CalDAV":
                assert "サーバーが混み合っています" in answer.text, (face, answer.text)
        english = client.get("/api/v2/calendars/events", headers=alice.headers)
        assert "The server is busy. Try again in 5 seconds." in english.text
    for face, (method, path, headers) in calls.items():
        assert client.request(method, path, headers=headers).status_code in (200, 207), face
