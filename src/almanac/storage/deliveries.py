"""The delivery repository: scheduled deliveries, their attempts, reminder horizons, and the atomic claim.

Claiming is the one place where backends differ. PostgreSQL picks due rows with
``SELECT … FOR UPDATE SKIP LOCKED`` — concurrent claimers skip each other's
rows instead of waiting — and sets the lease on exactly those rows. SQLite has
one writer at a time (every transaction is ``BEGIN IMMEDIATE``, see
``engine``), so a single conditional ``UPDATE … WHERE id IN (due rows) AND
still due`` is atomic. Both then read back the rows carrying this claim's
unique lease owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from almanac.domain.deliveries import Delivery, DeliveryAttempt, DeliveryChannel, DeliveryStatus
from almanac.domain.invitations import INVITATION_DELIVERY_TYPE
from almanac.domain.tasks import TaskStatus
from almanac.storage.tables import (
    DeliveryAttemptRow,
    DeliveryRow,
    EventReminderRow,
    EventRow,
    ReminderHorizonRow,
    TaskReminderHorizonRow,
    TaskReminderRow,
    TaskRow,
)
from almanac.storage.upserts import upsert_of

_FINISHED_TASK = (TaskStatus.COMPLETED.value, TaskStatus.CANCELED.value)
_VISIBLE_POPUP = (DeliveryStatus.PENDING.value, DeliveryStatus.CLAIMED.value, DeliveryStatus.SENT.value)


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        channel=DeliveryChannel(row.channel),
        due_at=row.due_at,
        status=DeliveryStatus(row.status),
        event_id=row.event_id,
        calendar_id=row.calendar_id,
        series_id=row.series_id,
        occurrence_start=row.occurrence_start,
        recurrence_key=row.recurrence_key,
        reminder_key=row.reminder_key,
        recipient_id=row.recipient_id,
        task_id=row.task_id,
        webhook_id=row.webhook_id,
        event_type=row.event_type,
        payload=row.payload,
        attempts=row.attempts,
        last_error=row.last_error,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        sent_at=row.sent_at,
        dismissed_at=row.dismissed_at,
        created_at=row.created_at,
    )


def _values(delivery: Delivery) -> dict[str, Any]:
    if delivery.created_at is None:
        raise ValueError("a delivery needs created_at before it is stored")
    return {
        "id": delivery.id,
        "channel": delivery.channel.value,
        "status": delivery.status.value,
        "due_at": delivery.due_at,
        "event_id": delivery.event_id,
        "calendar_id": delivery.calendar_id,
        "series_id": delivery.series_id,
        "occurrence_start": delivery.occurrence_start,
        "recurrence_key": delivery.recurrence_key,
        "reminder_key": delivery.reminder_key,
        "recipient_id": delivery.recipient_id,
        "task_id": delivery.task_id,
        "webhook_id": delivery.webhook_id,
        "event_type": delivery.event_type,
        "payload": dict(delivery.payload) if delivery.payload is not None else None,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
    }


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending and due, or claimed by a worker whose lease ran out (it crashed or hung: retry)."""
    return or_(
        and_(DeliveryRow.status == DeliveryStatus.PENDING.value, DeliveryRow.due_at <= now),
        and_(DeliveryRow.status == DeliveryStatus.CLAIMED.value, DeliveryRow.lease_expires_at < now),
    )


class SqlDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, delivery_id: str) -> Delivery | None:
        row = self._session.get(DeliveryRow, delivery_id)
        return _delivery(row) if row else None

    def reminders_of_event(self, event_id: int) -> list[Delivery]:
        # Only reminders carry a reminder key: invitation mails and webhook messages are not replanned.
        rows = self._session.scalars(
            select(DeliveryRow).where(
                or_(DeliveryRow.event_id == event_id, DeliveryRow.series_id == event_id),
                DeliveryRow.channel != DeliveryChannel.WEBHOOK.value,
                DeliveryRow.reminder_key.is_not(None),
            )
        ).all()
        return [_delivery(r) for r in rows]

    def reminders_of_task(self, task_id: int) -> list[Delivery]:
        rows = self._session.scalars(
            select(DeliveryRow).where(
                DeliveryRow.task_id == task_id,
                DeliveryRow.channel != DeliveryChannel.WEBHOOK.value,
                DeliveryRow.reminder_key.is_not(None),
            )
        ).all()
        return [_delivery(r) for r in rows]

    def invitations_of(self, event_id: int, recipient_id: int) -> list[Delivery]:
        rows = self._session.scalars(
            select(DeliveryRow).where(
                DeliveryRow.event_id == event_id,
                DeliveryRow.recipient_id == recipient_id,
                DeliveryRow.event_type == INVITATION_DELIVERY_TYPE,
            )
        ).all()
        return [_delivery(r) for r in rows]

    def retarget(self, delivery_ids: Sequence[str], *, event_id: int | None) -> None:
        if not delivery_ids:
            return
        self._session.execute(
            update(DeliveryRow).where(DeliveryRow.id.in_(list(delivery_ids))).values(event_id=event_id),
            execution_options={"synchronize_session": False},
        )

    def add_missing(self, deliveries: Sequence[Delivery]) -> int:
        if not deliveries:
            return 0
        wanted = {d.id: d for d in deliveries}
        known: set[str] = set()
        ids = list(wanted)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            known.update(self._session.scalars(select(DeliveryRow.id).where(DeliveryRow.id.in_(chunk))))
        fresh = [_values(d) for i, d in wanted.items() if i not in known]
        if fresh:  # Core, not the ORM's bulk insert: no per-row bookkeeping (an import adds thousands)
            self._session.execute(insert(DeliveryRow.metadata.tables[DeliveryRow.__tablename__]), fresh)
        return len(fresh)

    def set_status(
        self, delivery_ids: Sequence[str], status: DeliveryStatus, *, due_at: datetime | None = None
    ) -> None:
        if not delivery_ids:
            return
        values: dict[str, Any] = {"status": status.value, "lease_owner": None, "lease_expires_at": None}
        if status is DeliveryStatus.PENDING:
            values.update(attempts=0, last_error=None)
        if due_at is not None:
            values["due_at"] = due_at
        self._session.execute(
            update(DeliveryRow).where(DeliveryRow.id.in_(list(delivery_ids))).values(**values),
            execution_options={"synchronize_session": False},
        )

    def claim_due(self, *, now: datetime, owner: str, lease_until: datetime, limit: int) -> list[Delivery]:
        claim = {
            "status": DeliveryStatus.CLAIMED.value,
            "lease_owner": owner,
            "lease_expires_at": lease_until,
            "attempts": DeliveryRow.attempts + 1,
        }
        candidates = select(DeliveryRow.id).where(_due(now)).order_by(DeliveryRow.due_at).limit(limit)
        if self._session.get_bind().dialect.name == "postgresql":
            ids = list(self._session.scalars(candidates.with_for_update(skip_locked=True)))
            if not ids:
                return []
            statement = update(DeliveryRow).where(DeliveryRow.id.in_(ids))
        else:
            # Re-check "due" in the UPDATE itself: the claim holds whatever happened since the subquery ran.
            statement = update(DeliveryRow).where(DeliveryRow.id.in_(candidates.scalar_subquery()), _due(now))
        self._session.execute(statement.values(**claim), execution_options={"synchronize_session": False})
        rows = self._session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.lease_owner == owner, DeliveryRow.status == DeliveryStatus.CLAIMED.value)
            .order_by(DeliveryRow.due_at)
            .execution_options(populate_existing=True)
        ).all()
        return [_delivery(r) for r in rows]

    def finish(
        self,
        delivery_id: str,
        *,
        owner: str,
        status: DeliveryStatus,
        now: datetime,
        due_at: datetime | None = None,
        error: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"status": status.value, "lease_owner": None, "lease_expires_at": None}
        if status is DeliveryStatus.SENT:
            values["sent_at"] = now
        if due_at is not None:
            values["due_at"] = due_at
        if error is not None:
            values["last_error"] = error[:2000]
        result = self._session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == delivery_id,
                DeliveryRow.lease_owner == owner,
                DeliveryRow.status == DeliveryStatus.CLAIMED.value,
            )
            .values(**values),
            execution_options={"synchronize_session": False},
        )
        return bool(getattr(result, "rowcount", 0))

    def next_due_at(self) -> datetime | None:
        pending = self._session.scalar(
            select(func.min(DeliveryRow.due_at)).where(DeliveryRow.status == DeliveryStatus.PENDING.value)
        )
        leased = self._session.scalar(
            select(func.min(DeliveryRow.lease_expires_at)).where(DeliveryRow.status == DeliveryStatus.CLAIMED.value)
        )
        found = [t for t in (pending, leased) if t is not None]
        # Aggregates bypass the column type on some backends: restore the UTC zone here.
        return min(found).replace(tzinfo=UTC) if found else None

    def add_attempt(self, attempt: DeliveryAttempt) -> None:
        self._session.add(
            DeliveryAttemptRow(
                delivery_id=attempt.delivery_id,
                number=attempt.number,
                at=attempt.at,
                ok=attempt.ok,
                status_code=attempt.status_code,
                error=attempt.error[:2000] if attempt.error else None,
                duration_ms=attempt.duration_ms,
            )
        )
        self._session.flush()

    def attempts_of(self, delivery_ids: Sequence[str]) -> list[DeliveryAttempt]:
        if not delivery_ids:
            return []
        rows = self._session.scalars(
            select(DeliveryAttemptRow)
            .where(DeliveryAttemptRow.delivery_id.in_(list(delivery_ids)))
            .order_by(DeliveryAttemptRow.delivery_id, DeliveryAttemptRow.number, DeliveryAttemptRow.id)
        ).all()
        return [
            DeliveryAttempt(
                delivery_id=r.delivery_id,
                number=r.number,
                at=r.at,
                ok=r.ok,
                status_code=r.status_code,
                error=r.error,
                duration_ms=r.duration_ms,
            )
            for r in rows
        ]

    def of_webhook(self, webhook_id: int, *, offset: int, limit: int) -> list[Delivery]:
        rows = self._session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.webhook_id == webhook_id)
            .order_by(DeliveryRow.created_at.desc(), DeliveryRow.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return [_delivery(r) for r in rows]

    def due_popups(self, recipient_id: int, *, now: datetime, since: datetime) -> list[Delivery]:
        rows = self._session.scalars(
            select(DeliveryRow)
            .where(
                DeliveryRow.recipient_id == recipient_id,
                DeliveryRow.channel == DeliveryChannel.POPUP.value,
                DeliveryRow.due_at <= now,
                DeliveryRow.status.in_(_VISIBLE_POPUP),
                DeliveryRow.dismissed_at.is_(None),
                DeliveryRow.occurrence_start >= since,
            )
            .order_by(DeliveryRow.due_at, DeliveryRow.id)
        ).all()
        return [_delivery(r) for r in rows]

    def dismiss(self, delivery_id: str, at: datetime) -> None:
        self._session.execute(
            update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(dismissed_at=at),
            execution_options={"synchronize_session": False},
        )

    def horizon_of(self, event_id: int) -> datetime | None:
        row = self._session.get(ReminderHorizonRow, event_id)
        return row.planned_until if row else None

    def set_horizon(self, event_id: int, until: datetime) -> None:
        # One upsert, not a read and then an ORM insert or update: a step of every event write.
        self._session.execute(
            upsert_of(self._session, ReminderHorizonRow)
            .values(event_id=event_id, planned_until=until)
            .on_conflict_do_update(index_elements=["event_id"], set_={"planned_until": until})
        )
        loaded = self._session.identity_map.get(self._session.identity_key(ReminderHorizonRow, event_id))
        if loaded is not None:  # keep a row this unit of work read in step with the statement
            self._session.expire(loaded)

    def set_horizons(self, horizons: Mapping[int, datetime]) -> None:
        if not horizons:
            return
        ids = sorted(horizons)
        known: set[int] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            known.update(
                self._session.scalars(select(ReminderHorizonRow.event_id).where(ReminderHorizonRow.event_id.in_(chunk)))
            )
        fresh = [{"event_id": i, "planned_until": horizons[i]} for i in ids if i not in known]
        moved = [{"event_id": i, "planned_until": horizons[i]} for i in ids if i in known]
        if fresh:  # Core, not the ORM's bulk insert: no per-row bookkeeping
            self._session.execute(insert(ReminderHorizonRow.metadata.tables[ReminderHorizonRow.__tablename__]), fresh)
        if moved:
            self._session.execute(update(ReminderHorizonRow), moved)  # by primary key, executemany
            for row in self._session.identity_map.values():
                if isinstance(row, ReminderHorizonRow) and row.event_id in horizons:
                    self._session.expire(row)

    def events_to_plan(self, *, before: datetime, limit: int) -> list[int]:
        # Single events and series masters (an override is planned with its master). A single event is
        # planned whole once its start is inside the horizon; a series stays a candidate while it may have
        # occurrences past its horizon. The service recomputes exactly; this prefilters.
        override = aliased(EventRow)
        has_reminders = or_(
            exists().where(EventReminderRow.event_id == EventRow.id),
            exists().where(override.series_id == EventRow.id, EventReminderRow.event_id == override.id),
        )
        series_goes_on = and_(
            EventRow.recurrence.is_not(None),
            or_(EventRow.span_ends_at.is_(None), EventRow.span_ends_at > ReminderHorizonRow.planned_until),
        )
        query = (
            select(EventRow.id)
            .join(ReminderHorizonRow, ReminderHorizonRow.event_id == EventRow.id, isouter=True)
            .where(
                EventRow.series_id.is_(None),
                has_reminders,
                or_(
                    ReminderHorizonRow.event_id.is_(None),
                    and_(
                        ReminderHorizonRow.planned_until < before,
                        or_(EventRow.starts_at >= ReminderHorizonRow.planned_until, series_goes_on),
                    ),
                ),
            )
            .order_by(EventRow.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def purge_event(self, event_id: int) -> None:
        """Forget an event's horizon (its deliveries stay as history)."""
        self._session.execute(delete(ReminderHorizonRow).where(ReminderHorizonRow.event_id == event_id))

    def set_task_horizon(self, task_id: int, until: datetime) -> None:
        row = self._session.get(TaskReminderHorizonRow, task_id)
        if row is None:
            self._session.add(TaskReminderHorizonRow(task_id=task_id, planned_until=until))
        else:
            row.planned_until = until
        self._session.flush()

    def tasks_to_plan(self, *, before: datetime, limit: int) -> list[int]:
        # Open tasks with reminders never planned (stored before task reminders were delivered), or planned
        # up to an instant earlier than ``before`` that may still remind later: a task starting or due past
        # its horizon, or one whose kept lines make it recur. The service recomputes exactly; this prefilters.
        recurs = or_(TaskRow.extra_properties.contains("RRULE"), TaskRow.extra_properties.contains("RDATE"))
        query = (
            select(TaskRow.id)
            .join(TaskReminderHorizonRow, TaskReminderHorizonRow.task_id == TaskRow.id, isouter=True)
            .where(
                exists().where(TaskReminderRow.task_id == TaskRow.id),
                TaskRow.status.not_in(_FINISHED_TASK),
                or_(
                    TaskReminderHorizonRow.task_id.is_(None),
                    and_(
                        TaskReminderHorizonRow.planned_until < before,
                        or_(
                            TaskRow.starts_at >= TaskReminderHorizonRow.planned_until,
                            TaskRow.due_at >= TaskReminderHorizonRow.planned_until,
                            recurs,
                        ),
                    ),
                ),
            )
            .order_by(TaskRow.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))
