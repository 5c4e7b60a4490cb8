"""The trigram index of migration 0021 serves the text filters and stays in step with every kind of write.

test_event_store holds the text filters to their definition on a fixed store; these tests change the store
after the index was filled (bulk insert, update, delete) and check what the query plan reads.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from almanac.bootstrap import Container
from almanac.domain.events import Event
from almanac.domain.queries import EventFilter, EventOrder, EventSortKey, PageRequest
from almanac.domain.users import Principal
from almanac.services.auth import principal_of
from almanac.storage.events import filter_conditions
from almanac.storage.tables import EventRow
from almanac.storage.text_search import TRIGRAM_INDEXES, TRIGRAM_TABLE
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


def _found(container: Container, principal: Principal, event_filter: EventFilter) -> list[str]:
    with container.services.uow() as uow:
        page = uow.events.list_visible(principal, event_filter, EventOrder(EventSortKey.ID), PageRequest(0, 100))
    return [e.summary for e in page.items]


def test_searches_follow_bulk_inserts_updates_and_deletes(container: Container, make_account: MakeAccount) -> None:
    principal, calendar_id = _alice(container, make_account)
    summaries = ["Quarterly retro", "Budget review", "RETROSPECTIVE", "Lunch", "Kaizen 改善会議"]
    with container.services.uow() as uow:
        stored = uow.events.add_many(
            [
                Event(
                    calendar_id=calendar_id,
                    author_id=principal.user_id,
                    summary=summary,
                    description=f"About {summary.lower()}",
                    starts_at=T0 + timedelta(hours=i),
                    ends_at=T0 + timedelta(hours=i + 1),
                    created_at=T0,
                    updated_at=T0,
                )
                for i, summary in enumerate(summaries)
            ]
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


def test_a_search_reads_the_trigram_index(container: Container) -> None:
    """What the plan reads: SQLite's FTS5 table (the query names it), PostgreSQL's GIN index (the planner's
    choice; sequential scans are turned off so a few rows do not make a scan cheaper)."""
    condition = filter_conditions(EventFilter(summary_contains="Retro"), trigram_table=True)
    query = select(EventRow.id).where(*condition)
    with container.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert f"SCAN {TRIGRAM_TABLE} VIRTUAL TABLE INDEX" in plan, plan
        else:
            # The plain LIKE (with ESCAPE) on the column, as PostgreSQL runs it without the FTS table.
            plain = select(EventRow.id).where(*filter_conditions(EventFilter(summary_contains="Retro")))
            connection.execute(text("SET enable_seqscan = off"))
            compiled = plain.compile(connection, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(row[0]) for row in connection.execute(text(f"EXPLAIN {compiled}")))
            assert TRIGRAM_INDEXES["summary_folded"] in plan, plan
