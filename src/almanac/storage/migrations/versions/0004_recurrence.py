"""Recurring events: series rules, overrides sharing their master's UID, and indexed series spans.

Revision ID: 0004_recurrence
Revises: 0003_reminders
Create Date: 2026-11-21
"""

from __future__ import annotations

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
    # Every existing event is a single event: its span is its own timing.
    op.execute("UPDATE events SET span_starts_at = starts_at, span_ends_at = ends_at")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("all_day", server_default=None)
        batch_op.alter_column("recurrence_key", server_default=None)
        batch_op.alter_column("span_starts_at", existing_type=sa.DateTime(), nullable=False)
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


def downgrade() -> None:
    op.execute("DELETE FROM events WHERE series_id IS NOT NULL")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_span_ends_at"))
        batch_op.drop_index(batch_op.f("ix_events_span_starts_at"))
        batch_op.drop_index(batch_op.f("ix_events_series_id"))
        batch_op.drop_constraint(batch_op.f("uq_events_calendar_id_uid_recurrence_key"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_events_calendar_id_uid"), ["calendar_id", "uid"])
        batch_op.drop_constraint(batch_op.f("fk_events_series_id_events"), type_="foreignkey")
        batch_op.drop_column("span_ends_at")
        batch_op.drop_column("span_starts_at")
        batch_op.drop_column("recurrence_key")
        batch_op.drop_column("series_id")
        batch_op.drop_column("recurrence")
        batch_op.drop_column("all_day")
