"""Initial schema: users, groups, memberships, calendars with groups and grants, events with participants
and reminders, tokens, sign-in failures. Instants are naive UTC columns (see storage.tables.UtcDateTime).

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("group_id", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_groups")),
    )
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_failures")),
    )
    with op.batch_alter_table("signin_failures", schema=None) as batch_op:
        batch_op.create_index("ix_signin_failures_email_key_at", ["email_key", "at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("tzid", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email_key", name=op.f("uq_users_email_key")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "calendars",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("color", sa.String(length=50), nullable=False),
        sa.Column("tzid", sa.String(length=64), nullable=False),
        sa.Column("public_url", sa.String(length=500), nullable=True),
        sa.Column("private_url", sa.String(length=500), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_calendars_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendars")),
        sa.UniqueConstraint("key", name=op.f("uq_calendars_key")),
    )
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendars_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("group_id", sa.String(length=300), nullable=False),
        sa.Column("membership_type", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.group_id"], name=op.f("fk_memberships_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "group_id", "membership_type", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_group_id"), ["group_id"], unique=False)

    op.create_table(
        "tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_family"), ["family"], unique=False)
        batch_op.create_index(batch_op.f("ix_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "calendar_grants",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("calendar_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("right", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("raw", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("group_id", sa.String(length=300), nullable=True),
        sa.Column("membership_type", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["calendars.id"], name=op.f("fk_calendar_grants_calendar_id_calendars"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_grants")),
    )
    with op.batch_alter_table("calendar_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_grants_calendar_id"), ["calendar_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendar_grants_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendar_grants_username"), ["username"], unique=False)

    op.create_table(
        "calendar_groups",
        sa.Column("calendar_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("group_id", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["calendars.id"], name=op.f("fk_calendar_groups_calendar_id_calendars"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("calendar_id", "group_id", name=op.f("pk_calendar_groups")),
    )
    with op.batch_alter_table("calendar_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_groups_group_id"), ["group_id"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("uid", sa.String(length=500), nullable=False),
        sa.Column("calendar_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summary_folded", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("description_folded", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("tzid", sa.String(length=64), nullable=False),
        sa.Column("category_key", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("privacy", sa.String(length=10), nullable=False),
        sa.Column("availability", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_events_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["calendars.id"], name=op.f("fk_events_calendar_id_calendars"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("calendar_id", "uid", name=op.f("uq_events_calendar_id_uid")),
        sa.UniqueConstraint("key", name=op.f("uq_events_key")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_events_calendar_id_starts_at", ["calendar_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "event_participants",
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_participants_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_participants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_event_participants")),
    )
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_participants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "event_reminders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("before_seconds", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_reminders_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_reminders")),
    )
    with op.batch_alter_table("event_reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_reminders_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_reminders_event_id"))

    op.drop_table("event_reminders")
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_participants_user_id"))

    op.drop_table("event_participants")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_updated_at"))
        batch_op.drop_index(batch_op.f("ix_events_starts_at"))
        batch_op.drop_index(batch_op.f("ix_events_ends_at"))
        batch_op.drop_index(batch_op.f("ix_events_created_at"))
        batch_op.drop_index("ix_events_calendar_id_starts_at")
        batch_op.drop_index(batch_op.f("ix_events_author_id"))

    op.drop_table("events")
    with op.batch_alter_table("calendar_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_groups_group_id"))

    op.drop_table("calendar_groups")
    with op.batch_alter_table("calendar_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_grants_username"))
        batch_op.drop_index(batch_op.f("ix_calendar_grants_group_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_grants_calendar_id"))

    op.drop_table("calendar_grants")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_tokens_family"))

    op.drop_table("tokens")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_group_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendars_owner_id"))

    op.drop_table("calendars")
    op.drop_table("users")
    with op.batch_alter_table("signin_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_signin_failures_email_key_at")

    op.drop_table("signin_failures")
    op.drop_table("groups")
