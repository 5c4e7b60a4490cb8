"""Task reminders are delivered like event reminders: at their time, once, by the real worker to the real SMTP
server, kept in step with the task through the eXo face and CalDAV, never for a finished or deleted task.

Most tests drive the worker round by round on a fake clock (``drain``); the last two run the worker loop on
the real clock, in a thread and as two ``almanac worker`` processes racing over one database."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from fastapi.testclient import TestClient
from icalendar import Calendar

from almanac.bootstrap import Container, build_container
from almanac.config import Settings
from almanac.domain.deliveries import Delivery, DeliveryStatus
from almanac.domain.events import Reminder
from almanac.domain.users import Principal
from almanac.services import tasks as task_service
from almanac.services.tasks import TaskChanges
from tests.conftest import UNLIMITED_RATES, Account, MakeAccount
from tests.dav.conftest import basic
from tests.doubles import FakeClock
from tests.worker.conftest import Drain, person
from tests.worker.peers import SmtpSink, WebhookReceiver
from tests.worker.processes import Workers

EXO = "/rest/private/v1/calendar"
TASKS = f"{EXO}/calendars/alice-defaultCalendarId/tasks"
DAV = "/dav/calendars/alice/alice-defaultCalendarId/"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)


def create_task(client: TestClient, author: Account, **fields: object) -> str:
    """A task through the eXo face (from START, due DUE unless given); its URL."""
    body = {"name": "File the report", "from": START.isoformat(), "to": DUE.isoformat(), **fields}
    created = client.post(TASKS, json=body, headers=author.headers)
    assert created.status_code == 201, created.text
    return created.headers["location"]


def change_task(client: TestClient, author: Account, url: str, **fields: object) -> None:
    changed = client.put(url, json=fields, headers=author.headers)
    assert changed.status_code == 200, changed.text


def vtodo(lines: str, *, uid: str = "chore@example.com", summary: str = "Chore") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VTODO\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\n{lines}END:VTODO\r\nEND:VCALENDAR\r\n"
    )


def email_alarm(trigger: str) -> str:
    return f"BEGIN:VALARM\r\nACTION:EMAIL\r\nSUMMARY:Chore\r\nDESCRIPTION:Chore\r\n{trigger}\r\nEND:VALARM\r\n"


def dav_put(client: TestClient, name: str, body: str, **headers: str) -> str:
    sent = {"Content-Type": "text/calendar; charset=utf-8", **basic("alice"), **headers}
    response = client.put(DAV + name, content=body, headers=sent)
    assert response.status_code in (201, 204), response.text
    etag: str = response.headers.get("etag") or client.get(DAV + name, headers=basic("alice")).headers["etag"]
    return etag


def task_ids(container: Container) -> list[int]:
    """The ids of the tasks in alice's default calendar."""
    with container.services.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key("alice-defaultCalendarId")
        assert calendar is not None and calendar.id is not None
        return [t.id for t in uow.tasks.list_of_calendar(calendar.id) if t.id is not None]


def task_deliveries(container: Container, ids: list[int] | None = None) -> list[Delivery]:
    """The reminder deliveries of the tasks ``ids`` (default: every task in alice's default calendar)."""
    with container.services.uow(read_only=True) as uow:
        return [d for i in (task_ids(container) if ids is None else ids) for d in uow.deliveries.reminders_of_task(i)]


def task_ics(message: EmailMessage) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_filename() == "task.ics"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload)


def body_of(message: EmailMessage) -> str:
    plain = message.get_body(("plain",))
    assert plain is not None
    text: str = plain.get_content()
    return text.replace("\r\n", "\n")


