"""Webhook use cases: register, read, change, remove endpoints, and list their deliveries with attempts.

Users manage their own webhooks; administrators manage everyone's. A webhook
the caller may not manage is reported as not found, so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from almanac.domain.deliveries import Delivery, DeliveryAttempt
from almanac.domain.errors import NotFoundError
from almanac.domain.ports import UnitOfWork
from almanac.domain.users import Principal
from almanac.domain.webhooks import MessageType, Webhook, can_manage_webhook, check_webhook, new_secret
from almanac.services.context import ServiceContext


@dataclass(frozen=True)
class WebhookChanges:
    """Fields to change; None keeps the stored value."""

    url: str | None = None
    secret: str | None = None
    event_types: frozenset[MessageType] | None = None
    description: str | None = None
    active: bool | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    delivery: Delivery
    attempts: list[DeliveryAttempt]


def create_webhook(
    ctx: ServiceContext,
    *,
    principal: Principal,
    url: str,
    event_types: frozenset[MessageType],
    secret: str | None = None,
    description: str | None = None,
) -> Webhook:
    """Register a webhook of the caller; a secret is generated when none is given. InvalidInputError lists
    every broken rule (non-http(s) URL, secret length, no event type)."""
    now = ctx.clock.now()
    webhook = Webhook(
        owner_id=principal.user_id,
        url=url.strip(),
        secret=secret if secret is not None else new_secret(),
        event_types=event_types,
        description=description,
        created_at=now,
        updated_at=now,
    )
    check_webhook(webhook)
    with ctx.uow() as uow:
        stored = uow.webhooks.add(webhook)
        uow.commit()
        return stored


def list_webhooks(ctx: ServiceContext, *, principal: Principal, offset: int, limit: int) -> list[Webhook]:
    """The caller's webhooks (an administrator's list holds everyone's), oldest first."""
    with ctx.uow() as uow:
        owner = None if principal.is_admin else principal.user_id
        return uow.webhooks.list_owned(owner_id=owner, offset=offset, limit=limit)


def get_webhook(ctx: ServiceContext, *, principal: Principal, webhook_id: int) -> Webhook:
    with ctx.uow() as uow:
        return _managed(uow, principal, webhook_id)


def update_webhook(ctx: ServiceContext, *, principal: Principal, webhook_id: int, changes: WebhookChanges) -> Webhook:
    with ctx.uow() as uow:
        webhook = _managed(uow, principal, webhook_id)
        updated = replace(
            webhook,
            url=changes.url.strip() if changes.url is not None else webhook.url,
            secret=changes.secret if changes.secret is not None else webhook.secret,
            event_types=changes.event_types if changes.event_types is not None else webhook.event_types,
            description=changes.description if changes.description is not None else webhook.description,
            active=changes.active if changes.active is not None else webhook.active,
            updated_at=ctx.clock.now(),
        )
        check_webhook(updated)
        stored = uow.webhooks.update(updated)
        uow.commit()
        return stored


def delete_webhook(ctx: ServiceContext, *, principal: Principal, webhook_id: int) -> None:
    """Remove the webhook and its pending and past deliveries."""
    with ctx.uow() as uow:
        _managed(uow, principal, webhook_id)
        uow.webhooks.delete(webhook_id)
        uow.commit()


def list_webhook_deliveries(
    ctx: ServiceContext, *, principal: Principal, webhook_id: int, offset: int, limit: int
) -> list[DeliveryRecord]:
    """The webhook's deliveries, newest first, each with its attempts in order."""
    with ctx.uow() as uow:
        _managed(uow, principal, webhook_id)
        deliveries = uow.deliveries.of_webhook(webhook_id, offset=offset, limit=limit)
        attempts = uow.deliveries.attempts_of([d.id for d in deliveries])
        return [DeliveryRecord(d, _of(attempts, d.id)) for d in deliveries]


def _of(attempts: Sequence[DeliveryAttempt], delivery_id: str) -> list[DeliveryAttempt]:
    return [a for a in attempts if a.delivery_id == delivery_id]


def _managed(uow: UnitOfWork, principal: Principal, webhook_id: int) -> Webhook:
    webhook = uow.webhooks.get(webhook_id)
    if webhook is None or not can_manage_webhook(principal, webhook):
        raise NotFoundError(kind="webhook", id=webhook_id)
    return webhook
