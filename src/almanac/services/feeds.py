"""Feed use cases: a user's feeds — list, create, read, rename or re-select, delete — and the items of one
feed for its RSS stream (spec §3.9, §5.8).

A feed is visible to its owner only (``domain.feeds.can_see_feed``; anyone
else: NotFoundError, as for a missing feed). The calendars it lists must each
be readable by the owner as a whole — viewable, or public (InvalidInputError
otherwise, without telling which of "unknown" and "unreadable" it is). Its
calendars are re-checked on every read, of the feed as of its RSS: a calendar
that became unreadable, or was deleted, drops out of both alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final, Literal

from almanac.domain.calendars import Calendar
from almanac.domain.errors import N_, ConflictError, InvalidInputError, NotFoundError, Problem
from almanac.domain.events import Event
from almanac.domain.feeds import MAX_FEED_CALENDARS, TITLE_RULE, Feed, can_see_feed, is_valid_feed_title
from almanac.domain.permissions import can_read_calendar
from almanac.domain.ports import UnitOfWork
from almanac.domain.queries import Page, PageRequest
from almanac.domain.tasks import Task
from almanac.domain.users import Principal, User
from almanac.services.context import ServiceContext
from almanac.services.events import UNSET, Unset

FEED_KIND: Final = N_("feed")
UNREADABLE_CALENDAR: Final = N_("calendarIds must name calendars you may read; %(id)s is not one")
TOO_MANY_CALENDARS: Final = N_("A feed may list at most %(limit)s calendars.")
DUPLICATE_TITLE: Final = N_("You already have a feed named %(name)s.")
# "No window": RSS lists items whatever their dates (spec §5.8.4).
_EARLIEST: Final = datetime(1, 1, 2, tzinfo=UTC)
_LATEST: Final = datetime(9999, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class FeedDraft:
    """What a caller sets on a feed: its title and the keys of the calendars it lists."""

    title: str | Unset = UNSET
    calendar_keys: Sequence[str] | Unset = UNSET


@dataclass(frozen=True)
class FeedView:
    """A feed with its calendars (those that still exist, in the feed's order)."""

    feed: Feed
    calendars: list[Calendar]


@dataclass(frozen=True)
class FeedItem:
    """One event or task of a feed's calendars, as an RSS item shows it."""

    kind: Literal["event", "task"]
    key: str
    uid: str
    summary: str
    description: str | None
    starts_at: datetime
    ends_at: datetime
    created_at: datetime | None
    updated_at: datetime | None
    author: User | None


@dataclass(frozen=True)
class FeedItems:
    view: FeedView
    items: list[FeedItem]


def list_feeds(ctx: ServiceContext, *, principal: Principal, page: PageRequest) -> Page[FeedView]:
    """The principal's feeds by title, paged, with the total."""
    with ctx.uow() as uow:
        found = uow.feeds.list_owned(principal.user_id, page)
        return Page(items=[_view(uow, principal, f) for f in found.items], total=found.total)


def create_feed(
    ctx: ServiceContext, *, principal: Principal, draft: FeedDraft, rejected: InvalidInputError | None = None
) -> FeedView:
    """Create a feed (not possible through eXo's API). Checks in order: ``rejected``, the title (required,
    InvalidInputError), the calendars (InvalidInputError), a feed of that title already (ConflictError)."""
    if rejected is not None:
        raise rejected
    if isinstance(draft.title, Unset):
        raise InvalidInputError([Problem("name", "name", TITLE_RULE)])
    with ctx.uow() as uow:
        now = ctx.clock.now()
        feed = Feed(owner_id=principal.user_id, title="", created_at=now, updated_at=now)
        _apply(uow, principal, feed, draft)
        if uow.feeds.get(principal.user_id, feed.title) is not None:
            raise ConflictError(DUPLICATE_TITLE, name=feed.title)
        view = _view(uow, principal, uow.feeds.add(feed))
        uow.commit()
        return view


def get_feed(ctx: ServiceContext, *, principal: Principal, title: str) -> FeedView:
    """The principal's feed of that title, else NotFoundError."""
    with ctx.uow() as uow:
        return _view(uow, principal, _owned(uow, principal, title))


def update_feed(
    ctx: ServiceContext,
    *,
    principal: Principal,
    title: str,
    draft: FeedDraft,
    rejected: InvalidInputError | None = None,
) -> FeedView:
    """Rename a feed and/or change its calendars (spec §5.8.2). Checks in order: unknown (NotFoundError),
    ``rejected``, title and calendars (InvalidInputError), another feed of the new title (ConflictError).
    What is not sent is kept (eXo deletes the feed when ``name`` is missing)."""
    with ctx.uow() as uow:
        stored = _owned(uow, principal, title)
        if rejected is not None:
            raise rejected
        feed = replace(stored, calendar_ids=list(stored.calendar_ids), updated_at=ctx.clock.now())
        _apply(uow, principal, feed, draft)
        if feed.title != stored.title and uow.feeds.get(principal.user_id, feed.title) is not None:
            raise ConflictError(DUPLICATE_TITLE, name=feed.title)
        view = _view(uow, principal, uow.feeds.update(feed))
        uow.commit()
        return view


def delete_feed(ctx: ServiceContext, *, principal: Principal, title: str) -> None:
    """Delete the principal's feed of that title; nothing happens when there is none (spec §5.8.3)."""
    with ctx.uow() as uow:
        feed = uow.feeds.get(principal.user_id, title)
        if feed is not None and feed.id is not None:
            uow.feeds.delete(feed.id)
            uow.commit()


def feed_items(ctx: ServiceContext, *, principal: Principal, title: str, limit: int) -> FeedItems:
    """The events and tasks of the feed's calendars the principal may read now (spec §5.8.4): the ``limit``
    items that start last, latest first (ties by summary, then id). Unknown feed → NotFoundError."""
    with ctx.uow() as uow:
        view = _view(uow, principal, _owned(uow, principal, title))
        readable = [c for c in view.calendars if c.id is not None]
        items: list[FeedItem] = []
        for calendar in readable:
            assert calendar.id is not None
            items.extend(_latest_events(uow, calendar.id, limit))
            items.extend(_latest_tasks(uow, calendar.id, limit))
        items.sort(key=lambda i: (i.summary.casefold(), i.key))
        items.sort(key=lambda i: i.starts_at, reverse=True)
        return FeedItems(view=view, items=items[:limit])


def _latest_events(uow: UnitOfWork, calendar_id: int, limit: int) -> list[FeedItem]:
    """The ``limit`` events of the calendar that start last: the listing is by start, so count, then skip."""

    def window(page: PageRequest) -> Page[Event]:
        return uow.events.list_in_calendar(
            calendar_id, starts_from=_EARLIEST, starts_until=_LATEST, category_key=None, participant_id=None, page=page
        )

    total = window(PageRequest(0, 0)).total
    events = window(PageRequest(max(0, total - limit), limit)).items
    authors = _users(uow, {e.author_id for e in events})
    return [
        FeedItem(
            kind="event",
            key=e.key,
            uid=e.uid,
            summary=e.summary,
            description=e.description,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            created_at=e.created_at,
            updated_at=e.updated_at,
            author=authors.get(e.author_id),
        )
        for e in events
    ]


def _latest_tasks(uow: UnitOfWork, calendar_id: int, limit: int) -> list[FeedItem]:
    """The ``limit`` tasks of the calendar that start last."""

    def window(page: PageRequest) -> Page[Task]:
        return uow.tasks.list_in_calendar(
            calendar_id, starts_from=_EARLIEST, starts_until=_LATEST, category_key=None, delegate_id=None, page=page
        )

    total = window(PageRequest(0, 0)).total
    tasks = window(PageRequest(max(0, total - limit), limit)).items
    authors = _users(uow, {t.author_id for t in tasks})
    return [
        FeedItem(
            kind="task",
            key=t.key,
            uid=t.uid,
            summary=t.summary,
            description=t.description,
            starts_at=t.starts_at,
            ends_at=t.due_at,
            created_at=t.created_at,
            updated_at=t.updated_at,
            author=authors.get(t.author_id),
        )
        for t in tasks
    ]


def _users(uow: UnitOfWork, user_ids: set[int]) -> dict[int, User]:
    return {u.id: u for u in uow.users.list_by_ids(sorted(user_ids)) if u.id is not None}


def _owned(uow: UnitOfWork, principal: Principal, title: str) -> Feed:
    feed = uow.feeds.get(principal.user_id, title)
    if feed is None or not can_see_feed(principal, feed):
        raise NotFoundError(kind=FEED_KIND, id=title)
    return feed


def _apply(uow: UnitOfWork, principal: Principal, feed: Feed, draft: FeedDraft) -> None:
    if not isinstance(draft.title, Unset):
        title = draft.title.strip()
        if not is_valid_feed_title(title):
            raise InvalidInputError([Problem("name", "name", TITLE_RULE)])
        feed.title = title
    if not isinstance(draft.calendar_keys, Unset):
        keys = list(dict.fromkeys(k.strip() for k in draft.calendar_keys if k.strip()))
        if len(keys) > MAX_FEED_CALENDARS:
            raise InvalidInputError(
                [Problem("calendarIds", "calendarIds", TOO_MANY_CALENDARS, {"limit": MAX_FEED_CALENDARS})]
            )
        ids: list[int] = []
        for key in keys:
            calendar = uow.calendars.get_by_key(key)
            if calendar is None or calendar.id is None or not can_read_calendar(principal, calendar):
                shown = key if len(key) <= 80 else key[:79] + "…"
                raise InvalidInputError([Problem("calendarIds", "calendarIds", UNREADABLE_CALENDAR, {"id": shown})])
            ids.append(calendar.id)
        feed.calendar_ids = ids


def _view(uow: UnitOfWork, principal: Principal, feed: Feed) -> FeedView:
    """The feed with the calendars its owner may read now: one deleted, or no longer shared with them, drops
    out alike (so the feed does not tell that a calendar unshared since still exists)."""
    found = {c.id: c for c in uow.calendars.list_by_ids(feed.calendar_ids) if can_read_calendar(principal, c)}
    return FeedView(feed=feed, calendars=[found[i] for i in feed.calendar_ids if i in found])
