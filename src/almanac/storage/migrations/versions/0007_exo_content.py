"""eXo v1 content: tasks (with delegates and reminders), attachments and their bytes, uploads, feeds.

Revision ID: 0007_exo_content
Revises: 0003_reminders
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_exo_content"
down_revision = "0006_exo_people"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".", 1)[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("uid", sa.String(length=500), nullable=False),
        sa.Column("calendar_id", _ID, nullable=False),
        sa.Column("author_id", _ID, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summary_folded", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("tzid", sa.String(length=64), nullable=False),
        sa.Column("category_key", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _fk("tasks", "author_id", "users.id"),
        _fk("tasks", "calendar_id", "calendars.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("calendar_id", "uid", name=op.f("uq_tasks_calendar_id_uid")),
        sa.UniqueConstraint("key", name=op.f("uq_tasks_key")),
    )
    op.create_index(op.f("ix_tasks_author_id"), "tasks", ["author_id"], unique=False)
    op.create_index("ix_tasks_calendar_id_starts_at", "tasks", ["calendar_id", "starts_at"], unique=False)

    op.create_table(
        "task_delegates",
        sa.Column("task_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("task_delegates", "task_id", "tasks.id"),
        _fk("task_delegates", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("task_id", "user_id", name=op.f("pk_task_delegates")),
    )
    op.create_index(op.f("ix_task_delegates_user_id"), "task_delegates", ["user_id"], unique=False)

    op.create_table(
        "task_reminders",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("task_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("before_seconds", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        _fk("task_reminders", "task_id", "tasks.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_reminders")),
    )
    op.create_index(op.f("ix_task_reminders_task_id"), "task_reminders", ["task_id"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("event_id", _ID, nullable=True),
        sa.Column("task_id", _ID, nullable=True),
        sa.Column("author_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("attachments", "author_id", "users.id"),
        _fk("attachments", "event_id", "events.id"),
        _fk("attachments", "task_id", "tasks.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("key", name=op.f("uq_attachments_key")),
    )
    op.create_index(op.f("ix_attachments_author_id"), "attachments", ["author_id"], unique=False)
    op.create_index(op.f("ix_attachments_event_id"), "attachments", ["event_id"], unique=False)
    op.create_index(op.f("ix_attachments_task_id"), "attachments", ["task_id"], unique=False)

    op.create_table(
        "attachment_contents",
        sa.Column("attachment_id", _ID, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _fk("attachment_contents", "attachment_id", "attachments.id"),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_attachment_contents")),
    )

    op.create_table(
        "uploads",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("owner_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        _fk("uploads", "owner_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint("key", name=op.f("uq_uploads_key")),
    )
    op.create_index(op.f("ix_uploads_owner_id"), "uploads", ["owner_id"], unique=False)
    op.create_index(op.f("ix_uploads_expires_at"), "uploads", ["expires_at"], unique=False)

    op.create_table(
        "feeds",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", _ID, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("feeds", "owner_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("owner_id", "title", name=op.f("uq_feeds_owner_id_title")),
    )

    op.create_table(
        "feed_calendars",
        sa.Column("feed_id", _ID, nullable=False),
        sa.Column("calendar_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("feed_calendars", "calendar_id", "calendars.id"),
        _fk("feed_calendars", "feed_id", "feeds.id"),
        sa.PrimaryKeyConstraint("feed_id", "calendar_id", name=op.f("pk_feed_calendars")),
    )
    op.create_index(op.f("ix_feed_calendars_calendar_id"), "feed_calendars", ["calendar_id"], unique=False)


def downgrade() -> None:
    op.drop_table("feed_calendars")
    op.drop_table("feeds")
    op.drop_table("uploads")
    op.drop_table("attachment_contents")
    op.drop_table("attachments")
    op.drop_table("task_reminders")
    op.drop_table("task_delegates")
    op.drop_table("tasks")
