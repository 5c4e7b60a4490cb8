"""Building the SQLAlchemy engine for a database URL, with the per-backend settings Almanac relies on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def build_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``. SQLite gets WAL, enforced foreign keys and write-ahead locking (see below).

    ``hide_parameters``: statement parameters hold secrets (webhook signing keys) and people's data, so SQL
    logging (``database_echo``) and database error messages show statements only.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_pre_ping=True, hide_parameters=True)
    engine = create_engine(
        parsed, echo=echo, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 30}
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front. A deferred transaction that
        # reads and then writes fails at once with SQLITE_BUSY if another writer
        # committed in between (busy_timeout does not apply to that upgrade), which
        # would surface as an error under concurrent writes.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
