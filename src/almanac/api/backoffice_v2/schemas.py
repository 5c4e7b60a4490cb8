"""The Back Office v2 wire shapes: what clients send (Create / Update) and what they read back."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from almanac.api.wire import (
    MAX_LIST_ITEMS,
    WIRE_TEMPLATES,
    EmailAddress,
    SafeText,
    parse_duration,
    parse_instant,
    shown,
)
from almanac.domain.errors import N_
from almanac.domain.events import Reminder

NOTIFICATION_DESCRIPTION = (
    "When to send a reminder: an ISO 8601 duration before the start (`PT2H`, `PT15M`, `P1D`) "
    "or an absolute ISO 8601 date-time with offset."
)


#: This face's validation messages, by error code (see api.problems).
V2_TEMPLATES: Final[dict[str, str]] = {
    **WIRE_TEMPLATES,
    "invalid_notification": N_(
        "%(value)s is neither an ISO 8601 duration before the start (PT2H, PT15M, P1D) nor an ISO 8601 date and time."
    ),
}


def parse_notification(value: object) -> Reminder:
    """``PT2H`` (before the start) or an absolute date-time; anything else is refused, naming the entry."""
    if isinstance(value, str) and value.strip().lstrip("+-")[:1].upper() == "P":
        return Reminder(before=parse_duration(value))
    try:
        return Reminder(at=parse_instant(value))
    except PydanticCustomError as exc:
        if exc.type == "string_type":
            raise
        raise PydanticCustomError("invalid_notification", "invalid notification", {"value": shown(value)}) from exc


Notification = Annotated[
    Reminder,
    PlainValidator(parse_notification),
    WithJsonSchema({"type": "string", "description": NOTIFICATION_DESCRIPTION, "examples": ["PT2H"]}),
]

WHEN_DESCRIPTION = (
    "ISO 8601 date-time with offset; for an all-day event (`allDay: true`) a date such as `2026-03-02`"
    " (the end date is exclusive: a one-day event ends the next day)."
)
TIME_ZONE_DESCRIPTION = (
    "The IANA time zone (`Europe/Paris`) whose wall clock the recurrence follows and whose midnights bound"
    " all-day events. Default: the calendar's zone on create, unchanged on update."
)
ALL_DAY_DESCRIPTION = "True for an event of whole days: startDate and endDate are then dates."
RECURRENCE_DESCRIPTION = (
    "RFC 5545 lines, as Google Calendar sends them: one RRULE, and RDATE / EXDATE lines"
    " (`EXDATE;TZID=Europe/Paris:20261207T090000`, `EXDATE:20261207T080000Z`). Floating times read in timeZone."
)
_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_when(value: object) -> datetime | date:
    """An instant with offset (as ``parse_instant``) or, for all-day events, a date ``YYYY-MM-DD``.

    Which of the two the event takes is decided with the stored event (see ``timing``).
    """
    if isinstance(value, str) and _DAY_RE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise PydanticCustomError("invalid_datetime", "invalid date", {"value": shown(value)}) from exc
    return parse_instant(value)


When = Annotated[
    datetime | date,
    PlainValidator(parse_when),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": WHEN_DESCRIPTION,
            "examples": ["2022-01-01T00:00:00+00:00", "2028-02-29"],
        }
    ),
]
RecurrenceLines = Annotated[
    list[SafeText],
    Field(max_length=1000, description=RECURRENCE_DESCRIPTION, examples=[["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10"]]),
]

_EXAMPLE: dict[str, Any] = {
    "caption": "Name",
    "description": "Description",
    "startDate": "2022-01-01T00:00:00+00:00",
    "endDate": "2022-01-01T00:00:00+00:00",
    "notifications": ["PT2H"],
    "recipients": ["user@example.com"],
}


class EventCreate(BaseModel):
    """A new event. Unknown and read-only properties (id, createTime...) are ignored."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [_EXAMPLE]})

    caption: SafeText = Field(description="The event name.")
    description: SafeText | None = Field(default=None, description="The event description.")
    startDate: When = Field(description="Start, ISO 8601 with offset (a date when allDay).")  # noqa: N815 - wire name
    endDate: When = Field(description="End, ISO 8601 with offset; not before startDate.")  # noqa: N815
    notifications: list[Notification] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description=NOTIFICATION_DESCRIPTION
    )
    recipients: list[EmailAddress] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Email addresses of existing users; case-insensitive, duplicates collapse.",
    )
    allDay: bool = Field(default=False, description=ALL_DAY_DESCRIPTION)  # noqa: N815
    timeZone: SafeText | None = Field(default=None, description=TIME_ZONE_DESCRIPTION)  # noqa: N815
    recurrence: RecurrenceLines | None = None


