"""Pruning the change log (services.change_retention) on every backend: tombstones older than the retention
go and the sync horizon rises to them; tombstones inside the window, live names and every token at or after
the horizon are kept; a calendar being written is never pruned under its writer."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from almanac.bootstrap import Container
from almanac.domain.changes import ChangeKind, ExpiredSyncRevisionError, UnknownSyncRevisionError
from almanac.domain.users import Principal
from almanac.services.auth import authenticate
from almanac.services.calendar_sync import changes_since, current_revision
from almanac.services.calendars import get_readable_calendar
from almanac.services.change_retention import prune_change_logs
from tests.conftest import MakeAccount
from tests.doubles import FakeClock

CALENDAR = "alice-defaultCalendarId"
RETENTION = timedelta(days=30)


@pytest.fixture
def alice(container: Container, make_account: MakeAccount) -> Principal:
    return authenticate(container.services, secret=make_account("alice").token)


def calendar_id(container: Container, principal: Principal) -> int:
    found = get_readable_calendar(container.services, principal=principal, calendar_key=CALENDAR).calendar.id
    assert found is not None
    return found


def record(container: Container, calendar: int, name: str, kind: ChangeKind) -> int:
    """One logged change, as every face's write logs it (services.changelog), committed."""
    with container.services.uow() as uow:
        revision = uow.changes.record(calendar, name, kind, container.services.clock.now())
        uow.commit()
    return revision


def changes(container: Container, principal: Principal, revision: int) -> list[tuple[str, ChangeKind]]:
    delta = changes_since(container.services, principal=principal, calendar_key=CALENDAR, revision=revision)
    return [(c.name, c.kind) for c in delta.changes]


def test_tombstones_past_the_retention_go_and_tokens_from_before_them_expire(
    container: Container, clock: FakeClock, alice: Principal
) -> None:
    cal = calendar_id(container, alice)
    start = current_revision(container.services, principal=alice, calendar_key=CALENDAR)
    record(container, cal, "kept.ics", ChangeKind.CREATED)
    record(container, cal, "old.ics", ChangeKind.CREATED)
    gone = record(container, cal, "old.ics", ChangeKind.DELETED)
    clock.advance(RETENTION - timedelta(days=1))
    record(container, cal, "recent.ics", ChangeKind.CREATED)
    recent = record(container, cal, "recent.ics", ChangeKind.DELETED)

    # Inside the window nothing is pruned: a client syncing from the start still learns of both deletions.
    assert prune_change_logs(container.services).tombstones == 0
    assert ("old.ics", ChangeKind.DELETED) in changes(container, alice, start)

    clock.advance(timedelta(days=2))  # old.ics's tombstone is now 31 days old, recent.ics's 2 days
    report = prune_change_logs(container.services)
    assert (report.calendars, report.tombstones, report.busy) == (1, 1, 0)
    with container.services.uow(read_only=True) as uow:
        assert uow.changes.horizon_of(cal) == gone
    # A token from before the pruned deletion has missed it for good: refused, so the client starts over.
    with pytest.raises(ExpiredSyncRevisionError):
        changes(container, alice, start)
    with pytest.raises(ExpiredSyncRevisionError):
        changes(container, alice, gone - 1)
    # From the horizon on nothing is missing: the live name and the tombstone inside the window are there.
    assert changes(container, alice, gone) == [("recent.ics", ChangeKind.DELETED)]
    assert changes(container, alice, recent) == []
    # A revision the calendar never had is still the other refusal.
    with pytest.raises(UnknownSyncRevisionError) as refused:
        changes(container, alice, recent + 1)
    assert not isinstance(refused.value, ExpiredSyncRevisionError)
    # Pruning again removes nothing and leaves the horizon where it is.
    assert prune_change_logs(container.services) == type(report)()
    with container.services.uow(read_only=True) as uow:
        assert uow.changes.horizon_of(cal) == gone
        assert [c.name for c in uow.changes.since(cal, 0)] == ["kept.ics", "recent.ics"]


def test_an_idle_calendars_current_token_never_expires(
    container: Container, clock: FakeClock, alice: Principal
) -> None:
    cal = calendar_id(container, alice)
    record(container, cal, "a.ics", ChangeKind.CREATED)
    record(container, cal, "a.ics", ChangeKind.DELETED)
    token = current_revision(container.services, principal=alice, calendar_key=CALENDAR)
    clock.advance(RETENTION * 3)
    assert prune_change_logs(container.services).tombstones == 1
    # The client synced after the deletion: it has every change, however long it stayed away.
    assert changes(container, alice, token) == []


def test_a_name_recreated_after_its_deletion_is_not_pruned(
    container: Container, clock: FakeClock, alice: Principal
) -> None:
    cal = calendar_id(container, alice)
    record(container, cal, "back.ics", ChangeKind.CREATED)
    record(container, cal, "back.ics", ChangeKind.DELETED)
    clock.advance(RETENTION * 2)
    created = record(container, cal, "back.ics", ChangeKind.CREATED)
    assert prune_change_logs(container.services).tombstones == 0
    assert changes(container, alice, created - 1) == [("back.ics", ChangeKind.CREATED)]


def test_every_calendar_is_visited_across_batches(
    container: Container, clock: FakeClock, make_account: MakeAccount
) -> None:
    principals = [authenticate(container.services, secret=make_account(name).token) for name in ("ann", "bea", "cy")]
    ids = [
        get_readable_calendar(
            container.services, principal=p, calendar_key=f"{p.username}-defaultCalendarId"
        ).calendar.id
        for p in principals
    ]
    for cal in ids:
        assert cal is not None
        record(container, cal, "x.ics", ChangeKind.DELETED)
    clock.advance(RETENTION * 2)
    report = prune_change_logs(container.services, batch_size=2)
    assert (report.calendars, report.tombstones) == (3, 3)


def test_a_calendar_being_written_is_left_to_its_writer(
    container: Container, clock: FakeClock, alice: Principal
) -> None:
    """A writer re-creating a pruned name holds the calendar's lock: the pruning pass must neither wait for it
    forever nor remove the name under it. PostgreSQL skips the calendar (SKIP LOCKED) until the next pass;
    SQLite takes one writer at a time, so the pass runs after the writer and finds the name alive."""
    cal = calendar_id(container, alice)
    record(container, cal, "busy.ics", ChangeKind.DELETED)
    clock.advance(RETENTION * 2)
    holding, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with container.services.uow() as uow:
                uow.changes.record(cal, "busy.ics", ChangeKind.CREATED, clock.now())
                holding.set()
                release.wait(timeout=2)  # SQLite: the pass below waits for this commit
                uow.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
            holding.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(timeout=30)
    report = prune_change_logs(container.services)
    release.set()
    thread.join(timeout=60)
    assert not failures
    postgres = container.engine.dialect.name == "postgresql"
    assert (report.busy, report.tombstones) == ((1, 0) if postgres else (0, 0))
    with container.services.uow(read_only=True) as uow:
        assert [(c.name, c.kind) for c in uow.changes.since(cal, 0)] == [("busy.ics", ChangeKind.CREATED)]
        assert uow.changes.horizon_of(cal) == 0
