"""The server-secret repository: secrets generated once per store and shared by every process using it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from almanac.storage.tables import ServerSecretRow
from almanac.storage.upserts import upsert_of


class SqlSecretRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str) -> str | None:
        value: str | None = self._session.scalar(select(ServerSecretRow.value).where(ServerSecretRow.name == name))
        return value

    def get_or_create(self, name: str, value: str, *, created_at: datetime) -> str:
        # INSERT … ON CONFLICT DO NOTHING, then read: two processes creating the secret at once agree on one.
        row = {"name": name, "value": value, "created_at": created_at}
        self._session.execute(upsert_of(self._session, ServerSecretRow).values(**row).on_conflict_do_nothing())
        stored = self.get(name)
        if stored is None:  # pragma: no cover - the insert or a concurrent one has just stored it
            raise LookupError(f"server secret {name} vanished")
        return stored
