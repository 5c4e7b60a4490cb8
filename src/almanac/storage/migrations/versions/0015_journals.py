"""Journals (VJOURNAL) as CalDAV calendar objects, and what a CalDAV client's event left unsaid.

Journal entries are kept as the iCalendar text the client stored, beside the
columns their reads need (resource name, UID, DTSTART). Calendars that hold
the default components (events and tasks) now hold journals too; a calendar a
client made for fewer keeps its set. Events remember how their end was written
(DTEND, DURATION, neither) and whether they had CLASS, so CalDAV serves them so.

Revision ID: 0015_journals
Revises: 0019_task_reminders
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_journals"
down_revision = "0019_task_reminders"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMN with server defaults: no table rebuild on SQLite, and existing events keep DTEND and CLASS.
    op.add_column("events", sa.Column("end_form", sa.String(length=10), nullable=False, server_default="dtend"))
    op.add_column("events", sa.Column("class_stated", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "journals",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("calendar_id", _ID, nullable=False),
        sa.Column("author_id", _ID, nullable=False),
        sa.Column("uid", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=True),
        sa.Column("recurs", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["calendars.id"], name=op.f("fk_journals_calendar_id_calendars"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_journals_author_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journals")),
        sa.UniqueConstraint("calendar_id", "uid", name=op.f("uq_journals_calendar_id_uid")),
        sa.UniqueConstraint("calendar_id", "name", name=op.f("uq_journals_calendar_id_name")),
    )
    op.create_index("ix_journals_calendar_id_starts_at", "journals", ["calendar_id", "starts_at"])
    op.create_index("ix_journals_author_id", "journals", ["author_id"])
    op.execute("UPDATE calendars SET components = 'VEVENT,VTODO,VJOURNAL' WHERE components = 'VEVENT,VTODO'")


def downgrade() -> None:
    op.execute("UPDATE calendars SET components = 'VEVENT,VTODO' WHERE components = 'VEVENT,VTODO,VJOURNAL'")
    op.execute("UPDATE calendars SET components = 'VEVENT' WHERE components = 'VEVENT,VJOURNAL'")
    op.execute("UPDATE calendars SET components = 'VTODO' WHERE components = 'VTODO,VJOURNAL'")
    op.execute("UPDATE calendars SET components = 'VEVENT,VTODO' WHERE components = 'VJOURNAL'")
    op.drop_index("ix_journals_author_id", table_name="journals")
    op.drop_index("ix_journals_calendar_id_starts_at", table_name="journals")
    op.drop_table("journals")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("class_stated")
        batch_op.drop_column("end_form")
