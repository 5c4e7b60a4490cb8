"""Exactly once, across processes: racing workers never both send a delivery, and a worker killed between
sending and recording causes at most one repeat, carrying the same Message-ID.

The workers are real ``almanac worker`` processes on the real clock, against the test database (SQLite
file, or the CI PostgreSQL when ALMANAC_TEST_DATABASE_URL is set), sending to a real SMTP server.
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from almanac.bootstrap import Container
from almanac.domain.deliveries import Delivery, DeliveryChannel, DeliveryStatus
from almanac.domain.users import Principal
from almanac.services import events as event_service
from almanac.services.events import EventChanges
from tests.conftest import MakeAccount
from tests.worker.peers import SmtpSink
from tests.worker.processes import Workers


def due_deliveries(container: Container, make_account: MakeAccount, count: int) -> list[str]:
    """``count`` email reminders due a minute ago (real time) for an event tomorrow."""
    user = make_account("alice").user
    assert user.id is not None
    now = datetime.now(UTC)
    view = event_service.create_event(
        container.services,
        principal=Principal(user_id=user.id, username=user.username, email=user.email),
        changes=EventChanges(
            summary="Race", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=1)
        ),
    )
    ids = [str(uuid.uuid4()) for _ in range(count)]
    with container.services.uow() as uow:
        uow.deliveries.add_missing(
            [
                Delivery(
                    id=i,
                    channel=DeliveryChannel.EMAIL,
                    due_at=now - timedelta(minutes=1),
                    event_id=view.event.id,
                    occurrence_start=view.event.starts_at,
                    reminder_key="before:86400/email",
                    recipient_id=user.id,
                    created_at=now,
                )
                for i in ids
            ]
        )
        uow.commit()
    return ids


def statuses(container: Container, ids: list[str]) -> Counter[str]:
    with container.services.uow() as uow:
        return Counter(d.status.value for i in ids if (d := uow.deliveries.get(i)) is not None)


def test_two_worker_processes_send_each_of_1000_deliveries_exactly_once(
    container: Container, make_account: MakeAccount, smtp_sink: SmtpSink, workers: Workers
) -> None:
    ids = due_deliveries(container, make_account, 1000)
    first, second = workers.start("w1"), workers.start("w2")
    smtp_sink.wait_for(1000, timeout=180)
    time.sleep(1.0)  # a duplicate would arrive now
    workers.stop_all()
    message_ids = Counter(m["Message-ID"] for m in smtp_sink.messages)
    assert len(smtp_sink.messages) == 1000
    assert set(message_ids.values()) == {1}
    assert {m.removeprefix("<").partition("@")[0] for m in message_ids} == set(ids)
    assert statuses(container, ids) == Counter({"sent": 1000})
    counts = []
    for process in (first, second):
        assert process.returncode == 0
        assert process.stderr is not None
        found = re.search(r"stopped after (\d+) deliveries", process.stderr.read())
        assert found, "the worker did not stop gracefully"
        counts.append(int(found.group(1)))
    assert sum(counts) == 1000
    assert min(counts) > 0, f"one worker sent everything ({counts}): they did not race"


def test_a_worker_killed_between_sending_and_recording_causes_one_repeat_with_the_same_message_id(
    container: Container, make_account: MakeAccount, smtp_sink: SmtpSink, workers: Workers
) -> None:
    (delivery_id,) = due_deliveries(container, make_account, 1)
    smtp_sink.reply_delay = 5.0  # the server has the mail, the worker waits for "250 OK"
    doomed = workers.start("doomed", ALMANAC_DELIVERY_LEASE_SECONDS="2")
    # Generous: a worker process starting on a loaded machine (CI runs two test processes) may take a while.
    assert smtp_sink.wait_for(1, timeout=90)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    smtp_sink.reply_delay = 0.0
    workers.start("heir", ALMANAC_DELIVERY_LEASE_SECONDS="2")
    mails = smtp_sink.wait_for(2, timeout=90)
    time.sleep(1.5)  # a third copy would arrive now
    assert len(smtp_sink.messages) == 2
    assert mails[0]["Message-ID"] == mails[1]["Message-ID"] == f"<{delivery_id}@almanac.test>"
    with container.services.uow() as uow:
        stored = uow.deliveries.get(delivery_id)
    assert stored is not None and stored.status is DeliveryStatus.SENT and stored.attempts == 2


def test_sigterm_lets_the_delivery_in_flight_finish_and_be_recorded(
    container: Container, make_account: MakeAccount, smtp_sink: SmtpSink, workers: Workers
) -> None:
    (delivery_id,) = due_deliveries(container, make_account, 1)
    smtp_sink.reply_delay = 1.0
    worker = workers.start("polite")
    assert smtp_sink.wait_for(1, timeout=30)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert statuses(container, [delivery_id]) == Counter({"sent": 1})
