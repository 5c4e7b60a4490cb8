"""Calendar collections over CalDAV: MKCALENDAR, PROPPATCH, DELETE, and the same rights as the REST faces."""

from __future__ import annotations

import pytest

from almanac.bootstrap import Container
from almanac.domain.calendars import DEFAULT_COLOR
from almanac.domain.users import Principal
from almanac.services import accounts
from almanac.services.auth import authenticate, authenticate_password
from almanac.services.calendars import CalendarDraft, create_calendar, get_calendar
from tests.conftest import MakeAccount
from tests.dav.conftest import NS, Dav, propfind_body, texts, xml

MK = """<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:i="http://apple.com/ns/ical/">
<d:set><d:prop>{props}</d:prop></d:set></c:mkcalendar>"""


def proppatch(props: str, *, remove: str = "") -> str:
    removal = f"<d:remove><d:prop>{remove}</d:prop></d:remove>" if remove else ""
    return (
        '<d:propertyupdate xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:i="http://apple.com/ns/ical/">'
        f"<d:set><d:prop>{props}</d:prop></d:set>{removal}</d:propertyupdate>"
    )


def principal(container: Container, username: str) -> Principal:
    return authenticate_password(container.services, username=username, password=f"pw-{username}")


def test_mkcalendar_creates_a_calendar_with_its_properties(
    dav: Dav, container: Container, make_account: MakeAccount
) -> None:
    make_account("alice")
    body = MK.format(
        props="<d:displayname>Work</d:displayname><c:calendar-description>Job things</c:calendar-description>"
        "<i:calendar-color>#FF2968FF</i:calendar-color><i:calendar-order>3</i:calendar-order>"
        '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>'
    )
    response = dav("MKCALENDAR", "/dav/calendars/alice/work/", "alice", body)
    assert response.status_code == 201, response.text
    view = get_calendar(container.services, principal=principal(container, "alice"), calendar_key="work")
    assert (view.calendar.name, view.calendar.description) == ("Work", "Job things")
    assert (view.calendar.color, view.calendar.sort_order) == ("#FF2968FF", 3)
    home = dav("PROPFIND", "/dav/calendars/alice/", "alice", propfind_body("d:displayname"), Depth="1")
    assert "/dav/calendars/alice/work/" in texts(home, "//d:response/d:href")


