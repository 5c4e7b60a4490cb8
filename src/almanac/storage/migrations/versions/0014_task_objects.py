"""Tasks as CalDAV calendar objects (VTODO): a resource name, the raw lines Almanac does not model, and which
of DTSTART/DUE the task really has; and the components a calendar holds.

Revision ID: 0014_task_objects
Revises: 0013_idempotency
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_task_objects"
down_revision = "0013_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing tasks came through eXo: both instants given, date-times, default resource name (NULL).
    # Plain ADD COLUMN and a unique index: no table rebuild on SQLite, so no child row is at risk.
    op.add_column("tasks", sa.Column("dav_name", sa.String(length=500), nullable=True))
    op.add_column("tasks", sa.Column("extra_properties", sa.Text(), nullable=True))
    op.add_column("tasks", sa.Column("has_start", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("tasks", sa.Column("has_due", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("tasks", sa.Column("all_day", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_tasks_calendar_id_dav_name", "tasks", ["calendar_id", "dav_name"], unique=True)
    # Existing calendars hold both kinds; a CalDAV client may create one for fewer (RFC 4791 §5.3.1).
    op.add_column(
        "calendars", sa.Column("components", sa.String(length=100), nullable=False, server_default="VEVENT,VTODO")
    )


def downgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("components")
    op.drop_index("ix_tasks_calendar_id_dav_name", table_name="tasks")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("all_day")
        batch_op.drop_column("has_due")
        batch_op.drop_column("has_start")
        batch_op.drop_column("extra_properties")
        batch_op.drop_column("dav_name")
