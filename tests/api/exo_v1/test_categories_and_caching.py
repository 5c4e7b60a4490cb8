"""Categories (spec §5.7) and caching with conditional GETs (spec §1.8), permission checked before 304."""

from __future__ import annotations

from tests.api.exo_v1.conftest import BASE, MakeCaller

CACHEABLE = "private, no-transform, max-age=604800, s-maxage=604800"


def test_categories_are_the_built_ins_with_localized_names(caller: MakeCaller) -> None:
    alice = caller("alice")
    response = alice.get("/categories", params={"limit": "4"})
    page = response.json()
    assert [c["id"] for c in page["data"]] == [
        "defaultEventCategoryIdAll",
        "defaultEventCategoryIdMeeting",
        "defaultEventCategoryIdCalls",
        "defaultEventCategoryIdClients",
    ]
    assert page["data"][1] == {
        "id": "defaultEventCategoryIdMeeting",
        "href": f"{BASE}/categories/defaultEventCategoryIdMeeting",
        "name": "Meeting",
    }
    assert (page["size"], page["limit"]) == (6, 4)
    assert response.headers["Link"] == (
        f'<{BASE}/categories?offset=4&limit=4>;rel="next",<{BASE}/categories?offset=0&limit=4>;rel="first",'
        f'<{BASE}/categories?offset=4&limit=2>;rel="last"'
    )
    japanese = alice.get("/categories/defaultEventCategoryIdHoliday", headers={"Accept-Language": "ja, en;q=0.5"})
    assert japanese.json()["name"] == "休日"
    assert alice.get("/categories", params={"offset": "6"}).status_code == 404
    assert alice.get("/categories/eventCategoryUnknown").status_code == 404
    assert alice.get("/categories/defaultEventCategoryIdAll", params={"fields": "name"}).json() == {"name": "All"}


def test_single_resources_are_cacheable_with_last_modified(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    for path in (f"/events/{event}", f"/calendars/{alice.default_calendar}", "/categories/defaultEventCategoryIdAll"):
        response = alice.get(path)
        assert response.headers["Cache-Control"] == CACHEABLE, path
        assert response.headers["Last-Modified"] == "Mon, 05 Jan 2026 09:00:00 GMT", path
        again = alice.get(path, headers={"If-Modified-Since": response.headers["Last-Modified"]})
        assert (again.status_code, again.content) == (304, b""), path
        older = alice.get(path, headers={"If-Modified-Since": "Sun, 04 Jan 2026 09:00:00 GMT"})
        assert older.status_code == 200, path
        assert alice.get(path, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_a_change_makes_the_resource_modified_again(caller: MakeCaller, clock: object) -> None:
    from datetime import timedelta

    from tests.doubles import FakeClock

    assert isinstance(clock, FakeClock)
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    stamp = alice.get(f"/events/{event}").headers["Last-Modified"]
    clock.advance(timedelta(minutes=5))
    alice.put(f"/events/{event}", json={"subject": "Changed"})
    response = alice.get(f"/events/{event}", headers={"If-Modified-Since": stamp})
    assert response.status_code == 200
    assert response.headers["Last-Modified"] == "Mon, 05 Jan 2026 09:05:00 GMT"
    assert alice.get(f"/events/{event}", headers={"If-Unmodified-Since": stamp}).status_code == 412


def test_permission_is_checked_before_answering_304(caller: MakeCaller) -> None:
    alice, bob = caller("alice"), caller("bob")
    event = alice.create_event(alice.default_calendar)
    future = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    assert bob.get(f"/events/{event}", headers=future).status_code == 404
    assert bob.get(f"/calendars/{alice.default_calendar}", headers=future).status_code == 404


def test_collections_writes_and_errors_are_not_cached(caller: MakeCaller) -> None:
    alice = caller("alice")
    created = alice.post(f"/calendars/{alice.default_calendar}/events", json={"subject": "x"})
    assert created.headers["Cache-Control"] == "no-cache, no-store"
    for response in (
        alice.get("/events"),
        alice.get("/calendars"),
        alice.get("/categories"),
        alice.get("/events/Event-unknown"),
        alice.put(created.headers["Location"].rsplit("/", 1)[1].join(["/events/", ""]), json={"subject": "y"}),
    ):
        assert response.headers["Cache-Control"] == "no-cache, no-store"
