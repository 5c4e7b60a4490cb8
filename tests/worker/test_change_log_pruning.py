"""The running worker prunes the CalDAV change logs: a tombstone older than the sync retention goes without
anyone running a command (services.change_retention holds the rules; this checks the loop runs them)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest

from almanac.bootstrap import Container
from almanac.domain.changes import ChangeKind
from almanac.services.auth import authenticate
from almanac.services.calendars import get_readable_calendar
from tests.conftest import MakeAccount
from tests.doubles import FakeClock

#: Rounds a fifth of a second apart (ALMANAC_CHANGE_LOG_PRUNE_INTERVAL_SECONDS), so the test sees a later round.
PRUNE_INTERVAL = 0.2


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, object]) -> dict[str, object]:
    return {**settings_overrides, "change_log_prune_interval_seconds": PRUNE_INTERVAL}


def test_a_running_worker_prunes_old_tombstones(
    container: Container, clock: FakeClock, make_account: MakeAccount
) -> None:
    principal = authenticate(container.services, secret=make_account("alice").token)
    calendar = get_readable_calendar(container.services, principal=principal, calendar_key="alice-defaultCalendarId")
    assert calendar.calendar.id is not None
    with container.services.uow() as uow:
        gone = uow.changes.record(calendar.calendar.id, "gone.ics", ChangeKind.DELETED, clock.now())
        uow.commit()
    clock.advance(timedelta(days=container.settings.sync_token_retention_days + 1))

    def horizon() -> int:
        with container.services.uow(read_only=True) as uow:
            assert calendar.calendar.id is not None
            return uow.changes.horizon_of(calendar.calendar.id)

    worker = container.worker(worker_id="pruner")
    thread = threading.Thread(target=asyncio.run, args=(worker.run(),))
    thread.start()
    try:
        deadline = time.monotonic() + 30  # the first round prunes; generous for a loaded machine
        while horizon() != gone and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert horizon() == gone
    with container.services.uow(read_only=True) as uow:
        assert uow.changes.since(calendar.calendar.id, 0) == []


def test_later_rounds_follow_the_configured_interval(
    container: Container, clock: FakeClock, make_account: MakeAccount
) -> None:
    principal = authenticate(container.services, secret=make_account("bob").token)
    calendar = get_readable_calendar(container.services, principal=principal, calendar_key="bob-defaultCalendarId")
    calendar_id = calendar.calendar.id
    assert calendar_id is not None

    def horizon() -> int:
        with container.services.uow(read_only=True) as uow:
            return uow.changes.horizon_of(calendar_id)

    worker = container.worker(worker_id="pruner")
    thread = threading.Thread(target=asyncio.run, args=(worker.run(),))
    thread.start()
    try:
        # A tombstone recorded while the worker runs is young: the first round leaves it.
        with container.services.uow() as uow:
            gone = uow.changes.record(calendar_id, "gone.ics", ChangeKind.DELETED, clock.now())
            uow.commit()
        time.sleep(PRUNE_INTERVAL * 3)
        assert horizon() != gone
        # Once it has aged past the retention, a later round (not a restart) prunes it.
        clock.advance(timedelta(days=container.settings.sync_token_retention_days + 1))
        deadline = time.monotonic() + 30  # generous for a loaded machine; the interval is a fifth of a second
        while horizon() != gone and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert horizon() == gone
