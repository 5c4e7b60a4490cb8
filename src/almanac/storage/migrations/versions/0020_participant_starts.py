"""Participants carry their event's start, indexed with the person: "events X takes part in, within a period".

The Back Office recipient filter read every event of the period store-wide and checked each one's
participants (83 ms for one week at a million events); with (user_id, event_starts_at, event_id) it reads
one range of one person's rows (about 1 ms). The index replaces the one on user_id alone, which it prefixes.

Revision ID: 0020_participant_starts
Revises: 0015_journals
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_participant_starts"
down_revision = "0015_journals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("event_participants", sa.Column("event_starts_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE event_participants SET event_starts_at ="
        " (SELECT events.starts_at FROM events WHERE events.id = event_participants.event_id)"
    )
    # NOT NULL once filled: a rebuild of this table on SQLite (nothing refers to it, so nothing cascades).
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.alter_column("event_starts_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_event_participants_user_id"))
        batch_op.create_index(
            batch_op.f("ix_event_participants_user_id_event_starts_at"),
            ["user_id", "event_starts_at", "event_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_participants_user_id_event_starts_at"))
        batch_op.create_index(batch_op.f("ix_event_participants_user_id"), ["user_id"], unique=False)
        batch_op.drop_column("event_starts_at")
