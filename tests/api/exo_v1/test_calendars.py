"""``/calendars``: listing by kind, create, read, update (re-share) and delete, each check in its order."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.api.exo_v1.conftest import BASE, MakeCaller, P, basic
from tests.conftest import MakeAccount


def test_listing_puts_personal_then_group_then_shared_with_the_type_for_the_caller(
    caller: MakeCaller, group: Callable[..., None]
) -> None:
    alice, bob = caller("alice"), caller("bob")
    group("/team", ("alice", "member"), ("bob", "member"))
    team = bob.create_calendar(name="Team", groups=["/team"])
    bob.create_calendar(name="Shared with alice", viewPermission="alice")
    bob.create_calendar(name="Private")

    listed = alice.get("/calendars").json()

    assert [(c["name"], c["type"]) for c in listed["data"]] == [
        ("Alice", "PERSONAL"),
        ("Team", "GROUP"),
        ("Shared with alice", "SHARED"),
    ]
    assert listed["offset"] == 0 and listed["limit"] == 10 and listed["size"] == -1
    assert [c["name"] for c in alice.get("/calendars", params={"type": "GROUP"}).json()["data"]] == ["Team"]
    assert alice.get(f"/calendars/{team}").json()["groups"] == ["/team"]


def test_an_empty_page_is_404_as_in_exo(caller: MakeCaller) -> None:
    alice = caller("alice")
    assert alice.get("/calendars", params={"type": "shared"}).status_code == 404
    assert alice.get("/calendars", params={"offset": "5"}).status_code == 404


def test_return_size_adds_the_total_and_a_link_header(caller: MakeCaller) -> None:
    alice = caller("alice")
    for name in ("B", "C"):
        alice.create_calendar(name=name)

    response = alice.get("/calendars", params={"limit": "2", "returnSize": "TRUE"})

    assert response.json()["size"] == 3
    assert response.headers["Link"] == (
        f'<{BASE}/calendars?offset=2&limit=2>;rel="next",'
        f'<{BASE}/calendars?offset=0&limit=2>;rel="first",'
        f'<{BASE}/calendars?offset=2&limit=1>;rel="last"'
    )
    assert response.headers["Cache-Control"] == "no-cache, no-store"


def test_fields_projects_each_calendar(caller: MakeCaller) -> None:
    listed = caller("alice").get("/calendars", params={"fields": "id, name,description"}).json()
    assert listed["data"] == [{"id": "alice-defaultCalendarId", "name": "Alice"}]


def test_create_answers_201_with_location_and_stores_the_calendar(caller: MakeCaller) -> None:
    alice = caller("alice")
    response = alice.post(
        "/calendars",
        json={
            "name": "Team planning",
            "description": "Support",
            "color": "sky_blue",
            "timeZone": "Europe/Paris",
            "viewPermission": "bob;/support/:*.*",
            "editPermission": "/support/:*.manager",
            "publicURL": "https://example.org/pub/plan",
            "id": "ignored",
        },
    )
    assert response.status_code == 201 and response.content == b""
    key = response.headers["Location"].rsplit("/", 1)[1]
    assert key.startswith("calendar") and len(key) == len("calendar") + 32

    calendar = alice.get(f"/calendars/{key}").json()

    assert calendar == {
        "id": key,
        "href": f"{BASE}/calendars/{key}",
        "name": "Team planning",
        "description": "Support",
        "type": "PERSONAL",
        "timeZone": "Europe/Paris",
        "color": "sky_blue",
        "owner": "alice",
        "viewPermission": "bob;/support/:*.*;/support/:*.manager;",
        "editPermission": "/support/:*.manager;",
        "groups": None,
        "publicURL": "/pub/plan",
        "privateURL": None,
        "icsURL": f"{BASE}/calendars/{key}/ics",
    }


def test_create_defaults_name_colour_and_owner(caller: MakeCaller) -> None:
    alice = caller("alice")
    calendar = alice.get(f"/calendars/{alice.create_calendar()}").json()
    assert (calendar["name"], calendar["color"], calendar["owner"]) == ("calendar", "powder_blue", "alice")


def test_create_checks_the_name_then_the_owner_then_the_groups(caller: MakeCaller, group: Callable[..., None]) -> None:
    alice = caller("alice")
    caller("bob")
    group("/team", ("bob", "member"))

    bad_name = alice.post("/calendars", json={"name": "a<b>", "owner": "bob"})
    other_owner = alice.post("/calendars", json={"name": "Mine", "owner": "bob"})
    foreign_group = alice.post("/calendars", json={"name": "Theirs", "groups": ["/team"]})

    assert bad_name.status_code == 400
    assert bad_name.json() == {
        "message": "calendar name is empty or contains special characters",
        "developerMessage": "name",
    }
    assert other_owner.status_code == 401 and other_owner.content == b""
    assert "WWW-Authenticate" not in other_owner.headers
    assert foreign_group.status_code == 401


def test_invalid_permission_entries_and_time_zones_are_400(caller: MakeCaller) -> None:
    alice = caller("alice")
    entry = alice.post("/calendars", json={"viewPermission": "/team/:*."})
    zone = alice.post("/calendars", json={"timeZone": "Mars/Olympus"})
    wrong_type = alice.post("/calendars", json={"groups": "/team"})
    assert (entry.status_code, entry.json()["developerMessage"]) == (400, "viewPermission")
    assert (zone.status_code, zone.json()["developerMessage"]) == (400, "timeZone")
    assert (wrong_type.status_code, wrong_type.json()["developerMessage"]) == (400, "groups")


def test_messages_follow_accept_language(caller: MakeCaller) -> None:
    response = caller("alice").post("/calendars", json={"name": " "}, headers={"Accept-Language": "ja"})
    assert response.json()["message"] == "カレンダー名が空か、特殊文字を含んでいます"


def test_reading_needs_view_rights_and_hides_existence(caller: MakeCaller) -> None:
    alice, bob = caller("alice"), caller("bob")
    hidden = alice.create_calendar(name="Hidden", publicURL="/public/hidden")
    assert bob.get(f"/calendars/{hidden}").status_code == 404
    assert bob.get("/calendars/calendar-unknown").status_code == 404
    assert bob.get("/calendars/calendar-unknown").content == b""


def test_update_changes_only_what_is_sent(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = alice.create_calendar(name="Plans", color="red", viewPermission="bob")

    assert alice.put(f"/calendars/{key}", json={"name": "New plans"}).status_code == 200
    calendar = alice.get(f"/calendars/{key}").json()
    assert (calendar["name"], calendar["color"], calendar["viewPermission"]) == ("New plans", "red", "bob;")

    assert alice.put(f"/calendars/{key}", json={"viewPermission": ""}).status_code == 200
    assert alice.get(f"/calendars/{key}").json()["viewPermission"] == ""


def test_update_checks_existence_rights_values_then_personal_rules_in_order(caller: MakeCaller) -> None:
    alice, bob, _ = caller("alice"), caller("bob"), caller("carol")
    shared = alice.create_calendar(name="Shared", editPermission="bob")

    assert bob.put("/calendars/calendar-nope", json={"name": "x"}).status_code == 404
    refused = bob.put(f"/calendars/{shared}", json={"name": "<bad>"})
    assert (refused.status_code, refused.content) == (401, b"")
    assert alice.put(f"/calendars/{shared}", json={"name": "<bad>", "owner": "carol"}).status_code == 400
    owner = alice.put(f"/calendars/{shared}", json={"owner": "carol"})
    assert owner.status_code == 403
    assert owner.headers["Content-Type"].startswith("text/plain")
    assert owner.text == "Can not change owner of personal calendar"
    groups = alice.put(f"/calendars/{shared}", json={"groups": ["/team"]})
    assert (groups.status_code, groups.text) == (403, "Can not update groups of personal calendar")
    assert alice.get(f"/calendars/{shared}").json()["name"] == "Shared"


def test_group_calendar_editors_may_update_it(caller: MakeCaller, group: Callable[..., None]) -> None:
    mia, tom = caller("mia"), caller("tom")
    group("/team", ("mia", "manager"), ("tom", "member"))
    key = mia.create_calendar(name="Team", groups=["/team"], editPermission="/team/:*.manager")

    assert mia.put(f"/calendars/{key}", json={"color": "red"}).status_code == 200
    assert tom.put(f"/calendars/{key}", json={"color": "blue"}).status_code == 401
    assert mia.put(f"/calendars/{key}", json={"groups": []}).status_code == 400


def test_delete_removes_an_own_calendar_with_its_events(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = alice.create_calendar(name="Old")
    event = alice.create_event(key)

    assert alice.delete(f"/calendars/{key}").status_code == 200
    assert alice.get(f"/calendars/{key}").status_code == 404
    assert alice.get(f"/events/{event}").status_code == 404


def test_a_sharee_deleting_only_leaves_the_share(caller: MakeCaller) -> None:
    alice, bob = caller("alice"), caller("bob")
    key = alice.create_calendar(name="Shared", viewPermission="bob;carol")

    assert bob.delete(f"/calendars/{key}").status_code == 200
    assert bob.get(f"/calendars/{key}").status_code == 404
    assert alice.get(f"/calendars/{key}").json()["viewPermission"] == "carol;"


def test_delete_refuses_strangers_and_default_calendars(caller: MakeCaller, group: Callable[..., None]) -> None:
    alice, bob, tom = caller("alice"), caller("bob"), caller("tom")
    key = alice.create_calendar(name="Mine")
    # A stranger learns nothing: the same 404 as for an unknown id (eXo says 401, telling that it exists).
    assert bob.delete(f"/calendars/{key}").status_code == 404
    assert bob.delete("/calendars/calendar-nope").status_code == 404
    # A group member sees the group calendar but may not delete it: refused (401), as in eXo.
    group("/team", ("alice", "manager"), ("tom", "member"))
    team = alice.create_calendar(name="Team", groups=["/team"], editPermission="/team/:*.manager")
    assert tom.delete(f"/calendars/{team}").status_code == 401
    assert alice.get(f"/calendars/{team}").status_code == 200
    default = alice.delete(f"/calendars/{alice.default_calendar}")
    assert (default.status_code, default.json()["developerMessage"]) == (400, "id")


def test_http_basic_and_trailing_slashes_work(client: TestClient, caller: MakeCaller) -> None:
    caller("alice")
    response = client.get(P + "/calendars/", headers=basic("alice", "pw-alice"))
    assert response.status_code == 200
    assert response.json()["data"][0]["id"] == "alice-defaultCalendarId"


def test_a_token_works_as_the_basic_password_only_for_its_own_user(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    bob = make_account("bob")
    assert client.get(P + "/calendars", headers=basic("alice", alice.token)).status_code == 200
    assert client.get(P + "/calendars", headers=basic("alice", bob.token)).status_code == 401
    assert client.get(P + "/calendars", headers=basic("alice", "pw-alice")).status_code == 200


def test_bad_credentials_get_a_challenge(client: TestClient, caller: MakeCaller) -> None:
    caller("alice")
    for headers in ({}, basic("alice", "wrong"), {"Authorization": "Bearer nope"}, {"Authorization": "Basic %%%"}):
        response = client.get(P + "/calendars", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="almanac", Bearer'
        assert response.headers["Cache-Control"] == "no-cache, no-store"


def test_the_root_lists_the_sub_resources(caller: MakeCaller) -> None:
    response = caller("alice").get("/")
    assert response.status_code == 200
    assert f"{BASE}/calendars/{{id}}/events" in response.json()["subResourcesHref"]


def test_an_administrator_changes_and_deletes_anyones_calendar(caller: MakeCaller) -> None:
    """Administrators may do everything (domain.permissions): once refused (401), and DELETE did nothing."""
    alice, root = caller("alice"), caller("root", admin=True)
    key = alice.create_calendar(name="Mine")
    assert root.put(f"/calendars/{key}", json={"description": "Checked"}).status_code == 200
    assert alice.get(f"/calendars/{key}").json()["description"] == "Checked"
    assert root.post(f"/calendars/{key}/private-url").status_code == 201
    assert root.delete(f"/calendars/{key}").status_code == 200
    assert alice.get(f"/calendars/{key}").status_code == 404
