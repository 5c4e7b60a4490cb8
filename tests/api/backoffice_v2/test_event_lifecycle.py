"""GET, PUT, PATCH and DELETE of one event, and who may do each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.backoffice_v2.factories import EVENTS, create, event_body
from tests.conftest import MakeAccount
from tests.doubles import FakeClock


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_changes_only_the_fields_sent(
    client: TestClient, make_account: MakeAccount, clock: FakeClock, method: str
) -> None:
    alice = make_account("alice")
    make_account("bob")
    event = create(client, alice, notifications=["PT2H"])
    clock.advance(timedelta(minutes=5))
    response = client.request(
        method,
        f"{EVENTS}/{event['id']}",
        json={"caption": "Renamed", "recipients": ["bob@example.com"]},
        headers=alice.headers,
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated == {
        **event,
        "caption": "Renamed",
        "recipients": ["bob@example.com"],
        "updateTime": "2026-01-05T09:05:00+00:00",
    }
    assert client.get(f"{EVENTS}/{event['id']}", headers=alice.headers).json() == updated


def test_put_works_verbatim_without_content_type(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    response = client.put(
        f"{EVENTS}/{event['id']}",
        content=b'{"caption": "Name", "startDate": "2022-01-01T00:00:00+00:00",'
        b' "endDate": "2022-01-01T00:00:00+00:00"}',
        headers={**alice.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.json()["startDate"] == "2022-01-01T00:00:00+00:00"


def test_update_is_validated_as_a_whole_and_a_refusal_changes_nothing(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    url = f"{EVENTS}/{event['id']}"
    # Only the end is sent, but it falls before the stored start.
    moved_end = client.patch(url, json={"endDate": "2026-03-01T00:00:00Z", "caption": "x"}, headers=alice.headers)
    assert moved_end.status_code == 400
    assert moved_end.json()["errors"][0]["field"] == "endDate"
    ghosts = client.patch(url, json={"caption": "y", "recipients": ["ghost@example.com"]}, headers=alice.headers)
    assert ghosts.status_code == 400
    assert client.get(url, headers=alice.headers).json() == event


def test_null_clears_description_only(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    url = f"{EVENTS}/{event['id']}"
    cleared = client.patch(url, json={"description": None}, headers=alice.headers)
    assert cleared.status_code == 200
    assert cleared.json()["description"] is None
    refused = client.patch(url, json={"caption": None, "startDate": None}, headers=alice.headers)
    assert refused.status_code == 400
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        ("caption", "null_not_allowed"),
        ("startDate", "null_not_allowed"),
    }


def test_empty_update_keeps_everything(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    response = client.put(f"{EVENTS}/{event['id']}", json={}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["caption"] == event["caption"]


def test_delete_answers_204_then_every_method_404(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    url = f"{EVENTS}/{event['id']}"
    deleted = client.delete(url, headers=alice.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = client.request(method, url, json=event_body(), headers=alice.headers)
        assert response.status_code == 404, method
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("event_id", ["999", "abc", "0", "-1", "1.5", "99999999999999999999999", "١"])
def test_unknown_or_malformed_ids_are_404(client: TestClient, make_account: MakeAccount, event_id: str) -> None:
    alice = make_account("alice")
    create(client, alice)
    response = client.get(f"{EVENTS}/{event_id}", headers=alice.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_who_may_read_change_and_delete(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    bob = make_account("bob")
    carol = make_account("carol")
    root = make_account("root", admin=True)
    event = create(client, alice, recipients=["bob@example.com"])
    url = f"{EVENTS}/{event['id']}"

    assert client.get(url, headers=alice.headers).status_code == 200
    assert client.get(url, headers=bob.headers).status_code == 200  # a recipient reads
    assert client.get(url, headers=root.headers).status_code == 200  # an admin reads
    stranger = client.get(url, headers=carol.headers)
    assert stranger.status_code == 404
    # A stranger's answer is the same as for an id that does not exist.
    missing = client.get(f"{EVENTS}/999", headers=carol.headers)
    assert stranger.json()["message"].replace(str(event["id"]), "") == missing.json()["message"].replace("999", "")

    for account in (bob, carol):  # recipients and strangers may not change or delete
        assert client.patch(url, json={"caption": "hijack"}, headers=account.headers).status_code == 404
        assert client.delete(url, headers=account.headers).status_code == 404
    # A recipient's refused write reads exactly like an unknown id (it once showed the raw message template).
    refused = client.patch(url, json={"caption": "hijack"}, headers=bob.headers).json()
    unknown = client.patch(f"{EVENTS}/999", json={"caption": "hijack"}, headers=bob.headers).json()
    assert refused == {**unknown, "message": unknown["message"].replace("999", str(event["id"]))}
    assert refused["message"] == f"No event with id {event['id']} was found."
    assert client.get(url, headers=alice.headers).json()["caption"] == event["caption"]

    assert client.patch(url, json={"caption": "by admin"}, headers=root.headers).status_code == 200
    assert client.delete(url, headers=root.headers).status_code == 204
