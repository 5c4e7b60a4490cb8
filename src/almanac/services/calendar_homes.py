"""What a CalDAV principal and calendar home hold: the user, and every calendar they see.

A user's home lists the calendars the REST faces list for them — their own,
their groups' and those shared with them — with the same kinds, so rights are
decided by ``domain.permissions`` exactly as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from almanac.domain.errors import NotFoundError
from almanac.domain.queries import PageRequest
from almanac.domain.sharing import KIND_ORDER
from almanac.domain.users import Principal, User
from almanac.services.calendars import CalendarView, list_calendars
from almanac.services.context import ServiceContext

#: The most calendars one home lists (a guard-rail far above any real user's count).
HOME_MAX_CALENDARS: Final = 10_000


@dataclass(frozen=True)
class CalendarHome:
    """A principal's user record and the calendars of their home, personal first, then group, then shared."""

    user: User
    calendars: list[CalendarView]


def get_principal_user(ctx: ServiceContext, *, principal: Principal, username: str) -> User:
    """The user behind a principal resource; only one's own (NotFoundError otherwise, revealing nothing)."""
    with ctx.uow(read_only=True) as uow:
        user = uow.users.get(principal.user_id)
        if user is None or user.username != username:
            raise NotFoundError(kind="user", id=username)
        return user


def get_home(ctx: ServiceContext, *, principal: Principal, username: str) -> CalendarHome:
    """The principal's calendar home: NotFoundError for anyone else's."""
    user = get_principal_user(ctx, principal=principal, username=username)
    page = list_calendars(
        ctx, principal=principal, kinds=KIND_ORDER, page=PageRequest(offset=0, limit=HOME_MAX_CALENDARS)
    )
    return CalendarHome(user=user, calendars=page.items)
