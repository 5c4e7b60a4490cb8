"""Calendar object resources over raw HTTP: strong ETags, If-Match / If-None-Match (412), the RFC 4791
preconditions as DAV:error bodies, read-only calendars, and the reports over them."""

from __future__ import annotations

import httpx
import pytest

from almanac.bootstrap import Container
from almanac.services.auth import authenticate_password
from almanac.services.calendars import CalendarDraft, create_calendar
from tests.conftest import MakeAccount
from tests.dav.conftest import NS, Dav, texts, xml

CAL = "/dav/calendars/alice/alice-defaultCalendarId/"


def event(
    uid: str = "one@example.com", summary: str = "Review", start: str = "20260106T090000Z", extra: str = ""
) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:{summary}\r\n{extra}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def alice(make_account: MakeAccount) -> None:
    make_account("alice")


def put(dav: Dav, name: str, body: str, user: str = "alice", **headers: str) -> httpx.Response:
    return dav("PUT", CAL + name, user, body, Content_Type="text/calendar; charset=utf-8", **headers)


def test_put_get_delete_with_strong_etags(dav: Dav, alice: None) -> None:
    created = put(dav, "one.ics", event(), If_None_Match="*")
    assert created.status_code == 201
    fetched = dav("GET", CAL + "one.ics", "alice")
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"].startswith("text/calendar")
    etag = fetched.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "SUMMARY:Review" in fetched.text
    assert dav("GET", CAL + "one.ics", "alice", If_None_Match=etag).status_code == 304

    assert put(dav, "one.ics", event(summary="Changed"), If_Match=etag).status_code == 204
    stale = put(dav, "one.ics", event(summary="Lost update"), If_Match=etag)
    assert stale.status_code == 412
    assert "Lost update" not in dav("GET", CAL + "one.ics", "alice").text

    assert dav("DELETE", CAL + "one.ics", "alice", If_Match=etag).status_code == 412
    current = dav("GET", CAL + "one.ics", "alice").headers["ETag"]
    assert dav("DELETE", CAL + "one.ics", "alice", If_Match=current).status_code == 204
    assert dav("GET", CAL + "one.ics", "alice").status_code == 404


def test_if_none_match_star_refuses_to_overwrite(dav: Dav, alice: None) -> None:
    assert put(dav, "one.ics", event()).status_code == 201
    again = put(dav, "one.ics", event(summary="Overwrite"), If_None_Match="*")
    assert again.status_code == 412
    assert "Overwrite" not in dav("GET", CAL + "one.ics", "alice").text


@pytest.mark.parametrize(
    ("body", "condition"),
    [
        ("this is not iCalendar", "valid-calendar-data"),
        (event().replace("VEVENT", "VFREEBUSY"), "valid-calendar-data"),
        (event(extra="RRULE:FREQ=SECONDLY\r\n"), "valid-calendar-object-resource"),
    ],
    ids=["garbage", "free-busy", "too-frequent"],
)
def test_broken_objects_name_the_rfc_precondition(dav: Dav, alice: None, body: str, condition: str) -> None:
    response = put(dav, "bad.ics", body)
    assert response.status_code == 403
    assert xml(response).xpath(f"/d:error/c:{condition}", namespaces=NS), response.text
    assert dav("GET", CAL + "bad.ics", "alice").status_code == 404


def test_a_uid_already_stored_under_another_name_is_a_no_uid_conflict(dav: Dav, alice: None) -> None:
    assert put(dav, "first.ics", event()).status_code == 201
    response = put(dav, "second.ics", event())
    assert response.status_code == 403
    assert texts(response, "/d:error/c:no-uid-conflict/d:href") == [CAL + "first.ics"]


def test_a_read_only_calendar_refuses_writes(dav: Dav, container: Container, make_account: MakeAccount) -> None:
    make_account("alice")
    make_account("sam")
    alice = authenticate_password(container.services, username="alice", password="pw-alice")
    create_calendar(
        container.services, principal=alice, draft=CalendarDraft(name="Plans", view_permissions=["sam"]), key="plans"
    )
    owner_put = dav("PUT", "/dav/calendars/alice/plans/one.ics", "alice", event(), Content_Type="text/calendar")
    assert owner_put.status_code == 201
    path = "/dav/calendars/sam/plans/one.ics"
    assert dav("GET", path, "sam").status_code == 200
    refused = dav("PUT", path, "sam", event(summary="Mine"), Content_Type="text/calendar")
    assert refused.status_code == 403
    assert xml(refused).xpath("/d:error/d:need-privileges", namespaces=NS)
    assert dav("DELETE", path, "sam").status_code == 403
    assert (
        dav("PUT", "/dav/calendars/sam/plans/new.ics", "sam", event("new@x"), Content_Type="text/calendar").status_code
        == 403
    )
    assert "SUMMARY:Review" in dav("GET", path, "sam").text


