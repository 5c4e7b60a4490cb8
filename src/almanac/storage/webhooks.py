"""The webhook repository: rows <-> domain webhooks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from almanac.domain.webhooks import MessageType, Webhook
from almanac.storage.tables import WebhookRow


def _webhook(row: WebhookRow) -> Webhook:
    return Webhook(
        id=row.id,
        owner_id=row.owner_id,
        url=row.url,
        secret=row.secret,
        event_types=frozenset(MessageType(t) for t in row.event_types.split() if t in MessageType._value2member_map_),
        description=row.description,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _fill(row: WebhookRow, webhook: Webhook) -> None:
    row.owner_id = webhook.owner_id
    row.url = webhook.url
    row.secret = webhook.secret
    row.event_types = " ".join(sorted(t.value for t in webhook.event_types))
    row.description = webhook.description
    row.active = webhook.active
    if webhook.created_at is not None:
        row.created_at = webhook.created_at
    if webhook.updated_at is not None:
        row.updated_at = webhook.updated_at


class SqlWebhookRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, webhook: Webhook) -> Webhook:
        row = WebhookRow()
        _fill(row, webhook)
        self._session.add(row)
        self._session.flush()
        return _webhook(row)

    def get(self, webhook_id: int) -> Webhook | None:
        row = self._session.get(WebhookRow, webhook_id)
        return _webhook(row) if row else None

    def update(self, webhook: Webhook) -> Webhook:
        row = self._session.get(WebhookRow, webhook.id)
        if row is None:
            raise LookupError(f"webhook {webhook.id} vanished during its unit of work")
        _fill(row, webhook)
        self._session.flush()
        return _webhook(row)

    def delete(self, webhook_id: int) -> None:
        row = self._session.get(WebhookRow, webhook_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()

    def list_owned(self, *, owner_id: int | None, offset: int, limit: int) -> list[Webhook]:
        query = select(WebhookRow).order_by(WebhookRow.id).offset(offset).limit(limit)
        if owner_id is not None:
            query = query.where(WebhookRow.owner_id == owner_id)
        return [_webhook(r) for r in self._session.scalars(query)]

    def subscribed(self, message_type: MessageType) -> list[Webhook]:
        # Few webhooks and a short type list: filter by substring in SQL, exactly in Python.
        rows = self._session.scalars(
            select(WebhookRow)
            .where(WebhookRow.active.is_(True), WebhookRow.event_types.contains(message_type.value))
            .order_by(WebhookRow.id)
        )
        return [w for w in map(_webhook, rows) if message_type in w.event_types]
