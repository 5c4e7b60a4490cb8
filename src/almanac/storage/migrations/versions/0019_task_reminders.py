"""Task reminders are delivered: each delivery may name a task, and a task's rolling reminder horizon.

Revision ID: 0019_task_reminders
Revises: 0018_authz
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_task_reminders"
down_revision = "0018_authz"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Existing deliveries are of events: NULL. Plain ADD COLUMN, no table rebuild on SQLite. Tasks stored
    # before this revision have no horizon row, so the worker's next horizon round plans their reminders.
    op.add_column("deliveries", sa.Column("task_id", _ID, nullable=True))
    op.create_index(op.f("ix_deliveries_task_id"), "deliveries", ["task_id"], unique=False)
    op.create_table(
        "task_reminder_horizons",
        sa.Column("task_id", _ID, nullable=False),
        sa.Column("planned_until", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_reminder_horizons_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_reminder_horizons")),
    )
    op.create_index(
        op.f("ix_task_reminder_horizons_planned_until"), "task_reminder_horizons", ["planned_until"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_task_reminder_horizons_planned_until"), table_name="task_reminder_horizons")
    op.drop_table("task_reminder_horizons")
    op.drop_index(op.f("ix_deliveries_task_id"), table_name="deliveries")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("task_id")
