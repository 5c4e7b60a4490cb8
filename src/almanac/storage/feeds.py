"""The feed repository: a user's feeds and the calendars each lists, in order."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from almanac.domain.feeds import Feed
from almanac.domain.queries import Page, PageRequest
from almanac.storage.tables import FeedCalendarRow, FeedRow


def _feed(row: FeedRow) -> Feed:
    return Feed(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        calendar_ids=[c.calendar_id for c in row.calendars],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _fill(row: FeedRow, feed: Feed) -> None:
    row.owner_id = feed.owner_id
    row.title = feed.title
    if feed.created_at is not None:
        row.created_at = feed.created_at
    if feed.updated_at is not None:
        row.updated_at = feed.updated_at
    row.calendars = [
        FeedCalendarRow(calendar_id=calendar_id, position=i)
        for i, calendar_id in enumerate(dict.fromkeys(feed.calendar_ids))
    ]


class SqlFeedRepository:
    """Implements ``almanac.domain.ports.FeedRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, feed: Feed) -> Feed:
        row = FeedRow()
        _fill(row, feed)
        self._session.add(row)
        self._session.flush()
        return _feed(row)

    def get(self, owner_id: int, title: str) -> Feed | None:
        row = self._session.scalar(select(FeedRow).where(FeedRow.owner_id == owner_id, FeedRow.title == title))
        return _feed(row) if row else None

    def list_owned(self, owner_id: int, page: PageRequest) -> Page[Feed]:
        where = FeedRow.owner_id == owner_id
        rows = self._session.scalars(
            select(FeedRow).where(where).order_by(FeedRow.title, FeedRow.id).offset(page.offset).limit(page.limit)
        ).all()
        total = page.total_shown(len(rows))
        if total is None:
            total = self._session.scalar(select(func.count()).select_from(FeedRow).where(where)) or 0
        return Page(items=[_feed(r) for r in rows], total=total)

    def update(self, feed: Feed) -> Feed:
        row = self._session.get(FeedRow, feed.id)
        if row is None:
            raise LookupError(f"feed {feed.id} vanished during its unit of work")
        # Replacing the calendar rows of the same primary keys needs the old ones gone first.
        row.calendars = []
        self._session.flush()
        _fill(row, feed)
        self._session.flush()
        return _feed(row)

    def delete(self, feed_id: int) -> None:
        row = self._session.get(FeedRow, feed_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()
