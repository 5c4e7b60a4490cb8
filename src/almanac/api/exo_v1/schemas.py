"""The eXo v1 request bodies (spec §3.1-3.4 writable properties). Unknown and read-only properties
(``id``, ``href``, ``type``, ``icsURL``, ``calendar``, ``categories``...) are ignored, as in eXo (spec §1.10).

Types are checked here (a wrong JSON type is a 400); the eXo rules on values
are checked in ``bodies``, in eXo's order, so the first broken rule answers.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from almanac.api.wire import SafeText

_IGNORE_EXTRA = ConfigDict(extra="ignore", populate_by_name=True)


class CalendarWrite(BaseModel):
    """POST/PUT ``/calendars``: permissions are ``;``-separated entry lists (spec §2.2)."""

    model_config = _IGNORE_EXTRA

    name: SafeText | None = Field(default=None, max_length=200)
    description: SafeText | None = Field(default=None, max_length=10_000)
    color: SafeText | None = Field(default=None, max_length=50)
    timeZone: SafeText | None = Field(default=None, max_length=64)  # noqa: N815 - wire name
    owner: SafeText | None = Field(default=None, max_length=100)
    groups: list[SafeText] | None = Field(default=None, max_length=100)
    viewPermission: SafeText | None = Field(default=None, max_length=20_000)  # noqa: N815
    editPermission: SafeText | None = Field(default=None, max_length=20_000)  # noqa: N815
    publicURL: SafeText | None = Field(default=None, max_length=500)  # noqa: N815
    privateURL: SafeText | None = Field(default=None, max_length=500)  # noqa: N815


class EndWrite(BaseModel):
    model_config = _IGNORE_EXTRA

    type: SafeText | None = Field(default=None, max_length=20)
    value: SafeText | None = Field(default=None, max_length=64)


class RepeatWrite(BaseModel):
    """Spec §3.3, ``repeateBy`` spelled as on eXo's wire."""

    model_config = _IGNORE_EXTRA

    type: SafeText | None = Field(default=None, max_length=20)
    every: int | None = None
    repeatOn: SafeText | None = Field(default=None, max_length=100)  # noqa: N815
    repeateBy: SafeText | None = Field(default=None, max_length=200)  # noqa: N815
    exclude: list[SafeText] | None = Field(default=None, max_length=1000)
    end: EndWrite | None = None


class ReminderWrite(BaseModel):
    """Spec §3.4; only the type and the lead time are kept (the other properties are derived on output)."""

    model_config = _IGNORE_EXTRA

    reminderType: SafeText | None = Field(default=None, max_length=20)  # noqa: N815
    alarmBefore: int | None = None  # noqa: N815


class UploadResourceWrite(BaseModel):
    """Spec §3.6: an upload id from ``POST /uploads`` (or an attachment id to keep); a blank id keeps the
    attachments of that ``name``. ``mimeType`` and ``weight`` are read from the stored file, not from here."""

    model_config = _IGNORE_EXTRA

    id: SafeText | None = Field(default=None, max_length=200)
    name: SafeText | None = Field(default=None, max_length=1000)


class EventWrite(BaseModel):
    """POST ``/calendars/{id}/events`` and PUT ``/events/{id}`` (``calendarId`` moves, PUT only;
    ``recurrenceId`` names the occurrence of a ``recurringUpdateType`` edit, PUT only)."""

    model_config = _IGNORE_EXTRA

    subject: SafeText | None = None
    description: SafeText | None = None
    from_: SafeText | None = Field(default=None, alias="from", max_length=64)
    to: SafeText | None = Field(default=None, max_length=64)
    categoryId: SafeText | None = Field(default=None, max_length=200)  # noqa: N815
    location: SafeText | None = None
    priority: SafeText | None = Field(default=None, max_length=20)
    privacy: SafeText | None = Field(default=None, max_length=20)
    availability: SafeText | None = Field(default=None, max_length=20)
    participants: list[SafeText] | None = Field(default=None, max_length=1000)
    reminder: list[ReminderWrite] | None = Field(default=None, max_length=100)
    repeat: RepeatWrite | None = None
    recurrenceId: SafeText | None = Field(default=None, max_length=40)  # noqa: N815 - the occurrence a series edit names
    calendarId: SafeText | None = Field(default=None, max_length=200)  # noqa: N815
    uploadResources: list[UploadResourceWrite] | None = Field(default=None, max_length=1000)  # noqa: N815


class TaskWrite(BaseModel):
    """POST ``/calendars/{id}/tasks`` and PUT ``/tasks/{id}`` (spec §3.8 writable properties, plus
    ``uploadResources`` as on events)."""

    model_config = _IGNORE_EXTRA

    name: SafeText | None = None
    note: SafeText | None = None
    from_: SafeText | None = Field(default=None, alias="from", max_length=64)
    to: SafeText | None = Field(default=None, max_length=64)
    categoryId: SafeText | None = Field(default=None, max_length=200)  # noqa: N815
    delegation: list[SafeText] | None = Field(default=None, max_length=1000)
    priority: SafeText | None = Field(default=None, max_length=20)
    reminder: list[ReminderWrite] | None = Field(default=None, max_length=100)
    status: SafeText | None = Field(default=None, max_length=20)
    uploadResources: list[UploadResourceWrite] | None = Field(default=None, max_length=1000)  # noqa: N815


class FeedWrite(BaseModel):
    """POST ``/feeds`` and PUT ``/feeds/{id}`` (spec §3.9: ``calendars`` is read-only and ignored)."""

    model_config = _IGNORE_EXTRA

    name: SafeText | None = Field(default=None, max_length=1000)
    calendarIds: list[SafeText] | None = Field(default=None, max_length=1000)  # noqa: N815
