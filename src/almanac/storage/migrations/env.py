"""Alembic environment: runs on the connection ``almanac.storage.migrate`` hands over (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

from almanac.storage.tables import Base
from almanac.storage.text_search import compared_with_tables

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations with 'almanac migrate'")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=compared_with_tables,
)
with context.begin_transaction():
    context.run_migrations()
