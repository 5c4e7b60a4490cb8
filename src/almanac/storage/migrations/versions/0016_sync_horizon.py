"""Sync token expiry: each calendar's sync horizon (the newest revision whose tombstones were pruned), and an
index to find tombstones older than the retention.

Revision ID: 0016_sync_horizon
Revises: 0014_task_objects
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_sync_horizon"
down_revision = "0014_task_objects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing was ever pruned, so every token issued so far stays good (horizon 0). A plain ADD COLUMN with a
    # default: no table rebuild on SQLite.
    op.add_column("calendars", sa.Column("sync_horizon", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_calendar_changes_kind_changed_at", "calendar_changes", ["kind", "changed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_calendar_changes_kind_changed_at", table_name="calendar_changes")
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("sync_horizon")
