"""Bulk-loading a generated Dataset straight into Almanac's tables (SQLAlchemy Core, SQLite or PostgreSQL).

Why not the services or the HTTP API: one unit of work per event runs at a few
hundred events per second, and the benchmark needs 100k events in seconds.
Core ``executemany`` batches skip the ORM and the per-event validation; the
generator only produces rows those checks would accept. Ids are assigned here
(1..N, as the generator numbers them) so child rows need no round trip, and
PostgreSQL sequences are moved past them afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, text

from almanac.domain.events import Event, span_of
from almanac.domain.recurrence import Recurrence, RecurrenceLimits
from almanac.domain.tokens import hash_secret
from almanac.storage.events import span_class
from almanac.storage.tables import (
    CalendarGrantRow,
    CalendarGroupRow,
    CalendarRow,
    EventParticipantRow,
    EventReminderRow,
    EventRow,
    GroupRow,
    MembershipRow,
    TokenRow,
    UserRow,
)
from bench.dataset import Dataset, EventKind, EventSpec, UserSpec

#: When the people and calendars were "created": before every event of the dataset.
CREATED_AT = datetime(2024, 12, 1, tzinfo=UTC)
BATCH = 5_000


def _table(row: type[Any]) -> Table:
    table: Table = row.__table__
    return table


@dataclass(frozen=True)
class LoadStats:
    users: int
    calendars: int
    events: int
    participants: int
    reminders: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def load_dataset(engine: Engine, dataset: Dataset, *, batch: int = BATCH) -> LoadStats:
    """Insert the whole dataset into an empty, migrated database; returns counts and the wall time."""
    started = time.perf_counter()
    with engine.begin() as connection:
        _load_people(connection, dataset)
        _load_calendars(connection, dataset)
    events = participants = reminders = 0
    for chunk in event_chunks(dataset.events(), batch):
        # One transaction per batch: bounded memory and WAL size, and a 1M load can be watched progressing.
        with engine.begin() as connection:
            p, r = _load_events(connection, chunk)
        events += len(chunk)
        participants += p
        reminders += r
    _advance_sequences(engine)
    return LoadStats(
        users=len(dataset.users),
        calendars=len(dataset.calendars),
        events=events,
        participants=participants,
        reminders=reminders,
        seconds=time.perf_counter() - started,
    )


def token_secret(dataset: Dataset, user: UserSpec) -> str:
    """The bench token of ``user``: derived from the seed, so a later tool can use a store an earlier run made."""
    return f"bench-{dataset.spec.seed}-{user.username}"


def issue_tokens(engine: Engine, dataset: Dataset, user_ids: Iterable[int]) -> dict[int, str]:
    """Non-expiring API bearer tokens for the given users, as ``almanac token issue`` makes them.

    The secrets are derived from the seed (a benchmark database holds nothing worth protecting,
    and a re-run can reuse them); only their hashes are stored, as for real tokens.
    """
    by_id = {u.id: u for u in dataset.users}
    secrets = {uid: token_secret(dataset, by_id[uid]) for uid in user_ids}
    rows = [
        {
            "user_id": uid,
            "kind": "api",
            "token_hash": hash_secret(secret),
            "family": f"bench{uid:027d}",
            "created_at": CREATED_AT,
            "expires_at": None,
            "revoked_at": None,
        }
        for uid, secret in secrets.items()
    ]
    with engine.begin() as connection:
        connection.execute(_table(TokenRow).insert(), rows)
    return secrets


def event_chunks(events: Iterable[EventSpec], size: int) -> Iterator[list[EventSpec]]:
    """``events`` in lists of ``size`` (the last one shorter), in order."""
    chunk: list[EventSpec] = []
    for event in events:
        chunk.append(event)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def user_columns(user: UserSpec) -> dict[str, Any]:
    """A dataset person's ``users`` row but its id (a loaded store gives the dataset's; the import bench, the
    store's own)."""
    return {
        "username": user.username,
        "email": user.email,
        "email_key": user.email.casefold(),
        "display_name": user.display_name,
        "password_hash": None,
        "is_admin": False,
        "locale": "en",
        "tzid": user.tzid,
        "created_at": CREATED_AT,
    }


def _load_people(connection: Connection, dataset: Dataset) -> None:
    connection.execute(
        _table(UserRow).insert(),
        [{"id": u.id, **user_columns(u)} for u in dataset.users],
    )
    connection.execute(_table(GroupRow).insert(), [{"group_id": g.group_id, "name": g.name} for g in dataset.groups])
    connection.execute(
        _table(MembershipRow).insert(),
        [
            {"user_id": u.id, "group_id": gid, "membership_type": kind}
            for u in dataset.users
            for gid, kind in u.memberships
        ],
    )


