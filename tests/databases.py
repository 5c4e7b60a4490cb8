"""Fresh databases for tests: SQLite by default, PostgreSQL when ALMANAC_TEST_DATABASE_URL names one.

SQLite: the schema is migrated once into a template file, copied for every test.
PostgreSQL: each pytest-xdist worker of each checkout gets its own database,
migrated once and emptied (TRUNCATE ... RESTART IDENTITY) before every test.
The checkout's path is part of the name, so two clones (or git worktrees)
testing against one server at once never drop each other's databases.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from almanac.storage.engine import build_engine
from almanac.storage.migrate import upgrade_to_head
from almanac.storage.tables import Base

ENV = "ALMANAC_TEST_DATABASE_URL"


def backend_url() -> str | None:
    return os.environ.get(ENV) or None


def worker_suffix() -> str:
    checkout = hashlib.sha256(str(Path(__file__).resolve().parent).encode()).hexdigest()[:8]
    return f"{checkout}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def sqlite_template(directory: Path) -> Path:
    template = directory / "template.db"
    if not template.exists():
        engine = build_engine(f"sqlite:///{template}")
        upgrade_to_head(engine)
        engine.dispose()
    return template


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / "almanac.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def postgres_worker_database(base_url: str) -> str:
    """Create (if needed) and migrate this worker's own database; return its URL."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"almanac_test_{worker_suffix()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    worker_url = url.set(database=name).render_as_string(hide_password=False)
    engine = build_engine(worker_url)
    upgrade_to_head(engine)
    engine.dispose()
    return worker_url


def postgres_empty(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
