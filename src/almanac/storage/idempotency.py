"""The Idempotency-Key repository: each user's used keys with the response of their first request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from almanac.domain.idempotency import IdempotencyRecord, IdempotentRequest, RecordedResponse
from almanac.storage.tables import IdempotencyKeyRow
from almanac.storage.upserts import upsert_of


class SqlIdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, user_id: int, key: str, *, now: datetime) -> IdempotencyRecord | None:
        row = self._session.scalar(
            select(IdempotencyKeyRow).where(
                IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key, IdempotencyKeyRow.expires_at > now
            )
        )
        return None if row is None else _record(row)

    def add(self, record: IdempotencyRecord, *, now: datetime) -> bool:
        request, response = record.request, record.response
        self._session.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.user_id == request.user_id, IdempotencyKeyRow.expires_at <= now
            )
        )
        # INSERT … ON CONFLICT DO NOTHING: on PostgreSQL a concurrent transaction inserting the same key makes
        # this one wait for its end and then insert nothing, without aborting the transaction (SQLite's
        # BEGIN IMMEDIATE has already serialised the two).
        statement = (
            upsert_of(self._session, IdempotencyKeyRow)
            .values(
                user_id=request.user_id,
                key=request.key,
                fingerprint=request.fingerprint,
                status=response.status,
                headers=dict(response.headers),
                body=response.body,
                created_at=record.created_at,
                expires_at=record.expires_at,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(IdempotencyKeyRow.id)
        )
        return self._session.execute(statement).scalar() is not None


def _record(row: IdempotencyKeyRow) -> IdempotencyRecord:
    return IdempotencyRecord(
        request=IdempotentRequest(user_id=row.user_id, key=row.key, fingerprint=row.fingerprint),
        response=RecordedResponse(status=row.status, headers=dict(row.headers), body=row.body),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )
