"""Substring search over events' folded texts, and the trigram index that serves it.

``filter[name]`` and ``filter[description]`` are case-insensitive substring matches: ``LIKE '%…%'`` on a
case-folded column, which no B-tree index serves, so without help a search reads every event the caller
may see (535 ms for a name at a million events, issue 8). Migration 0021 adds a trigram index:

* PostgreSQL: pg_trgm's GIN indexes on the folded columns. The planner uses them for the same ``LIKE`` by
  itself, so the query is unchanged (and still right where the extension could not be installed).
* SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 and later) holding a copy of the folded
  columns under the event's id, kept in step with ``events`` by triggers. The planner cannot see it, so
  the query names it: the events whose id the FTS table's ``LIKE`` finds. That ``LIKE`` is a candidate set
  (it folds case and, without ``ESCAPE``, takes ``%`` and ``_`` as wildcards, so it can only find more);
  the exact ``LIKE`` on the column stays in the query and decides.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, column, select, table, text
from sqlalchemy.orm import QueryableAttribute, Session

from almanac.storage.tables import EventRow

#: The FTS5 table of migration 0021 (SQLite only), and the shadow tables FTS5 keeps beside it.
TRIGRAM_TABLE = "event_text_trigrams"
#: pg_trgm's indexes of migration 0021 (PostgreSQL only), by the column they serve.
TRIGRAM_INDEXES = {
    "summary_folded": "ix_events_summary_folded_trigrams",
    "description_folded": "ix_events_description_folded_trigrams",
}
#: A trigram index serves a pattern that holds at least one trigram; a shorter one would read all of it.
MIN_INDEXED_LENGTH = 3

_TRIGRAMS = table(TRIGRAM_TABLE, column("rowid"), column("summary_folded"), column("description_folded"))


def compared_with_tables(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: everything but the trigram index's tables and indexes, which migrations
    and triggers keep outside the declarative tables (``storage.tables``), so autogenerate and the schema
    test leave them out."""
    return name is None or not (name.startswith(TRIGRAM_TABLE) or name in TRIGRAM_INDEXES.values())


def escape_like(text: str) -> str:
    """``text`` as a ``LIKE`` pattern that matches it literally (with ``ESCAPE '\\'``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(
    attribute: QueryableAttribute[str] | QueryableAttribute[str | None], needle: str, *, trigram_table: bool
) -> ColumnElement[bool]:
    """Case-insensitive substring match of ``needle`` on a case-folded column of ``events``.

    ``trigram_table``: SQLite's FTS5 trigram table exists (``TrigramTable``); the match then reads only
    the events it names as candidates.
    """
    folded = needle.casefold()
    exact = attribute.like(f"%{escape_like(folded)}%", escape="\\")
    if not trigram_table or len(folded) < MIN_INDEXED_LENGTH:
        return exact
    candidates = select(_TRIGRAMS.c.rowid).where(_TRIGRAMS.c[attribute.key].like(f"%{folded}%"))
    return EventRow.id.in_(candidates) & exact


class TrigramTable:
    """Whether this store has SQLite's FTS5 trigram table: asked once, on first use (after migrations).

    Absent on PostgreSQL (its index needs no help from the query) and on a SQLite built without FTS5 or
    older than 3.34, where migration 0021 leaves it out and searches read every candidate row as before.
    """

    def __init__(self) -> None:
        self._present: bool | None = None

    def present(self, session: Session) -> bool:
        if self._present is None:
            bind = session.get_bind()
            self._present = bind.dialect.name == "sqlite" and (
                session.execute(
                    text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                    {"name": TRIGRAM_TABLE},
                ).first()
                is not None
            )
        return self._present
