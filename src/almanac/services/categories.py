"""Category use cases: a user's categories and one of them (spec §5.7).

Built-in categories are derived (``domain.categories``); their
``updated_at`` is the account's creation, when eXo would have provisioned them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from almanac.domain.categories import BUILT_IN_CATEGORIES, Category, find_category
from almanac.domain.errors import NotFoundError
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext


def list_categories(ctx: ServiceContext, *, principal: Principal) -> list[Category]:
    """Every category of the principal, in eXo's order (All first)."""
    created = _account_created(ctx, principal)
    return [replace(c, updated_at=created) for c in BUILT_IN_CATEGORIES]


def get_category(ctx: ServiceContext, *, principal: Principal, category_key: str) -> Category:
    """One of the principal's categories by id, else NotFoundError."""
    category = find_category(category_key)
    if category is None:
        raise NotFoundError(kind="category", id=category_key)
    return replace(category, updated_at=_account_created(ctx, principal))


def _account_created(ctx: ServiceContext, principal: Principal) -> datetime | None:
    with ctx.uow() as uow:
        user = uow.users.get(principal.user_id)
        return user.created_at if user is not None else None
