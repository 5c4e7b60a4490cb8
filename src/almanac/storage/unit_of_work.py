"""The SQL unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from almanac.domain.ports import (
    CalendarRepository,
    EventRepository,
    GroupRepository,
    SigninAttemptRepository,
    TokenRepository,
    UserRepository,
)
from almanac.storage.accounts import (
    SqlGroupRepository,
    SqlSigninAttemptRepository,
    SqlTokenRepository,
    SqlUserRepository,
)
from almanac.storage.calendars import SqlCalendarRepository
from almanac.storage.events import SqlEventRepository


class SqlUnitOfWork:
    """Implements ``almanac.domain.ports.UnitOfWork`` over a SQLAlchemy session."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        session = self._session_factory()
        self._session = session
        # Typed as the ports: the UnitOfWork protocol's attributes are invariant.
        self.users: UserRepository = SqlUserRepository(session)
        self.groups: GroupRepository = SqlGroupRepository(session)
        self.calendars: CalendarRepository = SqlCalendarRepository(session)
        self.events: EventRepository = SqlEventRepository(session)
        self.tokens: TokenRepository = SqlTokenRepository(session)
        self.signin_attempts: SigninAttemptRepository = SqlSigninAttemptRepository(session)
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
        self._require_session().commit()

    def rollback(self) -> None:
        self._require_session().rollback()

    def _require_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._session


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use case; holds the engine's session factory."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)
