"""The SQL visibility rules agree with the domain predicates, on every backend.

A matrix of users (owner, plain member, member with a membership type, sharees
by user, group and membership, administrator, stranger) × calendars (personal,
shared in each of the four entry forms, group calendars with and without
entries, public): ``viewable_calendar_condition`` must select exactly the
calendars ``can_view_calendar`` admits, and ``list_related`` exactly those
whose ``calendar_kind`` is the kind asked for.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from almanac.bootstrap import Container
from almanac.domain.calendars import Calendar, new_calendar_key
from almanac.domain.permissions import can_view_calendar
from almanac.domain.queries import PageRequest
from almanac.domain.sharing import KIND_ORDER, CalendarKind, calendar_kind
from almanac.domain.users import Principal
from almanac.services import accounts
from almanac.services.auth import principal_of
from almanac.storage.calendars import viewable_calendar_condition
from almanac.storage.tables import CalendarRow

USERS = {
    "owner": (),
    "member": (("/team", "member"),),
    "manager": (("/team", "manager"), ("/ops", "member")),
    "sharee": (),
    "grouped": (("/sharing", "member"),),
    "typed": (("/sharing", "lead"),),
    "admin": (),
    "stranger": (("/elsewhere", "member"),),
}

CALENDARS: dict[str, dict[str, object]] = {
    "personal": {},
    "by_user": {"view_permissions": ["sharee"]},
    "by_user_in_group_form": {"view_permissions": ["/sharing/:sharee"]},
    "by_group": {"view_permissions": ["/sharing/:*.*"]},
    "by_membership": {"edit_permissions": ["/sharing/:*.lead"]},
    "by_any_membership": {"view_permissions": ["/ops/:*.*", "/sharing/:*.lead"]},
    "group": {"groups": ["/team"]},
    "group_with_entries": {
        "groups": ["/ops"],
        "view_permissions": ["sharee"],
        "edit_permissions": ["/team/:*.manager"],
    },
    "public": {"public_url": "/pub/x"},
}


@pytest.fixture
def principals(container: Container) -> dict[str, Principal]:
    for group_id in ("/team", "/ops", "/sharing", "/elsewhere"):
        accounts.add_group(container.services, group_id=group_id)
    found = {}
    for username, memberships in USERS.items():
        accounts.add_user(
            container.services, username=username, email=f"{username}@example.com", is_admin=username == "admin"
        )
        for group_id, membership_type in memberships:
            accounts.add_membership(
                container.services, group_id=group_id, username=username, membership_type=membership_type
            )
        with container.services.uow() as uow:
            user = uow.users.get_by_username(username)
            assert user is not None
            found[username] = principal_of(uow, user)
    return found


@pytest.fixture
def calendars(container: Container, principals: dict[str, Principal]) -> dict[str, Calendar]:
    owner = principals["owner"].user_id
    now = container.services.clock.now()
    stored = {}
    with container.services.uow() as uow:
        for name, fields in CALENDARS.items():
            calendar = Calendar(key=new_calendar_key(), name=name, owner_id=owner, created_at=now, updated_at=now)
            for attribute, value in fields.items():
                setattr(calendar, attribute, value)
            stored[name] = uow.calendars.add(calendar)
        uow.commit()
    return stored


@pytest.mark.parametrize("username", sorted(USERS))
def test_sql_visibility_matches_can_view_calendar(
    container: Container, principals: dict[str, Principal], calendars: dict[str, Calendar], username: str
) -> None:
    principal = principals[username]
    with Session(container.engine) as session:
        keys = set(session.scalars(select(CalendarRow.key).where(viewable_calendar_condition(principal))))
    expected = {c.key for c in calendars.values() if can_view_calendar(principal, c)}
    # Default calendars exist too; compare on the matrix's calendars only.
    assert keys & {c.key for c in calendars.values()} == expected
    assert (username == "stranger") == (not expected), "the matrix exercises every user"


@pytest.mark.parametrize("kind", KIND_ORDER)
@pytest.mark.parametrize("username", sorted(USERS))
def test_sql_kinds_match_calendar_kind(
    container: Container,
    principals: dict[str, Principal],
    calendars: dict[str, Calendar],
    username: str,
    kind: CalendarKind,
) -> None:
    principal = principals[username]
    with container.services.uow() as uow:
        listed = uow.calendars.list_related(principal, [kind], PageRequest(0, 100)).items
        every = uow.calendars.list_related(principal, KIND_ORDER, PageRequest(0, 100)).items
    in_matrix = {c.key for c in calendars.values()}
    expected = {c.key for c in calendars.values() if calendar_kind(principal, c) is kind}
    assert {c.key for c in listed} & in_matrix == expected
    # Listing every kind is ordered by kind, and is never more than what the principal may view.
    ranks = [KIND_ORDER.index(calendar_kind(principal, c)) for c in every]
    assert ranks == sorted(ranks)
    assert all(can_view_calendar(principal, c) for c in every)