def test_mkcalendar_refuses_an_existing_name_and_free_busy_only_calendars(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    assert dav("MKCALENDAR", "/dav/calendars/alice/work/", "alice").status_code == 201
    again = dav("MKCALENDAR", "/dav/calendars/alice/work/", "alice")
    assert again.status_code == 405
    assert xml(again).xpath("/d:error/d:resource-must-be-null", namespaces=NS)
    free_busy = MK.format(
        props='<c:supported-calendar-component-set><c:comp name="VFREEBUSY"/></c:supported-calendar-component-set>'
    )
    refused = dav("MKCALENDAR", "/dav/calendars/alice/busy/", "alice", free_busy)
    assert refused.status_code == 403
    assert xml(refused).xpath("/d:error/c:supported-calendar-component", namespaces=NS)
    assert dav("PROPFIND", "/dav/calendars/alice/busy/", "alice", Depth="0").status_code == 404


def test_mkcalendar_of_a_task_list_stores_tasks_only(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    todo = MK.format(
        props='<c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set>'
    )
    assert dav("MKCALENDAR", "/dav/calendars/alice/tasks/", "alice", todo).status_code == 201
    found = dav(
        "PROPFIND",
        "/dav/calendars/alice/tasks/",
        "alice",
        propfind_body("c:supported-calendar-component-set"),
        Depth="0",
    )
    names = xml(found).xpath("//c:supported-calendar-component-set/c:comp/@name", namespaces=NS)
    assert [str(name) for name in names] == ["VTODO"]
    vtodo = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t@x\r\nSUMMARY:T\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    vevent = vtodo.replace("VTODO", "VEVENT").replace("UID:t@x", "UID:e@x\r\nDTSTART:20260101T100000Z")
    assert dav("PUT", "/dav/calendars/alice/tasks/t.ics", "alice", vtodo).status_code == 201
    refused = dav("PUT", "/dav/calendars/alice/tasks/e.ics", "alice", vevent)
    assert refused.status_code == 403
    assert xml(refused).xpath("/d:error/c:supported-calendar-component", namespaces=NS)
    default = dav(
        "PROPFIND",
        "/dav/calendars/alice/alice-defaultCalendarId/",
        "alice",
        propfind_body("c:supported-calendar-component-set"),
        Depth="0",
    )
    names = xml(default).xpath("//c:supported-calendar-component-set/c:comp/@name", namespaces=NS)
    assert [str(name) for name in names] == ["VEVENT", "VTODO", "VJOURNAL"]


def test_mkcalendar_outside_ones_own_home_is_refused(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    make_account("bob")
    assert dav("MKCALENDAR", "/dav/calendars/alice/bobs/", "bob").status_code == 403
    assert dav("MKCALENDAR", "/dav/calendars/bob/bad%20name/", "bob").status_code == 403


def test_proppatch_maps_properties_to_calendar_fields(
    dav: Dav, container: Container, make_account: MakeAccount
) -> None:
    make_account("alice")
    dav("MKCALENDAR", "/dav/calendars/alice/work/", "alice")
    paris = dav("PROPFIND", "/dav/calendars/alice/work/", "alice", propfind_body("c:calendar-timezone"), Depth="0")
    zone = texts(paris, "//c:calendar-timezone")[0].replace("TZID:UTC", "TZID:Europe/Paris")
    body = proppatch(
        "<d:displayname>Job</d:displayname><i:calendar-color>#00FF00</i:calendar-color>"
        f"<i:calendar-order>2</i:calendar-order><c:calendar-timezone><![CDATA[{zone}]]></c:calendar-timezone>"
        "<c:calendar-description>Mine</c:calendar-description>"
    )
    response = dav("PROPPATCH", "/dav/calendars/alice/work/", "alice", body)
    assert response.status_code == 207
    assert texts(response, "//d:propstat/d:status") == ["HTTP/1.1 200 OK"]
    calendar = get_calendar(container.services, principal=principal(container, "alice"), calendar_key="work").calendar
    assert (calendar.name, calendar.color, calendar.sort_order, calendar.tzid, calendar.description) == (
        "Job",
        "#00FF00",
        2,
        "Europe/Paris",
        "Mine",
    )
    removed = dav("PROPPATCH", "/dav/calendars/alice/work/", "alice", proppatch("", remove="<c:calendar-description/>"))
    assert texts(removed, "//d:propstat/d:status") == ["HTTP/1.1 200 OK"]
    calendar = get_calendar(container.services, principal=principal(container, "alice"), calendar_key="work").calendar
    assert calendar.description is None


def test_proppatch_is_all_or_nothing(dav: Dav, container: Container, make_account: MakeAccount) -> None:
    make_account("alice")
    dav("MKCALENDAR", "/dav/calendars/alice/work/", "alice")
    body = proppatch('<d:displayname>Job</d:displayname><x:unknown xmlns:x="urn:x">1</x:unknown>')
    response = dav("PROPPATCH", "/dav/calendars/alice/work/", "alice", body)
    assert response.status_code == 207
    assert texts(response, "//d:propstat[d:prop/*[local-name()='unknown']]/d:status") == ["HTTP/1.1 403 Forbidden"]
    assert texts(response, "//d:propstat[d:prop/d:displayname]/d:status") == ["HTTP/1.1 424 Failed Dependency"]
    bad_color = dav(
        "PROPPATCH",
        "/dav/calendars/alice/work/",
        "alice",
        proppatch("<d:displayname>Job</d:displayname><i:calendar-color>bluish</i:calendar-color>"),
    )
    assert texts(bad_color, "//d:propstat/d:status") == ["HTTP/1.1 409 Conflict"]
    calendar = get_calendar(container.services, principal=principal(container, "alice"), calendar_key="work").calendar
    assert calendar.name == "calendar"
    assert calendar.color != "bluish"


def test_a_colour_set_by_css_name_is_stored_and_read_back_as_hex(
    dav: Dav, container: Container, make_account: MakeAccount
) -> None:
    make_account("alice")
    dav("MKCALENDAR", "/dav/calendars/alice/work/", "alice")
    for name, expected in (("blue", "#0000FF"), ("RebeccaPurple", "#663399"), (" green ", "#008000")):
        response = dav(
            "PROPPATCH",
            "/dav/calendars/alice/work/",
            "alice",
            proppatch(f"<i:calendar-color>{name}</i:calendar-color>"),
        )
        assert texts(response, "//d:propstat/d:status") == ["HTTP/1.1 200 OK"]
        read = dav("PROPFIND", "/dav/calendars/alice/work/", "alice", propfind_body("ical:calendar-color"), Depth="0")
        assert texts(read, "//ical:calendar-color") == [expected]


def test_an_empty_colour_clears_it_back_to_the_default(
    dav: Dav, container: Container, make_account: MakeAccount
) -> None:
    make_account("alice")
    dav("MKCALENDAR", "/dav/calendars/alice/work/", "alice")
    dav("PROPPATCH", "/dav/calendars/alice/work/", "alice", proppatch("<i:calendar-color>#123456</i:calendar-color>"))
    cleared = dav(
        "PROPPATCH", "/dav/calendars/alice/work/", "alice", proppatch("<i:calendar-color></i:calendar-color>")
    )
    assert texts(cleared, "//d:propstat/d:status") == ["HTTP/1.1 200 OK"]
    calendar = get_calendar(container.services, principal=principal(container, "alice"), calendar_key="work").calendar
    assert calendar.color == DEFAULT_COLOR


def test_delete_removes_a_calendar_but_never_the_default_one(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    dav("MKCALENDAR", "/dav/calendars/alice/work/", "alice")
    assert dav("DELETE", "/dav/calendars/alice/work/", "alice").status_code == 204
    assert dav("PROPFIND", "/dav/calendars/alice/work/", "alice", Depth="0").status_code == 404
    assert dav("DELETE", "/dav/calendars/alice/alice-defaultCalendarId/", "alice").status_code == 403


# --- the rights of the REST faces ----------------------------------------------------------------------


@pytest.fixture
def shared(container: Container, make_account: MakeAccount) -> None:
    """alice's calendar "plans" is viewed by sam, edited by ed; tom made "team" for /team (mia a member too)."""
    for name in ("alice", "sam", "ed", "tom", "mia", "stan"):
        make_account(name)
    make_account("root", admin=True)
    accounts.add_group(container.services, group_id="/team")
    for member in ("tom", "mia"):
        accounts.add_membership(container.services, group_id="/team", username=member, membership_type="member")
    alice = principal(container, "alice")
    create_calendar(
        container.services,
        principal=alice,
        draft=CalendarDraft(name="Plans", view_permissions=["sam"], edit_permissions=["ed"]),
        key="plans",
    )
    tom = principal(container, "tom")
    create_calendar(container.services, principal=tom, draft=CalendarDraft(name="Team", groups=["/team"]), key="team")


ROLES = {
    # role: (user, calendar, listed in the home, privileges held)
    "owner": ("alice", "plans", True, {"read", "write", "write-content", "bind", "unbind"}),
    "viewer": ("sam", "plans", True, {"read"}),
    "editor": ("ed", "plans", True, {"read", "write-content", "bind", "unbind"}),
    "group member": ("mia", "team", True, {"read"}),
    "admin": ("root", "plans", False, {"read", "write", "write-content", "bind", "unbind"}),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_calendar_with_its_privileges(dav: Dav, shared: object, role: str) -> None:
    user, key, listed, held = ROLES[role]
    home = dav("PROPFIND", f"/dav/calendars/{user}/", user, propfind_body("d:displayname"), Depth="1")
    assert (f"/dav/calendars/{user}/{key}/" in texts(home, "//d:response/d:href")) is listed
    found = dav(
        "PROPFIND", f"/dav/calendars/{user}/{key}/", user, propfind_body("d:current-user-privilege-set"), Depth="0"
    )
    assert found.status_code == 207
    privileges = {str(e.tag).split("}")[1] for e in xml(found).xpath("//d:privilege/*", namespaces=NS)}
    assert privileges & {"read", "write", "write-content", "bind", "unbind"} == held


def test_a_stranger_finds_nothing(dav: Dav, shared: object) -> None:
    home = dav("PROPFIND", "/dav/calendars/stan/", "stan", propfind_body("d:displayname"), Depth="1")
    assert [h for h in texts(home, "//d:response/d:href") if "plans" in h or "team" in h] == []
    assert dav("PROPFIND", "/dav/calendars/stan/plans/", "stan", Depth="0").status_code == 404


@pytest.mark.parametrize("user", ["sam", "ed", "mia"])
def test_only_owners_change_calendar_properties(dav: Dav, container: Container, shared: object, user: str) -> None:
    key = "team" if user == "mia" else "plans"
    response = dav("PROPPATCH", f"/dav/calendars/{user}/{key}/", user, proppatch("<d:displayname>Mine</d:displayname>"))
    assert response.status_code == 403
    calendar = get_calendar(container.services, principal=principal(container, "root"), calendar_key=key).calendar
    assert calendar.name != "Mine"


def test_token_principal_is_the_same_as_the_password_one(container: Container, make_account: MakeAccount) -> None:
    account = make_account("alice")
    assert authenticate(container.services, secret=account.token).username == "alice"
