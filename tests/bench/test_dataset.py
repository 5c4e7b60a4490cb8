"""The benchmark dataset: the same seed gives the same world, in the proportions the issue asks for,
and it loads into a fresh Almanac database that the API then serves."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from almanac.bootstrap import Container
from almanac.domain.tokens import hash_secret
from almanac.storage.tables import EventParticipantRow, EventRow, TokenRow
from bench.dataset import EPOCH, SPAN_DAYS, Dataset, DatasetSpec, EventKind, week_window
from bench.loader import issue_tokens, load_dataset
from bench.store import prepare_store, reuse_store


def test_same_seed_gives_the_same_events() -> None:
    first = list(Dataset(DatasetSpec(events=500, seed=3)).events())
    again = list(Dataset(DatasetSpec(events=500, seed=3)).events())
    assert first == again


def test_another_seed_gives_other_events() -> None:
    first = [e.starts_at for e in Dataset(DatasetSpec(events=50, seed=3)).events()]
    other = [e.starts_at for e in Dataset(DatasetSpec(events=50, seed=4)).events()]
    assert first != other


def test_event_kinds_calendars_participants_and_reminders_follow_the_issue_proportions() -> None:
    dataset = Dataset(DatasetSpec(events=5_000, seed=8))
    events = list(dataset.events())
    kinds = Counter(e.kind for e in events)
    assert abs(kinds[EventKind.SINGLE] / len(events) - 0.85) < 0.02
    assert abs(kinds[EventKind.RECURRING] / len(events) - 0.10) < 0.02
    assert abs(kinds[EventKind.ALL_DAY] / len(events) - 0.05) < 0.015
    hot = sum(e.calendar_id == dataset.hot_calendar.id for e in events)
    assert abs(hot / len(events) - 0.10) < 0.015
    assert all(1 <= len(e.participant_ids) <= 5 for e in events)
    assert all(len(set(e.participant_ids)) == len(e.participant_ids) for e in events)
    assert all(0 <= len(e.reminders) <= 2 for e in events)
    assert len({e.tzid for e in events}) >= 5


def test_events_lie_within_the_two_year_span_and_end_after_they_start() -> None:
    begin = datetime.combine(EPOCH, datetime.min.time(), UTC) - timedelta(days=1)
    end = begin + timedelta(days=SPAN_DAYS + 5)
    for event in Dataset(DatasetSpec(events=2_000)).events():
        assert begin <= event.starts_at < event.ends_at <= end
        if event.kind is EventKind.RECURRING:
            assert event.rrule is not None and event.exdates
        else:
            assert event.rrule is None and not event.exdates


def test_loaded_dataset_is_served_by_the_back_office_api(container: Container, client: TestClient) -> None:
    dataset = Dataset(DatasetSpec(events=1_000))
    stats = load_dataset(container.engine, dataset, batch=300)
    with container.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(EventRow)) == 1_000
        assert connection.scalar(select(func.count()).select_from(EventParticipantRow)) == stats.participants
    caller = dataset.caller
    token = issue_tokens(container.engine, dataset, [caller.id])[caller.id]
    start, end = week_window(30)
    expected = sum(
        1 for e in dataset.events() if start <= e.starts_at and e.ends_at <= end and caller.id in e.participant_ids
    )

    response = client.get(
        "/api/v2/calendars/events",
        params={
            "filter[startDate]": start.isoformat(),
            "filter[endDate]": end.isoformat(),
            "filter[recipients]": caller.email,
            "limit": 100,
        },
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200, response.text
    assert int(response.headers["X-Total-Count"]) == expected
    assert all(caller.email in item["recipients"] for item in response.json())


def test_a_store_made_by_an_earlier_run_is_reused_with_its_tokens(tmp_path: Path) -> None:
    # `--existing-store`: a 1M store takes minutes to load, so a later run may start from a copy of it.
    url = f"sqlite:///{tmp_path / 'earlier.db'}"
    dataset = Dataset(DatasetSpec(events=400, seed=5))
    engine, made, loaded = prepare_store(url, dataset)
    engine.dispose()

    engine, world, stats = reuse_store(url, Dataset(DatasetSpec(events=400, seed=5)))
    try:
        with engine.connect() as connection:
            caller_hash = connection.scalar(
                select(TokenRow.token_hash).where(TokenRow.user_id == dataset.caller.id, TokenRow.kind == "api")
            )
    finally:
        engine.dispose()
    assert (stats.events, stats.participants, stats.reminders) == (400, loaded.participants, loaded.reminders)
    assert world.tokens[dataset.caller.id] == made.tokens[dataset.caller.id]
    assert caller_hash == hash_secret(world.tokens[dataset.caller.id])
    assert world.own_events == made.own_events
    with pytest.raises(SystemExit, match="no SQLite file"):
        reuse_store(f"sqlite:///{tmp_path / 'missing.db'}", dataset)
