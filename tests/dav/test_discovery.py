"""Discovery (RFC 6764, RFC 5397, RFC 4791 §6.2): from the server URL and a username/password to the calendars."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeAccount
from tests.dav.conftest import NS, Dav, basic, propfind_body, texts, xml


def test_the_well_known_uri_redirects_to_the_dav_root(client: TestClient) -> None:
    for method in ("GET", "PROPFIND"):
        response = client.request(method, "/.well-known/caldav", follow_redirects=False)
        assert response.status_code == 301
        assert response.headers["Location"] == "/dav/"


def test_options_announces_calendar_access_without_credentials(dav: Dav) -> None:
    response = dav("OPTIONS", "/dav/calendars/", None)
    assert response.status_code == 200
    assert [c.strip() for c in response.headers["DAV"].split(",")] == ["1", "3", "calendar-access"]
    assert {"PROPFIND", "REPORT", "MKCALENDAR", "PUT", "DELETE"} <= {
        m.strip() for m in response.headers["Allow"].split(",")
    }


def test_no_credentials_is_a_basic_challenge(dav: Dav) -> None:
    response = dav("PROPFIND", "/dav/", None, Depth="0")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="Almanac"')


def test_a_wrong_password_is_refused_and_a_token_works_as_password(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    wrong = client.request("PROPFIND", "/dav/", headers={**basic("alice", "nope"), "Depth": "0"})
    assert wrong.status_code == 401
    assert "WWW-Authenticate" in wrong.headers
    with_token = client.request("PROPFIND", "/dav/", headers={**basic("alice", alice.token), "Depth": "0"})
    assert with_token.status_code == 207
    bearer = client.request("PROPFIND", "/dav/", headers={**alice.headers, "Depth": "0"})
    assert bearer.status_code == 207


def test_discovery_walks_from_the_root_to_the_home(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    root = dav("PROPFIND", "/dav/", "alice", propfind_body("d:current-user-principal"), Depth="0")
    assert root.status_code == 207
    principal = texts(root, "//d:current-user-principal/d:href")[0]
    assert principal == "/dav/principals/alice/"

    found = dav(
        "PROPFIND",
        principal,
        "alice",
        propfind_body("c:calendar-home-set", "d:principal-URL", "d:displayname", "c:calendar-user-address-set"),
        Depth="0",
    )
    assert texts(found, "//c:calendar-home-set/d:href") == ["/dav/calendars/alice/"]
    assert texts(found, "//d:principal-URL/d:href") == ["/dav/principals/alice/"]
    assert texts(found, "//d:displayname") == ["Alice"]
    assert "mailto:alice@example.com" in texts(found, "//c:calendar-user-address-set/d:href")

    home = dav(
        "PROPFIND", "/dav/calendars/alice/", "alice", propfind_body("d:resourcetype", "d:displayname"), Depth="1"
    )
    calendars = xml(home).xpath("//d:response[.//c:calendar]/d:href/text()", namespaces=NS)
    assert calendars == ["/dav/calendars/alice/alice-defaultCalendarId/"]


def test_another_users_principal_and_home_are_not_found(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    make_account("bob")
    for path in ("/dav/principals/alice/", "/dav/calendars/alice/", "/dav/calendars/alice/alice-defaultCalendarId/"):
        assert dav("PROPFIND", path, "bob", Depth="0").status_code == 404


def test_propname_lists_names_and_missing_properties_are_404_in_the_multistatus(
    dav: Dav, make_account: MakeAccount
) -> None:
    make_account("alice")
    names = dav(
        "PROPFIND",
        "/dav/calendars/alice/alice-defaultCalendarId/",
        "alice",
        '<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>',
        Depth="0",
    )
    assert xml(names).xpath("//d:prop/cs:getctag", namespaces=NS)
    assert xml(names).xpath("//d:prop/d:sync-token", namespaces=NS)
    missing = dav("PROPFIND", "/dav/calendars/alice/", "alice", propfind_body("d:displayname", "cs:getctag"), Depth="0")
    statuses = texts(missing, "//d:propstat/d:status")
    assert statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found"]
    assert xml(missing).xpath("//d:propstat[d:status='HTTP/1.1 404 Not Found']//cs:getctag", namespaces=NS)


def test_depth_infinity_is_refused_with_the_rfc_condition(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    response = dav("PROPFIND", "/dav/calendars/alice/", "alice", Depth="infinity")
    assert response.status_code == 403
    assert xml(response).xpath("/d:error/d:propfind-finite-depth", namespaces=NS)


def test_unknown_paths_are_not_found(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    assert dav("PROPFIND", "/dav/elsewhere/", "alice", Depth="0").status_code == 404
    assert dav("PROPFIND", "/dav/calendars/alice/nope/", "alice", Depth="0").status_code == 404
