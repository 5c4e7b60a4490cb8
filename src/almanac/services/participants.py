"""Participant suggestions: the users a caller may find to invite (``domain.people``, setting
``ALMANAC_PARTICIPANT_SEARCH``), by name, username or email address."""

from __future__ import annotations

from almanac.domain.queries import Page, PageRequest
from almanac.domain.users import Principal, User
from almanac.services.context import ServiceContext


def suggest_participants(ctx: ServiceContext, *, principal: Principal, text: str, page: PageRequest) -> Page[User]:
    """Users matching ``text`` that the caller may find (``SearchScope`` of ``ctx.people``): exact username or
    address matches first, then by name; paged, with the total. A substring search needs at least
    ``ctx.people.min_length`` characters (case, width and accents of letters as NFKC case folding treats them)."""
    with ctx.uow() as uow:
        return uow.people.search(principal, text, scope=ctx.people.search, min_length=ctx.people.min_length, page=page)
