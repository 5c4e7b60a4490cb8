"""Invitations of the eXo face (spec §3.10, §5.9): the participants of an event with their answers, one fact
shared with the event and with the Back Office recipients."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.backoffice_v2.factories import create
from tests.api.exo_v1.conftest import BASE, Caller, MakeCaller


@pytest.fixture
def mary(caller: MakeCaller) -> Caller:
    return caller("mary")


@pytest.fixture
def john(caller: MakeCaller) -> Caller:
    return caller("john")


def invite(host: Caller, event: str, participant: str, status: str = "") -> str:
    response = host.post(f"/events/{event}/invitations", json={"participant": participant, "status": status})
    assert response.status_code == 201, response.text
    return response.headers["Location"].removeprefix(BASE)


def test_inviting_adds_a_participant_whose_answer_is_the_invitation(mary: Caller, john: Caller) -> None:
    event = mary.create_event(mary.default_calendar)
    response = mary.post(f"/events/{event}/invitations", json={"participant": "john", "status": ""})
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["Location"] == f"{BASE}/invitations/{event}:john"
    assert mary.get(f"/events/{event}").json()["participants"] == ["john"]

    read = john.get(f"/invitations/{event}:john")
    assert read.status_code == 200
    assert read.json() == {
        "id": f"{event}:john",
        "href": f"{BASE}/invitations/{event}:john",
        "event": f"{BASE}/events/{event}",
        "participant": "john",
        "status": "",
    }

    assert john.put(f"/invitations/{event}:john?status=maybe").status_code == 200
    assert mary.get(f"/invitations/{event}:john").json()["status"] == "maybe"
    listed = mary.get(f"/events/{event}/invitations").json()
    assert [(i["participant"], i["status"]) for i in listed["data"]] == [("john", "maybe")]

    assert mary.delete(f"/invitations/{event}:john").status_code == 200
    assert mary.get(f"/events/{event}").json()["participants"] == []
    assert mary.get(f"/invitations/{event}:john").status_code == 404


def test_participants_set_on_the_event_are_invitations_and_keep_their_answers(mary: Caller, john: Caller) -> None:
    event = mary.create_event(mary.default_calendar, participants=["john"])
    assert john.put(f"/invitations/{event}:john?status=yes").status_code == 200
    assert mary.put(f"/events/{event}", json={"location": "Room 2"}).status_code == 200
    assert mary.get(f"/invitations/{event}:john").json()["status"] == "yes"
    invite(mary, event, "mary")
    statuses = {i["participant"]: i["status"] for i in mary.get(f"/events/{event}/invitations").json()["data"]}
    assert statuses == {"john": "yes", "mary": ""}


def test_back_office_recipients_are_invitations_too(client: TestClient, mary: Caller, john: Caller) -> None:
    create(
        client,
        mary.account,
        caption="Planning",
        startDate="2026-01-06T09:00:00+00:00",
        endDate="2026-01-06T10:00:00+00:00",
        recipients=["john@example.com"],
    )
    listed = mary.get("/events", params={"startTime": "2026-01-06", "endTime": "2026-01-07"}).json()["data"]
    (event,) = [e["id"] for e in listed if e["subject"] == "Planning"]
    assert [i["participant"] for i in mary.get(f"/events/{event}/invitations").json()["data"]] == ["john"]
    assert john.put(f"/invitations/{event}:john?status=no").status_code == 200


def test_a_status_may_be_given_when_inviting_and_is_empty_when_left_out(mary: Caller, john: Caller) -> None:
    event = mary.create_event(mary.default_calendar)
    assert mary.post(f"/events/{event}/invitations", json={"participant": "john"}).status_code == 201
    assert mary.get(f"/invitations/{event}:john").json()["status"] == ""
    mary.delete(f"/invitations/{event}:john")
    invite(mary, event, "john", "yes")
    assert mary.get(f"/invitations/{event}:john").json()["status"] == "yes"


@pytest.mark.parametrize(
    ("body", "message", "developer"),
    [
        (None, "Invitation information must not null", "invitation"),
        ({"status": ""}, "participant must not null or empty", "participant"),
        ({"participant": "  ", "status": ""}, "participant must not null or empty", "participant"),
        ({"participant": "john", "status": "YES"}, "status must be one of: ,maybe,no,yes", "status"),
    ],
)
def test_create_reports_exo_messages(mary: Caller, john: Caller, body: object, message: str, developer: str) -> None:
    event = mary.create_event(mary.default_calendar)
    response = mary.post(f"/events/{event}/invitations", json=body)
    assert response.status_code == 400
    assert response.json() == {"message": message, "developerMessage": developer}


def test_create_checks_body_then_event_then_permission_then_participant(
    mary: Caller, john: Caller, caller: MakeCaller
) -> None:
    sam = caller("sam")
    event = mary.create_event(mary.default_calendar, participants=["sam"])
    # 1-3: the body first, even for an unknown event or a caller who may not edit.
    assert mary.post("/events/Event404/invitations", json={"status": ""}).status_code == 400
    assert sam.post(f"/events/{event}/invitations", json={"participant": "john", "status": "x"}).status_code == 400
    # 4: the event (unknown, or unreadable: the same).
    assert mary.post("/events/Event404/invitations", json={"participant": "john"}).status_code == 404
    assert john.post(f"/events/{event}/invitations", json={"participant": "john"}).status_code == 404
    # 5: the permission: sam reads the event (participant) but may not edit it.
    refused = sam.post(f"/events/{event}/invitations", json={"participant": "john"})
    assert (refused.status_code, refused.content) == (401, b"")
    # 6: already a participant; then an unknown user.
    again = mary.post(f"/events/{event}/invitations", json={"participant": "sam"})
    assert again.status_code == 400
    assert again.json() == {
        "message": "sam has already been participant, can't create more",
        "developerMessage": "participant",
    }
    unknown = mary.post(f"/events/{event}/invitations", json={"participant": "nobody"})
    assert unknown.status_code == 400
    assert unknown.json()["developerMessage"] == "participant"


def test_errors_are_localized(mary: Caller) -> None:
    event = mary.create_event(mary.default_calendar)
    response = mary.post(f"/events/{event}/invitations", json={"status": ""}, headers={"Accept-Language": "ja"})
    assert response.json() == {
        "message": "participant を指定してください（空にはできません）",
        "developerMessage": "participant",
    }


def test_answer_checks_status_then_invitation_then_invitee(mary: Caller, john: Caller, caller: MakeCaller) -> None:
    stan = caller("stan")
    event = mary.create_event(mary.default_calendar, participants=["john"])
    bad = john.put(f"/invitations/{event}:john?status=accepted")
    assert (bad.status_code, bad.json()["developerMessage"]) == (400, "status")
    assert john.put(f"/invitations/{event}:john").status_code == 400  # eXo: 500 without status
    assert john.put(f"/invitations/{event}:stan?status=yes").status_code == 404  # not a participant
    assert stan.put(f"/invitations/{event}:john?status=yes").status_code == 404  # may not see it
    assert mary.put(f"/invitations/{event}:john?status=yes").status_code == 401  # an editor, not the invitee
    assert john.put(f"/invitations/{event}:john?status=").status_code == 200
    assert john.put(f"/invitations/{event}:john?status=no").status_code == 200
    assert john.get(f"/invitations/{event}:john").json()["status"] == "no"


def test_an_unchanged_answer_does_not_change_the_event(mary: Caller, john: Caller) -> None:
    event = mary.create_event(mary.default_calendar, participants=["john"])
    john.put(f"/invitations/{event}:john?status=yes")
    before = mary.get(f"/events/{event}").headers["Last-Modified"]
    tag = john.get(f"/invitations/{event}:john").headers["ETag"]
    assert john.put(f"/invitations/{event}:john?status=yes").status_code == 200
    assert mary.get(f"/events/{event}").headers["Last-Modified"] == before
    assert john.get(f"/invitations/{event}:john").headers["ETag"] == tag


@pytest.mark.parametrize("invitation", ["nocolon", ":john", "Event1:", "Event404:john"])
def test_malformed_or_unknown_invitation_ids_are_404(mary: Caller, invitation: str) -> None:
    assert mary.get(f"/invitations/{invitation}").status_code == 404
    assert mary.put(f"/invitations/{invitation}?status=yes").status_code == 404
    assert mary.delete(f"/invitations/{invitation}").status_code == 404


def test_only_editors_uninvite(mary: Caller, john: Caller) -> None:
    event = mary.create_event(mary.default_calendar, participants=["john"])
    assert john.delete(f"/invitations/{event}:john").status_code == 401
    assert mary.delete(f"/invitations/{event}:john").status_code == 200
    assert john.get(f"/events/{event}").status_code == 404  # no longer a participant: no longer readable


def test_list_filters_by_status_pages_and_links(mary: Caller, caller: MakeCaller) -> None:
    invitees = {name: caller(name) for name in ("ann", "bob", "cat", "dan", "eve")}
    event = mary.create_event(mary.default_calendar, participants=list(invitees))
    for name in ("ann", "cat"):
        assert invitees[name].put(f"/invitations/{event}:{name}?status=yes").status_code == 200

    page = mary.get(f"/events/{event}/invitations", params={"offset": 1, "limit": 2, "returnSize": "true"})
    body = page.json()
    assert [i["participant"] for i in body["data"]] == ["bob", "cat"]
    assert (body["offset"], body["limit"], body["size"]) == (1, 2, 5)
    url = f"{BASE}/events/{event}/invitations"
    assert page.headers["Link"] == (
        f'<{url}?offset=0&limit=1>;rel="previous",<{url}?offset=3&limit=2>;rel="next",'
        f'<{url}?offset=0&limit=2>;rel="first",<{url}?offset=4&limit=1>;rel="last"'
    )
    assert page.headers["Cache-Control"] == "no-cache, no-store"

    yes = mary.get(f"/events/{event}/invitations", params={"status": "yes"}).json()
    assert [i["participant"] for i in yes["data"]] == ["ann", "cat"]
    assert yes["size"] == -1
    unanswered = mary.get(f"/events/{event}/invitations?status=").json()["data"]
    assert [i["participant"] for i in unanswered] == ["bob", "dan", "eve"]
    assert mary.get(f"/events/{event}/invitations", params={"status": "oui"}).status_code == 400


def test_fields_expand_and_jsonp(mary: Caller, john: Caller) -> None:
    event = mary.create_event(mary.default_calendar, subject="Review", participants=["john"])
    one = mary.get(f"/invitations/{event}:john", params={"expand": "event", "fields": "event,status"}).json()
    assert set(one) == {"event", "status"}
    assert one["event"]["subject"] == "Review"
    assert one["event"]["calendar"] == f"{BASE}/calendars/{mary.default_calendar}"  # not expanded further
    listed = mary.get(f"/events/{event}/invitations", params={"expand": "event", "fields": "id,event"}).json()
    assert listed["data"][0]["event"]["id"] == event
    wrapped = mary.get(f"/invitations/{event}:john", params={"jsonp": "cb"})
    assert wrapped.headers["Content-Type"].startswith("text/javascript")
    assert wrapped.text.startswith("cb({") and wrapped.text.endswith("});")
    assert mary.get(f"/invitations/{event}:john", params={"jsonp": "alert(1)"}).status_code == 400


def test_an_invitation_is_cacheable_with_an_etag_of_its_answer(mary: Caller, john: Caller) -> None:
    event = mary.create_event(mary.default_calendar, participants=["john"])
    first = john.get(f"/invitations/{event}:john")
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-transform, max-age=604800, s-maxage=604800"
    unchanged = john.get(f"/invitations/{event}:john", headers={"If-None-Match": tag})
    assert unchanged.status_code == 304
    assert john.get(f"/invitations/{event}:john", headers={"If-Match": '"other"'}).status_code == 412
    john.put(f"/invitations/{event}:john?status=yes")
    changed = john.get(f"/invitations/{event}:john", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_a_conditional_get_is_answered_only_after_the_permission_check(
    mary: Caller, john: Caller, caller: MakeCaller
) -> None:
    stan = caller("stan")
    event = mary.create_event(mary.default_calendar, participants=["john"])
    tag = john.get(f"/invitations/{event}:john").headers["ETag"]
    assert stan.get(f"/invitations/{event}:john", headers={"If-None-Match": tag}).status_code == 404


def test_the_root_lists_the_new_resources(mary: Caller) -> None:
    listed = mary.get("/").json()["subResourcesHref"]
    for path in ("/events/{id}/invitations", "/invitations/{id}", "/participants", "/availabilities"):
        assert BASE + path in listed
