"""The people repository: participant suggestions, who is related to whom, and the free/busy event query.

"Related" (``domain.people``) in SQL: the same user; a shared group; a personal
calendar of theirs that the principal may view (``viewable_calendar_condition``,
the SQL mirror of ``can_view_calendar``); or a personal calendar of the
principal's that one of its permission entries opens to them. Administrators
are related to everyone. Every query uses bound parameters only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from almanac.domain.events import Availability, Event
from almanac.domain.invitations import InvitationStatus
from almanac.domain.people import SearchScope, fold
from almanac.domain.permissions import EntryKind
from almanac.domain.queries import Page, PageRequest
from almanac.domain.users import Principal, User, normalize_email
from almanac.storage.accounts import user_from_row
from almanac.storage.calendars import viewable_calendar_condition
from almanac.storage.event_rows import EVENT_COLUMNS, events_of_rows
from almanac.storage.events import reaching_window_condition
from almanac.storage.tables import (
    CalendarGrantRow,
    CalendarGroupRow,
    CalendarRow,
    EventParticipantRow,
    EventRow,
    MembershipRow,
    UserRow,
)
from almanac.storage.text_search import escape_like


def _is_personal() -> ColumnElement[bool]:
    return not_(exists().where(CalendarGroupRow.calendar_id == CalendarRow.id))


def related_condition(principal: Principal) -> ColumnElement[bool]:
    """Users related to the principal (see the module docstring)."""
    if principal.is_admin:
        return true()
    me = principal.user_id
    conditions: list[ColumnElement[bool]] = [UserRow.id == me]
    group_ids = sorted(principal.group_ids)
    if group_ids:
        conditions.append(exists().where(MembershipRow.user_id == UserRow.id, MembershipRow.group_id.in_(group_ids)))
    # A personal calendar of theirs is open to me.
    viewable = viewable_calendar_condition(replace(principal, is_admin=False))
    conditions.append(exists().where(CalendarRow.owner_id == UserRow.id, _is_personal(), viewable))
    # A personal calendar of mine is open to them: one of its entries admits them.
    member = aliased(MembershipRow)
    admits_them = or_(
        and_(CalendarGrantRow.kind == EntryKind.USER.value, CalendarGrantRow.username == UserRow.username),
        and_(
            CalendarGrantRow.kind == EntryKind.GROUP.value,
            exists().where(member.user_id == UserRow.id, member.group_id == CalendarGrantRow.group_id),
        ),
        and_(
            CalendarGrantRow.kind == EntryKind.MEMBERSHIP.value,
            exists().where(
                member.user_id == UserRow.id,
                member.group_id == CalendarGrantRow.group_id,
                member.membership_type == CalendarGrantRow.membership_type,
            ),
        ),
    )
    conditions.append(
        exists().where(
            CalendarGrantRow.calendar_id == CalendarRow.id, CalendarRow.owner_id == me, _is_personal(), admits_them
        )
    )
    return or_(*conditions)


def _contains(text: str) -> ColumnElement[bool]:
    return UserRow.search_folded.like(f"%{escape_like(text)}%", escape="\\")


class SqlPeopleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def search(
        self, principal: Principal, text: str, *, scope: SearchScope, min_length: int, page: PageRequest
    ) -> Page[User]:
        query = text.strip()
        folded = fold(query)
        exact: ColumnElement[bool] = (
            or_(UserRow.username == query, UserRow.email_key == normalize_email(query)) if query else false()
        )
        where = exact
        if scope is not SearchScope.EXACT and len(folded) >= min_length:
            matches = _contains(folded)
            if scope is SearchScope.RELATED:
                matches = and_(matches, related_condition(principal))
            where = or_(exact, matches)
        rank = case((exact, 0), else_=1)
        rows = self._session.scalars(
            select(UserRow)
            .where(where)
            .order_by(rank, UserRow.search_folded, UserRow.id)
            .offset(page.offset)
            .limit(page.limit)
        ).all()
        total = page.total_shown(len(rows))
        if total is None:
            total = self._session.scalar(select(func.count()).select_from(UserRow).where(where)) or 0
        return Page(items=[user_from_row(r) for r in rows], total=total)

    def related_ids(self, principal: Principal, user_ids: Collection[int]) -> set[int]:
        if not user_ids:
            return set()
        found = self._session.scalars(
            select(UserRow.id).where(UserRow.id.in_(sorted(user_ids)), related_condition(principal))
        )
        return set(found)

    def busy_events(
        self, user_ids: Collection[int], *, overlap_from: datetime, overlap_until: datetime
    ) -> list[tuple[int, Event]]:
        if not user_ids:
            return []
        ids = sorted(user_ids)
        # Events that can reach the window: multi-day events that start before it count, and so do
        # series whose span reaches it (their occurrences are expanded by the caller).
        busy = and_(
            reaching_window_condition(overlap_from, overlap_until),
            EventRow.availability != Availability.AVAILABLE.value,
        )
        declined = InvitationStatus.NO.value
        taking_part = (
            select(EventParticipantRow.user_id, *EVENT_COLUMNS)
            .join(EventRow, EventRow.id == EventParticipantRow.event_id)
            .where(EventParticipantRow.user_id.in_(ids), EventParticipantRow.status != declined, busy)
        )
        owner_declined = exists().where(
            EventParticipantRow.event_id == EventRow.id,
            EventParticipantRow.user_id == CalendarRow.owner_id,
            EventParticipantRow.status == declined,
        )
        owning = (
            select(CalendarRow.owner_id.label("user_id"), *EVENT_COLUMNS)
            .join(CalendarRow, CalendarRow.id == EventRow.calendar_id)
            .where(CalendarRow.owner_id.in_(ids), _is_personal(), not_(owner_declined), busy)
        )
        found: dict[tuple[int, int], Any] = {}
        for statement in (taking_part, owning):
            for row in self._session.execute(statement):
                if row.user_id is not None:
                    found.setdefault((row.user_id, row.id), row)
        rows = list(found.values())
        return sorted(
            ((row.user_id, event) for row, event in zip(rows, events_of_rows(self._session, rows), strict=True)),
            key=lambda pair: (pair[0], pair[1].starts_at, pair[1].id or 0),
        )
