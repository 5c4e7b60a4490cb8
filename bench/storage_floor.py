"""The storage floor: the bare SQL each endpoint needs, run in-process with SQLAlchemy Core.

Each floor does what the endpoint must do against the store and nothing else:
resolve the bearer token to a user and memberships, apply the same filters and
the same permission rule (calendars the user may view, or events they take part
in), fetch the page with its author, participants and reminders, and count the
matches — written by hand with Core (no ORM objects, no services, no HTTP, no
JSON). It runs on the same engine settings as the server
(``almanac.storage.engine.build_engine``), one call at a time, so Almanac's
latency divided by this figure is the cost of everything above the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    and_,
    exists,
    func,
    insert,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.orm import Session

from almanac.domain.tokens import hash_secret
from almanac.storage.events import span_class
from almanac.storage.tables import (
    CalendarGrantRow,
    CalendarGroupRow,
    CalendarRow,
    EventParticipantRow,
    EventReminderRow,
    EventRow,
    MembershipRow,
    TokenRow,
    UserRow,
)
from almanac.storage.text_search import TrigramTable
from bench.dataset import EMAIL_DOMAIN, SEARCH_WORDS, week_window

if TYPE_CHECKING:
    from bench.scenarios import World

#: One operation of a floor, given its sequence number; returns how many rows it read or wrote.
FloorOp = Callable[[int], int]
FloorFor = Callable[["World", Engine], FloorOp]


def _t(row: type[Any]) -> Table:
    table: Table = row.__table__
    return table


users = _t(UserRow)
tokens = _t(TokenRow)
memberships = _t(MembershipRow)
calendars = _t(CalendarRow)
calendar_groups = _t(CalendarGroupRow)
grants = _t(CalendarGrantRow)
events = _t(EventRow)
participants = _t(EventParticipantRow)
reminders = _t(EventReminderRow)


class _Principal:
    def __init__(self, user_id: int, username: str, held: Sequence[tuple[str, str]]) -> None:
        self.user_id = user_id
        self.username = username
        self.memberships = list(held)
        self.group_ids = sorted({g for g, _ in held})


def _principal(connection: Connection, secret: str) -> _Principal:
    user = connection.execute(
        select(users.c.id, users.c.username)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_hash == hash_secret(secret), tokens.c.revoked_at.is_(None))
    ).one()
    held = connection.execute(
        select(memberships.c.group_id, memberships.c.membership_type).where(memberships.c.user_id == user.id)
    ).all()
    return _Principal(user.id, user.username, [(g, t) for g, t in held])


def _viewable_calendars(who: _Principal) -> Select[Any]:
    grant_matches: list[ColumnElement[bool]] = [and_(grants.c.kind == "user", grants.c.username == who.username)]
    if who.group_ids:
        grant_matches.append(and_(grants.c.kind == "group", grants.c.group_id.in_(who.group_ids)))
    grant_matches.extend(
        and_(grants.c.kind == "membership", grants.c.group_id == g, grants.c.membership_type == t)
        for g, t in who.memberships
    )
    return (
        union(
            select(calendars.c.id).where(calendars.c.owner_id == who.user_id),
            select(calendar_groups.c.calendar_id).where(calendar_groups.c.group_id.in_(who.group_ids)),
            select(grants.c.calendar_id).where(or_(*grant_matches)),
        )
        .subquery()
        .select()
    )


def _visible(who: _Principal) -> ColumnElement[bool]:
    takes_part = exists().where(participants.c.event_id == events.c.id, participants.c.user_id == who.user_id)
    return or_(events.c.calendar_id.in_(_viewable_calendars(who)), takes_part)


def _page(connection: Connection, where: ColumnElement[bool], limit: int = 50) -> int:
    items = connection.execute(
        select(
            events.c.id,
            events.c.summary,
            events.c.description,
            events.c.starts_at,
            events.c.ends_at,
            events.c.created_at,
            events.c.updated_at,
            users.c.email,
        )
        .join(users, users.c.id == events.c.author_id)
        .where(where)
        .order_by(events.c.starts_at, events.c.id)
        .limit(limit)
    ).all()
    connection.execute(select(func.count()).select_from(events).where(where)).scalar_one()
    ids = [row.id for row in items]
    if ids:
        connection.execute(
            select(participants.c.event_id, users.c.email)
            .join(users, users.c.id == participants.c.user_id)
            .where(participants.c.event_id.in_(ids))
            .order_by(participants.c.event_id, participants.c.position)
        ).all()
        connection.execute(
            select(reminders.c.event_id, reminders.c.before_seconds, reminders.c.at)
            .where(reminders.c.event_id.in_(ids))
            .order_by(reminders.c.event_id, reminders.c.position)
        ).all()
    return len(items)


def list_week_by_recipient(world: World, engine: Engine) -> FloorOp:
    caller = world.dataset.caller
    secret = world.tokens[caller.id]
    windows = [week_window(w) for w in world.weeks]

    def op(n: int) -> int:
        start, end = windows[n % len(windows)]
        with engine.connect() as connection:
            who = _principal(connection, secret)
            # The caller's participant rows of the week, from the (user, event start) index.
            recipient = events.c.id.in_(
                select(participants.c.event_id)
                .join(users, users.c.id == participants.c.user_id)
                .where(
                    users.c.email_key == caller.email.casefold(),
                    participants.c.event_starts_at >= start,
                    participants.c.event_starts_at <= end,
                )
            )
            # starts_at <= end is implied (events never end before they start) and is what lets the
            # starts_at index bound the scan to one week; without it either index covers half the table.
            where = and_(
                events.c.starts_at >= start,
                events.c.starts_at <= end,
                events.c.ends_at <= end,
                recipient,
                _visible(who),
            )
            return _page(connection, where)

    return op


def search_by_name(world: World, engine: Engine) -> FloorOp:
    secret = world.tokens[world.dataset.caller.id]
    trigram_table = TrigramTable()

    def op(n: int) -> int:
        word = SEARCH_WORDS[n % len(SEARCH_WORDS)]
        with Session(engine) as session:
            who = _principal(session.connection(), secret)
            # The match the endpoint makes, with its probe of SQLite's trigram table.
            match = trigram_table.contains(session, EventRow.summary_folded, word)
            return _page(session.connection(), and_(match, _visible(who)))

    return op


def create_event(world: World, engine: Engine) -> FloorOp:
    def op(n: int) -> int:
        user = world.writers[0]
        colleague = world.writers[1 % len(world.writers)]
        now = datetime.now(UTC)
        start = datetime(2026, 6, 1, 9, tzinfo=UTC) + timedelta(hours=n % 5_000)
        with engine.begin() as connection:
            who = _principal(connection, world.tokens[user.id])
            recipients = connection.execute(
                select(users.c.id).where(users.c.email_key.in_([user.email, colleague.email]))
            ).scalars()
            calendar_id = connection.execute(
                select(calendars.c.id).where(calendars.c.owner_id == who.user_id, calendars.c.is_default.is_(True))
            ).scalar_one()
            caption = f"Floor create {n}"
            event_id = connection.execute(
                insert(events)
                .values(
                    key="Event" + secrets.token_hex(16),
                    uid=f"{secrets.token_hex(16)}@floor.{EMAIL_DOMAIN}",
                    calendar_id=calendar_id,
                    author_id=who.user_id,
                    summary=caption,
                    summary_folded=caption.casefold(),
                    description="Created by the storage floor.",
                    description_folded="created by the storage floor.",
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    # A single event's span is itself (what storage.events writes for it).
                    span_starts_at=start,
                    span_ends_at=start + timedelta(hours=1),
                    span_class=span_class(start, start + timedelta(hours=1)),
                    tzid="UTC",
                    priority="none",
                    privacy="private",
                    availability="busy",
                    created_at=now,
                    updated_at=now,
                    revision=1,
                )
                .returning(events.c.id)
            ).scalar_one()
            connection.execute(
                insert(participants),
                [
                    {"event_id": event_id, "user_id": uid, "position": i, "status": "", "event_starts_at": start}
                    for i, uid in enumerate(recipients)
                ],
            )
            connection.execute(
                insert(reminders).values(event_id=event_id, position=0, before_seconds=900, channel="email")
            )
        return 1

    return op


def update_event(world: World, engine: Engine) -> FloorOp:
    user = world.writers[0]
    owned = world.own_events[user.id]

    def op(n: int) -> int:
        event_id, _ = owned[n % len(owned)]
        caption = f"Floor update {n}"
        with engine.begin() as connection:
            who = _principal(connection, world.tokens[user.id])
            row = connection.execute(
                select(events.c.revision, calendars.c.owner_id)
                .join(calendars, calendars.c.id == events.c.calendar_id)
                .where(events.c.id == event_id)
            ).one()
            if row.owner_id != who.user_id:
                raise RuntimeError("the floor updates only the writer's own events")
            connection.execute(
                update(events)
                .where(events.c.id == event_id)
                .values(
                    summary=caption,
                    summary_folded=caption.casefold(),
                    updated_at=datetime.now(UTC),
                    revision=row.revision + 1,
                )
            )
        return 1

    return op
