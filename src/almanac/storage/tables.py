"""The relational schema (SQLAlchemy 2 declarative rows). Alembic migrations are the source of truth on disk;
these classes must match them (a test compares the two)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
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
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

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
        UniqueConstraint("calendar_id", "uid"),
        Index("ix_events_calendar_id_starts_at", "calendar_id", "starts_at"),
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
    category_key: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10))
    privacy: Mapped[str] = mapped_column(String(10))
    availability: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    revision: Mapped[int] = mapped_column(Integer)

    participants: Mapped[list[EventParticipantRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EventParticipantRow.position"
    )
    reminders: Mapped[list[EventReminderRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EventReminderRow.position"
    )


class EventParticipantRow(Base):
    __tablename__ = "event_participants"

    event_id: Mapped[int] = mapped_column(Id, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="")


class EventReminderRow(Base):
    __tablename__ = "event_reminders"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(Id, ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    before_seconds: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(20))


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
