"""Events: the seed's query, create/read/update/delete with eXo's rules and messages, ``/events``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from almanac.bootstrap import Container
from almanac.services import accounts, auth
from tests.api.exo_v1.conftest import BASE, Caller, MakeCaller
from tests.conftest import Account

DAY = {"startTime": "2026-01-06T00:00:00Z", "endTime": "2026-01-07T00:00:00Z"}


def test_the_seed_request_example_returns_the_documented_shape(caller: MakeCaller) -> None:
    john = caller("john")
    cal = john.default_calendar
    meeting = john.create_event(
        cal, subject="event123", categoryId="defaultEventCategoryIdMeeting", participants=["john"]
    )
    john.create_event(cal, subject="not a meeting")

    response = john.get(f"/calendars/{cal}/events?category=meeting&expand=calendar,categories(1,5)")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    page = response.json()
    assert (page["limit"], page["offset"], page["size"]) == (10, 0, -1)
    [event] = page["data"]
    assert set(event) >= {
        "to", "attachments", "from", "categories", "categoryId", "availability", "repeat", "reminder", "privacy",
        "recurrenceId", "participants", "originalEvent", "description", "calendar", "subject", "location",
        "priority", "href", "id",
    }  # fmt: skip
    assert event["id"] == meeting and event["id"].startswith("Event") and len(event["id"]) == 37
    assert event["href"] == f"{BASE}/events/{meeting}"
    assert (event["from"], event["to"]) == ("2026-01-06T09:00:00.000Z", "2026-01-06T10:00:00.000Z")
    assert (event["subject"], event["categoryId"], event["participants"]) == (
        "event123",
        "defaultEventCategoryIdMeeting",
        ["john"],
    )
    assert (event["availability"], event["privacy"], event["priority"]) == ("busy", "private", "none")
    assert (event["attachments"], event["reminder"], event["recurrenceId"], event["originalEvent"]) == (
        [],
        [],
        None,
        None,
    )
    assert event["repeat"]["type"] == "norepeat" and event["repeat"]["enabled"] is False
    # expand=calendar embeds the calendar object of spec §3.1 ...
    assert event["calendar"]["id"] == cal and event["calendar"]["type"] == "PERSONAL"
    assert event["calendar"]["href"] == f"{BASE}/calendars/{cal}"
    # ... and categories(1,5) windows the one-element category list from offset 1: nothing left.
    assert event["categories"] == []
    whole = john.get(f"/calendars/{cal}/events?category=meeting&expand=categories(offset:0,limit:5)").json()
    assert whole["data"][0]["categories"] == [
        {
            "id": "defaultEventCategoryIdMeeting",
            "href": f"{BASE}/categories/defaultEventCategoryIdMeeting",
            "name": "Meeting",
        }
    ]
    plain = john.get(f"/calendars/{cal}/events?category=defaultEventCategoryIdMeeting").json()
    assert plain["data"][0]["calendar"] == f"{BASE}/calendars/{cal}"
    assert plain["data"][0]["categories"] == [f"{BASE}/categories/defaultEventCategoryIdMeeting"]


def test_the_default_window_is_now_to_one_week_later(caller: MakeCaller) -> None:
    alice = caller("alice")  # the clock stands at 2026-01-05T09:00Z
    cal = alice.default_calendar
    for start in ("2026-01-05T08:59:00Z", "2026-01-05T09:00:00Z", "2026-01-12T09:00:00Z", "2026-01-12T09:01:00Z"):
        alice.create_event(cal, subject=start, **{"from": start, "to": "2026-01-13T00:00:00Z"})
    listed = [e["subject"] for e in alice.get(f"/calendars/{cal}/events").json()["data"]]
    assert listed == ["2026-01-05T09:00:00Z", "2026-01-12T09:00:00Z"]


def test_every_iso_8601_form_is_accepted_and_zoneless_values_are_in_the_users_zone(
    container: Container, client: object, caller: MakeCaller
) -> None:
    accounts.add_user(container.services, username="paris", email="p@example.com", tzid="Europe/Paris")
    token = auth.issue_api_token(container.services, username="paris").secret
    from almanac.domain.users import User

    me = Caller(client, Account(User(username="paris", email="p@example.com", display_name="P"), token))  # type: ignore[arg-type]
    cal = me.default_calendar
    forms = {
        "2026-01-06T10:00:00.000+01:00": "2026-01-06T09:00:00.000Z",
        "2026-01-06T10:00:00.12+0100": "2026-01-06T09:00:00.120Z",
        "2026-01-06T09:00:00Z": "2026-01-06T09:00:00.000Z",
        "2026-01-06T10:00:00.500": "2026-01-06T09:00:00.500Z",
        "2026-01-06T10:00:00": "2026-01-06T09:00:00.000Z",
        "2026-01-06T10:00+01:00": "2026-01-06T09:00:00.000Z",
        "2026-01-06T10:00+0100": "2026-01-06T09:00:00.000Z",
        "2026-01-06T10:00": "2026-01-06T09:00:00.000Z",
        "2026-01-06": "2026-01-05T23:00:00.000Z",
        "2026-02": "2026-01-31T23:00:00.000Z",
        "2027": "2026-12-31T23:00:00.000Z",
    }
    for given, expected in forms.items():
        key = me.create_event(cal, **{"from": given, "to": "2028-01-01T00:00:00Z"})
        assert me.get(f"/events/{key}").json()["from"] == expected, given


@pytest.mark.parametrize(
    "value", ["yesterday", "2026-13-01", "2026-01-06T25:00", "2026-01-06T10:00+25:00", "0000-01-01"]
)
def test_unparseable_dates_are_400_not_500(caller: MakeCaller, value: str) -> None:
    alice = caller("alice")
    cal = alice.default_calendar
    listing = alice.get(f"/calendars/{cal}/events", params={"startTime": value})
    own = alice.get("/events", params={"endTime": value})
    body = alice.post(f"/calendars/{cal}/events", json={"from": value, "to": "2026-01-07"})
    assert (listing.status_code, listing.json()["developerMessage"]) == (400, "startTime")
    assert (own.status_code, own.json()["developerMessage"]) == (400, "endTime")
    assert (body.status_code, body.json()["developerMessage"]) == (400, "from")


def test_a_plus_sent_unencoded_in_a_query_is_read_as_the_offset_sign(caller: MakeCaller) -> None:
    alice = caller("alice")
    alice.create_event(alice.default_calendar)
    response = alice.client.get(
        f"/rest/private/v1/calendar/calendars/{alice.default_calendar}/events"
        "?startTime=2026-01-06T10:00:00+01:00&endTime=2026-01-06T10:00:00+01:00",
        headers=alice.account.headers,
    )
    assert len(response.json()["data"]) == 1


@pytest.mark.parametrize(
    ("body", "message", "developer"),
    [
        ({"availability": "away"}, "availability must be one of available,busy,outside", "availability"),
        ({"repeat": {"repeatOn": "MO,XX"}}, "repeatOn can only contains FR,MO,SA,SU,TH,TU,WE", "repeatOn"),
        ({"repeat": {"repeateBy": "1,32"}}, "repeatBy must be >= 1 and <= 31", "repeatBy"),
        (
            {"from": "2026-01-06T10:00Z", "to": "2026-01-06T10:00Z"},
            '"from" date must be before "to" date',
            "event-date-time-logic",
        ),
        ({"priority": "urgent"}, "priority must be one of high,low,none,normal", "priority"),
        ({"privacy": "secret"}, "privacy can only be public or private", "privacy"),
        ({"subject": "  "}, "subject must not be empty", "subject"),
        (
            {"priority": "urgent", "availability": "away"},
            "availability must be one of available,busy,outside",
            "availability",
        ),
    ],
)
def test_create_reports_the_first_broken_rule_with_exo_messages(
    caller: MakeCaller, body: dict[str, object], message: str, developer: str
) -> None:
    alice = caller("alice")
    response = alice.post(f"/calendars/{alice.default_calendar}/events", json=body)
    assert response.status_code == 400
    assert response.json() == {"message": message, "developerMessage": developer}
    assert response.headers["Cache-Control"] == "no-cache, no-store"


def test_create_checks_the_calendar_then_the_body_then_the_permission(caller: MakeCaller) -> None:
    alice, bob, carol = caller("alice"), caller("bob"), caller("carol")
    readable = alice.create_calendar(name="Readable", viewPermission="bob")
    assert bob.post("/calendars/calendar-unknown/events", json={"priority": "urgent"}).status_code == 404
    assert bob.post(f"/calendars/{readable}/events", json={"priority": "urgent"}).status_code == 400
    assert bob.post(f"/calendars/{readable}/events", json={}).status_code == 401
    # A calendar the caller may not read is unknown to them, before anything else is checked.
    assert carol.post(f"/calendars/{readable}/events", json={"priority": "urgent"}).status_code == 404


def test_create_applies_exo_defaults(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = alice.create_event(alice.default_calendar, subject=None, **{"from": None, "to": None})
    event = alice.get(f"/events/{key}").json()
    assert (event["subject"], event["categoryId"]) == ("default", "defaultEventCategoryIdAll")
    assert (event["from"], event["to"]) == ("2026-01-05T09:00:00.000Z", "2026-01-12T09:00:00.000Z")


def test_bodies_of_the_wrong_shape_are_400(caller: MakeCaller) -> None:
    alice = caller("alice")
    path = f"/calendars/{alice.default_calendar}/events"
    not_json = alice.client.post(
        "/rest/private/v1/calendar" + path, content=b"{nope", headers={**alice.account.headers}
    )
    wrong_type = alice.post(path, json={"participants": "bob"})
    unknown_user = alice.post(path, json={"participants": ["nobody"]})
    assert not_json.status_code == 400 and "message" in not_json.json()
    assert (wrong_type.status_code, wrong_type.json()["developerMessage"]) == (400, "participants")
    assert (unknown_user.status_code, unknown_user.json()["developerMessage"]) == (400, "participants")


def test_a_full_event_round_trips(caller: MakeCaller) -> None:
    alice, _ = caller("alice"), caller("bob")
    key = alice.create_event(
        alice.default_calendar,
        subject=" Review ",
        description="Demo",
        location="Room 2",
        priority="high",
        privacy="public",
        availability="outside",
        participants=["alice", "bob", "bob"],
        reminder=[{"reminderType": "popup", "alarmBefore": 15}],
        repeat={"type": "norepeat"},
    )
    event = alice.get(f"/events/{key}").json()
    assert event["subject"] == "Review"
    assert (event["description"], event["location"]) == ("Demo", "Room 2")
    assert (event["priority"], event["privacy"], event["availability"]) == ("high", "public", "outside")
    assert event["participants"] == ["alice", "bob"]
    [reminder] = event["reminder"]
    assert (reminder["reminderType"], reminder["alarmBefore"], reminder["eventId"]) == ("popup", 15, key)
    assert reminder["fromDateTime"] == {"time": 1767689100000}


def test_a_repeat_type_outside_the_documented_set_is_refused(caller: MakeCaller) -> None:
    alice = caller("alice")
    response = alice.post(
        f"/calendars/{alice.default_calendar}/events", json={"repeat": {"type": "workingdays", "repeatOn": "MO"}}
    )
    assert (response.status_code, response.json()["developerMessage"]) == (400, "repeat")


def test_put_changes_only_what_is_sent(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = alice.create_event(alice.default_calendar, location="Room 1", participants=["alice"])
    assert alice.put(f"/events/{key}", json={"subject": "Renamed"}).status_code == 200
    event = alice.get(f"/events/{key}").json()
    assert (event["subject"], event["location"], event["participants"]) == ("Renamed", "Room 1", ["alice"])
    assert event["from"] == "2026-01-06T09:00:00.000Z"
    bad = alice.put(f"/events/{key}", json={"to": "2026-01-06T08:00:00Z"})
    assert (bad.status_code, bad.json()["developerMessage"]) == (400, "event-date-time-logic")
    assert alice.put("/events/Event-unknown", json={}).status_code == 404


def test_put_checks_permission_before_the_body(caller: MakeCaller) -> None:
    alice, bob = caller("alice"), caller("bob")
    key = alice.create_event(alice.default_calendar, participants=["bob"])
    assert bob.put(f"/events/{key}", json={"priority": "urgent"}).status_code == 401
    assert alice.put(f"/events/{key}", json={"priority": "urgent"}).status_code == 400


def test_delete_removes_the_event(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = alice.create_event(alice.default_calendar)
    assert alice.delete(f"/events/{key}").status_code == 200
    assert alice.get(f"/events/{key}").status_code == 404
    assert alice.delete(f"/events/{key}").status_code == 404


def test_own_events_cover_personal_and_group_calendars_by_overlap(
    caller: MakeCaller, group: Callable[..., None]
) -> None:
    alice, bob = caller("alice"), caller("bob")
    group("/team", ("alice", "member"), ("bob", "member"))
    team = bob.create_calendar(name="Team", groups=["/team"], editPermission="/team/:*.*")
    shared = bob.create_calendar(name="Shared", viewPermission="alice")
    alice.create_event(
        alice.default_calendar, subject="mine", **{"from": "2026-01-05T23:00Z", "to": "2026-01-06T01:00Z"}
    )
    bob.create_event(team, subject="team")
    bob.create_event(shared, subject="shared")
    bob.create_event(bob.default_calendar, subject="bob's", participants=["alice"])
    alice.create_event(
        alice.default_calendar, subject="later", **{"from": "2026-01-08T00:00Z", "to": "2026-01-08T01:00Z"}
    )

    listed = alice.get("/events", params={**DAY, "returnSize": "true"}).json()

    assert [e["subject"] for e in listed["data"]] == ["mine", "team"]
    assert listed["size"] == 2


def test_paging_and_the_link_header_of_an_event_list(caller: MakeCaller) -> None:
    alice = caller("alice")
    cal = alice.default_calendar
    for hour in range(10, 15):
        alice.create_event(
            cal, subject=f"at {hour}", **{"from": f"2026-01-06T{hour}:00Z", "to": f"2026-01-06T{hour}:30Z"}
        )
    response = alice.get(f"/calendars/{cal}/events", params={**DAY, "offset": "2", "limit": "2", "returnSize": "true"})
    page = response.json()
    assert [e["subject"] for e in page["data"]] == ["at 12", "at 13"]
    assert (page["offset"], page["limit"], page["size"]) == (2, 2, 5)
    url = f"{BASE}/calendars/{cal}/events"
    assert response.headers["Link"] == (
        f'<{url}?offset=0&limit=2>;rel="previous",<{url}?offset=4&limit=2>;rel="next",'
        f'<{url}?offset=0&limit=2>;rel="first",<{url}?offset=4&limit=1>;rel="last"'
    )
    capped = alice.get(f"/calendars/{cal}/events", params={**DAY, "limit": "1000"}).json()
    assert capped["limit"] == 100
    assert alice.get(f"/calendars/{cal}/events", params={"limit": "0"}).json()["limit"] == 10
    assert alice.get(f"/calendars/{cal}/events", params={"offset": "-1"}).status_code == 400
    assert alice.get(f"/calendars/{cal}/events", params={"limit": "ten"}).status_code == 400


def test_fields_projects_events_and_leaves_out_nulls(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = alice.create_event(alice.default_calendar)
    page = alice.get(
        f"/calendars/{alice.default_calendar}/events", params={**DAY, "fields": "id,subject,location,nope"}
    ).json()
    assert page["data"] == [{"id": key, "subject": "Sprint review"}]
    assert alice.get(f"/events/{key}", params={"fields": "subject"}).json() == {"subject": "Sprint review"}


def test_expand_calendar_is_not_given_to_a_participant_who_cannot_view_it(caller: MakeCaller) -> None:
    alice, bob = caller("alice"), caller("bob")
    key = alice.create_event(alice.default_calendar, participants=["bob"])
    event = bob.get(f"/events/{key}", params={"expand": "calendar"}).json()
    assert event["calendar"] == f"{BASE}/calendars/{alice.default_calendar}"


@pytest.mark.parametrize("callback", ["cb", "jQuery123.callback_1", "a.b.c", "$", "_x$"])
def test_jsonp_wraps_json_for_a_valid_callback(caller: MakeCaller, callback: str) -> None:
    alice = caller("alice")
    key = alice.create_event(alice.default_calendar)
    response = alice.get(f"/events/{key}", params={"jsonp": callback})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.text.startswith(f"{callback}({{") and response.text.endswith("});")


@pytest.mark.parametrize(
    "callback",
    [
        "alert(1)//",
        "cb;alert(1)",
        "a[0]",
        "a['b']",
        'a"b',
        "a b",
        "<script>",
        "a..b",
        ".a",
        "a.",
        "1cb",
        "",
        "x" * 129,
        "eval",
        "window.eval",
        "function",
        "cb\u2028",
        "cb\n",
        "ｃｂ",
    ],
)
def test_jsonp_refuses_anything_but_an_identifier_path(caller: MakeCaller, callback: str) -> None:
    alice = caller("alice")
    for path in ("/events", f"/calendars/{alice.default_calendar}", "/categories"):
        response = alice.get(path, params={"jsonp": callback})
        assert response.status_code == 400, (path, callback)
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["developerMessage"] == "jsonp"


def test_errors_are_never_wrapped_in_jsonp(caller: MakeCaller) -> None:
    alice = caller("alice")
    response = alice.get("/events/Event-unknown", params={"jsonp": "cb"})
    assert (response.status_code, response.content) == (404, b"")
