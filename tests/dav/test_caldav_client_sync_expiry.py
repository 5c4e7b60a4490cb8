"""A real CalDAV client (the ``caldav`` library) whose sync token expired with the pruned change log: it is told
so by RFC 6578's valid-sync-token error, falls back to a full sync, and from its new token syncs on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import caldav
import pytest
from caldav.lib import error

from almanac.bootstrap import Container
from almanac.services.change_retention import prune_change_logs
from tests.conftest import MakeAccount
from tests.doubles import FakeClock


def event(uid: str, summary: str) -> str:
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Almanac tests//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART:20260210T140000Z\nDTEND:20260210T150000Z\n"
        f"SUMMARY:{summary}\nEND:VEVENT\nEND:VCALENDAR\n"
    )


@pytest.fixture
def calendar(live_server: str, make_account: MakeAccount) -> Iterator[caldav.Calendar]:
    make_account("alice")
    with caldav.DAVClient(url=live_server, username="alice", password="pw-alice", require_tls=False) as client:
        yield client.principal().make_calendar(name="Work")


def uids(objects: caldav.collection.SynchronizableCalendarObjectCollection) -> set[str]:
    return {str(o.icalendar_component["UID"]) for o in objects}


def test_an_expired_token_makes_the_client_sync_from_scratch(
    calendar: caldav.Calendar, container: Container, clock: FakeClock
) -> None:
    calendar.save_event(event("stays@example.com", "Stays"))
    calendar.save_event(event("goes@example.com", "Goes"))
    first = calendar.objects_by_sync_token(load_objects=True)
    assert uids(first) == {"stays@example.com", "goes@example.com"}

    calendar.event_by_uid("goes@example.com").delete()
    clock.advance(timedelta(days=31))
    assert prune_change_logs(container.services).tombstones == 1

    # Told plainly: the token is refused with the RFC's precondition, not answered with a partial sync.
    with pytest.raises(error.AuthorizationError) as refused:
        calendar.objects_by_sync_token(sync_token=first.sync_token, disable_fallback=True)
    assert "{DAV:}valid-sync-token" in refused.value.preconditions

    # The library's own recovery: a full listing (by calendar-query, with a token of its own making)...
    recovered = calendar.objects_by_sync_token(sync_token=first.sync_token, load_objects=True)
    assert uids(recovered) == {"stays@example.com"}
    # ...and a new initial sync gives it a token of the server's again, from which it syncs incrementally.
    fresh = calendar.objects_by_sync_token(disable_fallback=True)
    assert len(list(fresh)) == 1
    calendar.save_event(event("new@example.com", "New"))
    later = calendar.objects_by_sync_token(sync_token=fresh.sync_token, load_objects=True, disable_fallback=True)
    assert uids(later) == {"new@example.com"}
