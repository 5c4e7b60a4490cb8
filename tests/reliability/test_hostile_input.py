"""Hostile and broken input, one corpus across the faces: every request is answered with a 4xx and a clear
message (in Japanese when asked), within a generous bound, and leaves what the user can read unchanged.

Targets: Back Office POST/PUT/PATCH of events; eXo event, calendar and task create and update; iCalendar
import (eXo ``POST .../ics`` and CalDAV ``PUT``); CalDAV PROPFIND and REPORT bodies. Injection strings are
the one exception: they are stored verbatim (2xx), read back verbatim, and escaped where output is markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Account, MakeAccount
from tests.dav.conftest import basic
from tests.dav.test_hostile_xml import BILLION_LAUGHS, EXTERNAL_ENTITY

EXO = "/rest/private/v1/calendar"
BO = "/api/v2/calendars/events"
DAV_HOME = "/dav/calendars/alice/"
#: Seconds any one request may take before it counts as a hang (a guard, not a speed test).
HANG_SECONDS = 20
MB = 1024 * 1024
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True)
class World:
    client: TestClient
    alice: Account
    calendar: str
    bo_event: str
    exo_event: str
    task: str


@pytest.fixture
def world(client: TestClient, make_account: MakeAccount) -> World:
    alice = make_account("alice")
    h = alice.headers
    created = client.post(EXO + "/calendars", json={"name": "Team"}, headers=h)
    assert created.status_code == 201, created.text
    calendar = created.headers["Location"].rsplit("/", 1)[1]
    bo = client.post(
        BO, json={"caption": "Call", "startDate": "2026-01-07T09:00:00Z", "endDate": "2026-01-07T10:00:00Z"}, headers=h
    )
    assert bo.status_code == 201, bo.text
    event = {"subject": "Review", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z"}
    exo = client.post(f"{EXO}/calendars/{calendar}/events", json=event, headers=h)
    assert exo.status_code == 201, exo.text
    task = client.post(
        f"{EXO}/calendars/{calendar}/tasks", json={"name": "Write", **{k: event[k] for k in ("from", "to")}}, headers=h
    )
    assert task.status_code == 201, task.text
    return World(
        client,
        alice,
        calendar,
        str(bo.json()["id"]),
        exo.headers["Location"].rsplit("/", 1)[1],
        task.headers["Location"].rsplit("/", 1)[1],
    )


def snapshot(world: World) -> list[Any]:
    """Everything alice can read through the APIs that a hostile write could have touched."""
    h, c, cal = world.alice.headers, world.client, world.calendar
    window = "startTime=1970-01-01T00:00:00Z&endTime=2100-01-01T00:00:00Z&limit=100"
    reads = [
        c.get(BO + "?limit=100", headers=h),
        c.get(EXO + "/calendars?limit=100", headers=h),
        c.get(f"{EXO}/calendars/{cal}/events?{window}", headers=h),
        c.get(f"{EXO}/calendars/alice-defaultCalendarId/events?{window}", headers=h),
        c.get(f"{EXO}/calendars/{cal}/tasks?{window}", headers=h),
    ]
    for read in reads:
        assert read.status_code == 200, read.text
    return [read.json() for read in reads]


def timed(send: Callable[[], httpx.Response]) -> httpx.Response:
    """The response of ``send``, or a failure when it takes longer than HANG_SECONDS."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(send).result(timeout=HANG_SECONDS)
    except FutureTimeout:
        pytest.fail(f"no answer within {HANG_SECONDS} s")
    finally:
        pool.shutdown(wait=False)


def message_of(response: httpx.Response) -> str:
    """The human message of an error, whatever the face's shape (JSON message, DAV XML, plain text)."""
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        return str(body.get("message") or "") + " ".join(str(e.get("message")) for e in body.get("errors", []))
    return response.text


# --- the JSON corpus -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonTarget:
    """One JSON write of a face, with the fields a hostile value goes into."""

    name: str
    method: str
    path: Callable[[World], str]
    base: dict[str, Any]
    text: str
    date: str
    array: str
    zone: str | None = None


