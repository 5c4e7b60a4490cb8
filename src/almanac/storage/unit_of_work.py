"""The SQL unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from almanac.domain.errors import StoreBusyError
from almanac.domain.recurrence import RecurrenceLimits
from almanac.storage.accounts import (
    SqlGroupRepository,
    SqlSigninAttemptRepository,
    SqlTokenRepository,
    SqlUserRepository,
)
from almanac.storage.attachments import SqlAttachmentRepository, SqlUploadRepository
from almanac.storage.calendars import SqlCalendarRepository
from almanac.storage.changes import SqlChangeLogRepository
from almanac.storage.deliveries import SqlDeliveryRepository
from almanac.storage.engine import READ_ONLY_OPTION
from almanac.storage.events import SqlEventRepository
from almanac.storage.feeds import SqlFeedRepository
from almanac.storage.idempotency import SqlIdempotencyRepository
from almanac.storage.journals import SqlJournalRepository
from almanac.storage.people import SqlPeopleRepository
from almanac.storage.secrets import SqlSecretRepository
from almanac.storage.tasks import SqlTaskRepository
from almanac.storage.text_search import TrigramTable
from almanac.storage.webhooks import SqlWebhookRepository

#: Retry-After of a request refused because the store stayed busy: a pool waits its whole timeout (30 s by
#: default) before refusing, so the queue in front of it is long; a few seconds let it drain.
STORE_BUSY_RETRY_AFTER_SECONDS = 5


class SqlUnitOfWork:
    """Implements ``almanac.domain.ports.UnitOfWork`` over a SQLAlchemy session."""

    users: SqlUserRepository
    groups: SqlGroupRepository
    calendars: SqlCalendarRepository
    events: SqlEventRepository
    tokens: SqlTokenRepository
    changes: SqlChangeLogRepository
    signin_attempts: SqlSigninAttemptRepository
    deliveries: SqlDeliveryRepository
    webhooks: SqlWebhookRepository
    people: SqlPeopleRepository
    secrets: SqlSecretRepository
    tasks: SqlTaskRepository
    journals: SqlJournalRepository
    attachments: SqlAttachmentRepository
    uploads: SqlUploadRepository
    feeds: SqlFeedRepository
    idempotency: SqlIdempotencyRepository

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        recurrence_limits: RecurrenceLimits,
        *,
        trigram_table: TrigramTable,
        read_only: bool = False,
    ) -> None:
        self._session_factory = session_factory
        self._recurrence_limits = recurrence_limits
        self._trigram_table = trigram_table
        self._read_only = read_only
        self._session: Session | None = None

    def __enter__(self) -> Self:
        session = self._session_factory()
        try:
            # Every unit of work uses the database, so its connection (and transaction) is taken here: when
            # the pool or SQLite's write lock stays busy past its timeout, the use case is refused before it
            # starts, as a 503 to retry, rather than failing at its first statement with a 500.
            session.connection()
        except (PoolTimeoutError, OperationalError) as exc:
            session.close()
            if isinstance(exc, OperationalError) and "locked" not in str(exc.orig):
                raise
            raise StoreBusyError(retry_after=STORE_BUSY_RETRY_AFTER_SECONDS) from exc
        self._session = session
        self.users = SqlUserRepository(session)
        self.groups = SqlGroupRepository(session)
        self.calendars = SqlCalendarRepository(session)
        self.events = SqlEventRepository(session, self._recurrence_limits, self._trigram_table)
        self.tokens = SqlTokenRepository(session)
        self.changes = SqlChangeLogRepository(session)
        self.signin_attempts = SqlSigninAttemptRepository(session)
        self.deliveries = SqlDeliveryRepository(session)
        self.webhooks = SqlWebhookRepository(session)
        self.people = SqlPeopleRepository(session)
        self.secrets = SqlSecretRepository(session)
        self.tasks = SqlTaskRepository(session)
        self.journals = SqlJournalRepository(session)
        self.attachments = SqlAttachmentRepository(session)
        self.uploads = SqlUploadRepository(session)
        self.feeds = SqlFeedRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self._require_session()
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit; open it with ctx.uow()")
        self._require_session().commit()

    def rollback(self) -> None:
        self._require_session().rollback()

    def _require_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._session


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use case; holds the engine's session factory."""

    def __init__(self, engine: Engine, *, recurrence_limits: RecurrenceLimits | None = None) -> None:
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        # The same pool; the option tells the SQLite "begin" hook (storage.engine) not to take the write lock.
        reader = engine.execution_options(**{READ_ONLY_OPTION: True})
        self._read_sessions = sessionmaker(bind=reader, expire_on_commit=False, autoflush=True)
        self._recurrence_limits = recurrence_limits or RecurrenceLimits()
        # One per store: whether SQLite's trigram table exists is asked once, by the first search.
        self._trigram_table = TrigramTable()

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        if read_only:
            return SqlUnitOfWork(
                self._read_sessions, self._recurrence_limits, read_only=True, trigram_table=self._trigram_table
            )
        return SqlUnitOfWork(self._sessions, self._recurrence_limits, trigram_table=self._trigram_table)
