"""Wire shapes of webhooks, their deliveries, and due popup reminders."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from almanac.api.wire import SafeText
from almanac.domain.webhooks import MessageType

EVENT_TYPES_DESCRIPTION = "Message types to receive: " + ", ".join(f"`{t.value}`" for t in MessageType) + "."


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    url: SafeText = Field(max_length=2000, description="An http or https URL that answers 2xx to a POST.")
    secret: SafeText | None = Field(
        default=None, max_length=200, description="16-200 characters signing each POST; generated when absent."
    )
    eventTypes: list[SafeText] = Field(min_length=1, max_length=10, description=EVENT_TYPES_DESCRIPTION)  # noqa: N815
    description: SafeText | None = Field(default=None, max_length=1000)


class WebhookUpdate(BaseModel):
    """Only the properties sent change."""

    model_config = ConfigDict(extra="ignore")

    url: SafeText | None = Field(default=None, max_length=2000)
    secret: SafeText | None = Field(default=None, max_length=200)
    eventTypes: list[SafeText] | None = Field(default=None, min_length=1, max_length=10)  # noqa: N815
    description: SafeText | None = Field(default=None, max_length=1000)
    active: bool | None = None


class WebhookRead(BaseModel):
    id: int
    url: str
    eventTypes: list[str]  # noqa: N815
    description: str | None
    active: bool
    ownerId: int  # noqa: N815
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Shown once, at creation: keep it to verify the Almanac-Signature header.")


class AttemptRead(BaseModel):
    number: int
    at: str
    ok: bool
    statusCode: int | None  # noqa: N815
    error: str | None
    durationMs: int  # noqa: N815


class DeliveryRead(BaseModel):
    id: str = Field(description="The delivery id, sent as the Almanac-Delivery header on every attempt.")
    eventType: str | None  # noqa: N815
    status: str = Field(description="pending, claimed, sent, failed or cancelled.")
    dueAt: str  # noqa: N815
    sentAt: str | None  # noqa: N815
    lastError: str | None  # noqa: N815
    attempts: list[AttemptRead]


class PopupReminderRead(BaseModel):
    id: str = Field(description="The reminder delivery id; dismiss it with POST /api/v2/reminders/{id}/dismiss.")
    kind: Literal["event", "task"] = Field(default="event", description="What the reminder is about.")
    eventId: int | None = Field(description="The event (null for a task's reminder).")  # noqa: N815
    taskId: str | None = Field(  # noqa: N815
        default=None, description="The task, by its id on the eXo face (/rest/private/v1/calendar/tasks/{id})."
    )
    caption: str
    location: str | None
    startDate: str = Field(description="The occurrence's start; a task's start (its due time when it has none).")  # noqa: N815
    endDate: str = Field(description="The occurrence's end; a task's due time (its start when it has none).")  # noqa: N815
    recurrenceId: str | None = Field(  # noqa: N815
        default=None, description="The occurrence of a series (its original start, YYYYMMDDTHHMMSSZ or YYYYMMDD)."
    )
    dueAt: str  # noqa: N815
