"""SQL for the eXo event queries: one calendar's events in a start window, and which calendars are a user's own.

Bound parameters only (eXo concatenates ids and category names into
its store queries, spec §8 item 39). Ordering: by start, then summary, then
id (spec §9's recommendation; eXo's intended subject order is unreliable).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, not_, select
from sqlalchemy.orm import Session

from almanac.domain.events import Event
from almanac.domain.queries import PageRequest
from almanac.domain.users import Principal
from almanac.storage.event_rows import load_events, select_events
from almanac.storage.tables import CalendarGroupRow, CalendarRow, EventParticipantRow, EventRow

_ORDER = (EventRow.starts_at, EventRow.summary_folded, EventRow.id)


def _page(session: Session, where: ColumnElement[bool], page: PageRequest) -> tuple[list[Event], int]:
    items = load_events(session, select_events().where(where).order_by(*_ORDER).offset(page.offset).limit(page.limit))
    total = page.total_shown(len(items))
    if total is None:
        total = session.scalar(select(func.count()).select_from(EventRow).where(where)) or 0
    return items, total


def list_in_calendar(
    session: Session,
    calendar_id: int,
    *,
    starts_from: datetime,
    starts_until: datetime,
    category_key: str | None,
    participant_id: int | None,
    page: PageRequest,
) -> tuple[list[Event], int]:
    conditions: list[ColumnElement[bool]] = [
        EventRow.calendar_id == calendar_id,
        EventRow.starts_at >= starts_from,
        EventRow.starts_at <= starts_until,
    ]
    if category_key is not None:
        conditions.append(EventRow.category_key == category_key)
    if participant_id is not None:
        conditions.append(
            exists().where(EventParticipantRow.event_id == EventRow.id, EventParticipantRow.user_id == participant_id)
        )
    return _page(session, and_(*conditions), page)


def own_calendar_condition(principal: Principal) -> ColumnElement[bool]:
    """The scope of ``GET /events`` (spec §5.3.1): own personal calendars and the group calendars of one's groups."""
    has_groups = exists().where(CalendarGroupRow.calendar_id == CalendarRow.id)
    personal = (CalendarRow.owner_id == principal.user_id) & not_(has_groups)
    group_ids = sorted(principal.group_ids)
    if not group_ids:
        return personal
    of_my_groups = exists().where(
        CalendarGroupRow.calendar_id == CalendarRow.id, CalendarGroupRow.group_id.in_(group_ids)
    )
    return personal | of_my_groups
