"""The reference rules of who may find and see whom (``domain.people``), which the SQL of ``storage.people``
mirrors (the authorization matrix holds the two together)."""

from __future__ import annotations

from almanac.domain.calendars import Calendar
from almanac.domain.people import SearchScope, are_related, is_found
from almanac.domain.users import Membership, Principal, User


def person(user_id: int, username: str, *groups: str, admin: bool = False) -> Principal:
    memberships = frozenset(Membership(g, "member") for g in groups)
    return Principal(
        user_id=user_id, username=username, email=f"{username}@x.org", is_admin=admin, memberships=memberships
    )


ALICE, BOB, CAROL, ROOT = (
    person(1, "alice", "/team"),
    person(2, "bob", "/team"),
    person(3, "carol"),
    person(9, "root", admin=True),
)


def test_related_by_a_group_a_shared_personal_calendar_in_either_direction_or_being_an_administrator() -> None:
    shared = Calendar(key="c", name="c", owner_id=ALICE.user_id, view_permissions=["carol"])
    assert are_related(ALICE, BOB, []) and not are_related(ALICE, CAROL, [])
    assert are_related(ALICE, CAROL, [shared]) and are_related(CAROL, ALICE, [shared])
    assert are_related(ROOT, CAROL, []) and not are_related(CAROL, ROOT, [])
    group = Calendar(key="g", name="g", owner_id=ALICE.user_id, groups=["/x"], view_permissions=["carol"])
    assert not are_related(CAROL, ALICE, [group]), "a group calendar relates its members, not its entries"


CAROL_USER = User(username="carol", email="Carol@x.org", display_name="Carol Jones", id=3)


def found(query: str, *, related: bool, scope: SearchScope = SearchScope.RELATED) -> bool:
    return is_found(CAROL_USER, query, scope=scope, min_length=2, related=related)


def test_a_search_finds_anyone_exactly_and_related_people_by_part_of_a_name() -> None:
    assert found("carol", related=False) and found("CAROL@X.ORG", related=False)
    assert not found("jones", related=False) and found("jones", related=True)
    assert not found("j", related=True), "shorter than the minimum: exact matches only"
    assert found("Ｊｏｎｅｓ", related=True), "full-width letters fold to ASCII"
    assert not found("jones", related=True, scope=SearchScope.EXACT)
    assert found("jones", related=False, scope=SearchScope.ALL)
