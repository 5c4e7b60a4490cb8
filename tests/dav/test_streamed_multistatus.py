"""Large multistatus answers are streamed piece by piece, byte for byte what one whole serialization gives,
and real clients read them; small ones still go as one body with its length."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import caldav
import httpx
import pytest
from lxml import etree

from almanac.dav.propfind import MULTISTATUS_PIECE_SIZE
from almanac.dav.xml import CALDAV, CALSERVER, DAV, Element, element, serialize, serialize_in_pieces, tag
from tests.conftest import MakeAccount
from tests.dav.conftest import NS, basic

# Enough events of about 1.3 KB each for a one-month calendar-query to pass several pieces.
EVENTS = 150


def members(count: int) -> list[Element]:
    """Responses like a report's: namespaces of several prefixes, text needing escapes, non-ASCII."""
    made = []
    for number in range(count):
        data = f"SUMMARY:Réunion <{number}> & café 会議\r\n" * (number % 5)
        made.append(
            element(
                tag(DAV, "response"),
                element(tag(DAV, "href"), text=f"/dav/calendars/alice/cal/{number}.ics"),
                element(
                    tag(DAV, "propstat"),
                    element(
                        tag(DAV, "prop"),
                        element(tag(DAV, "getetag"), text=f'"{number}"'),
                        element(tag(CALDAV, "calendar-data"), text=data),
                        element(tag(CALSERVER, "getctag")),
                    ),
                    element(tag(DAV, "status"), text="HTTP/1.1 200 OK"),
                ),
            )
        )
    return made


@pytest.mark.parametrize("count", [0, 1, 7, 200])
@pytest.mark.parametrize("piece_size", [1, 500, 10**9])
def test_the_pieces_join_into_exactly_the_whole_serialization(count: int, piece_size: int) -> None:
    whole = serialize(element(tag(DAV, "multistatus"), *members(count)))
    pieces = list(serialize_in_pieces(tag(DAV, "multistatus"), members(count), piece_size=piece_size))
    assert b"".join(pieces) == whole
    if piece_size == 10**9:
        assert len(pieces) == 1
    if piece_size == 1:
        assert len(pieces) == count + 1  # one per member, and the closing tag


def test_members_are_built_only_when_the_pieces_reach_them() -> None:
    built: list[int] = []

    def lazily() -> Iterator[Element]:
        for number, made in enumerate(members(50)):
            built.append(number)
            yield made

    pieces = serialize_in_pieces(tag(DAV, "multistatus"), lazily(), piece_size=2_000)
    first = next(pieces)
    assert 1 <= len(built) < 50
    assert len(first) >= 2_000
    rest = b"".join(pieces)
    assert len(built) == 50
    assert len(etree.fromstring(first + rest)) == 50


def _event(number: int) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:streamed-{number:03d}@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:202603{1 + number % 28:02d}T{8 + number % 10:02d}0000Z\r\nDURATION:PT1H\r\n"
        f"SUMMARY:Planning {number}\r\nDESCRIPTION:{'Agenda item. ' * 80}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def filled(live_server: str, make_account: MakeAccount) -> str:
    """Alice's default calendar on a live server, holding EVENTS events in March 2026; its URL."""
    make_account("alice")
    calendar = f"{live_server}/dav/calendars/alice/alice-defaultCalendarId/"
    with httpx.Client(headers=basic("alice")) as client:
        for number in range(EVENTS):
            put = client.put(f"{calendar}streamed-{number:03d}.ics", content=_event(number))
            assert put.status_code == 201, put.text
    return calendar


QUERY = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
<c:time-range start="{start}" end="{end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"""


def test_a_large_calendar_query_is_streamed_and_a_small_one_is_not(filled: str) -> None:
    with httpx.Client(headers={**basic("alice"), "Depth": "1"}) as client:
        month = client.request("REPORT", filled, content=QUERY.format(start="20260301T000000Z", end="20260401T000000Z"))
        day = client.request("REPORT", filled, content=QUERY.format(start="20260302T000000Z", end="20260303T000000Z"))
    assert month.status_code == day.status_code == 207
    assert len(month.content) > 2 * MULTISTATUS_PIECE_SIZE
    assert month.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in month.headers
    hrefs = etree.fromstring(month.content).xpath("//d:response/d:href/text()", namespaces=NS)
    assert sorted(hrefs) == sorted(
        f"/dav/calendars/alice/alice-defaultCalendarId/streamed-{n:03d}.ics" for n in range(EVENTS)
    )
    assert day.headers["content-length"] == str(len(day.content))
    assert len(etree.fromstring(day.content).xpath("//d:response", namespaces=NS)) == len(
        [n for n in range(EVENTS) if n % 28 == 1]
    )


def test_the_caldav_client_reads_streamed_answers(filled: str, live_server: str) -> None:
    with caldav.DAVClient(url=live_server, username="alice", password="pw-alice", require_tls=False) as client:
        calendar = client.principal().calendars()[0]
        found = calendar.search(
            start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 4, 1, tzinfo=UTC), event=True
        )
        assert len(found) == EVENTS
        assert {e.icalendar_component["SUMMARY"] for e in found} == {f"Planning {n}" for n in range(EVENTS)}
        assert len(calendar.events()) == EVENTS  # a Depth: 1 listing, then a multiget of every object
