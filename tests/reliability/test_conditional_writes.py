"""Conditional writes on the eXo face: events and tasks carry strong ETags, If-None-Match answers 304, and
If-Match on PUT and DELETE refuses (412, nothing changed) when the item has changed since it was read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.exo_v1.conftest import Caller
from tests.conftest import MakeAccount

MakeCaller = Callable[[str], Caller]


@pytest.fixture
def caller(client: TestClient, make_account: MakeAccount) -> MakeCaller:
    return lambda username: Caller(client, make_account(username))


def new_event(me: Caller) -> str:
    return me.create_event(me.default_calendar, subject="Sprint review", description="agenda")


def new_task(me: Caller) -> str:
    body = {"name": "Prepare budget", "note": "agenda", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T17:00:00Z"}
    response = me.post(f"/calendars/{me.default_calendar}/tasks", json=body)
    assert response.status_code == 201, response.text
    return str(response.headers["Location"]).rsplit("/", 1)[1]


# Each kind: how to make one, its path, the body of a change, and the property that change shows in.
KINDS: dict[str, tuple[Callable[[Caller], str], str, Callable[[str], dict[str, Any]], str]] = {
    "event": (new_event, "/events/", lambda text: {"description": text}, "description"),
    "task": (new_task, "/tasks/", lambda text: {"note": text}, "note"),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_same_stored_version_carries_the_same_strong_etag_and_a_change_a_new_one(
    caller: MakeCaller, kind: str
) -> None:
    make, path, change, _ = KINDS[kind]
    alice = caller("alice")
    url = path + make(alice)
    first = alice.get(url).headers["ETag"]
    assert first.startswith('"') and first.endswith('"')
    assert alice.get(url).headers["ETag"] == first
    changed = alice.put(url, json=change("minutes"))
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] not in ("", first)
    assert alice.get(url).headers["ETag"] == changed.headers["ETag"]


def test_if_none_match_answers_304_while_unchanged_and_decides_before_if_modified_since(
    caller: MakeCaller, kind: str
) -> None:
    make, path, change, _ = KINDS[kind]
    alice = caller("alice")
    url = path + make(alice)
    read = alice.get(url)
    tag, last_modified = read.headers["ETag"], read.headers["Last-Modified"]
    cached = alice.get(url, headers={"If-None-Match": f'"other", {tag}'})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["ETag"] == tag
    # A tag that no longer matches wins over a date that would (RFC 9110 §13.2.2).
    stale = alice.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": last_modified})
    assert stale.status_code == 200
    alice.put(url, json=change("minutes"))
    assert alice.get(url, headers={"If-None-Match": tag}).status_code == 200


def test_put_with_a_stale_if_match_is_412_in_the_callers_language_and_changes_nothing(
    caller: MakeCaller, kind: str
) -> None:
    make, path, change, field = KINDS[kind]
    alice = caller("alice")
    url = path + make(alice)
    old_tag = alice.get(url).headers["ETag"]
    assert alice.put(url, json=change("first"), headers={"If-Match": old_tag}).status_code == 200
    refused = alice.put(url, json=change("second"), headers={"If-Match": old_tag, "Accept-Language": "ja"})
    assert refused.status_code == 412
    assert refused.json()["developerMessage"] == "precondition_failed"
    assert "エンティティタグ" in refused.json()["message"]
    assert refused.headers["Cache-Control"] == "no-cache, no-store"
    assert alice.get(url).json()[field] == "first"
    english = alice.put(url, json=change("second"), headers={"If-Match": old_tag})
    assert "has changed since you read it" in english.json()["message"]


def test_put_with_the_current_tag_or_a_star_succeeds(caller: MakeCaller, kind: str) -> None:
    make, path, change, field = KINDS[kind]
    alice = caller("alice")
    url = path + make(alice)
    tag = alice.get(url).headers["ETag"]
    assert alice.put(url, json=change("first"), headers={"If-Match": f'"nope", {tag}'}).status_code == 200
    assert alice.put(url, json=change("second"), headers={"If-Match": "*"}).status_code == 200
    assert alice.get(url).json()[field] == "second"


@pytest.mark.parametrize("header", ["garbage", 'W/"weak"', '"unterminated'])
def test_a_malformed_or_weak_if_match_matches_nothing(caller: MakeCaller, kind: str, header: str) -> None:
    make, path, change, field = KINDS[kind]
    alice = caller("alice")
    url = path + make(alice)
    tag = alice.get(url).headers["ETag"]
    weak_of_current = f"W/{tag}" if header == 'W/"weak"' else header
    assert alice.put(url, json=change("never"), headers={"If-Match": weak_of_current}).status_code == 412
    assert alice.delete(url, headers={"If-Match": weak_of_current}).status_code == 412
    assert alice.get(url).json()[field] == "agenda"


def test_delete_with_a_stale_if_match_keeps_the_item_and_with_the_current_one_deletes_it(
    caller: MakeCaller, kind: str
) -> None:
    make, path, change, _ = KINDS[kind]
    alice = caller("alice")
    url = path + make(alice)
    old_tag = alice.get(url).headers["ETag"]
    alice.put(url, json=change("minutes"))
    assert alice.delete(url, headers={"If-Match": old_tag}).status_code == 412
    assert alice.get(url).status_code == 200
    assert alice.delete(url, headers={"If-Match": alice.get(url).headers["ETag"]}).status_code == 200
    assert alice.get(url).status_code == 404


def test_a_stranger_with_the_right_tag_still_gets_404(caller: MakeCaller, kind: str) -> None:
    make, path, change, _ = KINDS[kind]
    alice, mallory = caller("alice"), caller("mallory")
    url = path + make(alice)
    tag = alice.get(url).headers["ETag"]
    assert mallory.put(url, json=change("mine"), headers={"If-Match": tag}).status_code == 404
    assert mallory.delete(url, headers={"If-Match": tag}).status_code == 404
    assert mallory.get(url, headers={"If-None-Match": tag}).status_code == 404


def test_the_tag_is_the_same_on_both_rest_faces(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = new_event(alice)
    exo_tag = alice.get(f"/events/{key}").headers["ETag"]
    found = alice.client.get("/api/v2/calendars/events", headers=alice.account.headers).json()
    (event_id,) = [e["id"] for e in found]
    bo = alice.client.get(f"/api/v2/calendars/events/{event_id}", headers=alice.account.headers)
    assert bo.headers["ETag"] == exo_tag
    # A Back Office write makes the tag read on the eXo face stale.
    alice.client.patch(
        f"/api/v2/calendars/events/{event_id}", json={"description": "bo"}, headers=alice.account.headers
    )
    assert alice.put(f"/events/{key}", json={"description": "exo"}, headers={"If-Match": exo_tag}).status_code == 412


def test_an_occurrence_edit_checks_the_addressed_series_tag(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = alice.create_event(
        alice.default_calendar,
        subject="Stand-up",
        repeat={"type": "daily", "every": 1, "end": {"type": "endAfter", "value": "5"}},
    )
    url = f"/events/{key}"
    old_tag = alice.get(url).headers["ETag"]
    alice.put(url, json={"description": "whole series"})
    body = {"subject": "Moved", "recurrenceId": "20260107T090000Z"}
    stale = alice.put(f"{url}?recurringUpdateType=ONE", json=body, headers={"If-Match": old_tag})
    assert stale.status_code == 412
    fresh = alice.put(f"{url}?recurringUpdateType=ONE", json=body, headers={"If-Match": alice.get(url).headers["ETag"]})
    assert fresh.status_code == 200, fresh.text
    # The answer names no tag: what was stored is a new override, not the addressed master.
    assert "ETag" not in fresh.headers


def test_openapi_documents_the_conditional_answers_of_the_exo_face(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    prefix = "/rest/private/v1/calendar"
    for item in ("/events/{event_id}", "/tasks/{task_id}"):
        assert "412" in paths[prefix + item]["put"]["responses"]
        assert "412" in paths[prefix + item]["delete"]["responses"]
        assert "304" in paths[prefix + item]["get"]["responses"]
