"""Reminders of recurring events: each delivery names its series and the occurrence it reminds of.

Revision ID: 0012_reminder_occurrences
Revises: 0004_recurrence
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_reminder_occurrences"
down_revision = "0011_dav"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Existing deliveries are of single events (series were planned as their first occurrence): both NULL.
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("recurrence_key", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_deliveries_series_id"), ["series_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_series_id"))
        batch_op.drop_column("recurrence_key")
        batch_op.drop_column("series_id")
