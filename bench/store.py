"""The store a run measures: generated and bulk-loaded, or reused from an earlier run (``--existing-store``).

Kept apart from ``bench.run`` so that tools and tests can prepare a store without the load generator's
and the resource probe's packages (psutil is in the ``bench`` extra only).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from almanac.storage.engine import build_engine
from almanac.storage.migrate import upgrade_to_head
from almanac.storage.tables import Base, EventParticipantRow, EventReminderRow, EventRow
from bench.dataset import Dataset
from bench.loader import LoadStats, issue_tokens, load_dataset, token_secret
from bench.report import log
from bench.scenarios import World

WRITERS = 8  # the write scenarios run at most 8 clients, each as its own user


def prepare_store(url: str, dataset: Dataset) -> tuple[Engine, World, LoadStats]:
    engine = build_engine(url)
    if engine.dialect.name != "sqlite":
        # A fresh database means an empty one: drop what an earlier run left (the flag says EMPTIED).
        with engine.begin() as connection:
            Base.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade_to_head(engine)
    log(f"loading {dataset.spec.events:,} events ({len(dataset.users)} users, {len(dataset.calendars)} calendars)")
    stats = load_dataset(engine, dataset)
    log(
        f"loaded in {stats.seconds:.1f} s ({stats.events_per_second:,.0f} events/s; "
        f"{stats.participants:,} participants, {stats.reminders:,} reminders)"
    )
    writers = tuple(dataset.users[:WRITERS])
    tokens = issue_tokens(engine, dataset, {dataset.caller.id, *(w.id for w in writers)})
    return engine, world_of(engine, dataset, tokens), stats


def reuse_store(url: str, dataset: Dataset) -> tuple[Engine, World, LoadStats]:
    """A store an earlier run loaded from the same dataset, brought to the current schema; its tokens are
    derived from the seed (bench.loader.token_secret), so they are known without issuing new ones."""
    if not url.startswith("sqlite:///") or not Path(url.removeprefix("sqlite:///")).is_file():
        raise SystemExit(f"--existing-store: no SQLite file at {url.removeprefix('sqlite:///')}")
    engine = build_engine(url)
    started = time.perf_counter()
    upgrade_to_head(engine)
    log(f"reusing {url} (migrated in {time.perf_counter() - started:.1f} s)")
    with engine.connect() as connection:
        count = {
            name: connection.execute(select(func.count()).select_from(row)).scalar_one()
            for name, row in (
                ("events", EventRow),
                ("participants", EventParticipantRow),
                ("reminders", EventReminderRow),
            )
        }
    if count["events"] < dataset.spec.events:
        raise SystemExit(
            f"--existing-store holds {count['events']:,} events, fewer than --size {dataset.spec.events:,}"
        )
    stats = LoadStats(
        users=len(dataset.users),
        calendars=len(dataset.calendars),
        events=count["events"],
        participants=count["participants"],
        reminders=count["reminders"],
        seconds=0.0,
    )
    tokens = {user.id: token_secret(dataset, user) for user in dataset.users}
    return engine, world_of(engine, dataset, tokens), stats


def world_of(engine: Engine, dataset: Dataset, tokens: dict[int, str]) -> World:
    """What the scenarios need to know of a loaded store: its dataset, tokens and the writers' own events."""
    writers = tuple(dataset.users[:WRITERS])
    own: dict[int, tuple[tuple[int, str], ...]] = {}
    with engine.connect() as connection:
        for writer in writers:
            rows = connection.execute(
                select(EventRow.id, EventRow.key)
                .where(EventRow.calendar_id == writer.id)  # a user's default calendar has the user's id
                .order_by(EventRow.id)
                .limit(500)
            ).all()
            own[writer.id] = tuple((row.id, row.key) for row in rows) or ((0, "none"),)
    return World(dataset=dataset, tokens=tokens, writers=writers, own_events=own)
