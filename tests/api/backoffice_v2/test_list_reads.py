"""What a Back Office list reads: its caller in one statement, and a COUNT only when the page cannot tell it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from almanac.bootstrap import Container
from almanac.services import accounts, auth
from tests.api.backoffice_v2.factories import captions, create, listing
from tests.conftest import MakeAccount


@contextmanager
def _statements(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", record)


def _counts(seen: list[str]) -> list[str]:
    return [s for s in seen if s.upper().startswith("SELECT COUNT(")]


def test_a_bearer_token_is_read_with_its_user_and_memberships_at_once(
    container: Container, make_account: MakeAccount
) -> None:
    for group_id in ("/team/b", "/team/a"):
        accounts.add_group(container.services, group_id=group_id)
    alice = make_account("alice", groups=("/team/b", "/team/a"))
    with _statements(container) as seen:
        principal = auth.authenticate(container.services, secret=alice.token)
    assert [s for s in seen if s.upper().startswith("SELECT")] == [seen[-1]]
    assert principal.username == "alice"
    assert {m.group_id for m in principal.memberships} == {"/team/a", "/team/b"}


def test_a_page_shorter_than_its_limit_tells_the_total_without_a_count(
    client: TestClient, container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    for n in range(1, 4):
        create(client, alice, caption=f"e{n}", startDate=f"2026-03-0{n}T09:00:00Z", endDate=f"2026-03-0{n}T10:00:00Z")

    with _statements(container) as seen:
        short = listing(client, alice, "limit=10")
    assert short.headers["x-total-count"] == "3"
    assert captions(short) == ["e1", "e2", "e3"]
    assert _counts(seen) == []

    with _statements(container) as seen:
        last = listing(client, alice, "limit=2&offset=2")
    assert (last.headers["x-total-count"], captions(last)) == ("3", ["e3"])
    assert _counts(seen) == []


def test_a_full_page_or_an_empty_one_past_the_end_is_counted(
    client: TestClient, container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    for n in range(1, 4):
        create(client, alice, caption=f"e{n}", startDate=f"2026-03-0{n}T09:00:00Z", endDate=f"2026-03-0{n}T10:00:00Z")

    with _statements(container) as seen:
        full = listing(client, alice, "limit=2")
    assert (full.headers["x-total-count"], captions(full)) == ("3", ["e1", "e2"])
    assert len(_counts(seen)) == 1

    with _statements(container) as seen:
        beyond = listing(client, alice, "limit=2&offset=10")
    assert (beyond.headers["x-total-count"], captions(beyond)) == ("3", [])
    assert len(_counts(seen)) == 1
