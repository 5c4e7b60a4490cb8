"""SMTP connection reuse: a burst of reminders goes over a few pooled connections, a dropped connection is
replaced without losing or repeating a mail, and a mail whose acceptance is unknown is retried later, not on
the spot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from almanac.bootstrap import Container
from almanac.domain.deliveries import Delivery, DeliveryStatus
from almanac.domain.events import Reminder
from almanac.domain.users import Principal
from almanac.services import accounts
from almanac.services import events as event_service
from almanac.services.events import EventChanges
from tests.doubles import FakeClock
from tests.worker.conftest import Drain
from tests.worker.peers import SmtpSink

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = START - timedelta(hours=1)


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, object], request: pytest.FixtureRequest) -> dict[str, object]:
    pool = {"smtp_pool_size": 2, "smtp_messages_per_connection": 100, **getattr(request, "param", {})}
    return {**settings_overrides, **pool}


def burst(container: Container, count: int, *, start: datetime = START) -> int:
    """One event with ``count`` participants and a 1-hour reminder: ``count`` mails due at once."""
    users = [
        accounts.add_user(container.services, username=f"u{start:%d%H}{n}", email=f"u{start:%d%H}{n}@example.com")
        for n in range(count)
    ]
    author = users[0]
    assert author.id is not None
    view = event_service.create_event(
        container.services,
        principal=Principal(user_id=author.id, username=author.username, email=author.email),
        changes=EventChanges(
            summary="All hands",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            reminders=[Reminder(before=timedelta(hours=1))],
            participant_emails=[u.email for u in users],
        ),
    )
    assert view.event.id is not None
    return view.event.id


def reminders_of(container: Container, event_id: int) -> list[Delivery]:
    with container.services.uow() as uow:
        return uow.deliveries.reminders_of_event(event_id)


def test_a_burst_goes_over_the_pooled_connections(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    event_id = burst(container, 20)
    clock.set(DUE)
    assert drain() == 20
    assert len({m["Message-ID"] for m in smtp_sink.wait_for(20)}) == 20
    assert 1 <= smtp_sink.connections <= 2, "at most ALMANAC_SMTP_POOL_SIZE connections, not one per mail"
    assert {d.status for d in reminders_of(container, event_id)} == {DeliveryStatus.SENT}


@pytest.mark.parametrize(
    "settings_overrides", [{"smtp_pool_size": 1, "smtp_messages_per_connection": 3}], indirect=True
)
def test_a_connection_is_renewed_after_its_message_quota(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    burst(container, 7)
    clock.set(DUE)
    assert drain() == 7
    smtp_sink.wait_for(7)
    assert smtp_sink.connections == 3


def test_a_connection_dropped_by_the_server_is_replaced_without_losing_a_mail(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    worker = container.worker(worker_id="pooled")

    async def two_bursts() -> int:
        first = await worker.run_once()
        smtp_sink.drop_connections()  # the server times the idle clients out
        clock.set(DUE + timedelta(days=1))
        return first + await worker.drain()

    burst(container, 5)
    second = burst(container, 5, start=START + timedelta(days=1))
    clock.set(DUE)
    assert asyncio.run(two_bursts()) == 10
    assert len({m["Message-ID"] for m in smtp_sink.wait_for(10)}) == 10
    rows = reminders_of(container, second)
    assert {(d.status, d.attempts) for d in rows} == {(DeliveryStatus.SENT, 1)}, "no failed attempt either"
    assert smtp_sink.connections <= 4


def test_a_mail_whose_acceptance_is_unknown_is_retried_later_with_the_same_message_id(
    container: Container, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    event_id = burst(container, 1)
    smtp_sink.drops_in_data = 1
    clock.set(DUE)
    assert drain() == 1
    assert smtp_sink.count == 1, "not resent on the spot: the server may have accepted it"
    (row,) = reminders_of(container, event_id)
    assert row.status is DeliveryStatus.PENDING and row.attempts == 1
    clock.advance(timedelta(seconds=10))
    assert drain() == 1
    first, second = smtp_sink.wait_for(2)
    assert first["Message-ID"] == second["Message-ID"]
    (row,) = reminders_of(container, event_id)
    assert row.status is DeliveryStatus.SENT
