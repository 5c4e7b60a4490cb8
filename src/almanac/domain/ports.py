"""The ports the services depend on: repositories, the unit of work, the clock, the password hasher.

Adapters implement these (``almanac.storage`` for the repositories and unit of
work); tests may pass their own. Repository methods never commit: the unit of
work owns the transaction, and leaving its ``with`` block without ``commit()``
rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from almanac.domain.calendars import Calendar
from almanac.domain.events import Event
from almanac.domain.queries import EventFilter, EventOrder, Page, PageRequest
from almanac.domain.sharing import CalendarKind
from almanac.domain.tokens import Token
from almanac.domain.users import Group, Membership, Principal, User


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def verify_nothing(self, password: str) -> None:
        """Cost as much as ``verify`` and match nothing (for unknown accounts)."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> User: ...

    def get(self, user_id: int) -> User | None: ...

    def get_by_username(self, username: str) -> User | None: ...

    def get_by_email(self, email: str) -> User | None: ...

    def list_by_ids(self, user_ids: Sequence[int]) -> list[User]: ...

    def list_by_emails(self, emails: Sequence[str]) -> list[User]: ...

    def memberships_of(self, user_id: int) -> list[Membership]: ...


class GroupRepository(Protocol):
    def add(self, group: Group) -> Group: ...

    def get(self, group_id: str) -> Group | None: ...

    def add_membership(self, user_id: int, membership: Membership) -> None: ...


class CalendarRepository(Protocol):
    def add(self, calendar: Calendar) -> Calendar: ...

    def get(self, calendar_id: int) -> Calendar | None: ...

    def get_by_key(self, key: str) -> Calendar | None: ...

    def default_for(self, user_id: int) -> Calendar | None: ...

    def list_by_ids(self, calendar_ids: Sequence[int]) -> list[Calendar]: ...

    def update(self, calendar: Calendar) -> Calendar: ...

    def delete(self, calendar_id: int) -> None:
        """Remove the calendar and, with it, its events."""
        ...

    def list_related(self, principal: Principal, kinds: Collection[CalendarKind], page: PageRequest) -> Page[Calendar]:
        """Calendars whose ``sharing.calendar_kind`` for the principal is one of ``kinds``, ordered by kind
        (``KIND_ORDER``), then name, then id, paged, with the total before paging."""
        ...


class EventRepository(Protocol):
    def add(self, event: Event) -> Event: ...

    def get(self, event_id: int) -> Event | None: ...

    def get_for_update(self, event_id: int) -> Event | None:
        """Like ``get``, and lock the row until the unit of work ends (conditional writes)."""
        ...

    def get_by_key(self, key: str) -> Event | None: ...

    def update(self, event: Event) -> Event: ...

    def delete(self, event_id: int) -> None: ...

    def list_visible(
        self, principal: Principal, event_filter: EventFilter, order: EventOrder, page: PageRequest
    ) -> Page[Event]:
        """Events the principal may list (see ``permissions``), filtered, sorted (ties by id) and paged."""
        ...

    def list_in_calendar(
        self,
        calendar_id: int,
        *,
        starts_from: datetime,
        starts_until: datetime,
        category_key: str | None,
        participant_id: int | None,
        page: PageRequest,
    ) -> Page[Event]:
        """Events of one calendar whose start lies in ``[starts_from, starts_until]`` (both inclusive), of one
        category when given, taken part in by ``participant_id`` when given; by start, then summary, then id."""
        ...

    def list_own(
        self,
        principal: Principal,
        *,
        overlap_from: datetime,
        overlap_until: datetime,
        category_key: str | None,
        page: PageRequest,
    ) -> Page[Event]:
        """Events of the principal's own personal calendars and of the group calendars of their groups that
        overlap ``[overlap_from, overlap_until]`` (``starts_at <= until`` and ``ends_at >= from``); by start,
        then summary, then id."""
        ...


class TokenRepository(Protocol):
    def add(self, token: Token) -> Token: ...

    def find_by_hash(self, token_hash: str) -> Token | None: ...

    def revoke_family(self, family: str, at: datetime) -> None: ...


class SigninAttemptRepository(Protocol):
    def record_failure(self, email_key: str, at: datetime) -> None: ...

    def failures_since(self, email_key: str, since: datetime) -> list[datetime]:
        """Instants of failed attempts for this address at or after ``since``, oldest first."""
        ...

    def forget(self, email_key: str) -> None: ...


class UnitOfWork(Protocol):
    # Read-only members, so implementations may hold more specific repository types.
    @property
    def users(self) -> UserRepository: ...

    @property
    def groups(self) -> GroupRepository: ...

    @property
    def calendars(self) -> CalendarRepository: ...

    @property
    def events(self) -> EventRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def signin_attempts(self) -> SigninAttemptRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
