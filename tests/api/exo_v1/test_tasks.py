"""Tasks (spec §3.8, §5.6): the shape, eXo's defaults, each rule in eXo's order, validation before anything
is stored on create *and* update, the window query, delegates, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.exo_v1.conftest import BASE, Caller, MakeCaller

SPEC_BODY = {
    "name": "Prepare budget",
    "note": "Q3 figures",
    "from": "2026-01-07T09:00:00+02:00",
    "to": "2026-01-08T18:00:00+02:00",
    "delegation": ["john"],
    "priority": "high",
    "status": "needs-action",
}
WEEK = {"startTime": "2026-01-05T00:00:00Z", "endTime": "2026-01-12T00:00:00Z"}


def create_task(me: Caller, calendar: str | None = None, **body: Any) -> str:
    body.setdefault("name", "Prepare budget")
    body.setdefault("from", "2026-01-06T09:00:00Z")
    body.setdefault("to", "2026-01-06T17:00:00Z")
    response = me.post(f"/calendars/{calendar or me.default_calendar}/tasks", json=body)
    assert response.status_code == 201, response.text
    return str(response.headers["Location"]).rsplit("/", 1)[1]


def test_a_task_created_with_the_spec_body_reads_back_in_the_documented_shape(caller: MakeCaller) -> None:
    mary, _ = caller("mary"), caller("john")

    created = mary.post(f"/calendars/{mary.default_calendar}/tasks", json=SPEC_BODY)

    assert created.status_code == 201 and created.content == b""
    assert created.headers["Cache-Control"] == "no-cache, no-store"
    key = created.headers["Location"].rsplit("/", 1)[1]
    assert created.headers["Location"] == f"{BASE}/tasks/{key}"
    assert key.startswith("Event") and len(key) == 37
    response = mary.get(f"/tasks/{key}")
    assert response.status_code == 200
    assert response.json() == {
        "id": key,
        "href": f"{BASE}/tasks/{key}",
        "name": "Prepare budget",
        "note": "Q3 figures",
        "from": "2026-01-07T07:00:00.000Z",
        "to": "2026-01-08T16:00:00.000Z",
        "calendar": f"{BASE}/calendars/mary-defaultCalendarId",
        "categories": [f"{BASE}/categories/defaultEventCategoryIdAll"],
        "categoryId": "defaultEventCategoryIdAll",
        "delegation": ["john"],
        "priority": "high",
        "reminder": [],
        "attachments": [],
        "status": "needs-action",
    }
    assert response.headers["Cache-Control"].startswith("private, no-transform, max-age=")
    assert response.headers["Last-Modified"] == "Mon, 05 Jan 2026 09:00:00 GMT"


def test_a_bare_create_takes_exos_defaults_and_a_known_status(caller: MakeCaller) -> None:
    alice = caller("alice")  # the clock stands at 2026-01-05T09:00Z
    response = alice.post(f"/calendars/{alice.default_calendar}/tasks", json={})
    task = alice.get(response.headers["Location"].removeprefix(BASE)).json()
    assert (task["name"], task["categoryId"], task["priority"]) == ("default", "defaultEventCategoryIdAll", "none")
    assert (task["from"], task["to"]) == ("2026-01-05T09:00:00.000Z", "2026-01-12T09:00:00.000Z")
    # eXo reports "busy" for a task created without a status (spec §8 item 31).
    assert task["status"] == "needs-action"


# Each body breaks two rules; the one eXo checks first (spec §5.6.2 step 3) is the one reported.
ORDERED_RULES = [
    (
        {"categoryId": "nope", "from": "2026-01-06T10:00Z", "to": "2026-01-06T09:00Z"},
        "categoryId must be one of your categories, such as defaultEventCategoryIdMeeting",
        "categoryId",
    ),
    (
        {"from": "2026-01-06T10:00Z", "to": "2026-01-06T10:00Z", "priority": "urgent"},
        '"from" date must be before "to" date',
        "from",
    ),
    ({"from": "someday", "priority": "urgent"}, None, "from"),
    (
        {"priority": "urgent", "reminder": [{"reminderType": "sms"}]},
        "priority must be one of high,low,none,normal",
        "priority",
    ),
    (
        {"reminder": [{"reminderType": "sms"}], "status": "done"},
        "reminderType must be one of email,popup",
        "reminderType",
    ),
    (
        {"status": "in-progress", "name": "  "},
        "status must be one of canceled,completed,in-process,needs-action",
        "status",
    ),
    ({"name": " ", "delegation": ["ghost"]}, "name must not be empty", "name"),
    ({"delegation": ["ghost"]}, "delegation: No user is named ghost.", "delegation"),
]


@pytest.mark.parametrize(("body", "message", "developer"), ORDERED_RULES)
def test_the_first_broken_rule_in_exos_order_is_reported(
    caller: MakeCaller, body: dict[str, Any], message: str | None, developer: str
) -> None:
    alice = caller("alice")
    response = alice.post(f"/calendars/{alice.default_calendar}/tasks", json=body)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["developerMessage"] == developer
    if message is not None:
        assert response.json()["message"] == message
    assert alice.get(f"/calendars/{alice.default_calendar}/tasks", params=WEEK).json()["data"] == []


@pytest.mark.parametrize(("body", "message", "developer"), ORDERED_RULES)
def test_an_update_breaking_a_rule_is_400_and_changes_nothing(
    caller: MakeCaller, body: dict[str, Any], message: str | None, developer: str
) -> None:
    """eXo persists the fields applied before the broken rule and answers 200 (spec §8 item 17)."""
    alice = caller("alice")
    key = create_task(alice, name="Before", note="kept")
    before = alice.get(f"/tasks/{key}").json()

    response = alice.put(f"/tasks/{key}", json={"note": "changed", **body})

    assert (response.status_code, response.json()["developerMessage"]) == (400, developer)
    if message is not None:
        assert response.json()["message"] == message
    assert alice.get(f"/tasks/{key}").json() == before


def test_an_update_moving_one_bound_past_the_stored_other_is_refused(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = create_task(alice, **{"from": "2026-01-06T09:00:00Z", "to": "2026-01-06T17:00:00Z"})
    response = alice.put(f"/tasks/{key}", json={"from": "2026-01-06T18:00:00Z", "name": "moved"})
    assert (response.status_code, response.json()["developerMessage"]) == (400, "from")
    assert alice.get(f"/tasks/{key}").json()["name"] == "Prepare budget"


def test_put_changes_only_what_is_sent(caller: MakeCaller) -> None:
    """eXo resets missing from/to to the default window (spec §5.6.4)."""
    alice, _ = caller("alice"), caller("john")
    key = create_task(alice, note="Q3", delegation=["john"], priority="low", categoryId="defaultEventCategoryIdCalls")
    before = alice.get(f"/tasks/{key}").json()
    assert alice.put(f"/tasks/{key}", json={"status": "in-process"}).status_code == 200
    after = alice.get(f"/tasks/{key}").json()
    assert after == {**before, "status": "in-process"}
    assert alice.put(f"/tasks/{key}", json={"note": "", "delegation": []}).status_code == 200
    cleared = alice.get(f"/tasks/{key}").json()
    assert (cleared["note"], cleared["delegation"]) == (None, [])


def test_several_delegates_are_a_list_and_comma_joined_items_are_split(caller: MakeCaller) -> None:
    alice, _, _ = caller("alice"), caller("john"), caller("mary")
    key = create_task(alice, delegation=["john,mary", "john"])
    assert alice.get(f"/tasks/{key}").json()["delegation"] == ["john", "mary"]


def test_names_are_stored_trimmed_and_reminders_round_trip(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = create_task(alice, name="  Budget  ", reminder=[{"reminderType": "popup", "alarmBefore": 30}])
    task = alice.get(f"/tasks/{key}").json()
    assert task["name"] == "Budget"
    [reminder] = task["reminder"]
    assert (reminder["reminderType"], reminder["alarmBefore"], reminder["eventId"]) == ("popup", 30, key)


def test_the_calendar_list_selects_by_start_category_and_pages(caller: MakeCaller) -> None:
    alice = caller("alice")
    cal = alice.default_calendar
    for day in ("04", "06", "07", "13"):
        create_task(alice, name=f"Jan {day}", **{"from": f"2026-01-{day}T09:00:00Z", "to": f"2026-01-{day}T10:00Z"})
    create_task(alice, name="Call", categoryId="defaultEventCategoryIdCalls")

    listed = alice.get(f"/calendars/{cal}/tasks", params=WEEK).json()
    assert [t["name"] for t in listed["data"]] == ["Call", "Jan 06", "Jan 07"]
    calls = alice.get(f"/calendars/{cal}/tasks", params={**WEEK, "category": "calls"}).json()
    assert [t["name"] for t in calls["data"]] == ["Call"]
    page = alice.get(f"/calendars/{cal}/tasks", params={**WEEK, "offset": 1, "limit": 1, "returnSize": "true"})
    assert (page.json()["offset"], page.json()["limit"], page.json()["size"]) == (1, 1, 3)
    assert [t["name"] for t in page.json()["data"]] == ["Jan 06"]
    assert 'rel="next"' in page.headers["Link"] and "/tasks?offset=2&limit=1" in page.headers["Link"]
    projected = alice.get(f"/calendars/{cal}/tasks", params={**WEEK, "fields": "id,name"}).json()["data"]
    assert all(set(t) == {"id", "name"} for t in projected)
    wrapped = alice.get(f"/calendars/{cal}/tasks", params={**WEEK, "jsonp": "cb"})
    assert wrapped.text.startswith("cb(") and wrapped.headers["Content-Type"].startswith("text/javascript")


def test_expand_embeds_the_calendar_and_the_categories(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = create_task(alice, categoryId="defaultEventCategoryIdMeeting")
    task = alice.get(f"/tasks/{key}", params={"expand": "calendar,categories", "fields": "calendar,categories"}).json()
    assert task["calendar"]["id"] == alice.default_calendar and task["calendar"]["type"] == "PERSONAL"
    assert task["categories"] == [
        {"id": "defaultEventCategoryIdMeeting", "href": f"{BASE}/categories/defaultEventCategoryIdMeeting",
         "name": "Meeting"}
    ]  # fmt: skip


def test_tasks_and_events_are_not_each_other(caller: MakeCaller) -> None:
    """eXo renders a task at /events/{id} and an event at /tasks/{id} (spec §8 item 25)."""
    alice = caller("alice")
    task = create_task(alice)
    event = alice.create_event(alice.default_calendar)
    assert alice.get(f"/events/{task}").status_code == 404
    assert alice.get(f"/tasks/{event}").status_code == 404
    assert alice.delete(f"/tasks/{event}").status_code == 404
    assert alice.get(f"/events/{event}").status_code == 200


def test_conditional_reads_answer_304_and_412(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = create_task(alice)
    last_modified = alice.get(f"/tasks/{key}").headers["Last-Modified"]
    assert alice.get(f"/tasks/{key}", headers={"If-Modified-Since": last_modified}).status_code == 304
    stale = "Sun, 04 Jan 2026 00:00:00 GMT"
    assert alice.get(f"/tasks/{key}", headers={"If-Unmodified-Since": stale}).status_code == 412


def test_malformed_json_and_wrong_types_are_400_documents(caller: MakeCaller) -> None:
    alice = caller("alice")
    cal = alice.default_calendar
    broken = alice.client.post(
        f"/rest/private/v1/calendar/calendars/{cal}/tasks",
        content=b'{"name": "x",',
        headers={**alice.account.headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400 and set(broken.json()) == {"message", "developerMessage"}
    wrong = alice.post(f"/calendars/{cal}/tasks", json={"priority": 5})
    assert wrong.status_code == 400 and wrong.json()["developerMessage"] == "priority"
    listed = alice.post(f"/calendars/{cal}/tasks", json={"delegation": "john"})
    assert listed.status_code == 400 and listed.json()["developerMessage"] == "delegation"


def test_errors_are_translated_to_japanese(caller: MakeCaller) -> None:
    alice = caller("alice")
    response = alice.post(
        f"/calendars/{alice.default_calendar}/tasks", json={"status": "done"}, headers={"Accept-Language": "ja"}
    )
    assert response.json() == {
        "message": "status は canceled,completed,in-process,needs-action のいずれかでなければなりません",
        "developerMessage": "status",
    }
    assert response.headers["Content-Language"] == "ja"


def test_deleting_a_task_or_its_calendar_removes_it(caller: MakeCaller) -> None:
    alice = caller("alice")
    key = create_task(alice)
    assert alice.delete(f"/tasks/{key}").status_code == 200
    assert alice.get(f"/tasks/{key}").status_code == 404
    cal = alice.create_calendar(name="Chores")
    other = create_task(alice, cal)
    assert alice.delete(f"/calendars/{cal}").status_code == 200
    assert alice.get(f"/tasks/{other}").status_code == 404


def test_an_unknown_calendar_is_404_before_the_body_is_judged(caller: MakeCaller) -> None:
    alice = caller("alice")
    assert alice.post("/calendars/calendar-nope/tasks", json={"priority": "urgent"}).status_code == 404
    assert alice.get("/calendars/calendar-nope/tasks").status_code == 404
    assert alice.put("/tasks/Event-nope", json={"priority": "urgent"}).status_code == 404


# --- who may do what (spec §2.4; unreadable → 404, also for writes to it; refused write → 401) ------------

ROLES = {
    "owner": "alice",
    "group member": "tom",
    "group manager": "mia",
    "sharee": "sam",
    "delegate": "del",
    "public reader": "pub",
    "stranger": "stan",
}
# role: (read task, tasks listed, create (bad body), create, update (bad body), update, delete)
EXPECTED = {
    "owner": (200, 2, 400, 201, 400, 200, 200),
    "group member": (200, 2, 400, 401, 401, 401, 401),
    "group manager": (200, 2, 400, 201, 400, 200, 200),
    "sharee": (200, 2, 400, 401, 401, 401, 401),
    "delegate": (200, 1, 404, 404, 401, 401, 401),
    "public reader": (200, 2, 400, 401, 401, 401, 401),
    "stranger": (404, 404, 404, 404, 404, 404, 404),
}
OPERATIONS = ("read", "list", "create bad", "create", "update bad", "update", "delete")


@pytest.fixture
def task_world(caller: MakeCaller, group: Callable[..., None]) -> tuple[dict[str, Caller], dict[str, tuple[str, str]]]:
    callers = {role: caller(name) for role, name in ROLES.items()}
    group("/team", ("tom", "member"), ("mia", "manager"))
    alice, mia = callers["owner"], callers["group manager"]
    personal = alice.create_calendar(name="Plans", viewPermission="sam")
    public = alice.create_calendar(name="Public", publicURL="/pub/alice")
    team = mia.create_calendar(name="Team", groups=["/team"], editPermission="/team/:*.manager")
    tasks = {}
    for calendar, owner in ((personal, alice), (public, alice), (team, mia)):
        tasks[calendar] = create_task(owner, calendar, name="For del", delegation=["del"])
        create_task(owner, calendar, name="Not for del")
    where = {
        "owner": personal,
        "group member": team,
        "group manager": team,
        "sharee": personal,
        "delegate": personal,
        "public reader": public,
        "stranger": personal,
    }
    return callers, {role: (calendar, tasks[calendar]) for role, calendar in where.items()}


def _listed(response: httpx.Response) -> int:
    """How many tasks a window lists, or the status when it lists none (404: the calendar is hidden)."""
    return len(response.json()["data"]) if response.status_code == 200 else response.status_code


@pytest.mark.parametrize("role", list(ROLES))
def test_the_permission_matrix(task_world: tuple[dict[str, Caller], dict[str, tuple[str, str]]], role: str) -> None:
    callers, where = task_world
    me = callers[role]
    calendar, task = where[role]
    outcome = (
        me.get(f"/tasks/{task}").status_code,
        _listed(me.get(f"/calendars/{calendar}/tasks", params=WEEK)),
        me.post(f"/calendars/{calendar}/tasks", json={"priority": "urgent"}).status_code,
        me.post(f"/calendars/{calendar}/tasks", json={"name": "mine"}).status_code,
        me.put(f"/tasks/{task}", json={"priority": "urgent"}).status_code,
        me.put(f"/tasks/{task}", json={"name": "renamed"}).status_code,
        me.delete(f"/tasks/{task}").status_code,
    )
    assert dict(zip(OPERATIONS, outcome, strict=True)) == dict(zip(OPERATIONS, EXPECTED[role], strict=True))
