"""ETags and conditional requests on Back Office events: no lost updates, cheap re-reads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from tests.api.backoffice_v2.factories import EVENTS, create
from tests.conftest import MakeAccount


def test_every_representation_carries_a_strong_etag_that_changes_with_the_event(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    created = client.post(
        EVENTS,
        json={"caption": "a", "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"},
        headers=alice.headers,
    )
    url = created.headers["location"]
    first = created.headers["etag"]
    assert first.startswith('"') and not first.startswith("W/")
    assert client.get(url, headers=alice.headers).headers["etag"] == first
    changed = client.patch(url, json={"caption": "b"}, headers=alice.headers)
    assert changed.headers["etag"] != first
    assert client.get(url, headers=alice.headers).headers["etag"] == changed.headers["etag"]


def test_if_none_match_answers_304_only_while_unchanged(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    url = f"{EVENTS}/{event['id']}"
    tag = client.get(url, headers=alice.headers).headers["etag"]
    cached = client.get(url, headers={**alice.headers, "If-None-Match": f'"other", {tag}'})
    assert cached.status_code == 304
    assert cached.content == b""
    assert client.get(url, headers={**alice.headers, "If-None-Match": f"W/{tag}"}).status_code == 304
    client.patch(url, json={"caption": "new"}, headers=alice.headers)
    assert client.get(url, headers={**alice.headers, "If-None-Match": tag}).status_code == 200


def test_if_none_match_does_not_reveal_events_to_strangers(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    carol = make_account("carol")
    event = create(client, alice)
    url = f"{EVENTS}/{event['id']}"
    tag = client.get(url, headers=alice.headers).headers["etag"]
    assert client.get(url, headers={**carol.headers, "If-None-Match": tag}).status_code == 404


def test_stale_if_match_is_412_and_changes_nothing(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    url = f"{EVENTS}/{event['id']}"
    tag = client.get(url, headers=alice.headers).headers["etag"]
    assert client.patch(url, json={"caption": "first"}, headers={**alice.headers, "If-Match": tag}).status_code == 200
    for header in (tag, f"W/{tag}", "garbage", '"nope"'):
        stale = client.patch(url, json={"caption": "second"}, headers={**alice.headers, "If-Match": header})
        assert stale.status_code == 412, header
        assert stale.json()["code"] == "precondition_failed"
        assert client.delete(url, headers={**alice.headers, "If-Match": header}).status_code == 412
    assert client.get(url, headers=alice.headers).json()["caption"] == "first"
    assert client.patch(url, json={"caption": "any"}, headers={**alice.headers, "If-Match": "*"}).status_code == 200
    current = client.get(url, headers=alice.headers).headers["etag"]
    assert client.delete(url, headers={**alice.headers, "If-Match": current}).status_code == 204


def test_concurrent_writers_with_the_same_etag_cannot_both_win(
    container: Container, client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    event = create(client, alice)
    url = f"{EVENTS}/{event['id']}"
    applied: list[str] = []
    refused = 0
    for round_number in range(5):
        tag = client.get(url, headers=alice.headers).headers["etag"]

        def write(writer: int, tag: str = tag, round_number: int = round_number) -> tuple[int, str]:
            caption = f"round {round_number} writer {writer}"
            with TestClient(container.web_app()) as own_client:
                response = own_client.patch(url, json={"caption": caption}, headers={**alice.headers, "If-Match": tag})
            return response.status_code, caption

        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(write, range(6)))
        winners = [caption for status, caption in results if status == 200]
        assert len(winners) == 1, results
        assert all(status in (200, 412) for status, _ in results)
        applied.extend(winners)
        refused += sum(status == 412 for status, _ in results)
        assert client.get(url, headers=alice.headers).json()["caption"] == winners[0]
    assert (len(applied), refused) == (5, 25)
