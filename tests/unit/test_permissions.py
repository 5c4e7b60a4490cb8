"""The permission model: eXo's four entry forms, and who may view and edit a calendar."""

from __future__ import annotations

import pytest

from almanac.domain.calendars import Calendar
from almanac.domain.events import Event, Participant
from almanac.domain.permissions import (
    EntryKind,
    can_edit_calendar,
    can_edit_event,
    can_read_event,
    can_view_calendar,
    may_be_told_about,
    parse_entry,
)
from almanac.domain.users import Membership, Principal
from tests.contract.test_event_store import T0


def person(user_id: int, username: str, *memberships: tuple[str, str], admin: bool = False) -> Principal:
    return Principal(
        user_id=user_id,
        username=username,
        email=f"{username}@example.com",
        is_admin=admin,
        memberships=frozenset(Membership(g, t) for g, t in memberships),
    )


@pytest.mark.parametrize(
    ("raw", "kind", "username", "group", "membership"),
    [
        ("john", EntryKind.USER, "john", None, None),
        ("/platform/users/:john", EntryKind.USER, "john", None, None),
        ("/platform/users/:*.*", EntryKind.GROUP, None, "/platform/users", None),
        ("/support/:*.manager", EntryKind.MEMBERSHIP, None, "/support", "manager"),
        ("*.*", EntryKind.USER, "*.*", None, None),
        ("  mary ", EntryKind.USER, "mary", None, None),
    ],
)
def test_entries_parse_as_the_spec_says(
    raw: str, kind: EntryKind, username: str | None, group: str | None, membership: str | None
) -> None:
    entry = parse_entry(raw)
    assert (entry.kind, entry.username, entry.group_id, entry.membership_type) == (kind, username, group, membership)


OWNER = person(1, "owner")
MEMBER = person(2, "member", ("/platform/users", "member"))
MANAGER = person(3, "manager", ("/support", "member"), ("/support", "manager"))
STRANGER = person(4, "stranger")
ADMIN = person(5, "root", admin=True)


def calendar(**fields: object) -> Calendar:
    return Calendar(key="k", name="n", owner_id=OWNER.user_id, **fields)  # type: ignore[arg-type]


def test_owner_views_and_edits_a_personal_calendar_others_do_not() -> None:
    personal = calendar()
    assert can_view_calendar(OWNER, personal) and can_edit_calendar(OWNER, personal)
    assert not can_view_calendar(STRANGER, personal) and not can_edit_calendar(STRANGER, personal)
    assert can_view_calendar(ADMIN, personal) and can_edit_calendar(ADMIN, personal)


def test_group_calendars_are_seen_by_members_and_edited_only_through_edit_entries() -> None:
    group = calendar(groups=["/platform/users"], edit_permissions=["/support/:*.manager"])
    assert can_view_calendar(MEMBER, group) and not can_edit_calendar(MEMBER, group)
    assert not can_edit_calendar(OWNER, group)  # owning a group calendar grants nothing by itself
    assert can_edit_calendar(MANAGER, group) and can_view_calendar(MANAGER, group)  # edit implies view


def test_every_entry_is_examined_not_only_the_first_group_entry() -> None:
    shared = calendar(view_permissions=["/platform/users/:*.*", "/support/:*.manager"])
    assert can_view_calendar(MANAGER, shared)
    assert not can_view_calendar(person(6, "plain", ("/support", "member")), shared)


def test_events_are_read_by_viewers_participants_and_everyone_when_public() -> None:
    personal = calendar()
    event = Event(calendar_id=1, author_id=1, summary="s", starts_at=T0, ends_at=T0, participants=[Participant(4)])
    assert can_read_event(STRANGER, personal, event)  # participant
    assert not can_edit_event(STRANGER, personal, event)
    assert not can_read_event(
        MEMBER, personal, Event(calendar_id=1, author_id=1, summary="s", starts_at=T0, ends_at=T0)
    )
    public = calendar(public_url="/feed")
    assert can_read_event(MEMBER, public, event) and not can_edit_event(MEMBER, public, event)


def test_a_message_about_an_event_goes_to_whom_may_read_it_when_it_is_sent() -> None:
    personal = calendar(view_permissions=["member"])
    event = Event(calendar_id=1, author_id=1, summary="s", starts_at=T0, ends_at=T0, participants=[Participant(4)])
    assert may_be_told_about(MEMBER, personal, event) and may_be_told_about(STRANGER, personal, event)
    assert not may_be_told_about(MANAGER, personal, event)
    unshared = calendar()
    assert not may_be_told_about(MEMBER, unshared, event), "sharing withdrawn since the message was made"
    # The event deleted since: its last calendar's readers, or who took part as the message says.
    assert may_be_told_about(MEMBER, personal, None) and not may_be_told_about(MEMBER, unshared, None)
    assert may_be_told_about(STRANGER, unshared, None, took_part=True)
    assert not may_be_told_about(STRANGER, unshared, None)
    # Its calendar gone too: administrators only.
    assert may_be_told_about(ADMIN, None, None) and not may_be_told_about(OWNER, None, None)
