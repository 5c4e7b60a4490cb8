"""Calendar objects: raw iCalendar lines Almanac does not model, CalDAV resource names, private feed secrets.

Revision ID: 0010_calendar_objects
Revises: 0004_recurrence
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_calendar_objects"
down_revision = "0007_exo_content"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra_ics", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("dav_name", sa.String(length=500), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_events_calendar_id_dav_name"), ["calendar_id", "dav_name"])
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_feed_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("private_feed_hash")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_events_calendar_id_dav_name"), type_="unique")
        batch_op.drop_column("dav_name")
        batch_op.drop_column("extra_ics")
