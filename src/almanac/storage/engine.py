"""Building the SQLAlchemy engine for a database URL, with the per-backend settings Almanac relies on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class PoolSettings:
    """The connection pool of one process: SQLAlchemy's QueuePool defaults unless configured."""

    size: int = 5
    overflow: int = 10
    timeout_seconds: float = 30.0


def build_engine(
    url: str, *, echo: bool = False, sqlite_synchronous: str = "NORMAL", pool: PoolSettings | None = None
) -> Engine:
    """An engine for ``url``. SQLite gets WAL, enforced foreign keys and write-ahead locking (see below).

    ``sqlite_synchronous`` (NORMAL or FULL) is SQLite's ``synchronous`` pragma; see ``_configure_sqlite``.
    ``hide_parameters``: statement parameters hold secrets (webhook signing keys) and people's data, so SQL
    logging (``database_echo``) and database error messages show statements only.
    """
    parsed = make_url(url)
    pool = pool or PoolSettings()
    pooling: dict[str, Any] = {}
    if parsed.database not in (None, "", ":memory:"):
        # A file or a server: QueuePool (an in-memory SQLite database keeps its single connection instead).
        pooling = {"pool_size": pool.size, "max_overflow": pool.overflow, "pool_timeout": pool.timeout_seconds}
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_pre_ping=True, hide_parameters=True, **pooling)
    engine = create_engine(
        parsed,
        echo=echo,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": 30},
        **pooling,
    )
    _configure_sqlite(engine, synchronous=sqlite_synchronous)
    return engine


#: Execution option of the connections of read-only units of work (see storage.unit_of_work).
READ_ONLY_OPTION = "almanac_read_only"


def _configure_sqlite(engine: Engine, *, synchronous: str) -> None:
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"SQLite synchronous must be NORMAL or FULL, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers (other threads, other processes) read while one writer writes. Durability: a
        # commit is in the WAL file, in the operating system's cache, before COMMIT returns, so a killed
        # process (SIGKILL, OOM, crash) never loses an acknowledged write (tests/reliability). With NORMAL the
        # WAL is fsynced at checkpoints only: a power loss or OS crash may lose the last commits, never
        # corrupt the file. FULL fsyncs every commit: nothing acknowledged is lost even then, at a cost per write.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front. A deferred transaction that
        # reads and then writes fails at once with SQLITE_BUSY if another writer
        # committed in between (busy_timeout does not apply to that upgrade), which
        # would surface as an error under concurrent writes. A unit of work that
        # promised not to write (READ_ONLY_OPTION) begins deferred: in WAL mode it
        # reads a snapshot without waiting for writers or holding them up.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
