"""The codec's cache of serialized calendar objects: keyed by content, so it is never stale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from almanac.domain.events import Event, Participant
from almanac.domain.users import User
from almanac.ical.codec import ICalendarCodec

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
ALICE = User(username="alice", email="alice@example.com", display_name="Alice", id=1)
BOB = User(username="bob", email="bob@example.com", display_name="Bob", id=2)
USERS = {1: ALICE, 2: BOB}


def _event(**changes: object) -> Event:
    event = Event(
        calendar_id=1,
        author_id=1,
        summary="Review",
        starts_at=T0,
        ends_at=T0 + timedelta(hours=1),
        id=7,
        uid="review@example.com",
        key="Event0001",
        participants=[Participant(user_id=2)],
        created_at=T0,
        updated_at=T0,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def test_the_same_content_is_served_from_the_cache() -> None:
    codec = ICalendarCodec(cache_size=10)
    first = codec.calendar_object(_event(), [], users=USERS)
    again = codec.calendar_object(_event(), [], users=dict(USERS))  # equal content, other instances
    assert again is first


def test_any_change_of_the_event_or_of_a_person_named_gives_new_bytes() -> None:
    codec = ICalendarCodec(cache_size=10)
    before = codec.calendar_object(_event(), [], users=USERS)
    # The same revision and update stamp: only the content tells them apart.
    moved = codec.calendar_object(_event(summary="Review (moved)"), [], users=USERS)
    assert b"SUMMARY:Review (moved)" in moved and moved != before
    renamed = {**USERS, 2: replace(BOB, display_name="Robert", email="robert@example.com")}
    after_rename = codec.calendar_object(_event(), [], users=renamed)
    assert b"robert@example.com" in after_rename and b"bob@example.com" not in after_rename
    assert codec.calendar_object(_event(), [], users=USERS) is before


def test_the_cache_keeps_only_the_most_recently_used_objects() -> None:
    codec = ICalendarCodec(cache_size=2)
    one = codec.calendar_object(_event(id=1, uid="one"), [], users=USERS)
    codec.calendar_object(_event(id=2, uid="two"), [], users=USERS)
    codec.calendar_object(_event(id=3, uid="three"), [], users=USERS)
    again = codec.calendar_object(_event(id=1, uid="one"), [], users=USERS)
    assert again == one and again is not one  # evicted, serialized anew, the same bytes


def test_a_zero_size_turns_the_cache_off() -> None:
    codec = ICalendarCodec(cache_size=0)
    first = codec.calendar_object(_event(), [], users=USERS)
    assert codec.calendar_object(_event(), [], users=USERS) is not first
