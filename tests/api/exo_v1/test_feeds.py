"""Feeds and RSS (spec §3.9, §5.8): create and list (Almanac's), read, rename, re-select, delete, expand, the
owner-only rule, and an RSS 2.0 document that XML parsers and feed readers read back — hostile text included."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

import feedparser
import pytest

from tests.api.exo_v1.conftest import BASE, Caller, MakeCaller

HOSTILE = "Q&A <script>alert('x')</script> ]]> &amp; \x0b\x1f \u2028 😀 会議"
HOSTILE_AS_XML = "Q&A <script>alert('x')</script> ]]> &amp;  \u2028 😀 会議"  # what XML 1.0 can carry


def create_feed(me: Caller, name: str, calendars: list[str]) -> str:
    response = me.post("/feeds", json={"name": name, "calendarIds": calendars})
    assert response.status_code == 201, response.text
    location = str(response.headers["Location"])
    assert location == f"{BASE}/feeds/{quote(name, safe='')}"
    return location.removeprefix(BASE)


def create_task(me: Caller, **body: Any) -> str:
    response = me.post(f"/calendars/{me.default_calendar}/tasks", json=body)
    assert response.status_code == 201, response.text
    return str(response.headers["Location"]).rsplit("/", 1)[1]


def test_a_feed_is_created_listed_and_read_in_the_documented_shape(caller: MakeCaller) -> None:
    mary = caller("mary")
    team = mary.create_calendar(name="Team")
    path = create_feed(mary, "Team_feed", [mary.default_calendar, team])

    feed = mary.get(path)

    assert feed.status_code == 200
    assert feed.json() == {
        "id": "Team_feed",
        "href": f"{BASE}/feeds/Team_feed",
        "name": "Team_feed",
        "rss": f"{BASE}/feeds/Team_feed/rss",
        "calendars": [f"{BASE}/calendars/mary-defaultCalendarId", f"{BASE}/calendars/{team}"],
        "calendarIds": ["mary-defaultCalendarId", team],
    }
    assert feed.headers["Cache-Control"].startswith("private, no-transform")
    assert mary.get(path, headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304
    listed = mary.get("/feeds", params={"returnSize": "true", "fields": "id,calendarIds"})
    assert listed.json() == {
        "data": [{"id": "Team_feed", "calendarIds": ["mary-defaultCalendarId", team]}],
        "offset": 0,
        "limit": 10,
        "size": 1,
    }
    assert listed.headers["Link"] == f'<{BASE}/feeds?offset=0&limit=1>;rel="first"'


def test_expand_embeds_the_calendars_the_owner_may_view_windowed_once(caller: MakeCaller) -> None:
    mary = caller("mary")
    second = mary.create_calendar(name="Second")
    path = create_feed(mary, "Mine", [mary.default_calendar, second])
    expanded = mary.get(path, params={"expand": "calendars"}).json()["calendars"]
    assert [c["id"] for c in expanded] == [mary.default_calendar, second] and expanded[0]["type"] == "PERSONAL"
    # eXo applies the window twice, so offset 1 skipped two calendars there (spec §8 item 6).
    windowed = mary.get(path, params={"expand": "calendars(offset:1,limit:5)"}).json()["calendars"]
    assert [c["id"] for c in windowed] == [second]


def test_a_title_with_spaces_and_any_letters_is_one_escaped_segment(caller: MakeCaller) -> None:
    mary = caller("mary")
    path = create_feed(mary, "Équipe feed 会議", [mary.default_calendar])
    assert path == "/feeds/%C3%89quipe%20feed%20%E4%BC%9A%E8%AD%B0"
    assert mary.get(path).json()["name"] == "Équipe feed 会議"


@pytest.mark.parametrize(
    ("body", "status", "developer"),
    [
        ({"calendarIds": []}, 400, "name"),
        ({"name": "a/b"}, 400, "name"),
        ({"name": ".."}, 400, "name"),
        ({"name": "x", "calendarIds": ["calendar-nope"]}, 400, "calendarIds"),
        ({"name": "x", "calendarIds": "mary-defaultCalendarId"}, 400, "calendarIds"),
        ({"name": "Taken"}, 409, "conflict"),
    ],
)
def test_invalid_feeds_are_refused(caller: MakeCaller, body: dict[str, Any], status: int, developer: str) -> None:
    mary = caller("mary")
    create_feed(mary, "Taken", [])
    response = mary.post("/feeds", json=body)
    assert (response.status_code, response.json()["developerMessage"]) == (status, developer)


def test_a_calendar_the_owner_cannot_read_cannot_join_a_feed(caller: MakeCaller) -> None:
    mary, john = caller("mary"), caller("john")
    private = john.create_calendar(name="Private")
    public = john.create_calendar(name="Open", publicURL="/pub/john")
    refused = mary.post("/feeds", json={"name": "Spy", "calendarIds": [private]})
    assert refused.status_code == 400
    assert refused.json()["message"] == f"calendarIds must name calendars you may read; {private} is not one"
    assert mary.post("/feeds", json={"name": "Open", "calendarIds": [public]}).status_code == 201


def test_put_renames_and_reselects_and_keeps_what_is_not_sent(caller: MakeCaller) -> None:
    """eXo deletes the feed when ``name`` is missing, and renaming changes the id (spec §5.8.2)."""
    mary = caller("mary")
    other = mary.create_calendar(name="Other")
    path = create_feed(mary, "Old", [mary.default_calendar])
    create_feed(mary, "Busy", [])
    assert mary.put(path, json={"calendarIds": [other]}).status_code == 200
    assert mary.get(path).json()["calendarIds"] == [other]
    assert mary.put(path, json={"name": "Busy"}).status_code == 409
    assert mary.put(path, json={"name": "New"}).status_code == 200
    assert mary.get(path).status_code == 404
    assert mary.get("/feeds/New").json()["calendarIds"] == [other]
    assert mary.put("/feeds/New", json={"calendarIds": ["calendar-nope"]}).status_code == 400
    assert mary.put("/feeds/Nope", json={"name": "x"}).status_code == 404


def test_delete_answers_200_even_for_no_feed(caller: MakeCaller) -> None:
    mary = caller("mary")
    path = create_feed(mary, "Gone", [])
    assert mary.delete(path).status_code == 200
    assert mary.get(path).status_code == 404
    assert mary.delete(path).status_code == 200


def test_feeds_are_their_owners_only(caller: MakeCaller) -> None:
    mary, john = caller("mary"), caller("john")
    path = create_feed(mary, "Mine", [mary.default_calendar])
    assert john.get(path).status_code == 404
    assert john.get(f"{path}/rss").status_code == 404
    assert john.put(path, json={"name": "Stolen"}).status_code == 404
    assert john.delete(path).status_code == 200  # as in eXo: john has no such feed, nothing happens
    assert mary.get(path).status_code == 200
    assert john.get("/feeds").json()["data"] == []
    create_feed(john, "Mine", [john.default_calendar])  # titles are per user
    assert mary.get(path).json()["calendarIds"] == [mary.default_calendar]


def test_the_rss_is_well_formed_rss_2_and_carries_hostile_text_faithfully(caller: MakeCaller) -> None:
    mary = caller("mary")
    event = mary.create_event(
        mary.default_calendar,
        subject=HOSTILE,
        description="Line 1\n<b>bold</b> & co",
        **{"from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z"},
    )
    task = create_task(mary, name="Budget & <forecast>", **{"from": "2026-01-07T09:00Z", "to": "2026-01-08T09:00Z"})
    path = create_feed(mary, "Hostile feed 会議", [mary.default_calendar])

    response = mary.get(f"{path}/rss")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml"
    assert response.headers["Cache-Control"].startswith("private, no-transform")
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = ET.fromstring(response.content)  # raises on ill-formed XML
    assert (root.tag, root.get("version")) == ("rss", "2.0")
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("title") == "Hostile feed 会議"
    assert channel.findtext("description") == "Hostile feed 会議"
    assert channel.findtext("link") == f"{BASE}/feeds/Hostile%20feed%20%E4%BC%9A%E8%AD%B0"
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Budget & <forecast>", HOSTILE_AS_XML]
    task_item, event_item = items
    assert task_item.findtext("link") == f"{BASE}/tasks/{task}"
    assert event_item.findtext("link") == f"{BASE}/events/{event}"
    assert event_item.findtext("description") == (
        "2026-01-06T09:00:00.000Z – 2026-01-06T10:00:00.000Z\n\nLine 1\n<b>bold</b> & co"
    )
    guid = event_item.find("guid")
    assert guid is not None and guid.get("isPermaLink") == "false"
    assert event_item.findtext("author") == "mary@example.com (Mary)"
    assert event_item.findtext("pubDate") == "Mon, 05 Jan 2026 09:00:00 +0000"

    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert [e.title for e in parsed.entries] == ["Budget & <forecast>", HOSTILE_AS_XML]


def test_the_rss_etag_is_stable_until_the_content_changes(caller: MakeCaller) -> None:
    mary = caller("mary")
    mary.create_event(mary.default_calendar, subject="One")
    path = create_feed(mary, "Stable", [mary.default_calendar])
    first = mary.get(f"{path}/rss")
    assert mary.get(f"{path}/rss").headers["ETag"] == first.headers["ETag"]
    assert mary.get(f"{path}/rss", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    mary.create_event(mary.default_calendar, subject="Two")
    assert mary.get(f"{path}/rss").headers["ETag"] != first.headers["ETag"]


def test_an_empty_feed_is_an_empty_channel_not_a_404(caller: MakeCaller) -> None:
    """eXo answers 404 ``Feed {id}is removed`` when there are no items (spec §5.8.4)."""
    mary = caller("mary")
    path = create_feed(mary, "Empty", [])
    channel = ET.fromstring(mary.get(f"{path}/rss").content).find("channel")
    assert channel is not None and channel.findall("item") == []


def test_the_rss_rechecks_what_the_owner_may_read_and_survives_deleted_calendars(caller: MakeCaller) -> None:
    mary, john = caller("mary"), caller("john")
    shared = john.create_calendar(name="Shared", viewPermission="mary")
    doomed = mary.create_calendar(name="Doomed")
    john.create_event(shared, subject="From john")
    mary.create_event(doomed, subject="Doomed event")
    mary.create_event(mary.default_calendar, subject="Mine")
    path = create_feed(mary, "All", [shared, doomed, mary.default_calendar])

    def titles() -> list[str | None]:
        channel = ET.fromstring(mary.get(f"{path}/rss").content).find("channel")
        assert channel is not None
        return sorted(i.findtext("title") or "" for i in channel.findall("item"))

    assert titles() == ["Doomed event", "From john", "Mine"]
    assert john.put(f"/calendars/{shared}", json={"viewPermission": ""}).status_code == 200
    assert mary.delete(f"/calendars/{doomed}").status_code == 200
    assert titles() == ["Mine"]
    # The feed itself tells no more: a calendar no longer shared drops out exactly like a deleted one (listing
    # it would tell mary that john's calendar still exists); shared again, it is back.
    assert mary.get(path).json()["calendarIds"] == [mary.default_calendar]
    assert mary.get("/feeds").json()["data"][0]["calendarIds"] == [mary.default_calendar]
    assert john.put(f"/calendars/{shared}", json={"viewPermission": "mary"}).status_code == 200
    assert mary.get(path).json()["calendarIds"] == [shared, mary.default_calendar]


@pytest.mark.parametrize("settings_overrides", [{"exo_feed_max_items": 2}])
def test_the_rss_lists_the_items_that_start_last(caller: MakeCaller) -> None:
    mary = caller("mary")
    for day in (3, 9, 5, 7):
        mary.create_event(mary.default_calendar, subject=f"Jan {day}", **{
            "from": f"2026-01-0{day}T09:00:00Z", "to": f"2026-01-0{day}T10:00:00Z"})  # fmt: skip
    path = create_feed(mary, "Latest", [mary.default_calendar])
    entries = feedparser.parse(mary.get(f"{path}/rss").content).entries
    assert [e.title for e in entries] == ["Jan 9", "Jan 7"]


def test_the_root_lists_the_new_sub_resources(caller: MakeCaller) -> None:
    listed = caller("mary").get("/").json()["subResourcesHref"]
    for path in ("/calendars/{id}/tasks", "/tasks/{id}", "/events/{id}/attachments", "/attachments/{id}",
                 "/attachments/{id}/content", "/uploads", "/feeds", "/feeds/{id}", "/feeds/{id}/rss"):  # fmt: skip
        assert BASE + path in listed
    assert len(listed) == len(set(listed))