def _load_calendars(connection: Connection, dataset: Dataset) -> None:
    connection.execute(
        _table(CalendarRow).insert(),
        [
            {
                "id": c.id,
                "key": c.key,
                "name": c.name,
                "owner_id": c.owner_id,
                "description": None,
                "color": "powder_blue",
                "tzid": c.tzid,
                "public_url": None,
                "private_url": None,
                "is_default": c.is_default,
                "created_at": CREATED_AT,
                "updated_at": CREATED_AT,
            }
            for c in dataset.calendars
        ],
    )
    group_rows = [
        {"calendar_id": c.id, "group_id": gid, "position": i}
        for c in dataset.calendars
        for i, gid in enumerate(c.groups)
    ]
    if group_rows:
        connection.execute(_table(CalendarGroupRow).insert(), group_rows)
    grant_rows = []
    for c in dataset.calendars:
        positions = {"view": 0, "edit": 0}
        for g in c.grants:
            grant_rows.append(
                {
                    "calendar_id": c.id,
                    "right": g.right,
                    "position": positions[g.right],
                    "raw": g.raw,
                    "kind": g.kind,
                    "username": g.username,
                    "group_id": g.group_id,
                    "membership_type": g.membership_type,
                }
            )
            positions[g.right] += 1
    if grant_rows:
        connection.execute(_table(CalendarGrantRow).insert(), grant_rows)


def _series_columns(spec: EventSpec) -> dict[str, Any]:
    """The recurrence columns of one generated event, computed by the domain as the server would."""
    recurrence = None
    if spec.rrule is not None:
        lines = [f"RRULE:{spec.rrule}", *(f"EXDATE:{d.strftime('%Y%m%dT%H%M%SZ')}" for d in spec.exdates)]
        recurrence = Recurrence.from_lines(lines, tzid=spec.tzid, all_day=False)
    event = Event(
        calendar_id=spec.calendar_id,
        author_id=spec.author_id,
        summary=spec.summary,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        tzid=spec.tzid,
        all_day=spec.kind is EventKind.ALL_DAY,
        recurrence=recurrence,
    )
    span = span_of(event, RecurrenceLimits())
    return {
        "all_day": event.all_day,
        "recurrence": "\n".join(recurrence.to_lines()) if recurrence is not None else None,
        "series_id": None,
        "recurrence_key": "",
        "span_starts_at": span.first_start,
        "span_ends_at": span.last_end,
        "span_class": span_class(span.first_start, span.last_end),
    }


def _load_events(connection: Connection, chunk: list[EventSpec]) -> tuple[int, int]:
    events: list[dict[str, Any]] = []
    participants: list[dict[str, Any]] = []
    reminders: list[dict[str, Any]] = []
    for e in chunk:
        events.append(
            {
                "id": e.id,
                "key": e.key,
                "uid": e.uid,
                "calendar_id": e.calendar_id,
                "author_id": e.author_id,
                "summary": e.summary,
                "summary_folded": e.summary.casefold(),
                "description": e.description,
                "description_folded": e.description.casefold() if e.description is not None else None,
                "location": e.location,
                "starts_at": e.starts_at,
                "ends_at": e.ends_at,
                "tzid": e.tzid,
                **_series_columns(e),
                "category_key": None,
                "priority": "none",
                "privacy": "private",
                "availability": "busy",
                "created_at": e.created_at,
                "updated_at": e.created_at,
                "revision": 1,
            }
        )
        participants.extend(
            {"event_id": e.id, "user_id": uid, "position": i, "status": "", "event_starts_at": e.starts_at}
            for i, uid in enumerate(e.participant_ids)
        )
        reminders.extend(
            {"event_id": e.id, "position": i, "before_seconds": r.before_seconds, "at": None, "channel": r.channel}
            for i, r in enumerate(e.reminders)
        )
    connection.execute(_table(EventRow).insert(), events)
    connection.execute(_table(EventParticipantRow).insert(), participants)
    if reminders:
        connection.execute(_table(EventReminderRow).insert(), reminders)
    return len(participants), len(reminders)


def _advance_sequences(engine: Engine) -> None:
    """PostgreSQL serial columns do not see explicit ids: move each sequence past the largest id."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in ("users", "calendars", "calendar_grants", "events", "event_reminders", "tokens"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            )
