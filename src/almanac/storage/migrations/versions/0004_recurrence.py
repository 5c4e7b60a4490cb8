"""Recurring events: series rules, overrides sharing their master's UID, and indexed series spans.

Revision ID: 0004_recurrence
Revises: 0003_reminders
Create Date: 2026-11-21
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0004_recurrence"
down_revision = "0003_reminders"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("all_day", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("recurrence", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("series_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("recurrence_key", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("span_starts_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("span_ends_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("span_class", sa.SmallInteger(), nullable=True))
    # Every existing event is a single event: its span is its own timing. Its span class is
    # computed in Python (date arithmetic differs between backends).
    op.execute("UPDATE events SET span_starts_at = starts_at, span_ends_at = ends_at")
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, starts_at, ends_at FROM events")).all()
    for row_id, starts_at, ends_at in rows:
        connection.execute(
            sa.text("UPDATE events SET span_class = :span_class WHERE id = :id"),
            {"span_class": _span_class(_instant(starts_at), _instant(ends_at)), "id": row_id},
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("all_day", server_default=None)
        batch_op.alter_column("recurrence_key", server_default=None)
        batch_op.alter_column("span_starts_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("span_class", existing_type=sa.SmallInteger(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_events_series_id_events"), "events", ["series_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.drop_constraint("uq_events_calendar_id_uid", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_events_calendar_id_uid_recurrence_key"), ["calendar_id", "uid", "recurrence_key"]
        )
        batch_op.create_index(batch_op.f("ix_events_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_span_starts_at"), ["span_starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_span_ends_at"), ["span_ends_at"], unique=False)
        batch_op.create_index("ix_events_span_class_span_starts_at", ["span_class", "span_starts_at"], unique=False)
        batch_op.create_index(
            "ix_events_calendar_id_span_class_span_starts_at",
            ["calendar_id", "span_class", "span_starts_at"],
            unique=False,
        )


# Frozen copy of storage.events.SPAN_CLASSES as of this revision (migrations never import live code).
_SPAN_CLASSES = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=7),
    timedelta(days=31),
    timedelta(days=92),
    timedelta(days=183),
    timedelta(days=366),
)


def _instant(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _span_class(starts_at: datetime, ends_at: datetime) -> int:
    length = ends_at - starts_at
    return next((i for i, bound in enumerate(_SPAN_CLASSES) if length <= bound), len(_SPAN_CLASSES))


def downgrade() -> None:
    op.execute("DELETE FROM events WHERE series_id IS NOT NULL")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_calendar_id_span_class_span_starts_at")
        batch_op.drop_index("ix_events_span_class_span_starts_at")
        batch_op.drop_index(batch_op.f("ix_events_span_ends_at"))
        batch_op.drop_index(batch_op.f("ix_events_span_starts_at"))
        batch_op.drop_index(batch_op.f("ix_events_series_id"))
        batch_op.drop_constraint(batch_op.f("uq_events_calendar_id_uid_recurrence_key"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_events_calendar_id_uid"), ["calendar_id", "uid"])
        batch_op.drop_constraint(batch_op.f("fk_events_series_id_events"), type_="foreignkey")
        batch_op.drop_column("span_class")
        batch_op.drop_column("span_ends_at")
        batch_op.drop_column("span_starts_at")
        batch_op.drop_column("recurrence_key")
        batch_op.drop_column("series_id")
        batch_op.drop_column("recurrence")
        batch_op.drop_column("all_day")
