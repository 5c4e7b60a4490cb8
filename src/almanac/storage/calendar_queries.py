"""SQL for "calendars related to this principal, by kind" — the mirror of ``domain.sharing.calendar_kind``.

Built from ``calendars.viewable_calendar_condition`` (itself the mirror of
``permissions.can_view_calendar``), which the caller passes in for the
principal *without* the administrator bypass, so the listing can never
disagree with the per-calendar checks; tests/contract holds the three together.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session

from almanac.domain.queries import PageRequest
from almanac.domain.sharing import KIND_ORDER, CalendarKind
from almanac.domain.users import Principal
from almanac.storage.tables import CalendarGroupRow, CalendarRow


def kind_condition(principal: Principal, kind: CalendarKind, viewable: ColumnElement[bool]) -> ColumnElement[bool]:
    """Calendars whose kind for ``principal`` is ``kind`` (UNDEFINED is never listed, so it matches nothing).

    ``viewable`` is ``viewable_calendar_condition`` of the principal with ``is_admin=False``.
    """
    has_groups = exists().where(CalendarGroupRow.calendar_id == CalendarRow.id)
    if kind is CalendarKind.PERSONAL:
        return (CalendarRow.owner_id == principal.user_id) & not_(has_groups)
    if kind is CalendarKind.GROUP:
        return has_groups & viewable
    if kind is CalendarKind.SHARED:
        not_owner = or_(CalendarRow.owner_id.is_(None), CalendarRow.owner_id != principal.user_id)
        return not_(has_groups) & not_owner & viewable
    return false()


def list_related(
    session: Session,
    principal: Principal,
    kinds: Collection[CalendarKind],
    page: PageRequest,
    *,
    viewable: ColumnElement[bool],
) -> tuple[Select[Any] | None, int]:
    """The page's query (None when no kind is wanted) and the total count of related calendars."""
    wanted = [k for k in KIND_ORDER if k in kinds]
    if not wanted:
        return None, 0
    conditions = {k: kind_condition(principal, k, viewable) for k in wanted}
    where = or_(*conditions.values())
    rank = case(*((condition, KIND_ORDER.index(k)) for k, condition in conditions.items()), else_=len(KIND_ORDER))
    items = (
        select(CalendarRow)
        .where(where)
        .order_by(rank, CalendarRow.name, CalendarRow.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    total = session.scalar(select(func.count()).select_from(CalendarRow).where(where)) or 0
    return items, total
