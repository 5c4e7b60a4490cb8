"""Reminder mails: due at the right time, to each recipient, in their language and time zone, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from fastapi.testclient import TestClient
from icalendar import Calendar

from almanac.bootstrap import Container
from tests.api.backoffice_v2.factories import EVENTS, create
from tests.conftest import MakeAccount
from tests.doubles import FakeClock
from tests.worker.conftest import Drain, person
from tests.worker.peers import SmtpSink

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ics_of(message: EmailMessage) -> Calendar:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload)


def test_two_recipients_get_two_mails_two_hours_before_the_start(
    container: Container, client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    author = person(container, "alice")
    person(container, "bob")
    person(container, "kenji", locale="ja", tzid="Asia/Tokyo")
    create(
        client,
        author,
        caption="Quarterly review",
        description="Numbers and plans",
        startDate=START.isoformat(),
        endDate=(START + timedelta(hours=1)).isoformat(),
        notifications=["PT2H"],
        recipients=["bob@example.com", "kenji@example.com"],
    )
    clock.set(START - timedelta(hours=2, seconds=1))
    assert drain() == 0
    clock.set(START - timedelta(hours=2))
    assert drain() == 2
    mails = {m["To"].addresses[0].addr_spec: m for m in smtp_sink.wait_for(2)}
    assert sorted(mails) == ["bob@example.com", "kenji@example.com"]

    english, japanese = mails["bob@example.com"], mails["kenji@example.com"]
    assert english["Subject"].startswith("Reminder: Quarterly review")
    assert "9:00:00\u202fAM" in english.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert japanese["Subject"].startswith("リマインダー: Quarterly review")
    body = japanese.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "18時00分" in body and "Asia/Tokyo" in body and "Numbers and plans" in body
    assert japanese["Content-Language"] == "ja"

    ids = {m["Message-ID"] for m in mails.values()}
    assert len(ids) == 2 and all(i.endswith("@almanac.test>") for i in ids)
    event = ics_of(japanese).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Quarterly review"
    assert event.decoded("DTSTART") == START

    clock.advance(timedelta(minutes=5))
    assert drain() == 0, "a sent reminder is never sent again"


def test_moving_an_event_replaces_its_pending_reminders(
    container: Container,
    client: TestClient,
    clock: FakeClock,
    smtp_sink: SmtpSink,
    drain: Drain,
    make_account: MakeAccount,
) -> None:
    author = make_account("alice")
    created = create(
        client,
        author,
        startDate=START.isoformat(),
        endDate=(START + timedelta(hours=1)).isoformat(),
        notifications=["PT1H"],
    )
    later = START + timedelta(days=1)
    response = client.patch(
        f"{EVENTS}/{created['id']}",
        json={"startDate": later.isoformat(), "endDate": (later + timedelta(hours=1)).isoformat()},
        headers=author.headers,
    )
    assert response.status_code == 200, response.text
    clock.set(START - timedelta(hours=1))
    assert drain() == 0, "the old time no longer reminds anyone"
    clock.set(later - timedelta(hours=1))
    assert drain() == 1
    assert [m["To"].addresses[0].addr_spec for m in smtp_sink.wait_for(1)] == ["alice@example.com"]


def test_a_deleted_event_sends_nothing(
    client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    author = make_account("alice")
    created = create(
        client,
        author,
        startDate=START.isoformat(),
        endDate=(START + timedelta(hours=1)).isoformat(),
        notifications=["PT1H"],
    )
    assert client.delete(f"{EVENTS}/{created['id']}", headers=author.headers).status_code == 204
    clock.set(START)
    assert drain() == 0
    assert smtp_sink.count == 0


def test_a_past_event_sends_nothing(
    client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    author = make_account("alice")
    past = clock.now() - timedelta(hours=3)
    create(
        client,
        author,
        startDate=past.isoformat(),
        endDate=(past + timedelta(hours=1)).isoformat(),
        notifications=["PT1H"],
    )
    assert drain() == 0
    assert smtp_sink.count == 0


def test_a_refused_mail_is_retried_with_backoff_and_keeps_its_message_id(
    container: Container,
    client: TestClient,
    clock: FakeClock,
    smtp_sink: SmtpSink,
    drain: Drain,
    make_account: MakeAccount,
) -> None:
    author = make_account("alice")
    create(
        client,
        author,
        startDate=START.isoformat(),
        endDate=(START + timedelta(hours=1)).isoformat(),
        notifications=["PT1H"],
    )
    smtp_sink.refusals = 1
    clock.set(START - timedelta(hours=1))
    assert drain() == 1
    clock.advance(timedelta(seconds=9))
    assert drain() == 0, "the first retry waits the backoff base (10 s)"
    clock.advance(timedelta(seconds=1))
    assert drain() == 1
    first, second = smtp_sink.wait_for(2)
    assert first["Message-ID"] == second["Message-ID"]
    clock.advance(timedelta(hours=1))
    assert drain() == 0
