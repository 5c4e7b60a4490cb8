"""Parsing and printing the values every JSON face shares: instants, durations, addresses, safe text.

Each parser raises ``PydanticCustomError`` with one of the codes in
``WIRE_TEMPLATES``, so a failure is reported per field in the caller's language.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from email_validator import EmailNotValidError, validate_email
from icalendar import vDuration
from pydantic import AfterValidator, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from almanac.domain.errors import N_

MAX_SHOWN = 80

WIRE_TEMPLATES: Final[dict[str, str]] = {
    "invalid_datetime": N_("%(value)s is not an ISO 8601 date and time such as 2022-01-01T00:00:00+00:00."),
    "datetime_without_offset": N_("%(value)s has no UTC offset: add one such as +00:00 or Z."),
    "datetime_out_of_range": N_("%(value)s is outside the supported range of years 1 to 9999."),
    "invalid_duration": N_("%(value)s is not an ISO 8601 duration such as PT2H, PT15M or P1D."),
    "negative_duration": N_("%(value)s is negative: give the time before the start as a positive duration."),
    "invalid_email": N_("%(value)s is not a valid email address."),
    "nul_character": N_("Text must not contain NUL characters."),
    "invalid_text": N_("Text must be valid Unicode."),
    "null_not_allowed": N_("Must not be null."),
}


def shown(value: object) -> str:
    """A value as quoted in an error message: bounded, so hostile input is not echoed at length."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def checked_text(value: str) -> str:
    """Refuse text no store can keep faithfully: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PydanticCustomError("invalid_text", "Text must be valid Unicode.") from exc
    return value


def _require_string(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Must be a string.")
    return checked_text(value)


# A '+' in a query string arrives as a space ("...T00:00:00 00:00"): read it as the offset sign.
_SPACE_FOR_PLUS = re.compile(r"(T[\d:.,]+) (\d{2}(?::?\d{2})?)$")


def parse_instant(value: object) -> datetime:
    """An ISO 8601 date-time with a UTC offset (``Z`` or ``±hh:mm``), as an aware UTC datetime."""
    text = _require_string(value).strip()
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", text)
    try:
        parsed = datetime.fromisoformat(text) if len(text) <= 64 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise PydanticCustomError("invalid_datetime", "invalid date-time", {"value": shown(value)})
    if parsed.tzinfo is None:
        raise PydanticCustomError("datetime_without_offset", "no UTC offset", {"value": shown(value)})
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise PydanticCustomError("datetime_out_of_range", "out of range", {"value": shown(value)}) from exc


def format_instant(value: datetime) -> str:
    """``2022-01-01T00:00:00+00:00``: UTC, seconds, and a fraction only when there is one."""
    utc = value.astimezone(UTC)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")


def parse_duration(value: object) -> timedelta:
    """An ISO 8601 / RFC 5545 duration (weeks, days, hours, minutes, seconds), not negative."""
    text = _require_string(value).strip().upper()
    try:
        has_amount = any(ch.isdigit() for ch in text)  # icalendar reads a bare "P" as zero
        duration = vDuration.from_ical(text) if has_amount and len(text) <= 64 else None  # type: ignore[no-untyped-call]
    except (ValueError, TypeError, OverflowError):
        duration = None
    if not isinstance(duration, timedelta):
        raise PydanticCustomError("invalid_duration", "invalid duration", {"value": shown(value)})
    if duration < timedelta(0):
        raise PydanticCustomError("negative_duration", "negative duration", {"value": shown(value)})
    return duration


def format_duration(value: timedelta) -> str:
    rendered: bytes = vDuration(value).to_ical()  # type: ignore[no-untyped-call]
    return rendered.decode("ascii")


def parse_email(value: object) -> str:
    text = _require_string(value).strip()
    try:
        if len(text) > 320:
            raise EmailNotValidError("too long")
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise PydanticCustomError("invalid_email", "invalid email", {"value": shown(value)}) from exc
    return text


Instant = Annotated[
    datetime,
    PlainValidator(parse_instant),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2022-01-01T00:00:00+00:00"]}),
]
#: No list of a request body is read past this many items, whatever the settings allow (a cap their
#: validators share): each item is validated before the domain counts them against the setting, and
#: 100,000 addresses would keep a worker busy for seconds.
MAX_LIST_ITEMS: Final = 10_000
EmailAddress = Annotated[str, PlainValidator(parse_email), WithJsonSchema({"type": "string", "format": "email"})]
SafeText = Annotated[str, AfterValidator(checked_text)]
