"""The relational schema (SQLAlchemy 2 declarative rows). Alembic migrations are the source of truth on disk;
these classes must match them (a test compares the two)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite's INTEGER PRIMARY KEY is its rowid; BIGINT elsewhere.
Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware instants in, aware UTC instants out; stored as naive UTC so SQLite and PostgreSQL compare alike."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(35), default="en")
    tzid: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # domain.people.search_key(display name, username, email): participant suggestions match on it.
    search_folded: Mapped[str] = mapped_column(Text, default="", server_default="")


class GroupRow(Base):
    __tablename__ = "groups"

    group_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class MembershipRow(Base):
    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(
        String(300), ForeignKey("groups.group_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    membership_type: Mapped[str] = mapped_column(String(50), primary_key=True)


class CalendarRow(Base):
    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str] = mapped_column(String(50))
    tzid: Mapped[str] = mapped_column(String(64))
    public_url: Mapped[str | None] = mapped_column(String(500))
    private_url: Mapped[str | None] = mapped_column(String(500))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int | None] = mapped_column(Integer)
    # The components CalDAV clients may store (comma-separated, e.g. "VEVENT,VTODO"), fixed at MKCALENDAR.
    # The repository always writes it (domain.calendars.CALENDAR_COMPONENTS by default, journals included); the
    # server default stays the one migration 0014 gave, as changing it rebuilds the table on SQLite.
    components: Mapped[str] = mapped_column(String(100), server_default="VEVENT,VTODO", default="VEVENT,VTODO,VJOURNAL")
    # The revision of the calendar's latest change (calendar_changes); bumped under the row's lock.
    sync_revision: Mapped[int] = mapped_column(Integer, default=0)
    # The newest revision whose tombstones were pruned (storage.changes): sync tokens below it are refused.
    sync_horizon: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # SHA-256 of the secret in the private feed URL (None: no private URL); the secret itself is never stored.
    private_feed_hash: Mapped[str | None] = mapped_column(String(64))

    groups: Mapped[list[CalendarGroupRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CalendarGroupRow.position"
    )
    grants: Mapped[list[CalendarGrantRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CalendarGrantRow.position"
    )


class CalendarGroupRow(Base):
    __tablename__ = "calendar_groups"

    calendar_id: Mapped[int] = mapped_column(Id, ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(300), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class CalendarGrantRow(Base):
    """One parsed eXo permission entry of a calendar (``right`` is "view" or "edit")."""

    __tablename__ = "calendar_grants"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    calendar_id: Mapped[int] = mapped_column(Id, ForeignKey("calendars.id", ondelete="CASCADE"), index=True)
    right: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(20))
    username: Mapped[str | None] = mapped_column(String(100), index=True)
    group_id: Mapped[str | None] = mapped_column(String(300), index=True)
    membership_type: Mapped[str | None] = mapped_column(String(50))


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        # A series' overrides share its UID (RFC 5545 §3.8.4.4); recurrence_key is "" on everything else.
        UniqueConstraint("calendar_id", "uid", "recurrence_key"),
        # A CalDAV resource name names one master per calendar (NULL, the default "<uid>.ics", never collides).
        UniqueConstraint("calendar_id", "dav_name"),
        Index("ix_events_calendar_id_starts_at", "calendar_id", "starts_at"),
        Index("ix_events_span_class_span_starts_at", "span_class", "span_starts_at"),
        Index("ix_events_calendar_id_span_class_span_starts_at", "calendar_id", "span_class", "span_starts_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    uid: Mapped[str] = mapped_column(String(500))
    calendar_id: Mapped[int] = mapped_column(Id, ForeignKey("calendars.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    # Case-folded copies for case-insensitive substring search that behaves the same on every backend.
    summary_folded: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    description_folded: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    tzid: Mapped[str] = mapped_column(String(64))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    # RRULE/RDATE/EXDATE content lines (UTC values), one per line; None for a single event.
    recurrence: Mapped[str | None] = mapped_column(Text)
    # An override: its master, and the occurrence key (YYYYMMDDTHHMMSSZ or YYYYMMDD) of the slot it replaces.
    series_id: Mapped[int | None] = mapped_column(Id, ForeignKey("events.id", ondelete="CASCADE"), index=True)
    recurrence_key: Mapped[str] = mapped_column(String(20), default="")
    # The whole series' first start and last end (None: never ends), so window queries
    # expand only the series that can reach the window. Equal to starts_at/ends_at otherwise.
    span_starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    span_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # How long the span is, in coarse classes (storage.events.SPAN_CLASSES): with the index on
    # (span_class, span_starts_at) a window query is a few tight range scans instead of half the table.
    span_class: Mapped[int] = mapped_column(SmallInteger)
    category_key: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10))
    privacy: Mapped[str] = mapped_column(String(10))
    availability: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    revision: Mapped[int] = mapped_column(Integer)
    # Raw iCalendar content lines Almanac does not model, re-emitted unchanged (almanac.ical).
    extra_ics: Mapped[str | None] = mapped_column(Text)
    dav_name: Mapped[str | None] = mapped_column(String(500))
    # What a CalDAV client's data left unsaid (domain.events.Event): how its end was written, and whether it had CLASS.
    end_form: Mapped[str] = mapped_column(String(10), server_default="dtend", default="dtend")
    class_stated: Mapped[bool] = mapped_column(Boolean, server_default=true(), default=True)

    participants: Mapped[list[EventParticipantRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EventParticipantRow.position"
    )
    reminders: Mapped[list[EventReminderRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EventReminderRow.position"
    )


class EventParticipantRow(Base):
    __tablename__ = "event_participants"
    __table_args__ = (
        # A person's events by start, covering: "events X takes part in, within a period" (the Back Office
        # recipient filter) reads one range of it instead of every event of the period store-wide.
        Index("ix_event_participants_user_id_event_starts_at", "user_id", "event_starts_at", "event_id"),
    )

    event_id: Mapped[int] = mapped_column(Id, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="")
    # The event's starts_at, copied for the index above; storage.events writes it with every participant row,
    # and the participant rows are rewritten whenever their event is.
    event_starts_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EventReminderRow(Base):
    __tablename__ = "event_reminders"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(Id, ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    before_seconds: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(20))


class CalendarChangeRow(Base):
    """The latest change of one calendar object resource name (domain.changes): one row per name."""

    __tablename__ = "calendar_changes"
    __table_args__ = (
        UniqueConstraint("calendar_id", "name"),
        Index("ix_calendar_changes_calendar_id_revision", "calendar_id", "revision"),
        # Finds the calendars with tombstones past the retention without reading every change.
        Index("ix_calendar_changes_kind_changed_at", "kind", "changed_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    calendar_id: Mapped[int] = mapped_column(Id, ForeignKey("calendars.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    revision: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TokenRow(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SigninFailureRow(Base):
    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_email_key_at", "email_key", "at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    email_key: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    # Space-separated message types ("event.created reminder.due"); few, and only read whole.
    event_types: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeliveryRow(Base):
    """A scheduled delivery. No foreign key to events: the history of a deleted event's deliveries is kept."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_due_at", "status", "due_at"),
        Index("ix_deliveries_recipient_id_channel_due_at", "recipient_id", "channel", "due_at"),
        Index("ix_deliveries_webhook_id_created_at", "webhook_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    event_id: Mapped[int | None] = mapped_column(Id, index=True)
    # The calendar the event was in when a webhook message was made: whoever is told of an event deleted
    # since must still be allowed to read that calendar when the message goes out.
    calendar_id: Mapped[int | None] = mapped_column(Id)
    # For an occurrence of a series: the master's id (event_id is the event the occurrence shows, the
    # master or an override) and the occurrence key, so a series is replanned as one.
    series_id: Mapped[int | None] = mapped_column(Id, index=True)
    occurrence_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recurrence_key: Mapped[str | None] = mapped_column(String(20))
    reminder_key: Mapped[str | None] = mapped_column(String(100))
    recipient_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    # A task reminder's task (event_id is then NULL). No foreign key either: the history outlives the task.
    task_id: Mapped[int | None] = mapped_column(Id, index=True)
    webhook_id: Mapped[int | None] = mapped_column(Id, ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_type: Mapped[str | None] = mapped_column(String(50))
    payload: Mapped[dict[str, object] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeliveryAttemptRow(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(36), ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)


class ReminderHorizonRow(Base):
    """Until when an event's reminders are materialised as deliveries (the rolling horizon)."""

    __tablename__ = "reminder_horizons"

    event_id: Mapped[int] = mapped_column(Id, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    planned_until: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class TaskReminderHorizonRow(Base):
    """Until when a task's reminders are materialised as deliveries (a recurring task's rolling horizon)."""

    __tablename__ = "task_reminder_horizons"

    task_id: Mapped[int] = mapped_column(Id, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    planned_until: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ServerSecretRow(Base):
    """A secret generated once per store (e.g. the key of invitation answer links), shared by every process."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyKeyRow(Base):
    """A used Idempotency-Key of one user with the response of its first request (migration 0013_idempotency)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(SmallInteger)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


# --- tasks, attachments, uploads, feeds (eXo v1 content; migration 0007_exo_content) --------------------


class TaskRow(Base):
    """A VTODO-like task (``domain.tasks``)."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("calendar_id", "uid"),
        Index("ix_tasks_calendar_id_starts_at", "calendar_id", "starts_at"),
        # A CalDAV resource name names one task per calendar (NULL, the default "<uid>.ics", never collides).
        Index("ix_tasks_calendar_id_dav_name", "calendar_id", "dav_name", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    uid: Mapped[str] = mapped_column(String(500))
    calendar_id: Mapped[int] = mapped_column(Id, ForeignKey("calendars.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    summary_folded: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tzid: Mapped[str] = mapped_column(String(64))
    category_key: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revision: Mapped[int] = mapped_column(Integer)
    # The VTODO face (almanac.ical, CalDAV): resource name, raw lines not modelled, which instants it really has.
    dav_name: Mapped[str | None] = mapped_column(String(500))
    extra_properties: Mapped[str | None] = mapped_column(Text)
    has_start: Mapped[bool] = mapped_column(Boolean, server_default=true(), default=True)
    has_due: Mapped[bool] = mapped_column(Boolean, server_default=true(), default=True)
    all_day: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)

    delegates: Mapped[list[TaskDelegateRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="TaskDelegateRow.position"
    )
    reminders: Mapped[list[TaskReminderRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="TaskReminderRow.position"
    )


class JournalRow(Base):
    """A journal entry (``domain.journals``): the iCalendar text a CalDAV client stored, and what reads need of it."""

    __tablename__ = "journals"
    __table_args__ = (
        UniqueConstraint("calendar_id", "uid"),
        UniqueConstraint("calendar_id", "name"),
        Index("ix_journals_calendar_id_starts_at", "calendar_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    calendar_id: Mapped[int] = mapped_column(Id, ForeignKey("calendars.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(500))
    data: Mapped[str] = mapped_column(Text)
    # DTSTART as a UTC instant (a date or floating time read in the calendar's zone); None without one.
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # True when RRULE or RDATE gives it more instances than its DTSTART.
    recurs: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revision: Mapped[int] = mapped_column(Integer)


class TaskDelegateRow(Base):
    __tablename__ = "task_delegates"

    task_id: Mapped[int] = mapped_column(Id, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class TaskReminderRow(Base):
    __tablename__ = "task_reminders"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(Id, ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    before_seconds: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(20))


class AttachmentRow(Base):
    """Metadata of a file of one event or one task; the bytes are in ``attachment_contents``."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    event_id: Mapped[int | None] = mapped_column(Id, ForeignKey("events.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(Id, ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(400))
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AttachmentContentRow(Base):
    __tablename__ = "attachment_contents"

    attachment_id: Mapped[int] = mapped_column(Id, ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class UploadRow(Base):
    """A file sent ahead by its owner (eXo ``uploadResources``); removed when attached or expired."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    owner_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(400))
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class FeedRow(Base):
    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("owner_id", "title"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    calendars: Mapped[list[FeedCalendarRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="FeedCalendarRow.position"
    )


class FeedCalendarRow(Base):
    __tablename__ = "feed_calendars"

    feed_id: Mapped[int] = mapped_column(Id, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        Id, ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
