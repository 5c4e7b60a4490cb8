"""Accounts: users, groups and memberships (the CLI's use cases)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from almanac.domain.calendars import default_calendar_for
from almanac.domain.errors import N_, ConflictError, InvalidInputError, NotFoundError, Problem, invalid
from almanac.domain.users import DEFAULT_MEMBERSHIP_TYPE, Group, Membership, User, normalize_email
from almanac.services.context import ServiceContext

# Usernames appear inside eXo permission entries ("/group/:john"), so the
# characters those use as separators ("/", ":", "*", ";", ",") are excluded.
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_GROUP_ID = re.compile(r"(/[A-Za-z0-9][A-Za-z0-9._-]{0,99})+")
_MEMBERSHIP_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")


def add_user(
    ctx: ServiceContext,
    *,
    username: str,
    email: str,
    display_name: str | None = None,
    password: str | None = None,
    group_ids: Sequence[str] = (),
    is_admin: bool = False,
    tzid: str = "UTC",
    locale: str = "en",
) -> User:
    """Create a user with their default personal calendar, in their groups.

    ``email`` must already be a syntactically valid address (the face checks
    syntax); it must be unique case-insensitively. Raises InvalidInputError,
    ConflictError (duplicate username or email), NotFoundError (unknown group).
    """
    if not _USERNAME.fullmatch(username):
        raise invalid(
            "username",
            "invalid_username",
            N_(
                "The username %(username)s is invalid: use 1 to 100 letters, digits, '.', '_', '-' or '@', "
                "starting with a letter or digit."
            ),
            username=username,
        )
    with ctx.uow() as uow:
        if uow.users.get_by_username(username) is not None:
            raise ConflictError(N_("The username %(username)s is already taken."), username=username)
        if uow.users.get_by_email(email) is not None:
            raise ConflictError(N_("The email address %(email)s is already in use."), email=email)
        for group_id in group_ids:
            if uow.groups.get(group_id) is None:
                raise NotFoundError(kind="group", id=group_id)
        user = uow.users.add(
            User(
                username=username,
                email=email.strip(),
                display_name=display_name or username,
                password_hash=ctx.passwords.hash(password) if password else None,
                is_admin=is_admin,
                tzid=tzid,
                locale=locale,
                created_at=ctx.clock.now(),
            )
        )
        assert user.id is not None  # the repository assigns ids on add
        for group_id in dict.fromkeys(group_ids):
            uow.groups.add_membership(user.id, Membership(group_id, DEFAULT_MEMBERSHIP_TYPE))
        calendar = default_calendar_for(user.id, username, user.display_name, tzid)
        calendar.created_at = calendar.updated_at = ctx.clock.now()
        uow.calendars.add(calendar)
        uow.commit()
        return user


def add_group(ctx: ServiceContext, *, group_id: str, name: str | None = None) -> Group:
    """Create a group identified by an eXo-style path such as ``/platform/users``."""
    if not _GROUP_ID.fullmatch(group_id):
        raise invalid(
            "group_id",
            "invalid_group_id",
            N_("The group id %(group_id)s is invalid: use a path such as /platform/users."),
            group_id=group_id,
        )
    with ctx.uow() as uow:
        if uow.groups.get(group_id) is not None:
            raise ConflictError(N_("The group %(group_id)s already exists."), group_id=group_id)
        group = uow.groups.add(Group(group_id=group_id, name=name or group_id.rsplit("/", 1)[-1]))
        uow.commit()
        return group


def add_membership(
    ctx: ServiceContext, *, group_id: str, username: str, membership_type: str = DEFAULT_MEMBERSHIP_TYPE
) -> Membership:
    """Put a user in a group with an eXo membership type (``member``, ``manager``, ...)."""
    if not _MEMBERSHIP_TYPE.fullmatch(membership_type):
        raise invalid(
            "membership_type",
            "invalid_membership_type",
            N_("The membership type %(type)s is invalid."),
            type=membership_type,
        )
    with ctx.uow() as uow:
        if uow.groups.get(group_id) is None:
            raise NotFoundError(kind="group", id=group_id)
        user = uow.users.get_by_username(username)
        if user is None or user.id is None:
            raise NotFoundError(kind="user", id=username)
        membership = Membership(group_id, membership_type)
        if membership in uow.users.memberships_of(user.id):
            raise ConflictError(
                N_("%(username)s is already in %(group_id)s as %(type)s."),
                username=username,
                group_id=group_id,
                type=membership_type,
            )
        uow.groups.add_membership(user.id, membership)
        uow.commit()
        return membership


def resolve_emails(users: list[User], emails: Sequence[str], *, field_name: str) -> list[User]:
    """Map addresses to users, case-insensitively, dropping duplicates and keeping first-seen order.

    ``users`` are the candidates the repository found; every address without
    one is reported, each naming the address.
    """
    by_key = {u.email_key: u for u in users}
    resolved: dict[str, User] = {}
    problems: list[Problem] = []
    for email in emails:
        key = normalize_email(email)
        if key in resolved:
            continue
        user = by_key.get(key)
        if user is None:
            problems.append(
                Problem(field_name, "unknown_user", N_("No user has the email address %(email)s."), {"email": email})
            )
            continue
        resolved[key] = user
    if problems:
        raise InvalidInputError(problems)
    return list(resolved.values())
