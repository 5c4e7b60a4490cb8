"""Fixtures of the delivery tests: the real SMTP sink and webhook receiver, settings pointing at them, and
a way to run the worker until nothing is due."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from almanac.bootstrap import Container
from almanac.services import accounts, auth
from tests.conftest import Account
from tests.worker.peers import SmtpSink, WebhookReceiver
from tests.worker.processes import Workers


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_sink.port,
        "smtp_from": "Almanac <reminders@almanac.test>",
        # Against a hung receiver, not a speed expectation: the receiver runs in the test's own process, and at a
        # load average of 10 a whole batch posted at once once took longer than 2 s to be read (a missed delivery).
        "webhook_timeout": 10.0,
        "delivery_backoff_seconds": 10.0,
        "delivery_max_attempts": 3,
    }


Drain = Callable[[], int]


@pytest.fixture
def drain(container: Container) -> Drain:
    """Deliver everything due at the fake clock's now; the number of deliveries handled."""
    worker = container.worker(worker_id="test")
    return lambda: asyncio.run(worker.drain())


@pytest.fixture
def workers(database_url: str, smtp_sink: SmtpSink) -> Iterator[Workers]:
    """Real ``almanac worker`` processes (see ``tests.worker.processes``), all stopped after the test."""
    group = Workers(database_url, smtp_sink)
    yield group
    group.stop_all()


def person(container: Container, username: str, *, locale: str = "en", tzid: str = "UTC") -> Account:
    """A user with an API token, in the language and zone their reminders are written in."""
    user = accounts.add_user(
        container.services,
        username=username,
        email=f"{username}@example.com",
        display_name=username.title(),
        tzid=tzid,
        locale=locale,
    )
    return Account(user=user, token=auth.issue_api_token(container.services, username=username).secret)