def test_a_task_reminder_is_mailed_once_at_its_time_saying_it_is_a_task(
    container: Container, client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain
) -> None:
    alice = person(container, "alice")
    person(container, "bob")
    person(container, "kenji", locale="ja", tzid="Asia/Tokyo")
    create_task(
        client,
        alice,
        note="Numbers and plans",
        delegation=["bob", "kenji"],
        reminder=[{"reminderType": "email", "alarmBefore": 15}],
    )
    clock.set(START - timedelta(minutes=15, seconds=1))
    assert drain() == 0
    clock.set(START - timedelta(minutes=15))
    assert drain() == 2, "one mail per delegate, counted back from the task's start"
    mails = {m["To"].addresses[0].addr_spec: m for m in smtp_sink.wait_for(2)}
    assert sorted(mails) == ["bob@example.com", "kenji@example.com"]

    english, japanese = mails["bob@example.com"], mails["kenji@example.com"]
    assert english["Subject"].startswith("Task reminder: File the report (due ")
    assert "Mar 4, 2026, 5:00:00\u202fPM" in english["Subject"]
    text = body_of(english)
    assert "This is a reminder of a task." in text and "Task: File the report" in text
    assert "Due: Wednesday, March 4, 2026" in text and "Note:\nNumbers and plans" in text
    assert japanese["Subject"].startswith("タスクのリマインダー: File the report（期限 ")
    jtext = body_of(japanese)
    assert "タスクのリマインダーです。" in jtext and "期限: 2026年3月5日木曜日 2時00分00秒" in jtext
    assert "Asia/Tokyo" in jtext and "メモ:\nNumbers and plans" in jtext
    assert japanese["Content-Language"] == "ja"
    assert len({m["Message-ID"] for m in mails.values()}) == 2

    todo = task_ics(english).walk("VTODO")[0]
    assert str(todo["SUMMARY"]) == "File the report"
    assert (todo.decoded("DTSTART"), todo.decoded("DUE")) == (START, DUE)

    clock.advance(timedelta(minutes=5))
    assert drain() == 0, "a sent reminder is never sent again"
    assert smtp_sink.count == 2


