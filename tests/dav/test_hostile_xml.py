"""Hostile and broken XML is refused with 400 before anything reads it: no entity is ever expanded."""

from __future__ import annotations

import pytest

from tests.conftest import MakeAccount
from tests.dav.conftest import Dav

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop>
<d:displayname>&lol4;</d:displayname></d:prop></d:set></d:propertyupdate>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop>
<d:displayname>&xxe;</d:displayname></d:prop></d:set></d:propertyupdate>"""

CALENDAR = "/dav/calendars/alice/alice-defaultCalendarId/"


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_documents_with_entities_are_refused_and_change_nothing(dav: Dav, make_account: MakeAccount, body: str) -> None:
    make_account("alice")
    response = dav("PROPPATCH", CALENDAR, "alice", body)
    assert response.status_code == 400
    assert "lol" not in response.text
    assert "root:" not in response.text
    after = dav("PROPFIND", CALENDAR, "alice", Depth="0")
    assert "lollol" not in after.text
    assert "root:" not in after.text


@pytest.mark.parametrize("method", ["PROPFIND", "REPORT", "MKCALENDAR"])
def test_entity_documents_are_refused_by_every_method(dav: Dav, make_account: MakeAccount, method: str) -> None:
    make_account("alice")
    response = dav(method, "/dav/calendars/alice/new/", "alice", BILLION_LAUGHS, Depth="0")
    assert response.status_code == 400


def test_malformed_xml_is_a_400(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    response = dav("PROPFIND", CALENDAR, "alice", "<d:propfind xmlns:d='DAV:'><d:prop>", Depth="0")
    assert response.status_code == 400


def test_a_body_over_the_limit_is_refused(dav: Dav, make_account: MakeAccount) -> None:
    make_account("alice")
    huge = "<d:propfind xmlns:d='DAV:'>" + " " * (1024 * 1024 + 1) + "</d:propfind>"
    assert dav("PROPFIND", CALENDAR, "alice", huge, Depth="0").status_code == 413