QUERY = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">{inner}</c:comp-filter>
</c:comp-filter></c:filter>
</c:calendar-query>"""


def test_calendar_query_filters_by_time_range_and_text(dav: Dav, alice: None) -> None:
    put(dav, "review.ics", event("review@x", "Sprint review", "20260106T090000Z"))
    put(dav, "lunch.ics", event("lunch@x", "Team lunch", "20260107T120000Z"))
    put(dav, "weekly.ics", event("weekly@x", "Weekly", "20251201T080000Z", "RRULE:FREQ=WEEKLY\r\n"))

    def hrefs(inner: str) -> set[str]:
        response = dav("REPORT", CAL, "alice", QUERY.format(inner=inner), Depth="1")
        assert response.status_code == 207, response.text
        return {h.rsplit("/", 1)[1] for h in texts(response, "//d:response/d:href")}

    tuesday = '<c:time-range start="20260106T000000Z" end="20260107T000000Z"/>'
    assert hrefs(tuesday) == {"review.ics"}
    monday = '<c:time-range start="20260105T000000Z" end="20260106T000000Z"/>'
    assert hrefs(monday) == {"weekly.ics"}
    assert hrefs("") == {"review.ics", "lunch.ics", "weekly.ics"}
    text = '<c:prop-filter name="SUMMARY"><c:text-match>LUNCH</c:text-match></c:prop-filter>'
    assert hrefs(text) == {"lunch.ics"}
    negated = '<c:prop-filter name="SUMMARY"><c:text-match negate-condition="yes">review</c:text-match></c:prop-filter>'
    assert hrefs(negated) == {"lunch.ics", "weekly.ics"}
    assert hrefs('<c:prop-filter name="RRULE"><c:is-not-defined/></c:prop-filter>') == {"review.ics", "lunch.ics"}


def test_expand_uses_its_own_window_not_the_filters(dav: Dav, alice: None) -> None:
    put(dav, "weekly.ics", event("weekly@x", "Weekly", "20260105T080000Z", "RRULE:FREQ=WEEKLY;COUNT=4\r\n"))
    put(dav, "once.ics", event("once@x", "Once", "20260106T090000Z"))
    body = (
        '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data>'
        '<c:expand start="20260112T000000Z" end="20260126T000000Z"/></c:calendar-data></d:prop>'
        '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
        '<c:time-range start="20260105T000000Z" end="20260107T000000Z"/>'
        "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    )
    response = dav("REPORT", CAL, "alice", body, Depth="1")
    assert response.status_code == 207, response.text
    data = dict(zip(texts(response, "//d:response/d:href"), texts(response, "//c:calendar-data"), strict=True))
    weekly = next(v for k, v in data.items() if k.endswith("weekly.ics"))
    once = next(v for k, v in data.items() if k.endswith("once.ics"))
    # The filter's window (5-7 January) chose both objects; the expand window (12-26 January) shaped them.
    assert sorted(line for line in weekly.split("\r\n") if line.startswith("RECURRENCE-ID")) == [
        "RECURRENCE-ID:20260112T080000Z",
        "RECURRENCE-ID:20260119T080000Z",
    ]
    assert "VEVENT" not in once


def test_calendar_multiget_and_unknown_hrefs(dav: Dav, alice: None) -> None:
    put(dav, "one.ics", event())
    body = (
        '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
        f"<d:href>{CAL}one.ics</d:href><d:href>{CAL}missing.ics</d:href></c:calendar-multiget>"
    )
    response = dav("REPORT", CAL, "alice", body, Depth="1")
    assert response.status_code == 207
    assert "SUMMARY:Review" in texts(response, "//c:calendar-data")[0]
    assert texts(response, "//d:response[d:href[contains(., 'missing')]]/d:status") == ["HTTP/1.1 404 Not Found"]


def test_an_unknown_sync_token_is_the_rfc_error(dav: Dav, alice: None) -> None:
    body = (
        '<d:sync-collection xmlns:d="DAV:"><d:sync-token>http://almanac.invalid/sync/other/3</d:sync-token>'
        "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    response = dav("REPORT", CAL, "alice", body)
    assert response.status_code == 403
    assert xml(response).xpath("/d:error/d:valid-sync-token", namespaces=NS)


def test_free_busy_query_reports_busy_time(dav: Dav, alice: None) -> None:
    put(dav, "one.ics", event())
    put(dav, "free.ics", event("free@x", "Free", "20260106T130000Z", "TRANSP:TRANSPARENT\r\n"))
    body = (
        '<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav">'
        '<c:time-range start="20260106T000000Z" end="20260107T000000Z"/></c:free-busy-query>'
    )
    response = dav("REPORT", CAL, "alice", body, Depth="1")
    assert response.status_code == 200
    assert "FREEBUSY;FBTYPE=BUSY:20260106T090000Z/20260106T100000Z" in response.text
    assert "20260106T130000Z" not in response.text