def test_a_caldav_task_without_a_start_is_reminded_before_it_is_due(
    client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    make_account("alice")
    dav_put(client, "chore.ics", vtodo("DUE:20260304T170000Z\r\n" + email_alarm("TRIGGER;RELATED=END:-PT1H")))
    clock.set(DUE - timedelta(hours=1, seconds=1))
    assert drain() == 0
    clock.set(DUE - timedelta(hours=1))
    assert drain() == 1
    (mail,) = smtp_sink.wait_for(1)
    assert mail["To"].addresses[0].addr_spec == "alice@example.com", "no delegates: the author is reminded"
    assert mail["Subject"].startswith("Task reminder: Chore (due ")
    assert "Starts:" not in body_of(mail), "the task has no start to show"
    assert "DTSTART" not in task_ics(mail).walk("VTODO")[0]


def test_completed_and_canceled_tasks_are_not_reminded_and_a_reopened_one_is(
    container: Container,
    client: TestClient,
    clock: FakeClock,
    smtp_sink: SmtpSink,
    drain: Drain,
    make_account: MakeAccount,
) -> None:
    alice = make_account("alice")
    reminder = [{"reminderType": "email", "alarmBefore": 15}]
    create_task(client, alice, name="Done already", status="completed", reminder=reminder)
    later = create_task(client, alice, name="Dropped", reminder=reminder)
    change_task(client, alice, later, status="canceled")
    assert {d.status for d in task_deliveries(container)} == {DeliveryStatus.CANCELLED}
    clock.set(START)
    assert drain() == 0
    assert smtp_sink.count == 0

    clock.set(START - timedelta(hours=1))
    change_task(client, alice, later, status="needs-action")
    clock.set(START - timedelta(minutes=15))
    assert drain() == 1
    (mail,) = smtp_sink.wait_for(1)
    assert "Dropped" in mail["Subject"]


def test_changing_a_task_through_the_exo_face_reschedules_its_reminder(
    client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    url = create_task(client, alice, reminder=[{"reminderType": "email", "alarmBefore": 15}])
    later = START + timedelta(days=1)
    change_task(client, alice, url, **{"from": later.isoformat(), "to": (DUE + timedelta(days=1)).isoformat()})
    clock.set(START - timedelta(minutes=15))
    assert drain() == 0, "the old time no longer reminds anyone"
    change_task(client, alice, url, reminder=[{"reminderType": "email", "alarmBefore": 60}])
    clock.set(later - timedelta(minutes=61))
    assert drain() == 0
    clock.set(later - timedelta(minutes=60))
    assert drain() == 1
    clock.set(later - timedelta(minutes=15))
    assert drain() == 0, "the 15-minute reminder was replaced by the 60-minute one"
    assert smtp_sink.wait_for(1)[0]["To"].addresses[0].addr_spec == "alice@example.com"


def test_a_caldav_put_of_the_vtodo_reschedules_its_reminder_and_completing_it_cancels_it(
    container: Container,
    client: TestClient,
    clock: FakeClock,
    smtp_sink: SmtpSink,
    drain: Drain,
    make_account: MakeAccount,
) -> None:
    make_account("alice")
    alarm = email_alarm("TRIGGER:-PT15M")
    etag = dav_put(client, "chore.ics", vtodo("DTSTART:20260302T090000Z\r\nDUE:20260304T170000Z\r\n" + alarm))
    moved = "DTSTART:20260303T090000Z\r\nDUE:20260304T170000Z\r\n"
    etag = dav_put(client, "chore.ics", vtodo(moved + alarm), If_Match=etag)
    clock.set(START - timedelta(minutes=15))
    assert drain() == 0, "the old start no longer reminds anyone"
    new_start = START + timedelta(days=1)
    clock.set(new_start - timedelta(minutes=15))
    assert drain() == 1
    assert smtp_sink.wait_for(1)[0]["Subject"].startswith("Task reminder: Chore")

    # A second alarm on the same task, then the client marks it completed: nothing more is sent.
    clock.set(new_start + timedelta(minutes=1))
    again = "DTSTART:20260304T090000Z\r\nDUE:20260304T170000Z\r\n" + alarm
    etag = dav_put(client, "chore.ics", vtodo(again), If_Match=etag)
    assert any(d.status is DeliveryStatus.PENDING for d in task_deliveries(container))
    done = again + "STATUS:COMPLETED\r\nCOMPLETED:20260303T100000Z\r\n"
    dav_put(client, "chore.ics", vtodo(done), If_Match=etag)
    assert not any(d.status is DeliveryStatus.PENDING for d in task_deliveries(container))
    clock.set(START + timedelta(days=2))
    assert drain() == 0
    assert smtp_sink.count == 1


def test_deleting_a_task_through_either_face_removes_its_reminders(
    container: Container,
    client: TestClient,
    clock: FakeClock,
    smtp_sink: SmtpSink,
    drain: Drain,
    make_account: MakeAccount,
) -> None:
    alice = make_account("alice")
    url = create_task(client, alice, reminder=[{"reminderType": "email", "alarmBefore": 15}])
    dav_put(client, "chore.ics", vtodo("DTSTART:20260302T090000Z\r\n" + email_alarm("TRIGGER:-PT15M")))
    ids = task_ids(container)
    assert Counter(d.status for d in task_deliveries(container, ids)) == Counter({DeliveryStatus.PENDING: 2})
    assert client.delete(url, headers=alice.headers).status_code == 200
    assert client.delete(DAV + "chore.ics", headers=basic("alice")).status_code == 204
    assert Counter(d.status for d in task_deliveries(container, ids)) == Counter({DeliveryStatus.CANCELLED: 2})
    clock.set(START)
    assert drain() == 0
    assert smtp_sink.count == 0


def test_each_instance_of_a_recurring_task_is_reminded_once_and_the_horizon_rolls_on(
    client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    make_account("alice")
    timing = "DTSTART:20260302T090000Z\r\nDUE:20260302T170000Z\r\nRRULE:FREQ=WEEKLY\r\n"
    dav_put(client, "weekly.ics", vtodo(timing + email_alarm("TRIGGER:-PT15M"), summary="Weekly report"))
    for week in (0, 1):
        clock.set(START + timedelta(weeks=week, minutes=-15))
        assert drain() == 1
        clock.advance(timedelta(minutes=10))
        assert drain() == 0
    # Ten weeks on, far past the first 35-day horizon: the worker's horizon round plans that instance.
    tenth = START + timedelta(weeks=10)
    clock.set(tenth - timedelta(minutes=15))
    assert drain() == 1
    mails = smtp_sink.wait_for(3)
    assert [m["X-Almanac-Recurrence-Id"] for m in mails] == ["20260302T090000Z", "20260309T090000Z", "20260511T090000Z"]
    assert "Due: Monday, May 11, 2026" in body_of(mails[2]), "each instance is due on its own day"
    assert "RECURRENCE-ID" in task_ics(mails[2]).walk("VTODO")[0]


def test_task_popups_are_listed_for_their_recipient_until_the_task_is_completed(
    client: TestClient, clock: FakeClock, drain: Drain, make_account: MakeAccount
) -> None:
    alice, bob = make_account("alice"), make_account("bob")
    url = create_task(client, alice, delegation=["bob"], reminder=[{"reminderType": "popup", "alarmBefore": 10}])
    key = url.rsplit("/", 1)[1]
    clock.set(START - timedelta(minutes=10))
    drain()
    (popup,) = client.get("/api/v2/reminders/due", headers=bob.headers).json()
    assert (popup["kind"], popup["taskId"], popup["eventId"], popup["caption"]) == (
        "task",
        key,
        None,
        "File the report",
    )
    assert (popup["startDate"], popup["endDate"]) == ("2026-03-02T09:00:00+00:00", "2026-03-04T17:00:00+00:00")
    (exo_popup,) = client.get(f"{EXO}/reminders/due", headers=bob.headers).json()["data"]
    assert (exo_popup["kind"], exo_popup["taskId"], exo_popup["alarmBefore"]) == ("task", key, 10)
    assert exo_popup["task"].endswith(f"/tasks/{key}") and exo_popup["subject"] == "File the report"
    assert client.get("/api/v2/reminders/due", headers=alice.headers).json() == [], "the author is not a recipient"
    change_task(client, alice, url, status="completed")
    assert client.get("/api/v2/reminders/due", headers=bob.headers).json() == []


def test_a_delivered_task_reminder_reaches_the_recipients_webhooks(
    client: TestClient,
    clock: FakeClock,
    smtp_sink: SmtpSink,
    receiver: WebhookReceiver,
    drain: Drain,
    make_account: MakeAccount,
) -> None:
    alice = make_account("alice")
    hook = client.post(
        "/api/v2/webhooks",
        json={"url": receiver.url, "secret": "s3cret-s3cret-s3cret", "eventTypes": ["reminder.due"]},
        headers=alice.headers,
    )
    assert hook.status_code == 201, hook.text
    create_task(client, alice, note="Q1", reminder=[{"reminderType": "email", "alarmBefore": 15}])
    clock.set(START - timedelta(minutes=15))
    assert drain() == 2, "the mail, then the reminder.due message its delivery queued"
    (post,) = receiver.received()
    message = json.loads(post.body)
    assert message["type"] == "reminder.due" and "event" not in message["data"]
    assert message["data"]["task"]["summary"] == "File the report" and message["data"]["task"]["description"] == "Q1"
    reminder = message["data"]["reminder"]
    assert (reminder["occurrence_start"], reminder["occurrence_end"]) == (START.isoformat(), DUE.isoformat())
    assert message["data"]["recipient"]["email"] == "alice@example.com"


def live_container(database_url: str, smtp_sink: SmtpSink, **settings: object) -> Container:
    """A container on the real clock, as ``almanac serve`` builds it, sending to the test SMTP server."""
    values: dict[str, object] = {
        "database_url": database_url,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_sink.port,
        **UNLIMITED_RATES,
        **settings,
    }
    return build_container(Settings(**values))  # type: ignore[arg-type]


def principal(account: Account) -> Principal:
    user = account.user
    assert user.id is not None
    return Principal(user_id=user.id, username=user.username, email=user.email)


def test_a_running_worker_sends_a_task_reminder_once_when_it_falls_due(
    database_url: str, smtp_sink: SmtpSink, make_account: MakeAccount
) -> None:
    live = live_container(database_url, smtp_sink, worker_poll_interval=30)
    worker = live.worker(worker_id="live")
    thread = threading.Thread(target=asyncio.run, args=(worker.run(),))
    thread.start()
    try:
        alice = make_account("alice")
        due_at = datetime.now(UTC) + timedelta(seconds=1)
        view = task_service.create_task_in_calendar(
            live.services,
            principal=principal(alice),
            calendar_key="alice-defaultCalendarId",
            changes=TaskChanges(
                summary="Call the bank",
                starts_at=due_at + timedelta(minutes=5),
                due_at=due_at + timedelta(hours=1),
                reminders=[Reminder(before=timedelta(minutes=5))],
            ),
        )
        (mail,) = smtp_sink.wait_for(1, timeout=30)
        assert mail["Subject"].startswith("Task reminder: Call the bank")
        time.sleep(1.0)  # a duplicate would arrive now
    finally:
        worker.stop()
        thread.join(timeout=30)
    try:
        assert not thread.is_alive()
        assert smtp_sink.count == 1
        assert view.task.id is not None
        (sent,) = task_deliveries(live, [view.task.id])
    finally:
        live.close()
    assert sent.status is DeliveryStatus.SENT and sent.sent_at is not None
    assert sent.sent_at >= sent.due_at, "not sent before its time"


def test_two_worker_processes_deliver_each_task_reminder_once(
    database_url: str, smtp_sink: SmtpSink, make_account: MakeAccount, workers: Workers
) -> None:
    alice = make_account("alice")
    make_account("bob")
    make_account("carol")
    live = live_container(database_url, smtp_sink)
    try:
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        ids: list[int] = []
        for number in range(150):
            view = task_service.create_task_in_calendar(
                live.services,
                principal=principal(alice),
                calendar_key="alice-defaultCalendarId",
                changes=TaskChanges(
                    summary=f"Task {number}",
                    starts_at=tomorrow,
                    due_at=tomorrow + timedelta(hours=2),
                    # Counted back from tomorrow, it fell due a minute ago: every delivery is due at once.
                    reminders=[Reminder(before=timedelta(days=1, minutes=1))],
                    delegate_usernames=["bob", "carol"],
                ),
            )
            assert view.task.id is not None
            ids.append(view.task.id)
        planned = {d.id for d in task_deliveries(live, ids)}
    finally:
        live.close()
    assert len(planned) == 300
    # Small batches: the two workers take turns at the queue rather than one claiming it whole.
    first = workers.start("w1", ALMANAC_WORKER_BATCH_SIZE="20")
    second = workers.start("w2", ALMANAC_WORKER_BATCH_SIZE="20")
    smtp_sink.wait_for(300, timeout=180)
    time.sleep(1.0)  # a duplicate would arrive now
    workers.stop_all()
    message_ids = Counter(m["Message-ID"] for m in smtp_sink.messages)
    assert len(smtp_sink.messages) == 300
    assert set(message_ids.values()) == {1}
    assert {m.removeprefix("<").partition("@")[0] for m in message_ids} == planned
    counts = []
    for process in (first, second):
        assert process.returncode == 0
        assert process.stderr is not None
        found = re.search(r"stopped after (\d+) deliveries", process.stderr.read())
        assert found, "the worker did not stop gracefully"
        counts.append(int(found.group(1)))
    assert sum(counts) == 300, counts
    assert min(counts) > 0, f"one worker sent everything ({counts}): they did not race"
