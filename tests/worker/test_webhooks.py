"""Webhooks: registered through the API, signed POSTs for event changes and due reminders, retried, listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from almanac.domain.webhooks import verify
from tests.api.backoffice_v2.factories import EVENTS, create
from tests.conftest import Account, MakeAccount
from tests.doubles import FakeClock
from tests.worker.conftest import Drain
from tests.worker.peers import WebhookReceiver

HOOKS = "/api/v2/webhooks"
SECRET = "s3cret-s3cret-s3cret"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def register(client: TestClient, account: Account, url: str, *types: str) -> dict[str, object]:
    response = client.post(
        HOOKS, json={"url": url, "secret": SECRET, "eventTypes": list(types)}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_event_changes_arrive_signed_with_a_delivery_id(
    client: TestClient, clock: FakeClock, receiver: WebhookReceiver, drain: Drain, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    register(client, alice, receiver.url, "event.created", "event.updated", "event.deleted")
    created = create(client, alice, caption="Launch")
    client.patch(f"{EVENTS}/{created['id']}", json={"caption": "Launch!"}, headers=alice.headers)
    client.delete(f"{EVENTS}/{created['id']}", headers=alice.headers)
    assert drain() == 3
    # Deliveries run concurrently, so arrival order is not guaranteed: receivers order by revision.
    posts = sorted(receiver.received(), key=lambda r: int(json.loads(r.body)["data"]["event"]["revision"]))
    now = int(clock.now().timestamp())
    assert [r.headers["almanac-event"] for r in posts] == ["event.created", "event.updated", "event.deleted"]
    for post in posts:
        assert verify(SECRET, post.headers["almanac-signature"], post.body, now=now)
        assert not verify("another-secret-xxxxx", post.headers["almanac-signature"], post.body, now=now)
        assert len(post.headers["almanac-delivery"]) == 36
    bodies = [json.loads(p.body) for p in posts]
    assert [b["data"]["event"]["summary"] for b in bodies] == ["Launch", "Launch!", "Launch!"]
    assert bodies[0]["type"] == "event.created"


def test_users_receive_changes_only_of_events_they_may_read_and_admins_all(
    client: TestClient, receiver: WebhookReceiver, drain: Drain, make_account: MakeAccount
) -> None:
    alice, bob, admin = make_account("alice"), make_account("bob"), make_account("root", admin=True)
    register(client, bob, receiver.url + "?bob", "event.created")
    register(client, admin, receiver.url + "?admin", "event.created")
    create(client, alice, caption="Private")
    create(client, alice, caption="With Bob", recipients=["bob@example.com"])
    drain()
    got = sorted(
        (r.path.partition("?")[2], json.loads(r.body)["data"]["event"]["summary"]) for r in receiver.received()
    )
    assert got == [("admin", "Private"), ("admin", "With Bob"), ("bob", "With Bob")]


def test_a_failing_receiver_is_retried_with_backoff_and_the_attempts_are_listed(
    client: TestClient, clock: FakeClock, receiver: WebhookReceiver, drain: Drain, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    hook = register(client, alice, receiver.url, "event.created")
    receiver.statuses = [500, 503]
    create(client, alice)
    assert drain() == 1
    clock.advance(timedelta(seconds=10))
    assert drain() == 1
    clock.advance(timedelta(seconds=20))
    assert drain() == 1
    ids = {r.headers["almanac-delivery"] for r in receiver.received()}
    assert len(receiver.received()) == 3 and len(ids) == 1
    listed = client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=alice.headers).json()
    assert [d["status"] for d in listed] == ["sent"]
    assert [(a["number"], a["ok"], a["statusCode"]) for a in listed[0]["attempts"]] == [
        (1, False, 500),
        (2, False, 503),
        (3, True, 200),
    ]


def test_an_unreachable_receiver_fails_after_the_last_attempt(
    client: TestClient, clock: FakeClock, drain: Drain, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    hook = register(client, alice, "http://127.0.0.1:9/nothing-listens-here", "event.created")
    create(client, alice)
    for _ in range(3):
        drain()
        clock.advance(timedelta(minutes=5))
    listed = client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=alice.headers).json()
    assert listed[0]["status"] == "failed" and len(listed[0]["attempts"]) == 3
    assert listed[0]["lastError"]


def test_reminder_due_is_posted_to_the_recipients_webhook(
    client: TestClient, clock: FakeClock, receiver: WebhookReceiver, drain: Drain, make_account: MakeAccount
) -> None:
    alice, bob = make_account("alice"), make_account("bob")
    register(client, bob, receiver.url, "reminder.due")
    create(
        client,
        alice,
        startDate=START.isoformat(),
        endDate=(START + timedelta(hours=1)).isoformat(),
        notifications=["PT15M"],
        recipients=["bob@example.com"],
    )
    clock.set(START - timedelta(minutes=15))
    assert drain() == 2  # the mail, then the webhook it queued
    (post,) = receiver.received()
    body = json.loads(post.body)
    assert body["type"] == "reminder.due"
    assert body["data"]["recipient"]["email"] == "bob@example.com"
    assert body["data"]["reminder"]["occurrence_start"] == START.isoformat()


def test_webhooks_are_private_to_their_owner_and_visible_to_admins(
    client: TestClient, receiver: WebhookReceiver, make_account: MakeAccount
) -> None:
    alice, bob, admin = make_account("alice"), make_account("bob"), make_account("root", admin=True)
    hook = register(client, alice, receiver.url, "event.created")
    assert "secret" not in client.get(f"{HOOKS}/{hook['id']}", headers=alice.headers).json()
    assert client.get(f"{HOOKS}/{hook['id']}", headers=bob.headers).status_code == 404
    assert client.get(HOOKS, headers=bob.headers).json() == []
    assert [h["id"] for h in client.get(HOOKS, headers=admin.headers).json()] == [hook["id"]]
    changed = client.patch(f"{HOOKS}/{hook['id']}", json={"active": False}, headers=admin.headers)
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert client.delete(f"{HOOKS}/{hook['id']}", headers=bob.headers).status_code == 404
    assert client.delete(f"{HOOKS}/{hook['id']}", headers=alice.headers).status_code == 204
    assert client.get(f"{HOOKS}/{hook['id']}", headers=alice.headers).status_code == 404


def test_bad_webhooks_are_refused_field_by_field_in_the_callers_language(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    for url in ("ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "http://", "http://h:99999/"):
        response = client.post(HOOKS, json={"url": url, "eventTypes": ["event.created"]}, headers=alice.headers)
        assert response.status_code == 400, url
        assert [e["field"] for e in response.json()["errors"]] == ["url"]
    response = client.post(
        HOOKS,
        json={"url": "https://example.com", "secret": "short", "eventTypes": ["event.exploded"]},
        headers={**alice.headers, "Accept-Language": "ja"},
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"eventTypes[0]"}
    assert "イベントの種類" in response.json()["errors"][0]["message"]
    for body in ({"url": 5, "eventTypes": []}, [], {"url": "x" * 3000, "eventTypes": ["event.created"]}):
        assert client.post(HOOKS, json=body, headers=alice.headers).status_code == 400
    assert client.get(f"{HOOKS}/abc", headers=alice.headers).status_code == 404
    assert client.get(f"{HOOKS}/99999999999999999999999", headers=alice.headers).status_code == 404
    assert client.get(f"{HOOKS}?limit=0", headers=alice.headers).status_code == 400
