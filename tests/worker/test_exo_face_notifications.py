"""Changes and reminders made through the eXo face are delivered like those of the Back Office face."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import MakeAccount
from tests.doubles import FakeClock
from tests.worker.conftest import Drain
from tests.worker.peers import SmtpSink, WebhookReceiver

EXO = "/rest/private/v1/calendar"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_exo_changes_reach_webhooks(
    client: TestClient, receiver: WebhookReceiver, drain: Drain, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    hook = client.post(
        "/api/v2/webhooks",
        json={
            "url": receiver.url,
            "secret": "s3cret-s3cret-s3cret",
            "eventTypes": ["event.created", "event.updated", "event.deleted"],
        },
        headers=alice.headers,
    )
    assert hook.status_code == 201, hook.text
    created = client.post(
        f"{EXO}/calendars/alice-defaultCalendarId/events",
        json={"subject": "Standup", "from": START.isoformat(), "to": (START + timedelta(minutes=15)).isoformat()},
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    assert client.put(url, json={"location": "Room 2"}, headers=alice.headers).status_code == 200
    assert client.delete(url, headers=alice.headers).status_code == 200
    assert drain() == 3
    # Arrival order is not guaranteed (deliveries run concurrently); the event's revision orders them.
    posts = sorted(receiver.received(), key=lambda r: int(json.loads(r.body)["data"]["event"]["revision"]))
    assert [r.headers["almanac-event"] for r in posts] == ["event.created", "event.updated", "event.deleted"]
    assert json.loads(posts[1].body)["data"]["event"]["location"] == "Room 2"


def test_an_exo_email_reminder_is_mailed_to_the_participants(
    client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    make_account("bob")
    created = client.post(
        f"{EXO}/calendars/alice-defaultCalendarId/events",
        json={
            "subject": "Sprint review",
            "from": START.isoformat(),
            "to": (START + timedelta(hours=1)).isoformat(),
            "participants": ["bob"],
            "reminder": [{"reminderType": "email", "alarmBefore": 15}],
        },
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text
    clock.set(START - timedelta(minutes=15, seconds=1))
    assert drain() == 0
    clock.set(START - timedelta(minutes=15))
    assert drain() == 1
    (mail,) = smtp_sink.wait_for(1)
    assert mail["To"].addresses[0].addr_spec == "bob@example.com"
    assert "Sprint review" in mail["Subject"]
