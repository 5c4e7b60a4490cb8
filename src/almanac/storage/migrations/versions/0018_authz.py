"""Deliveries remember the calendar their event was in when the message was made, so the worker can check, when
it sends a webhook message about an event deleted since, that the subscriber may still read that calendar.

Revision ID: 0018_authz
Revises: 0016_sync_horizon
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_authz"
down_revision = "0016_sync_horizon"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # A plain nullable ADD COLUMN: no table rebuild on SQLite. No foreign key, as for event_id: a delivery's
    # history outlives its event and calendar. Rows made before this column stay NULL (see services.dispatch).
    op.add_column("deliveries", sa.Column("calendar_id", _ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("calendar_id")