class EventUpdate(BaseModel):
    """Changes to an event (PUT and PATCH alike): only the properties sent change.

    null clears description and recurrence, and is refused elsewhere.
    """

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [_EXAMPLE]})

    caption: SafeText | None = None
    description: SafeText | None = None
    startDate: When | None = None  # noqa: N815
    endDate: When | None = None  # noqa: N815
    notifications: list[Notification] | None = Field(default=None, max_length=MAX_LIST_ITEMS)
    recipients: list[EmailAddress] | None = Field(default=None, max_length=MAX_LIST_ITEMS)
    allDay: bool | None = Field(default=None, description=ALL_DAY_DESCRIPTION)  # noqa: N815
    timeZone: SafeText | None = Field(default=None, description=TIME_ZONE_DESCRIPTION)  # noqa: N815
    recurrence: RecurrenceLines | None = None

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"description", "recurrence"})


class EventRead(BaseModel):
    """A Calendar Event object; the optional properties are present only when they say something."""

    id: int = Field(description="The event identifier (in an expanded list: the id of the series).")
    caption: str
    description: str | None
    startDate: str = Field(json_schema_extra={"format": "date-time"}, description=WHEN_DESCRIPTION)  # noqa: N815
    endDate: str = Field(json_schema_extra={"format": "date-time"}, description=WHEN_DESCRIPTION)  # noqa: N815
    notifications: list[str] = Field(description=NOTIFICATION_DESCRIPTION)
    recipients: list[str] = Field(description="Email addresses of the users added to the event.")
    authorEmail: str = Field(description="The email address of the user who created the event.")  # noqa: N815
    createTime: str = Field(json_schema_extra={"format": "date-time"})  # noqa: N815
    updateTime: str = Field(json_schema_extra={"format": "date-time"})  # noqa: N815
    allDay: bool | None = Field(default=None, description="Present (true) on all-day events.")  # noqa: N815
    timeZone: str | None = Field(  # noqa: N815
        default=None, description="The event's IANA zone; absent on a single timed event in UTC."
    )
    recurrence: list[str] | None = Field(
        default=None, description="On a series: its RRULE, RDATE and EXDATE lines, canonical, in timeZone."
    )
    seriesId: int | None = Field(  # noqa: N815
        default=None, description="On an occurrence of a series (or a stored override): the id of the series."
    )
    recurrenceId: str | None = Field(  # noqa: N815
        default=None, description="On an occurrence: its key, `YYYYMMDDTHHMMSSZ` (UTC), or `YYYYMMDD` all-day."
    )
    originalStartDate: str | None = Field(  # noqa: N815
        default=None, description="On an occurrence: the start it has in its series (before any override)."
    )


class SigninRequest(BaseModel):
    email: SafeText = Field(max_length=320)
    password: SafeText = Field(max_length=1024)


class RefreshRequest(BaseModel):
    refreshToken: SafeText = Field(max_length=200)  # noqa: N815


class TokenRead(BaseModel):
    token: str
    createdAt: str = Field(json_schema_extra={"format": "date-time"})  # noqa: N815
    expiresAt: str = Field(json_schema_extra={"format": "date-time"})  # noqa: N815


class SigninResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    two_factor_required: bool = Field(default=False, alias="2faRequired")
    accessToken: TokenRead  # noqa: N815
    refreshToken: TokenRead  # noqa: N815


class ProblemRead(BaseModel):
    field: str = Field(description="The property or parameter at fault, e.g. `recipients[1]`.")
    code: str = Field(description="Machine-readable reason.")
    message: str = Field(description="Human-readable reason, in the language of Accept-Language.")


class ErrorRead(BaseModel):
    code: str = Field(description="Machine-readable error code, e.g. `validation_error`, `not_found`.")
    message: str = Field(description="Human-readable summary, in the language of Accept-Language (en, ja).")
    errors: list[ProblemRead] = Field(default_factory=list, description="One entry per invalid field.")
