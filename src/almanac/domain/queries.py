"""What a caller may ask of the event store: filters, sort orders and pages, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class EventSortKey(StrEnum):
    STARTS_AT = "starts_at"
    ENDS_AT = "ends_at"
    SUMMARY = "summary"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    ID = "id"


@dataclass(frozen=True)
class EventFilter:
    """Back Office list filters, combined with AND; an unset field does not filter.

    The period predicate (the one place it is defined; storage implements it):
    an event matches when ``starts_at >= period_start`` and ``ends_at <= period_end``
    — it lies within the period, both bounds inclusive.
    """

    period_start: datetime | None = None
    period_end: datetime | None = None
    participant_emails: tuple[str, ...] = ()
    summary_contains: str | None = None
    description_contains: str | None = None

    def within_period(self, starts_at: datetime, ends_at: datetime) -> bool:
        """The period predicate for one span (an event, or one occurrence of a series), in plain Python.

        Storage implements the same predicate in SQL for stored events; lists of
        expanded occurrences apply this one to each occurrence's own start and end.
        """
        if self.period_start is not None and starts_at < self.period_start:
            return False
        return self.period_end is None or ends_at <= self.period_end


@dataclass(frozen=True)
class EventOrder:
    key: EventSortKey = EventSortKey.STARTS_AT
    descending: bool = False


@dataclass(frozen=True)
class PageRequest:
    offset: int = 0
    limit: int = 10

    def total_shown(self, count_on_page: int) -> int | None:
        """The total match count when a page of ``count_on_page`` items tells it, else None (count them).

        A page shorter than the limit is the last one, so the total is what lies before it plus what it
        holds; unless it is empty past the first page (past the end, it says nothing of what lies before).
        Repositories skip their COUNT statement when this answers.
        """
        if count_on_page < self.limit and (count_on_page > 0 or self.offset == 0):
            return self.offset + count_on_page
        return None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    total: int = 0
