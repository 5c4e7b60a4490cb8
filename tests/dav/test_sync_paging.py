"""sync-collection over raw HTTP: DAV:limit pages (RFC 6578 §3.6-3.7) that give every change exactly once,
and tokens that expire with the change log's pruned tombstones (§3.2 valid-sync-token)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest

from almanac.bootstrap import Container
from almanac.services.change_retention import prune_change_logs
from tests.conftest import MakeAccount
from tests.dav.conftest import NS, Dav, texts, xml
from tests.doubles import FakeClock

CAL = "/dav/calendars/alice/alice-defaultCalendarId/"
MAX_RESULTS = 5


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"dav_sync_max_results": MAX_RESULTS, "sync_token_retention_days": 30}


@pytest.fixture
def alice(make_account: MakeAccount) -> None:
    make_account("alice")


def event(uid: str, summary: str = "Review") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260106T090000Z\r\nDURATION:PT1H\r\n"
        f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def put(dav: Dav, name: str, summary: str = "Review") -> None:
    response = dav("PUT", CAL + name, "alice", event(name.removesuffix(".ics") + "@x", summary))
    assert response.status_code in (201, 204), response.text


def delete(dav: Dav, name: str) -> None:
    assert dav("DELETE", CAL + name, "alice").status_code == 204


def sync_body(token: str = "", limit: str | None = None) -> str:
    limit_element = "" if limit is None else f"<d:limit><d:nresults>{limit}</d:nresults></d:limit>"
    return (
        f'<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>'
        f"{limit_element}<d:prop><d:getetag/></d:prop></d:sync-collection>"
    )


def report(dav: Dav, token: str = "", limit: str | None = None) -> httpx.Response:
    return dav("REPORT", CAL, "alice", sync_body(token, limit))


@dataclass
class Page:
    """One sync-collection answer: members' etags (None: removed), the new token, and the 507 mark."""

    etags: dict[str, str | None]
    token: str
    truncated: bool


def page(response: httpx.Response) -> Page:
    assert response.status_code == 207, response.text
    etags: dict[str, str | None] = {}
    truncated = False
    for item in xml(response).xpath("/d:multistatus/d:response", namespaces=NS):
        where = item.xpath("string(d:href)", namespaces=NS)
        status = item.xpath("string(d:status)", namespaces=NS)
        if where == CAL:
            assert status == "HTTP/1.1 507 Insufficient Storage"
            assert item.xpath("d:error/d:number-of-matches-within-limits", namespaces=NS)
            truncated = True
            continue
        name = where.removeprefix(CAL)
        assert name not in etags, f"{name} twice in one answer"
        etags[name] = None if "404" in status else item.xpath("string(.//d:getetag)", namespaces=NS)
    (token,) = texts(response, "/d:multistatus/d:sync-token")
    return Page(etags, token, truncated)


@dataclass
class Replica:
    """What a client that follows the 507 marks holds: every member's etag, and its token."""

    token: str = ""
    objects: dict[str, str] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)

    def sync(self, dav: Dav, limit: str | None, *, between_pages: list[object] | None = None) -> None:
        while True:
            got = page(report(dav, self.token, limit))
            self.pages.append(got)
            for name, etag in got.etags.items():
                if etag is None:
                    self.objects.pop(name, None)
                else:
                    self.objects[name] = etag
            assert got.token != self.token or not got.truncated
            self.token = got.token
            if not got.truncated:
                return
            if between_pages:
                write = between_pages.pop(0)
                assert callable(write)
                write()


def server_state(dav: Dav) -> dict[str, str]:
    full = page(report(dav))
    assert not full.truncated
    return {name: etag for name, etag in full.etags.items() if etag is not None}


def test_an_incremental_sync_pages_through_every_change_exactly_once(dav: Dav, alice: None) -> None:
    put(dav, "seed.ics")
    replica = Replica()
    replica.sync(dav, None)
    for i in range(7):
        put(dav, f"e{i}.ics")
    delete(dav, "seed.ics")
    put(dav, "e0.ics", "Changed")  # e0 moves to the end of the log: its one entry is its latest change

    replica.pages.clear()
    replica.sync(dav, "3")
    sizes = [len(p.etags) for p in replica.pages]
    assert sizes == [3, 3, 2]
    assert [p.truncated for p in replica.pages] == [True, True, False]
    seen = [name for p in replica.pages for name in p.etags]
    assert sorted(seen) == sorted({*(f"e{i}.ics" for i in range(7)), "seed.ics"})  # each once
    assert replica.objects == server_state(dav)
    # The last page's token is the calendar's current one: nothing more to come.
    assert page(report(dav, replica.token, "3")).etags == {}


