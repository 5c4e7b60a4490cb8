"""Schema migrations: bring a database to the newest Alembic revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).with_name("migrations")
# The PostgreSQL advisory lock every migrator of a database takes ("almanac" in ASCII): any fixed number
# works, as long as every Almanac process uses the same one.
MIGRATION_LOCK_KEY = 0x616C6D616E6163


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration in one transaction (SQLite and PostgreSQL both have transactional DDL).

    Safe to run from several processes at once (``almanac serve`` migrates at start): migrators take turns,
    and the later ones find the schema at head and change nothing. On PostgreSQL the turn is an advisory
    lock held by the migration's transaction; on SQLite it is the database's write lock, which the
    transaction takes at BEGIN (BEGIN IMMEDIATE, see storage/engine.py) and others wait for (busy_timeout).
    Alembic reads the current revision only after that, inside the transaction."""
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        if sqlite and raw is not None:
            # Alembic's batch mode rebuilds a SQLite table (copy, DROP, rename). With foreign keys
            # enforced, that DROP cascade-deletes every row referencing the table (all events when
            # calendars is rebuilt), so they are off during migrations (the pragma is ignored inside a
            # transaction: set it before BEGIN) and the result is checked before committing.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    # A transaction-level lock: released at commit or rollback, even if the process dies.
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left rows with broken foreign keys: {broken[:5]}")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
