"""Reading a bearer token's holder in one read: the token, its user and the user's memberships."""

from __future__ import annotations

from datetime import UTC, datetime

from almanac.bootstrap import Container
from almanac.domain.tokens import Token, TokenKind, hash_secret
from almanac.domain.users import Group, Membership, User

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _user_with_token(container: Container, username: str, memberships: list[Membership]) -> int:
    with container.services.uow() as uow:
        user = uow.users.add(
            User(username=username, email=f"{username}@example.com", display_name=username.title(), created_at=NOW)
        )
        assert user.id is not None
        for membership in memberships:
            if uow.groups.get(membership.group_id) is None:
                uow.groups.add(Group(group_id=membership.group_id, name=membership.group_id))
            uow.groups.add_membership(user.id, membership)
        uow.tokens.add(
            Token(
                user_id=user.id,
                kind=TokenKind.API,
                token_hash=hash_secret(f"secret-of-{username}"),
                family=f"family-{username}",
                created_at=NOW,
                expires_at=None,
            )
        )
        uow.commit()
        return user.id


def test_the_holder_carries_the_token_the_user_and_every_membership_in_order(container: Container) -> None:
    memberships = [Membership("/team/b", "member"), Membership("/team/a", "manager"), Membership("/team/a", "member")]
    user_id = _user_with_token(container, "ada", memberships)
    _user_with_token(container, "bob", [Membership("/team/a", "member")])

    with container.services.uow(read_only=True) as uow:
        holder = uow.tokens.find_holder(hash_secret("secret-of-ada"))

    assert holder is not None
    assert holder.token.user_id == user_id
    assert holder.token.kind is TokenKind.API
    assert holder.token.family == "family-ada"
    assert holder.token.created_at == NOW and holder.token.expires_at is None and holder.token.revoked_at is None
    assert (holder.user.id, holder.user.username, holder.user.email) == (user_id, "ada", "ada@example.com")
    assert holder.user.created_at == NOW
    assert holder.memberships == (
        Membership("/team/a", "manager"),
        Membership("/team/a", "member"),
        Membership("/team/b", "member"),
    )


def test_a_holder_without_memberships_has_none(container: Container) -> None:
    _user_with_token(container, "cy", [])
    with container.services.uow(read_only=True) as uow:
        holder = uow.tokens.find_holder(hash_secret("secret-of-cy"))
    assert holder is not None
    assert holder.user.username == "cy"
    assert holder.memberships == ()


def test_an_unknown_hash_has_no_holder(container: Container) -> None:
    _user_with_token(container, "dee", [])
    with container.services.uow(read_only=True) as uow:
        assert uow.tokens.find_holder(hash_secret("nobody's secret")) is None
