"""eXo people: folded user names for participant suggestions, and server secrets (invitation answer links).

Revision ID: 0006_exo_people
Revises: 0003_reminders
Create Date: 2026-11-23
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006_exo_people"
down_revision = "0004_recurrence"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    # A frozen copy of almanac.domain.people.fold: a migration must not change when the code does.
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cc")


def upgrade() -> None:
    # A plain ADD COLUMN with a default: SQLite's batch mode would rebuild ``users``, and dropping the old
    # table with foreign keys enforced would cascade into every row that references a user.
    op.add_column("users", sa.Column("search_folded", sa.Text(), nullable=False, server_default=""))
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("username", sa.String()),
        sa.column("email", sa.String()),
        sa.column("display_name", sa.String()),
        sa.column("search_folded", sa.Text()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.display_name, users.c.username, users.c.email)).all()
    for row in rows:
        key = "\x1f".join(_fold(t) for t in (row.display_name, row.username, row.email))
        connection.execute(sa.update(users).where(users.c.id == row.id).values(search_folded=key))

    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )


def downgrade() -> None:
    op.drop_table("server_secrets")
    op.drop_column("users", "search_folded")
