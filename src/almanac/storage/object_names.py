"""What a CalDAV resource name says about UIDs: an object without a name of its own is ``<uid>.ics``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session


def name_or_uid_held(
    session: Session,
    columns: tuple[InstrumentedAttribute[int], InstrumentedAttribute[Any], InstrumentedAttribute[str]],
    calendar_id: int,
    name: str,
    uid: str,
) -> bool:
    """Whether a row of one kind of object (its calendar, name and UID ``columns``) in the calendar is named
    ``name`` or holds a UID a PUT of ``uid`` to ``name`` may collide with: ``uid`` itself, and for a name
    ``<x>.ics`` the UID ``x`` of an object named so by default. One statement, two EXISTS on their keys."""
    calendar_column, name_column, uid_column = columns
    uids = sorted({uid, name.removesuffix(".ics")} if name.endswith(".ics") else {uid})
    in_calendar = calendar_column == calendar_id
    named = exists().where(in_calendar, name_column == name)
    holding = exists().where(in_calendar, uid_column.in_(uids))
    return bool(session.scalar(select(or_(named, holding))))