def test_writes_between_incremental_pages_are_neither_lost_nor_sent_twice_unchanged(dav: Dav, alice: None) -> None:
    replica = Replica()
    replica.sync(dav, None)
    for i in range(6):
        put(dav, f"w{i}.ics")
    writes = [
        lambda: (put(dav, "w0.ics", "Changed after it was sent"), delete(dav, "w4.ics")),
        lambda: put(dav, "late.ics"),
    ]
    replica.sync(dav, "2", between_pages=writes)
    assert replica.objects == server_state(dav)
    # Each answer is one change per name; a name comes again only when it changed again (w0).
    sent = [name for p in replica.pages for name, etag in p.etags.items() if etag is not None]
    assert sorted(sent) == sorted(["w0.ics", "w1.ics", "w2.ics", "w3.ics", "w5.ics", "w0.ics", "late.ics"])


def test_an_initial_sync_pages_by_name_and_misses_no_write_made_meanwhile(dav: Dav, alice: None) -> None:
    for i in range(6):
        put(dav, f"n{i}.ics")
    replica = Replica()
    writes = [
        lambda: put(dav, "n0.ics", "Changed after it was sent"),
        lambda: (delete(dav, "n5.ics"), put(dav, "a-new.ics")),
    ]
    replica.sync(dav, "2", between_pages=writes)
    first = replica.pages[0]
    assert list(first.etags) == ["n0.ics", "n1.ics"] and first.truncated
    # The initial sync lists what exists page by page; the changes made meanwhile come with the next sync.
    assert "n5.ics" not in replica.objects
    replica.sync(dav, "2")
    assert replica.objects == server_state(dav)
    assert replica.objects["n0.ics"] != first.etags["n0.ics"]


def test_a_limit_above_the_setting_is_clamped_and_no_limit_means_everything(dav: Dav, alice: None) -> None:
    for i in range(MAX_RESULTS + 2):
        put(dav, f"c{i}.ics")
    huge = page(report(dav, limit="1000000000000000000000000"))
    assert len(huge.etags) == MAX_RESULTS and huge.truncated
    everything = page(report(dav))
    assert len(everything.etags) == MAX_RESULTS + 2 and not everything.truncated


@pytest.mark.parametrize("nresults", ["0", "-1", "two", "", "1.5", "²"])
def test_a_limit_that_is_not_a_whole_number_from_one_is_refused(dav: Dav, alice: None, nresults: str) -> None:
    put(dav, "one.ics")
    response = report(dav, limit=nresults)
    assert response.status_code == 400
    assert "nresults" in response.text


@pytest.mark.parametrize(
    "token",
    [
        "http://almanac.invalid/sync/alice-defaultCalendarId/²",
        "http://almanac.invalid/sync/alice-defaultCalendarId/" + "9" * 5000,
        "http://almanac.invalid/sync/alice-defaultCalendarId/1?after=",
        "http://almanac.invalid/sync/alice-defaultCalendarId/1?after=%ff",
        "http://almanac.invalid/sync/alice-defaultCalendarId/99?after=x.ics",
        "http://almanac.invalid/sync/bob-defaultCalendarId/1",
        "urn:nothing",
    ],
)
def test_mangled_and_foreign_tokens_are_the_rfc_error(dav: Dav, alice: None, token: str) -> None:
    put(dav, "one.ics")
    response = report(dav, token)
    assert response.status_code == 403
    assert xml(response).xpath("/d:error/d:valid-sync-token", namespaces=NS)


def test_a_token_from_before_a_pruned_deletion_expires_and_a_full_sync_recovers(
    dav: Dav, alice: None, container: Container, clock: FakeClock
) -> None:
    put(dav, "stays.ics")
    put(dav, "goes.ics")
    old = page(report(dav)).token
    delete(dav, "goes.ics")
    after_delete = page(report(dav)).token

    clock.advance(timedelta(days=29))
    prune_change_logs(container.services)
    # Inside the retention the deletion is still reported to a client that synced before it.
    assert page(report(dav, old)).etags == {"goes.ics": None}

    clock.advance(timedelta(days=2))
    assert prune_change_logs(container.services).tombstones == 1
    expired = report(dav, old)
    assert expired.status_code == 403
    assert xml(expired).xpath("/d:error/d:valid-sync-token", namespaces=NS)
    assert "expired" in expired.text
    # A token after the pruned deletion still works, and a full sync always does.
    assert page(report(dav, after_delete)).etags == {}
    assert set(page(report(dav)).etags) == {"stays.ics"}


def test_an_initial_sync_resumed_after_pruning_passed_it_starts_over(
    dav: Dav, alice: None, container: Container, clock: FakeClock
) -> None:
    for i in range(3):
        put(dav, f"p{i}.ics")
    first = page(report(dav, limit="1"))
    assert first.truncated and "?after=" in first.token
    put(dav, "doomed.ics")
    delete(dav, "doomed.ics")
    clock.advance(timedelta(days=31))
    prune_change_logs(container.services)
    # Its final token would name a revision before the pruned deletion: refused at once, not at the end.
    assert report(dav, first.token, "1").status_code == 403
