"""Occurrence keys: a recurrence id as text, and back.

A recurrence id is the original start of an occurrence (RFC 5545
RECURRENCE-ID, §3.8.4.4): an aware UTC datetime for a timed series, a date for
an all-day one. Its key is ``YYYYMMDDTHHMMSSZ`` (UTC) or ``YYYYMMDD``; parsing
also accepts the local form ``YYYYMMDDTHHMMSS``, read in the series' zone per
RFC 5545 §3.3.5.
"""

from __future__ import annotations

from datetime import date, datetime

from almanac.domain.errors import N_
from almanac.domain.recurrence_errors import RecurrenceError
from almanac.domain.recurrence_zones import (
    UTC,
    format_date_text,
    format_utc_text,
    load_zone,
    parse_date_text,
    parse_datetime_text,
    wall_clock_to_utc,
)

RecurrenceId = datetime | date
"""The original start of an occurrence: an aware UTC datetime, or a date for an all-day series."""


def format_occurrence_key(recurrence_id: RecurrenceId) -> str:
    """A recurrence id as an occurrence key: ``YYYYMMDDTHHMMSSZ`` (UTC) or ``YYYYMMDD`` for a date."""
    if isinstance(recurrence_id, datetime):
        return format_utc_text(recurrence_id)
    return format_date_text(recurrence_id)


def parse_occurrence_key(key: str, *, tzid: str, all_day: bool, field: str = "recurrence_id") -> RecurrenceId:
    """The recurrence id an occurrence key names, for a series in ``tzid``.

    Accepts ``YYYYMMDDTHHMMSSZ`` (UTC), ``YYYYMMDDTHHMMSS`` (wall-clock time in
    ``tzid``, RFC 5545 §3.3.5) and, for an all-day series, ``YYYYMMDD`` (a
    date-time key for an all-day series means its date as written). Returns an
    aware UTC datetime, or a date when ``all_day``. RecurrenceError about
    ``field`` otherwise.
    """
    text = key.strip().upper()
    day, stamp = parse_date_text(text), parse_datetime_text(text)
    if day is not None and not all_day:
        raise RecurrenceError.about(
            field, N_("%(key)s is a date, but the series has start times: use YYYYMMDDTHHMMSSZ."), key=key
        )
    if day is not None:
        return day
    if stamp is None:
        raise RecurrenceError.about(
            field,
            N_(
                "%(key)s is not an occurrence key: expected YYYYMMDDTHHMMSSZ (UTC), YYYYMMDDTHHMMSS "
                "(the series' time zone) or YYYYMMDD (all-day series)."
            ),
            key=key,
        )
    local, is_utc = stamp
    if all_day:
        return local.date()
    return local.replace(tzinfo=UTC) if is_utc else wall_clock_to_utc(local, load_zone(tzid))


__all__ = ["RecurrenceId", "format_occurrence_key", "parse_occurrence_key"]
