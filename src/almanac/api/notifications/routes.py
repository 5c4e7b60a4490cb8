"""Routes: webhooks CRUD with their deliveries, and the caller's due popup reminders."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Response

from almanac.api.auth import BearerPrincipal, Services
from almanac.api.backoffice_v2.schemas import ErrorRead
from almanac.api.notifications.schemas import (
    AttemptRead,
    DeliveryRead,
    PopupReminderRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from almanac.api.wire import format_instant, shown
from almanac.domain.errors import NotFoundError
from almanac.domain.webhooks import Webhook, parse_event_types
from almanac.services import reminders as reminder_service
from almanac.services import webhooks as webhook_service
from almanac.services.reminders import DuePopup
from almanac.services.webhooks import DeliveryRecord, WebhookChanges

router = APIRouter(prefix="/api/v2")

_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    400: {"model": ErrorRead, "description": "Invalid body or parameters (every invalid field is listed)."},
    401: {"model": ErrorRead, "description": "Missing, unknown, expired or revoked bearer token."},
}
_NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {
    404: {"model": ErrorRead, "description": "No such webhook, or not one of the caller's (admins see all)."}
}
_MAX_ID: Final = 2**63 - 1
Limit = Annotated[int, Query(ge=1, le=100, description="Page size (default 20, at most 100).")]
Offset = Annotated[int, Query(ge=0, le=_MAX_ID, description="How many to skip.")]


@router.post(
    "/webhooks",
    response_model=WebhookCreated,
    status_code=201,
    tags=["Webhooks"],
    summary="Register a webhook",
    description="The secret is returned once. The README documents the payloads and the signature scheme.",
    responses=_ERRORS,
)
def create_webhook(body: WebhookCreate, services: Services, principal: BearerPrincipal) -> WebhookCreated:
    webhook = webhook_service.create_webhook(
        services,
        principal=principal,
        url=body.url,
        secret=body.secret,
        event_types=parse_event_types(body.eventTypes),
        description=body.description,
    )
    return WebhookCreated(**_read(webhook).model_dump(), secret=webhook.secret)


@router.get(
    "/webhooks", response_model=list[WebhookRead], tags=["Webhooks"], summary="List webhooks", responses=_ERRORS
)
def list_webhooks(
    services: Services, principal: BearerPrincipal, limit: Limit = 20, offset: Offset = 0
) -> list[WebhookRead]:
    found = webhook_service.list_webhooks(services, principal=principal, offset=offset, limit=limit)
    return [_read(w) for w in found]


@router.get(
    "/webhooks/{webhookId}",
    response_model=WebhookRead,
    tags=["Webhooks"],
    summary="Get a webhook",
    responses={**_ERRORS, **_NOT_FOUND},
)
def get_webhook(webhookId: str, services: Services, principal: BearerPrincipal) -> WebhookRead:  # noqa: N803
    return _read(webhook_service.get_webhook(services, principal=principal, webhook_id=_id(webhookId)))


@router.patch(
    "/webhooks/{webhookId}",
    response_model=WebhookRead,
    tags=["Webhooks"],
    summary="Change a webhook (only the properties sent)",
    responses={**_ERRORS, **_NOT_FOUND},
)
def update_webhook(
    webhookId: str,  # noqa: N803
    body: WebhookUpdate,
    services: Services,
    principal: BearerPrincipal,
) -> WebhookRead:
    changes = WebhookChanges(
        url=body.url,
        secret=body.secret,
        event_types=parse_event_types(body.eventTypes) if body.eventTypes is not None else None,
        description=body.description,
        active=body.active,
    )
    return _read(
        webhook_service.update_webhook(services, principal=principal, webhook_id=_id(webhookId), changes=changes)
    )


@router.delete(
    "/webhooks/{webhookId}",
    status_code=204,
    tags=["Webhooks"],
    summary="Remove a webhook and its deliveries",
    responses={**_ERRORS, **_NOT_FOUND},
)
def delete_webhook(webhookId: str, services: Services, principal: BearerPrincipal) -> Response:  # noqa: N803
    webhook_service.delete_webhook(services, principal=principal, webhook_id=_id(webhookId))
    return Response(status_code=204)


@router.get(
    "/webhooks/{webhookId}/deliveries",
    response_model=list[DeliveryRead],
    tags=["Webhooks"],
    summary="List a webhook's deliveries, newest first, with their attempts",
    responses={**_ERRORS, **_NOT_FOUND},
)
def list_webhook_deliveries(
    webhookId: str,  # noqa: N803
    services: Services,
    principal: BearerPrincipal,
    limit: Limit = 20,
    offset: Offset = 0,
) -> list[DeliveryRead]:
    records = webhook_service.list_webhook_deliveries(
        services, principal=principal, webhook_id=_id(webhookId), offset=offset, limit=limit
    )
    return [_delivery(r) for r in records]


@router.get(
    "/reminders/due",
    response_model=list[PopupReminderRead],
    tags=["Reminders"],
    summary="The caller's popup reminders that are due now",
    description=(
        "Popup reminders (eXo `reminderType: popup`) of events and of tasks, due and not dismissed, oldest first,"
        " for a UI to show."
    ),
    responses=_ERRORS,
)
def due_reminders(services: Services, principal: BearerPrincipal) -> list[PopupReminderRead]:
    return [_popup(p) for p in reminder_service.due_popups(services, principal=principal)]


def _popup(popup: DuePopup) -> PopupReminderRead:
    delivery, instance = popup.delivery, popup.task_instance
    if popup.task is not None and instance is not None:
        return PopupReminderRead(
            id=delivery.id,
            kind="task",
            eventId=None,
            taskId=popup.task.key,
            caption=popup.task.summary,
            location=None,
            startDate=format_instant(instance.starts_at),
            endDate=format_instant(instance.due_at),
            recurrenceId=delivery.recurrence_key,
            dueAt=format_instant(delivery.due_at),
        )
    event = popup.event
    assert event is not None
    starts_at = delivery.occurrence_start or event.starts_at
    return PopupReminderRead(
        id=delivery.id,
        eventId=event.id or 0,
        caption=event.summary,
        location=event.location,
        startDate=format_instant(starts_at),
        endDate=format_instant(starts_at + (event.ends_at - event.starts_at)),
        recurrenceId=delivery.recurrence_key,
        dueAt=format_instant(delivery.due_at),
    )


@router.post(
    "/reminders/{reminderId}/dismiss",
    status_code=204,
    tags=["Reminders"],
    summary="Stop showing a popup reminder",
    responses={**_ERRORS, 404: {"model": ErrorRead, "description": "No such popup reminder of the caller."}},
)
def dismiss_reminder(reminderId: str, services: Services, principal: BearerPrincipal) -> Response:  # noqa: N803
    if len(reminderId) > 36:
        raise NotFoundError(kind="reminder", id=shown(reminderId))
    reminder_service.dismiss_popup(services, principal=principal, delivery_id=reminderId)
    return Response(status_code=204)


def _id(raw: str) -> int:
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= _MAX_ID:
        return int(raw)
    raise NotFoundError(kind="webhook", id=shown(raw))


def _read(webhook: Webhook) -> WebhookRead:
    assert webhook.id is not None and webhook.created_at is not None and webhook.updated_at is not None
    return WebhookRead(
        id=webhook.id,
        url=webhook.url,
        eventTypes=sorted(t.value for t in webhook.event_types),
        description=webhook.description,
        active=webhook.active,
        ownerId=webhook.owner_id,
        createdAt=format_instant(webhook.created_at),
        updatedAt=format_instant(webhook.updated_at),
    )


def _delivery(record: DeliveryRecord) -> DeliveryRead:
    d = record.delivery
    return DeliveryRead(
        id=d.id,
        eventType=d.event_type,
        status=d.status.value,
        dueAt=format_instant(d.due_at),
        sentAt=format_instant(d.sent_at) if d.sent_at else None,
        lastError=d.last_error,
        attempts=[
            AttemptRead(
                number=a.number,
                at=format_instant(a.at),
                ok=a.ok,
                statusCode=a.status_code,
                error=a.error,
                durationMs=a.duration_ms,
            )
            for a in record.attempts
        ],
    )
