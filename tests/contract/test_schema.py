"""The migrations and the declarative tables describe the same schema, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from almanac.storage.migrate import current_revision, head_revision
from almanac.storage.tables import Base
from almanac.storage.text_search import compared_with_tables


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"include_name": compared_with_tables}), Base.metadata
            )
    finally:
        engine.dispose()
    assert differences == []
