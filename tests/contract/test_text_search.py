"""The trigram index of migration 0021 serves the text filters and stays in step with every kind of write.

test_event_store holds the text filters to their definition on a fixed store; these tests change the store
after the index was filled (bulk insert, update, delete) and check what the query plan reads.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Select, select, text
from sqlalchemy.orm import Session

from almanac.bootstrap import Container
from almanac.domain.events import Event
from almanac.domain.queries import EventFilter, EventOrder, EventSortKey, PageRequest
from almanac.domain.users import Principal
from almanac.services.auth import principal_of
from almanac.storage.tables import EventRow
from almanac.storage.text_search import TRIGRAM_INDEXES, TRIGRAM_TABLE, TrigramTable
from tests.conftest import MakeAccount

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _alice(container: Container, make_account: MakeAccount) -> tuple[Principal, int]:
    alice = make_account("alice").user
    assert alice.id is not None
    with container.services.uow() as uow:
        calendar = uow.calendars.default_for(alice.id)
        user = uow.users.get(alice.id)
        assert calendar is not None and calendar.id is not None and user is not None
        return principal_of(uow, user), calendar.id


def _event(calendar_id: int, author_id: int, summary: str, hour: int) -> Event:
    return Event(
        calendar_id=calendar_id,
        author_id=author_id,
        summary=summary,
        description=f"About {summary.lower()}",
        starts_at=T0 + timedelta(hours=hour),
        ends_at=T0 + timedelta(hours=hour + 1),
        created_at=T0,
        updated_at=T0,
    )


def _found(container: Container, principal: Principal, event_filter: EventFilter) -> list[str]:
    with container.services.uow() as uow:
        page = uow.events.list_visible(principal, event_filter, EventOrder(EventSortKey.ID), PageRequest(0, 100))
    return [e.summary for e in page.items]


@pytest.mark.parametrize("candidate_limit", [TrigramTable.CANDIDATE_LIMIT, 0], ids=["trigram-table", "planner"])
def test_searches_follow_bulk_inserts_updates_and_deletes(
    container: Container, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch, candidate_limit: int
) -> None:
    """The same answers whether a search reads the trigram table's candidates or not."""
    monkeypatch.setattr(TrigramTable, "CANDIDATE_LIMIT", candidate_limit)
    principal, calendar_id = _alice(container, make_account)
    summaries = ["Quarterly retro", "Budget review", "RETROSPECTIVE", "Lunch", "Kaizen 改善会議"]
    with container.services.uow() as uow:
        stored = uow.events.add_many(
            [_event(calendar_id, principal.user_id, summary, i) for i, summary in enumerate(summaries)]
        )
        uow.commit()
    by_name = {e.summary: e for e in stored}
    assert _found(container, principal, EventFilter(summary_contains="Retro")) == ["Quarterly retro", "RETROSPECTIVE"]
    assert _found(container, principal, EventFilter(summary_contains="改善会議")) == ["Kaizen 改善会議"]
    assert _found(container, principal, EventFilter(description_contains="budget rev")) == ["Budget review"]

    with container.services.uow() as uow:
        uow.events.update(replace(by_name["Lunch"], summary="Team retro lunch", description=None))
        uow.events.delete(by_name["RETROSPECTIVE"].id or 0)
        uow.commit()
    assert _found(container, principal, EventFilter(summary_contains="retro")) == [
        "Quarterly retro",
        "Team retro lunch",
    ]
    assert _found(container, principal, EventFilter(summary_contains="lunch")) == ["Team retro lunch"]
    assert _found(container, principal, EventFilter(description_contains="lunch")) == []
    assert _found(container, principal, EventFilter(description_contains="retrospective")) == []


def _plan(connection: Connection, query: Select[Any]) -> str:
    compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
    if connection.dialect.name == "sqlite":
        return " ".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    return " ".join(str(row[0]) for row in connection.execute(text(f"EXPLAIN {compiled}")))


def test_a_rare_word_is_searched_in_the_trigram_index(container: Container) -> None:
    """What the plan reads: SQLite's FTS5 table (the query names it), PostgreSQL's GIN index (the planner's
    choice; sequential scans are turned off so a few rows do not make a scan cheaper)."""
    with Session(container.engine) as session:
        match = TrigramTable().contains(session, EventRow.summary_folded, "Retro")
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            assert f"SCAN {TRIGRAM_TABLE} VIRTUAL TABLE INDEX" in _plan(connection, select(EventRow.id).where(match))
        else:
            connection.execute(text("SET enable_seqscan = off"))
            plan = _plan(connection, select(EventRow.id).where(match))
            assert TRIGRAM_INDEXES["summary_folded"] in plan, plan


def test_a_common_word_is_left_to_the_planner(
    container: Container, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More candidates than CANDIDATE_LIMIT: the exact LIKE alone (the trigram table is not named)."""
    principal, calendar_id = _alice(container, make_account)
    with container.services.uow() as uow:
        uow.events.add_many([_event(calendar_id, principal.user_id, f"Retro {i}", i) for i in range(3)])
        uow.commit()
    monkeypatch.setattr(TrigramTable, "CANDIDATE_LIMIT", 2)
    with Session(container.engine) as session:
        match = TrigramTable().contains(session, EventRow.summary_folded, "retro")
        assert TRIGRAM_TABLE not in _plan(session.connection(), select(EventRow.id).where(match))
        assert len(session.execute(select(EventRow.id).where(match)).all()) == 3
