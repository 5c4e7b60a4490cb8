"""Popup reminders are queryable by their recipient; a running worker sends a reminder within 1 s of its due time."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from almanac.bootstrap import Container, build_container
from almanac.config import Settings
from almanac.domain.events import Reminder, ReminderChannel
from almanac.domain.users import Principal
from almanac.services import events as event_service
from almanac.services.events import EventChanges
from tests.conftest import Account, MakeAccount
from tests.doubles import FakeClock
from tests.worker.conftest import Drain
from tests.worker.peers import SmtpSink

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def principal(account: Account) -> Principal:
    user = account.user
    assert user.id is not None
    return Principal(user_id=user.id, username=user.username, email=user.email)


def add_event(container: Container, author: Account, start: datetime, reminder: Reminder) -> int:
    view = event_service.create_event(
        container.services,
        principal=principal(author),
        changes=EventChanges(
            summary="Stand-up", starts_at=start, ends_at=start + timedelta(minutes=15), reminders=[reminder]
        ),
    )
    assert view.event.id is not None
    return view.event.id


def test_due_popups_are_listed_for_their_recipient_until_dismissed(
    container: Container, client: TestClient, clock: FakeClock, drain: Drain, make_account: MakeAccount
) -> None:
    alice, bob = make_account("alice"), make_account("bob")
    event_id = add_event(container, alice, START, Reminder(before=timedelta(minutes=10), channel=ReminderChannel.POPUP))
    due = "/api/v2/reminders/due"
    assert client.get(due, headers=alice.headers).json() == []
    clock.set(START - timedelta(minutes=10))
    drain()
    (popup,) = client.get(due, headers=alice.headers).json()
    assert popup["eventId"] == event_id and popup["caption"] == "Stand-up"
    assert client.get(due, headers=bob.headers).json() == []
    assert client.post(f"/api/v2/reminders/{popup['id']}/dismiss", headers=bob.headers).status_code == 404
    assert client.post(f"/api/v2/reminders/{popup['id']}/dismiss", headers=alice.headers).status_code == 204
    assert client.get(due, headers=alice.headers).json() == []
    assert client.post("/api/v2/reminders/" + "x" * 500 + "/dismiss", headers=alice.headers).status_code == 404


def test_a_running_worker_sends_within_a_second_even_with_a_long_poll(
    database_url: str, smtp_sink: SmtpSink, make_account: MakeAccount
) -> None:
    # The real clock, and a poll far longer than the allowed lag: only the wake signal and the sleep
    # until the next due time can make the reminder punctual.
    settings = Settings(
        database_url=database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        worker_poll_interval=30,
    )
    live = build_container(settings)
    worker = live.worker(worker_id="live")
    thread = threading.Thread(target=asyncio.run, args=(worker.run(),))
    thread.start()
    try:
        alice = make_account("alice")
        time.sleep(0.3)  # the worker is now asleep for up to 30 s
        due_at = datetime.now(UTC) + timedelta(seconds=1)
        add_event(live, alice, due_at + timedelta(minutes=5), Reminder(before=timedelta(minutes=5)))
        assert smtp_sink.wait_for(1, timeout=5), "no mail arrived"
        lag = datetime.now(UTC) - due_at
        assert lag < timedelta(seconds=1), lag
    finally:
        worker.stop()
        thread.join(timeout=10)
        live.close()
    assert not thread.is_alive()