TARGETS = [
    JsonTarget(
        "bo-post",
        "POST",
        lambda w: BO,
        {"caption": "A", "startDate": "2026-02-01T09:00:00Z", "endDate": "2026-02-01T10:00:00Z"},
        "caption",
        "startDate",
        "recipients",
        "timeZone",
    ),
    JsonTarget(
        "bo-put",
        "PUT",
        lambda w: f"{BO}/{w.bo_event}",
        {"caption": "B"},
        "caption",
        "endDate",
        "recipients",
        "timeZone",
    ),
    JsonTarget(
        "bo-patch",
        "PATCH",
        lambda w: f"{BO}/{w.bo_event}",
        {"caption": "C"},
        "description",
        "startDate",
        "notifications",
    ),
    JsonTarget(
        "exo-event-post",
        "POST",
        lambda w: f"{EXO}/calendars/{w.calendar}/events",
        {"subject": "D", "from": "2026-02-01T09:00:00Z", "to": "2026-02-01T10:00:00Z"},
        "subject",
        "from",
        "participants",
    ),
    JsonTarget(
        "exo-event-put",
        "PUT",
        lambda w: f"{EXO}/events/{w.exo_event}",
        {"subject": "E", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z"},
        "description",
        "to",
        "reminder",
    ),
    JsonTarget(
        "exo-calendar-post",
        "POST",
        lambda w: EXO + "/calendars",
        {"name": "F"},
        "name",
        "timeZone",
        "groups",
        "timeZone",
    ),
    JsonTarget(
        "exo-calendar-put",
        "PUT",
        lambda w: f"{EXO}/calendars/{w.calendar}",
        {"name": "G"},
        "description",
        "timeZone",
        "groups",
        "timeZone",
    ),
    JsonTarget(
        "exo-task-post",
        "POST",
        lambda w: f"{EXO}/calendars/{w.calendar}/tasks",
        {"name": "H", "from": "2026-02-01T09:00:00Z", "to": "2026-02-01T10:00:00Z"},
        "note",
        "to",
        "delegation",
    ),
    JsonTarget(
        "exo-task-put",
        "PUT",
        lambda w: f"{EXO}/tasks/{w.task}",
        {"name": "I", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z"},
        "name",
        "from",
        "delegation",
    ),
]


def _merged(base: dict[str, Any], field: str, raw_value: str) -> bytes:
    """``base`` with ``field`` set to a raw JSON value text (which ``json.dumps`` could not write)."""
    rest = {k: v for k, v in base.items() if k != field}
    head = json.dumps(rest)[:-1]
    return (head + (", " if rest else "") + json.dumps(field) + ": " + raw_value + "}").encode()


def _with(target: JsonTarget, field: str, value: Any) -> bytes:
    return json.dumps({**target.base, field: value}).encode()


JsonCase = Callable[[JsonTarget], bytes]
DEEP = 10_000
JSON_CORPUS: dict[str, JsonCase] = {
    "malformed-json": lambda t: b'{"caption": "unterminated',
    "not-an-object": lambda t: b"[1, 2, 3]",
    "wrong-types": lambda t: json.dumps({**t.base, t.text: 12, t.date: True, t.array: "x"}).encode(),
    "float-1e400": lambda t: _merged(t.base, t.text, "1e400"),
    "int-2**70": lambda t: _merged(t.base, t.array, f"[{2**70}]"),
    "date-year-0": lambda t: _with(t, t.date, "0000-01-01T10:00:00Z"),
    "date-year-10000": lambda t: _with(t, t.date, "10000-01-01T10:00:00Z"),
    "invalid-time-zone": lambda t: _with(t, t.zone or t.date, "Mars/Olympus"),
    "nul-byte": lambda t: _with(t, t.text, "before\x00after"),
    "invalid-utf8": lambda t: _merged(t.base, t.text, '"\xff\xfe bad"').replace("\xff\xfe".encode(), b"\xff\xfe"),
    "string-over-text-limit": lambda t: _with(t, t.text, "x" * 200_000),
    "10MB-string": lambda t: _with(t, t.text, "x" * (10 * MB)),
    "100k-item-array": lambda t: _with(t, t.array, [""] * 100_000),
    "deep-json-in-field": lambda t: _merged(t.base, t.text, "[" * DEEP + "]" * DEEP),
    "deep-json-body": lambda t: ("[" * DEEP + "]" * DEEP).encode(),
    "deep-object-body": lambda t: ('{"a":' * DEEP + "1" + "}" * DEEP).encode(),
}


def send(world: World, method: str, path: str, content: bytes, **headers: str) -> httpx.Response:
    sent = {**world.alice.headers, "Content-Type": "application/json", **headers}
    return timed(lambda: world.client.request(method, path, content=content, headers=sent))


@pytest.mark.parametrize("case", sorted(JSON_CORPUS))
@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_hostile_json_is_refused_clearly_and_changes_nothing(world: World, target: JsonTarget, case: str) -> None:
    before = snapshot(world)
    response = send(world, target.method, target.path(world), JSON_CORPUS[case](target))
    expected = {413} if case == "10MB-string" else {400}
    assert response.status_code in expected, response.text[:500]
    assert message_of(response).strip(), "a refusal says why"
    assert snapshot(world) == before


@pytest.mark.parametrize(
    ("target", "case"), [(TARGETS[0], "malformed-json"), (TARGETS[3], "date-year-10000"), (TARGETS[0], "10MB-string")]
)
def test_refusals_speak_japanese_when_asked(world: World, target: JsonTarget, case: str) -> None:
    response = send(world, target.method, target.path(world), JSON_CORPUS[case](target), **{"Accept-Language": "ja"})
    assert 400 <= response.status_code < 500
    assert JAPANESE.search(message_of(response)), message_of(response)
    assert response.headers["Content-Language"] == "ja"


def test_an_import_over_the_object_limit_is_refused_in_japanese(world: World) -> None:
    before = snapshot(world)
    response = _import(world, ICS_CORPUS["many-events"](), **{"Accept-Language": "ja"})
    assert response.status_code == 400, response.text
    assert "12000" in response.json()["message"]
    assert JAPANESE.search(response.json()["message"]), response.text
    assert snapshot(world) == before


# --- injection strings: stored verbatim, never executed, escaped in markup --------------------------------

INJECTIONS = [
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "<script>alert(document.cookie)</script>",
    "]]></title><script>alert(1)</script>",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_stored_verbatim_and_escaped_in_rss(world: World, text: str) -> None:
    h, c = world.alice.headers, world.client
    bo = c.post(
        BO, json={"caption": text, "startDate": "2026-02-01T09:00:00Z", "endDate": "2026-02-01T10:00:00Z"}, headers=h
    )
    assert bo.status_code == 201, bo.text
    assert c.get(f"{BO}/{bo.json()['id']}", headers=h).json()["caption"] == text
    event = {"subject": text, "description": text, "from": "2026-02-02T09:00:00Z", "to": "2026-02-02T10:00:00Z"}
    exo = c.post(f"{EXO}/calendars/{world.calendar}/events", json=event, headers=h)
    assert exo.status_code == 201, exo.text
    stored = c.get(exo.headers["Location"].removeprefix("http://testserver"), headers=h).json()
    assert (stored["subject"], stored["description"]) == (text, text)
    assert len(c.get(BO + "?limit=100", headers=h).json()) == 4  # every table still answers, and holds all

    feed = c.post(EXO + "/feeds", json={"name": "Feed", "calendarIds": [world.calendar]}, headers=h)
    assert feed.status_code == 201, feed.text
    rss = c.get(feed.headers["Location"].removeprefix("http://testserver") + "/rss", headers=h)
    assert rss.status_code == 200
    assert "<script>" not in rss.text
    titles = [entry.title for entry in feedparser.parse(rss.content).entries]
    assert text in titles


# --- JSONP callbacks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "callback", ["alert(1)//", "a;b", "</script><script>x", "cb\u2028", "x" * 10_000, "1abc", "a..b", "a.", " "]
)
def test_bad_jsonp_callbacks_are_refused(world: World, callback: str) -> None:
    response = timed(
        lambda: world.client.get(EXO + "/calendars", params={"jsonp": callback}, headers=world.alice.headers)
    )
    assert response.status_code == 400, response.text
    assert response.json()["developerMessage"] == "jsonp"


# --- recurrences that expand forever ---------------------------------------------------------------------


def test_an_unending_bo_series_is_stored_but_never_expanded_without_bounds(world: World) -> None:
    h, c = world.alice.headers, world.client
    body = {"caption": "Forever", "startDate": "2026-01-01T09:00:00Z", "endDate": "2026-01-01T09:30:00Z"}
    forever = c.post(BO, json={**body, "recurrence": ["RRULE:FREQ=DAILY"]}, headers=h)
    assert forever.status_code == 201, forever.text
    before = snapshot(world)
    event_id = forever.json()["id"]
    huge = {"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T00:00:00Z"}
    for response in (
        timed(lambda: c.get(f"{BO}/{event_id}/occurrences", params=huge, headers=h)),
        timed(
            lambda: c.get(
                BO,
                params={"expand": "occurrences", "filter[startDate]": huge["from"], "filter[endDate]": huge["to"]},
                headers=h,
            )
        ),
    ):
        assert response.status_code == 400, response.text
        assert message_of(response).strip()
    for rule in ("RRULE:FREQ=SECONDLY", "RRULE:FREQ=MINUTELY;COUNT=1000000000", "RRULE:FREQ=DAILY;INTERVAL=0"):
        refused = send(world, "POST", BO, json.dumps({**body, "recurrence": [rule]}).encode())
        assert refused.status_code == 400, (rule, refused.text)
    assert snapshot(world) == before


def test_an_unending_exo_series_is_stored_but_never_expanded_without_bounds(world: World) -> None:
    h, c = world.alice.headers, world.client
    event = {"subject": "Forever", "from": "2026-01-01T09:00:00Z", "to": "2026-01-01T09:30:00Z"}
    created = c.post(
        f"{EXO}/calendars/{world.calendar}/events", json={**event, "repeat": {"type": "daily", "every": 1}}, headers=h
    )
    assert created.status_code == 201, created.text
    key = created.headers["Location"].rsplit("/", 1)[1]
    before = snapshot(world)
    huge = "startTime=0001-01-01T00:00:00Z&endTime=9999-12-31T00:00:00Z"
    for path in (f"/events?{huge}", f"/events/{key}/occurrences?start=0001-01-01T00:00:00Z&end=9999-12-31T00:00:00Z"):
        response = timed(lambda path=path: c.get(EXO + path, headers=h))
        assert response.status_code == 400, (path, response.text)
    for repeat in ({"type": "daily", "every": 2**70}, {"type": "secondly", "every": 1}, {"type": "daily", "every": -1}):
        refused = send(
            world, "POST", f"{EXO}/calendars/{world.calendar}/events", json.dumps({**event, "repeat": repeat}).encode()
        )
        assert refused.status_code == 400, (repeat, refused.text)
    assert snapshot(world) == before


# --- iCalendar bombs, through eXo import and CalDAV PUT ----------------------------------------------------

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n"
TAIL = "END:VCALENDAR\r\n"
EVENT_LINES = "UID:bomb@t\r\nDTSTART:20260101T090000Z\r\nDTEND:20260101T100000Z\r\nSUMMARY:Bomb\r\n"


def _ics(*body: str) -> bytes:
    return (HEAD + "".join(body) + TAIL).encode()


def _nested(depth: int) -> bytes:
    opens = "".join(f"BEGIN:{'VEVENT' if i % 2 == 0 else 'VALARM'}\r\n" for i in range(depth))
    closes = "".join(f"END:{'VEVENT' if i % 2 == 0 else 'VALARM'}\r\n" for i in reversed(range(depth)))
    return _ics(opens + EVENT_LINES + closes)


ICS_CORPUS: dict[str, Callable[[], bytes]] = {
    "huge-file": lambda: _ics(
        "BEGIN:VEVENT\r\n", EVENT_LINES, "DESCRIPTION:" + "x" * (2 * MB) + "\r\n", "END:VEVENT\r\n"
    ),
    "deeply-nested": lambda: _nested(2_000),
    "nested-alarms": lambda: _ics(
        "BEGIN:VEVENT\r\n", EVENT_LINES, "BEGIN:VALARM\r\n" * 50, "END:VALARM\r\n" * 50, "END:VEVENT\r\n"
    ),
    "a-million-lines": lambda: (HEAD + "\n" * 1_000_000).encode(),
    "folded-a-million-times": lambda: _ics(
        "BEGIN:VEVENT\r\n", EVENT_LINES, "DESCRIPTION:x" + "\r\n x" * 1_000_000, "\r\nEND:VEVENT\r\n"
    ),
    "folded-300k-times": lambda: _ics(
        "BEGIN:VEVENT\r\n", EVENT_LINES, "DESCRIPTION:x" + "\n x" * 300_000, "\r\nEND:VEVENT\r\n"
    ),
    "secondly-rule": lambda: _ics("BEGIN:VEVENT\r\n", EVENT_LINES, "RRULE:FREQ=SECONDLY\r\n", "END:VEVENT\r\n"),
    "huge-count": lambda: _ics(
        "BEGIN:VEVENT\r\n", EVENT_LINES, f"RRULE:FREQ=DAILY;COUNT={2**70}\r\n", "END:VEVENT\r\n"
    ),
    "year-10000": lambda: _ics("BEGIN:VEVENT\r\nUID:y@t\r\nDTSTART:100000101T090000Z\r\nEND:VEVENT\r\n"),
    "year-0": lambda: _ics("BEGIN:VEVENT\r\nUID:y@t\r\nDTSTART:00000101T090000Z\r\nEND:VEVENT\r\n"),
    "invalid-time-zone": lambda: _ics(
        "BEGIN:VEVENT\r\nUID:z@t\r\nDTSTART;TZID=Mars/Olympus:20260101T090000\r\nEND:VEVENT\r\n"
    ),
    "nul-byte": lambda: _ics("BEGIN:VEVENT\r\n", EVENT_LINES.replace("Bomb", "Bo\x00mb"), "END:VEVENT\r\n"),
    "invalid-utf8": lambda: _ics("BEGIN:VEVENT\r\n", EVENT_LINES, "END:VEVENT\r\n").replace(b"Bomb", b"B\xff\xfeb"),
    "many-events": lambda: _ics(
        *(f"BEGIN:VEVENT\r\nUID:m{i}@t\r\nDTSTART:20260101T090000Z\r\nEND:VEVENT\r\n" for i in range(12_000))
    ),
}


def _import(world: World, data: bytes, **headers: str) -> httpx.Response:
    return send(
        world, "POST", f"{EXO}/calendars/{world.calendar}/ics", data, **{"Content-Type": "text/calendar", **headers}
    )


def _dav_put(world: World, data: bytes, **headers: str) -> httpx.Response:
    sent = {**basic("alice"), "Content-Type": "text/calendar", **headers}
    path = f"{DAV_HOME}{world.calendar}/bomb.ics"
    return timed(lambda: world.client.put(path, content=data, headers=sent))


@pytest.mark.parametrize("case", sorted(ICS_CORPUS))
@pytest.mark.parametrize("upload", [_import, _dav_put], ids=["exo-import", "caldav-put"])
def test_ics_bombs_are_refused_clearly_and_change_nothing(
    world: World, upload: Callable[..., httpx.Response], case: str
) -> None:
    before = snapshot(world)
    response = upload(world, ICS_CORPUS[case]())
    expected = {413} if case in ("huge-file", "folded-a-million-times") else {400, 403}
    assert response.status_code in expected, response.text[:500]
    assert message_of(response).strip() or response.status_code == 413
    assert snapshot(world) == before


# --- XML bodies of CalDAV --------------------------------------------------------------------------------

PARAMETER_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>'
    '<d:propfind xmlns:d="DAV:"><d:prop/></d:propfind>'
)
XML_CORPUS: dict[str, str] = {
    "billion-laughs": BILLION_LAUGHS,
    "external-entity": EXTERNAL_ENTITY,
    "parameter-entity": PARAMETER_ENTITY,
    "malformed": "<d:propfind xmlns:d='DAV:'><d:prop>",
    "deeply-nested": "<d:propfind xmlns:d='DAV:'>" + "<d:x>" * 10_000 + "</d:x>" * 10_000 + "</d:propfind>",
    "not-xml": "\x00\xff binary",
    "huge": "<d:propfind xmlns:d='DAV:'>" + " " * (2 * MB) + "</d:propfind>",
}


@pytest.mark.parametrize("case", sorted(XML_CORPUS))
@pytest.mark.parametrize("method", ["PROPFIND", "REPORT"])
def test_hostile_dav_xml_is_refused_and_changes_nothing(world: World, method: str, case: str) -> None:
    before = snapshot(world)
    sent = {**basic("alice"), "Content-Type": "application/xml", "Depth": "1"}
    path = f"{DAV_HOME}{world.calendar}/"
    body = XML_CORPUS[case].encode("utf-8", "surrogateescape")
    response = timed(lambda: world.client.request(method, path, content=body, headers=sent))
    assert response.status_code == (413 if case == "huge" else 400), response.text[:500]
    assert "root:" not in response.text
    assert "lollol" not in response.text
    assert snapshot(world) == before
