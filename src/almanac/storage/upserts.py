"""``INSERT … ON CONFLICT`` in the store's own dialect: SQLAlchemy offers it per dialect, not in Core."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_of(session: Session, entity: Any) -> sqlite.Insert | postgresql.Insert:
    """An INSERT into ``entity`` (a mapped class or a table) that can take ``on_conflict_do_nothing`` or
    ``on_conflict_do_update``, for the SQLite or PostgreSQL store the session is bound to."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)
