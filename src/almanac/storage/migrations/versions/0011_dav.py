"""CalDAV: calendar order, and the per-calendar change log behind sync tokens and ctags.

Revision ID: 0011_dav
Revises: 0010_calendar_objects
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_dav"
down_revision = "0010_calendar_objects"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_order", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sync_revision", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.alter_column("sync_revision", server_default=None)
    op.create_table(
        "calendar_changes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("calendar_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_calendar_changes_calendar_id_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_changes")),
        sa.UniqueConstraint("calendar_id", "name", name=op.f("uq_calendar_changes_calendar_id_name")),
    )
    op.create_index(
        "ix_calendar_changes_calendar_id_revision", "calendar_changes", ["calendar_id", "revision"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_calendar_changes_calendar_id_revision", table_name="calendar_changes")
    op.drop_table("calendar_changes")
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("sync_revision")
        batch_op.drop_column("sort_order")
