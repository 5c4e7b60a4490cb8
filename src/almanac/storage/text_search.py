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
  the exact ``LIKE`` on the column stays in the query and decides. A search reads it only when a probe
  finds few candidates (``TrigramTable.CANDIDATE_LIMIT``): for a common word, checking each of many
  candidates costs more than the planner's scan of the events the caller may see.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, column, func, select, table, text
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


TextColumn = QueryableAttribute[str] | QueryableAttribute[str | None]


def contains(attribute: TextColumn, needle: str) -> ColumnElement[bool]:
    """Case-insensitive substring match of ``needle`` on a case-folded column of ``events``."""
    return attribute.like(f"%{escape_like(needle.casefold())}%", escape="\\")


def _trigram_pattern(attribute: TextColumn, needle: str) -> ColumnElement[bool]:
    """The FTS table's ``LIKE`` for ``needle``: a candidate set (see the module's docstring)."""
    return _TRIGRAMS.c[attribute.key].like(f"%{needle.casefold()}%")


class TrigramTable:
    """SQLite's FTS5 trigram table, where this store has it, and when a search should read it.

    Whether it exists is asked once, on first use (after migrations). It is absent on PostgreSQL (its index
    needs no help from the query) and on a SQLite built without FTS5 or older than 3.34, where migration
    0021 leaves it out and searches read every visible event as before.
    """

    #: Most candidates a search reads from the trigram table. The trigram ``LIKE`` costs a few microseconds
    #: per match, and each candidate then costs a row read and the visibility check: at a million events a
    #: word in one summary of 20 had 50,000 candidates (a 107 ms ``LIKE``, and the whole search 590 ms
    #: against 396 ms without the table). Beyond this many the planner's own scan of what the caller may
    #: see is the cheaper read; a word this rare costs 1-20 ms instead of a scan of every visible event.
    CANDIDATE_LIMIT = 1000

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

    def contains(self, session: Session, attribute: TextColumn, needle: str) -> ColumnElement[bool]:
        """``contains``, reading its candidates from the trigram table when there are few of them.

        A probe of at most ``CANDIDATE_LIMIT + 1`` candidates (3-10 ms when it reaches the limit) decides.
        """
        exact = contains(attribute, needle)
        if len(needle.casefold()) < MIN_INDEXED_LENGTH or not self.present(session):
            return exact
        pattern = _trigram_pattern(attribute, needle)
        probe = select(_TRIGRAMS.c.rowid).where(pattern).limit(self.CANDIDATE_LIMIT + 1).subquery()
        if session.execute(select(func.count()).select_from(probe)).scalar_one() > self.CANDIDATE_LIMIT:
            return exact
        return EventRow.id.in_(select(_TRIGRAMS.c.rowid).where(pattern)) & exact
