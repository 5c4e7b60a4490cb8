"""The benchmark dataset: a seeded, deterministic world of users, groups, calendars and events.

The same ``(events, seed)`` always yields the same users, calendars and events,
field for field, so a table in the README can be re-run by anyone. People and
calendars are small and built eagerly; events are a stream (``Dataset.events()``)
so a 1M-event store never sits in memory at once.

Shape (what the issue asks for):
* one user per 200 events (at least 10), in groups of about 20;
* every user has a personal default calendar, every group a group calendar;
  a quarter of the personal calendars are shared by view/edit grants;
* one *hot* group calendar (team 0's) holds 10% of all events, so the
  "N-event calendar" CalDAV scenarios have a calendar of a known size;
* events spread over two years: ~85% single, ~10% recurring with cancelled
  occurrences (``EventSpec.rrule`` / ``exdates``, stored as series and
  written to the .ics export), ~5% all-day; in seven time zones; 1-5 participants; 0-2 reminders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

#: Every instant of the dataset falls in [EPOCH, EPOCH + SPAN_DAYS). A Monday, so "week N" is a calendar week.
EPOCH = date(2025, 1, 6)
SPAN_DAYS = 728  # 104 weeks: "two years"
EVENTS_PER_USER = 200
GROUP_SIZE = 20
HOT_CALENDAR_SHARE = 0.10
SINGLE_SHARE = 0.85
RECURRING_SHARE = 0.10  # the rest (5%) is all-day
TZIDS = (
    "UTC",
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Ho_Chi_Minh",
)
EMAIL_DOMAIN = "bench.example"

_TOPICS = (
    "standup",
    "planning",
    "design review",
    "budget",
    "retrospective",
    "one-on-one",
    "customer call",
    "hiring panel",
    "demo",
    "architecture sync",
    "training",
    "offsite",
    "release",
    "incident review",
    "lunch",
    "roadmap",
    "interview",
    "workshop",
    "board meeting",
    "sales pipeline",
)
#: Substrings of summaries the name-search scenario looks for (each in about 1 of 20 summaries).
SEARCH_WORDS = ("retro", "budget", "demo", "roadmap")
_QUALIFIERS = ("Weekly", "Quarterly", "Team", "Project", "Urgent", "Monthly", "Cross-team", "Quick", "Annual", "Q3")
_PLACES = ("Room Kyoto", "Room Lyon", "Room Austin", "Online", "Cafeteria", "HQ 4th floor")
_DURATIONS_MIN = (15, 30, 30, 45, 60, 60, 60, 90, 120, 180)
_REMINDERS_S = (300, 900, 900, 3600, 86400)


class EventKind(StrEnum):
    SINGLE = "single"
    RECURRING = "recurring"
    ALL_DAY = "all_day"


@dataclass(frozen=True)
class UserSpec:
    id: int
    username: str
    email: str
    display_name: str
    tzid: str
    memberships: tuple[tuple[str, str], ...]  # (group_id, membership_type)


@dataclass(frozen=True)
class GroupSpec:
    group_id: str
    name: str
    member_ids: tuple[int, ...]


@dataclass(frozen=True)
class GrantSpec:
    """One eXo permission entry: ``right`` is view/edit, ``raw`` the entry text (see almanac.domain.permissions)."""

    right: str
    raw: str
    kind: str
    username: str | None = None
    group_id: str | None = None
    membership_type: str | None = None


@dataclass(frozen=True)
class CalendarSpec:
    id: int
    key: str
    name: str
    owner_id: int | None
    tzid: str
    is_default: bool
    groups: tuple[str, ...] = ()
    grants: tuple[GrantSpec, ...] = ()


@dataclass(frozen=True)
class ReminderSpec:
    before_seconds: int
    channel: str


@dataclass(frozen=True)
class EventSpec:
    """One event as generated. Instants are aware UTC; ``tzid`` is the zone it was planned in.

    For ``RECURRING`` events ``rrule`` (RFC 5545 §3.3.10 value) and ``exdates``
    (excluded occurrence starts) describe the series whose first instance is
    [starts_at, ends_at). For ``ALL_DAY`` events starts/ends are local midnights.
    """

    id: int
    key: str
    uid: str
    calendar_id: int
    author_id: int
    summary: str
    description: str | None
    location: str | None
    starts_at: datetime
    ends_at: datetime
    tzid: str
    kind: EventKind
    participant_ids: tuple[int, ...]
    reminders: tuple[ReminderSpec, ...]
    created_at: datetime
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class DatasetSpec:
    events: int
    seed: int = 8

    def __post_init__(self) -> None:
        if self.events < 0:
            raise ValueError("the event count must not be negative")


def user_count(events: int) -> int:
    return max(10, events // EVENTS_PER_USER)


def group_id(index: int) -> str:
    return f"/bench/team-{index:04d}"


class Dataset:
    """The generated world for one spec. People and calendars are computed once; events are re-streamed."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec

    # --- people ----------------------------------------------------------------------------------------

    @cached_property
    def users(self) -> list[UserSpec]:
        rng = random.Random(f"{self.spec.seed}:users")
        count = user_count(self.spec.events)
        groups = self.group_count
        users = []
        for index in range(count):
            home = index % groups
            memberships = [(group_id(home), "manager" if index < groups else "member")]
            if groups > 1 and rng.random() < 0.3:
                other = rng.randrange(groups - 1)
                memberships.append((group_id(other if other < home else other + 1), "member"))
            username = f"user{index:05d}"
            users.append(
                UserSpec(
                    id=index + 1,
                    username=username,
                    email=f"{username}@{EMAIL_DOMAIN}",
                    display_name=f"Bench User {index}",
                    tzid=rng.choice(TZIDS),
                    memberships=tuple(memberships),
                )
            )
        return users

    @cached_property
    def group_count(self) -> int:
        return max(2, user_count(self.spec.events) // GROUP_SIZE)

    @cached_property
    def groups(self) -> list[GroupSpec]:
        members: dict[str, list[int]] = {group_id(i): [] for i in range(self.group_count)}
        for user in self.users:
            for gid, _ in user.memberships:
                members[gid].append(user.id)
        return [GroupSpec(gid, f"Team {i}", tuple(members[gid])) for i, gid in enumerate(members)]

    # --- calendars -------------------------------------------------------------------------------------

    @cached_property
    def calendars(self) -> list[CalendarSpec]:
        """Personal default calendars first (calendar id == user id), then one group calendar per group."""
        rng = random.Random(f"{self.spec.seed}:calendars")
        users = self.users
        calendars = []
        for user in users:
            grants: list[GrantSpec] = []
            if rng.random() < 0.25:
                if rng.random() < 0.5:
                    friend = users[rng.randrange(len(users))]
                    grants.append(GrantSpec("view", friend.username, "user", username=friend.username))
                else:
                    gid = group_id(rng.randrange(self.group_count))
                    grants.append(GrantSpec("view", f"{gid}/:*.*", "group", group_id=gid))
                if rng.random() < 0.2:
                    gid = group_id(rng.randrange(self.group_count))
                    grants.append(
                        GrantSpec("edit", f"{gid}/:*.manager", "membership", group_id=gid, membership_type="manager")
                    )
            calendars.append(
                CalendarSpec(
                    id=user.id,
                    key=f"{user.username}-defaultCalendarId",
                    name=user.display_name,
                    owner_id=user.id,
                    tzid=user.tzid,
                    is_default=True,
                    grants=tuple(grants),
                )
            )
        for index, group in enumerate(self.groups):
            calendars.append(
                CalendarSpec(
                    id=len(users) + index + 1,
                    key=f"calendar{rng.getrandbits(128):032x}",
                    name=f"{group.name} calendar",
                    owner_id=None,
                    tzid=TZIDS[index % len(TZIDS)],
                    is_default=False,
                    groups=(group.group_id,),
                    # Members edit their group's calendar (eXo: an edit entry for any membership type).
                    grants=(GrantSpec("edit", f"{group.group_id}/:*.*", "group", group_id=group.group_id),),
                )
            )
        return calendars

    @property
    def hot_calendar(self) -> CalendarSpec:
        """Team 0's calendar: it holds ``HOT_CALENDAR_SHARE`` of the events."""
        return self.calendars[len(self.users)]

    @property
    def caller(self) -> UserSpec:
        """The user the read scenarios act as: a manager of team 0, so the hot calendar is in view."""
        return self.users[0]

    # --- events ----------------------------------------------------------------------------------------

    def events(self) -> Iterator[EventSpec]:
        """Every event, ids 1..N, always in the same order with the same values."""
        rng = random.Random(f"{self.spec.seed}:events")
        users = self.users
        calendars = self.calendars
        personal = len(users)
        group_calendars = len(calendars) - personal
        members = {c.id: self.groups[c.id - personal - 1].member_ids for c in calendars[personal:]}
        zones = {tzid: ZoneInfo(tzid) for tzid in TZIDS}
        hot = self.hot_calendar.id
        for event_id in range(1, self.spec.events + 1):
            draw = rng.random()
            if draw < HOT_CALENDAR_SHARE:
                calendar = calendars[hot - 1]
            elif draw < 0.7:
                calendar = calendars[rng.randrange(personal)]
            elif group_calendars > 1:
                # The hot calendar takes no part of this share, so its size stays a known 10%.
                calendar = calendars[personal + 1 + rng.randrange(group_calendars - 1)]
            else:
                calendar = calendars[hot - 1]
            if calendar.owner_id is not None:
                author = calendar.owner_id
                audience: tuple[int, ...] | None = None
            else:
                audience = members[calendar.id]
                author = audience[rng.randrange(len(audience))] if audience else 1
            yield self._event(rng, event_id, calendar, author, audience, len(users), zones)

    def _event(
        self,
        rng: random.Random,
        event_id: int,
        calendar: CalendarSpec,
        author: int,
        audience: tuple[int, ...] | None,
        users: int,
        zones: dict[str, ZoneInfo],
    ) -> EventSpec:
        kind_draw = rng.random()
        kind = (
            EventKind.SINGLE
            if kind_draw < SINGLE_SHARE
            else EventKind.RECURRING
            if kind_draw < SINGLE_SHARE + RECURRING_SHARE
            else EventKind.ALL_DAY
        )
        # Most events live in their calendar's zone; some are planned elsewhere (travel, remote teams).
        tzid = calendar.tzid if rng.random() < 0.8 else TZIDS[rng.randrange(len(TZIDS))]
        zone = zones[tzid]
        day = EPOCH + timedelta(days=rng.randrange(SPAN_DAYS))
        if kind is EventKind.ALL_DAY:
            local_start = datetime.combine(day, time(0), zone)
            local_end = datetime.combine(day + timedelta(days=rng.choice((1, 1, 1, 2, 3))), time(0), zone)
        else:
            local_start = datetime.combine(day, time(rng.randrange(8, 19), rng.choice((0, 15, 30, 45))), zone)
            local_end = local_start + timedelta(minutes=rng.choice(_DURATIONS_MIN))
        starts_at = local_start.astimezone(UTC)
        ends_at = local_end.astimezone(UTC)
        rrule: str | None = None
        exdates: tuple[datetime, ...] = ()
        if kind is EventKind.RECURRING:
            freq, step = rng.choice((("WEEKLY", 7), ("WEEKLY", 7), ("DAILY", 1), ("WEEKLY", 14)))
            count = rng.randrange(4, 27)
            rrule = f"FREQ={freq};COUNT={count}" if step != 14 else f"FREQ=WEEKLY;INTERVAL=2;COUNT={count}"
            # Exceptions: one or two later instances cancelled (wall-clock time kept across DST, RFC 5545 §3.3.10).
            skipped = sorted(rng.sample(range(1, count), k=min(count - 1, rng.choice((1, 1, 2)))))
            exdates = tuple((local_start + timedelta(days=step * n)).astimezone(UTC) for n in skipped)
        topic = _TOPICS[rng.randrange(len(_TOPICS))]
        summary = f"{_QUALIFIERS[rng.randrange(len(_QUALIFIERS))]} {topic}"
        description = f"Agenda for the {topic}: item {rng.randrange(1, 100)}." if rng.random() < 0.5 else None
        location = _PLACES[rng.randrange(len(_PLACES))] if rng.random() < 0.3 else None
        wanted = rng.randrange(1, 6)
        pool = audience if audience else None
        others: list[int] = []
        if pool is not None and len(pool) > 1:
            others = [p for p in rng.sample(pool, k=min(wanted, len(pool))) if p != author][: wanted - 1]
        elif pool is None:
            others = [p + 1 for p in rng.sample(range(users), k=min(wanted, users)) if p + 1 != author][: wanted - 1]
        reminders = tuple(
            ReminderSpec(rng.choice(_REMINDERS_S), "email" if rng.random() < 0.7 else "popup")
            for _ in range(rng.choice((0, 1, 1, 2)))
        )
        created_at = starts_at - timedelta(days=rng.randrange(1, 60), seconds=rng.randrange(86400))
        return EventSpec(
            id=event_id,
            key=f"Event{rng.getrandbits(128):032x}",
            uid=f"{rng.getrandbits(128):032x}@{EMAIL_DOMAIN}",
            calendar_id=calendar.id,
            author_id=author,
            summary=summary,
            description=description,
            location=location,
            starts_at=starts_at,
            ends_at=ends_at,
            tzid=tzid,
            kind=kind,
            participant_ids=(author, *others),
            reminders=reminders,
            created_at=created_at,
            rrule=rrule,
            exdates=exdates,
        )


def week_window(week: int) -> tuple[datetime, datetime]:
    """The [Monday 00:00Z, next Monday 00:00Z) window of dataset week ``week`` (0-based)."""
    start = datetime.combine(EPOCH + timedelta(weeks=week), time(0), UTC)
    return start, start + timedelta(weeks=1)
