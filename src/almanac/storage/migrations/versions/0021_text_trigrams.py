"""A trigram index of events' folded summaries and descriptions, for the substring searches.

``filter[name]`` / ``filter[description]`` are ``LIKE '%…%'``, which no B-tree serves: at a million events
a name search read every event its caller may see (535 ms). ``storage.text_search`` says how each backend
uses what this adds:

* PostgreSQL: pg_trgm's GIN indexes on ``summary_folded`` and ``description_folded``, which serve the same
  ``LIKE``. The extension ships with PostgreSQL (``postgresql-contrib``) and is trusted since PostgreSQL 13
  (a database owner may create it). Where it is missing or may not be created, the migration goes on
  without the indexes: searches stay right, only slower.
* SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+), its content the two folded columns under
  the event's id, filled here and kept in step by triggers on ``events``. A SQLite without it gets no table.

A later migration that rebuilds ``events`` on SQLite (``batch_alter_table``: copy, drop, rename) drops these
triggers with the old table and must create them again (``create_sqlite_triggers``); the storage tests
check the index follows inserts, updates and deletes at head.

Revision ID: 0021_text_trigrams
Revises: 0020_participant_starts
Create Date: 2026-11-21
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0021_text_trigrams"
down_revision = "0020_participant_starts"
branch_labels = None
depends_on = None

# Frozen copies of storage.text_search's names: a migration never imports the application's code.
TABLE = "event_text_trigrams"
COLUMNS = ("summary_folded", "description_folded")
PG_INDEXES = {
    "summary_folded": "ix_events_summary_folded_trigrams",
    "description_folded": "ix_events_description_folded_trigrams",
}
_TRIGGERS = ("events_text_trigrams_insert", "events_text_trigrams_delete", "events_text_trigrams_update")

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _upgrade_postgresql(bind)
    elif bind.dialect.name == "sqlite":
        _upgrade_sqlite(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in PG_INDEXES.values():
            op.execute(f"DROP INDEX IF EXISTS {name}")
    elif bind.dialect.name == "sqlite":
        for trigger in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _upgrade_postgresql(bind: sa.Connection) -> None:
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        log.warning("pg_trgm is not installed on this server: text searches will read every candidate event")
        return
    try:
        # In a savepoint: a refused CREATE EXTENSION must not abort the migration's transaction.
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm could not be created (%s): text searches will read every candidate event", exc.orig)
        return
    for column, name in PG_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON events USING gin ({column} gin_trgm_ops)")


def _upgrade_sqlite(bind: sa.Connection) -> None:
    columns = ", ".join(COLUMNS)
    try:
        bind.execute(
            sa.text(
                f"CREATE VIRTUAL TABLE {TABLE} USING fts5({columns}, content='events', content_rowid='id',"
                " tokenize='trigram')"
            )
        )
    except sa.exc.OperationalError as exc:
        log.warning("this SQLite has no FTS5 trigram tokenizer (%s): text searches will read every event", exc.orig)
        return
    # 'rebuild' reads the content table (events) through the declared columns.
    bind.execute(sa.text(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')"))
    create_sqlite_triggers(bind)


def create_sqlite_triggers(bind: sa.Connection) -> None:
    """The triggers that keep the external-content FTS table in step with ``events``: FTS5 deletes a row by
    the values it indexed, so a delete (and an update) hands it the old ones."""
    columns = ", ".join(COLUMNS)
    new_values = ", ".join(f"new.{c}" for c in COLUMNS)
    old_values = ", ".join(f"old.{c}" for c in COLUMNS)
    insert_new = f"INSERT INTO {TABLE}(rowid, {columns}) VALUES (new.id, {new_values});"
    delete_old = f"INSERT INTO {TABLE}({TABLE}, rowid, {columns}) VALUES ('delete', old.id, {old_values});"
    insert_trigger, delete_trigger, update_trigger = _TRIGGERS
    bind.execute(sa.text(f"CREATE TRIGGER {insert_trigger} AFTER INSERT ON events BEGIN {insert_new} END"))
    bind.execute(sa.text(f"CREATE TRIGGER {delete_trigger} AFTER DELETE ON events BEGIN {delete_old} END"))
    bind.execute(
        sa.text(
            f"CREATE TRIGGER {update_trigger} AFTER UPDATE OF {columns} ON events BEGIN {delete_old} {insert_new} END"
        )
    )
