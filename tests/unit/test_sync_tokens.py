"""Sync tokens (RFC 6578 §3.2) as Almanac writes and reads them, and which revisions a calendar answers from."""

from __future__ import annotations

import pytest

from almanac.dav.sync import SyncPosition, parse_sync_token, sync_token
from almanac.domain.changes import ExpiredSyncRevisionError, UnknownSyncRevisionError, check_sync_revision

KEY = "alice-defaultCalendarId"


@pytest.mark.parametrize(
    "position",
    [
        SyncPosition(0),
        SyncPosition(41),
        SyncPosition(7, "meeting.ics"),
        SyncPosition(7, "a b/c?after=d&é%.ics"),
    ],
)
def test_a_token_reads_back_as_the_position_it_was_written_for(position: SyncPosition) -> None:
    token = sync_token(KEY, position)
    assert token.isascii() and " " not in token
    assert parse_sync_token(token, KEY) == position


def test_a_token_of_another_calendar_is_no_position_here() -> None:
    assert parse_sync_token(sync_token("bob-defaultCalendarId", SyncPosition(3)), KEY) is None
    # A key that merely starts like this one's is another calendar too.
    assert parse_sync_token(sync_token(KEY + "2", SyncPosition(3)), KEY) is None


@pytest.mark.parametrize("tail", ["", "-1", "1.5", "²", "١٢", "9" * 19, "3?after=", "3?after=%C3", "3?before=x", "3/"])
def test_mangled_tokens_are_no_position(tail: str) -> None:
    assert parse_sync_token(f"http://almanac.invalid/sync/{KEY}/{tail}", KEY) is None


def test_a_revision_is_answered_from_the_horizon_up_to_the_current_one() -> None:
    check_sync_revision(5, horizon=5, current=9)
    check_sync_revision(9, horizon=5, current=9)
    with pytest.raises(ExpiredSyncRevisionError):
        check_sync_revision(4, horizon=5, current=9)
    for never_had in (10, -1):
        with pytest.raises(UnknownSyncRevisionError) as refused:
            check_sync_revision(never_had, horizon=5, current=9)
        assert not isinstance(refused.value, ExpiredSyncRevisionError)
