"""The ports the services depend on: repositories, the unit of work, the clock, the password hasher.

Adapters implement these (``almanac.storage`` for the repositories and unit of
work); tests may pass their own. Repository methods never commit: the unit of
work owns the transaction, and leaving its ``with`` block without ``commit()``
rolls everything back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from almanac.domain.attachments import Attachment, Upload
from almanac.domain.calendars import Calendar
from almanac.domain.changes import Change, ChangeKind
from almanac.domain.deliveries import Delivery, DeliveryAttempt, DeliveryStatus
from almanac.domain.events import Event
from almanac.domain.feeds import Feed
from almanac.domain.idempotency import IdempotencyRecord
from almanac.domain.journals import Journal
from almanac.domain.notices import DeliveryReceipt, Notice
from almanac.domain.people import SearchScope
from almanac.domain.queries import EventFilter, EventOrder, Page, PageRequest
from almanac.domain.recurrence import RecurrenceId
from almanac.domain.sharing import CalendarKind
from almanac.domain.tasks import Task
from almanac.domain.tokens import Token, TokenHolder
from almanac.domain.users import Group, Membership, Principal, User
from almanac.domain.webhooks import MessageType, Webhook


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

    def add_many(self, events: Sequence[Event]) -> list[Event]:
        """``add`` each event (participants and reminders included), in bulk; the stored events, in order.

        The same rows and the same returned events as calling ``add`` on each in
        turn (a contract test holds both to it), for imports of many events.
        """
        ...

    def get(self, event_id: int, *, for_update: bool = False) -> Event | None:
        """The event; with ``for_update`` its row stays locked until the unit of work ends (writes)."""
        ...

    def get_by_key(self, key: str, *, for_update: bool = False) -> Event | None: ...

    def update(self, event: Event) -> Event: ...

    def delete(self, event_id: int) -> None: ...

    def list_visible(
        self, principal: Principal, event_filter: EventFilter, order: EventOrder, page: PageRequest
    ) -> Page[Event]:
        """Events the principal may list (see ``permissions``), filtered, sorted (ties by id) and paged."""
        ...

    def list_reaching(
        self,
        window_start: datetime,
        window_end: datetime,
        *,
        visible_to: Principal | None = None,
        own_calendars_of: Principal | None = None,
        calendar_ids: Sequence[int] | None = None,
        series_id: int | None = None,
        category_key: str | None = None,
        event_filter: EventFilter | None = None,
        limit: int,
    ) -> list[Event]:
        """Stored events that may have an occurrence overlapping ``[window_start, window_end)``, by start.

        Single events and overrides overlapping the window (``domain.series.overlaps``),
        and masters whose series span reaches it: a superset that
        ``domain.series.occurrences_in_window`` narrows. Each keyword narrows the
        scope: events ``visible_to`` a principal (as ``list_visible``), in the
        calendars ``own_calendars_of`` a principal (their personal calendars and
        their groups' calendars, eXo's ``GET /events``), of ``calendar_ids``, of one
        series (master and overrides), of one category, or matching an
        ``event_filter``'s non-period fields. At most ``limit`` events.
        """
        ...

    def list_of_calendar(self, calendar_id: int) -> list[Event]:
        """Every stored event of the calendar (masters, single events, overrides), by UID then recurrence id."""
        ...

    def list_by_uid(self, calendar_id: int, uid: str, *, for_update: bool = False) -> list[Event]:
        """The events of the calendar sharing ``uid`` (a master, or a single event, and its overrides), master first."""
        ...

    def list_by_uids(
        self, calendar_id: int, uids: Sequence[str], *, for_update: bool = False
    ) -> dict[str, list[Event]]:
        """``list_by_uid`` for many UIDs at once: the found ones only, each list master first."""
        ...

    def get_by_dav_name(self, calendar_id: int, name: str, *, for_update: bool = False) -> Event | None:
        """The master (or single event) whose CalDAV resource name is ``name``: its ``dav_name``, or
        ``<uid>.ics`` when it has none."""
        ...

    def holds_name_or_uid(self, calendar_id: int, name: str, uid: str) -> bool:
        """Whether an object of the calendar is named ``name`` or holds ``uid`` (or, for a name ``<x>.ics``, the
        UID ``x``): one cheap statement, so that a PUT of a new object skips the lookups naming the holder."""
        ...

    def list_objects_of(
        self,
        calendar_id: int,
        *,
        master_ids: Sequence[int] = (),
        names: Sequence[str] = (),
        known: Sequence[Event] = (),
    ) -> list[Event]:
        """The events of many calendar objects at once: the masters (or single events) of the calendar with one
        of ``master_ids`` or whose resource name is one of ``names``, and all their overrides; ordered by UID,
        master first. Two queries, whatever the count. ``known``: events the caller read in this unit of work
        already; a master among them (by id) is not read again."""
        ...

    def overridden_ids(self, series_ids: Sequence[int]) -> dict[int, set[RecurrenceId]]:
        """For each of these masters that has overrides, the recurrence ids they replace."""
        ...

    def list_overrides(self, series_id: int) -> list[Event]:
        """The stored overrides of one master, by start."""
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


class ChangeLogRepository(Protocol):
    """Per-calendar revisions of calendar object resources (see ``domain.changes``)."""

    def record(self, calendar_id: int, name: str, kind: ChangeKind, at: datetime) -> int:
        """Give the calendar its next revision and make it the latest change of ``name``; the new revision.

        The revision counter lives on the calendar's row, so concurrent writers of one
        calendar take its revisions one after the other, in commit order.
        """
        ...

    def record_many(self, calendar_id: int, changes: Sequence[tuple[str, ChangeKind]], at: datetime) -> int:
        """``record`` each (name, kind) in turn, in bulk: the calendar takes one revision per change, the
        last change of a name is its latest; the calendar's revision afterwards."""
        ...

    def revision_of(self, calendar_id: int) -> int:
        """The calendar's current revision (0 before its first change)."""
        ...

    def horizon_of(self, calendar_id: int) -> int:
        """The calendar's sync horizon: the newest revision whose tombstones were pruned (0: none ever were).

        Every change after the horizon is still in the log; a token below it may have missed a deletion.
        """
        ...

    def since(self, calendar_id: int, revision: int, *, limit: int | None = None) -> list[Change]:
        """The latest change of every name changed after ``revision``, by revision; the first ``limit`` of them."""
        ...

    def calendars_with_tombstones_before(self, before: datetime, *, after_id: int, limit: int) -> list[int]:
        """Ids above ``after_id`` (ascending, at most ``limit``) of calendars holding a tombstone changed
        before ``before``."""
        ...

    def prune_tombstones(self, calendar_id: int, *, before: datetime) -> int | None:
        """Remove the calendar's tombstones changed before ``before`` and raise its horizon to the newest
        revision removed; the number removed, or None when the calendar is busy (a writer holds it: try later).

        Takes the calendar's lock as ``record`` does, so a name re-created meanwhile is never removed.
        """
        ...


class TokenRepository(Protocol):
    def add(self, token: Token) -> Token: ...

    def find_by_hash(self, token_hash: str) -> Token | None: ...

    def find_holder(self, token_hash: str) -> TokenHolder | None:
        """The token with this hash, its user and the user's memberships (by group, then type), or None.

        Every request authenticates: one read instead of three (token, user, memberships).
        """
        ...

    def revoke_family(self, family: str, at: datetime) -> None: ...


class SigninAttemptRepository(Protocol):
    def record_failure(self, email_key: str, at: datetime) -> None: ...

    def failures_since(self, email_key: str, since: datetime) -> list[datetime]:
        """Instants of failed attempts for this address at or after ``since``, oldest first."""
        ...

    def forget(self, email_key: str) -> None: ...


class DeliveryRepository(Protocol):
    """Scheduled deliveries. Claims are atomic across processes (see ``claim_due``)."""

    def get(self, delivery_id: str) -> Delivery | None: ...

    def reminders_of_event(self, event_id: int) -> list[Delivery]:
        """Every reminder delivery (any status) of the event, and of every occurrence of it when it is a
        series' master (overrides' included); invitation and webhook deliveries excluded."""
        ...

    def reminders_of_task(self, task_id: int) -> list[Delivery]:
        """Every reminder delivery (any status) of the task, of every instance when it recurs."""
        ...

    def invitations_of(self, event_id: int, recipient_id: int) -> list[Delivery]:
        """The invitation mail deliveries (any status) of the event to one invitee."""
        ...

    def add_missing(self, deliveries: Sequence[Delivery]) -> int:
        """Insert the deliveries whose id is not stored yet (existing ids are left alone); the count inserted."""
        ...

    def retarget(self, delivery_ids: Sequence[str], *, event_id: int | None) -> None:
        """Point deliveries at the event their occurrence shows now (a series' master, or an override)."""
        ...

    def set_status(
        self, delivery_ids: Sequence[str], status: DeliveryStatus, *, due_at: datetime | None = None
    ) -> None:
        """Move deliveries to ``status`` (releasing any lease; resetting attempts when reopened as pending)."""
        ...

    def claim_due(self, *, now: datetime, owner: str, lease_until: datetime, limit: int) -> list[Delivery]:
        """Atomically take up to ``limit`` deliveries due at ``now`` (pending and due, or claimed with an expired
        lease), oldest due first: mark them claimed by ``owner`` until ``lease_until`` and count the attempt.
        No two callers ever get the same delivery while its lease lasts."""
        ...

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
        """Record the outcome of a claimed delivery if ``owner`` still holds its lease; False if it lost it."""
        ...

    def next_due_at(self) -> datetime | None:
        """The earliest due time of a pending delivery (or lease expiry of a claimed one)."""
        ...

    def add_attempt(self, attempt: DeliveryAttempt) -> None: ...

    def attempts_of(self, delivery_ids: Sequence[str]) -> list[DeliveryAttempt]: ...

    def of_webhook(self, webhook_id: int, *, offset: int, limit: int) -> list[Delivery]:
        """The webhook's deliveries, newest first."""
        ...

    def due_popups(self, recipient_id: int, *, now: datetime, since: datetime) -> list[Delivery]:
        """Popup reminders of the recipient due at ``now``, whose occurrence starts at or after ``since``,
        neither dismissed nor cancelled, oldest first."""
        ...

    def dismiss(self, delivery_id: str, at: datetime) -> None: ...

    def horizon_of(self, event_id: int) -> datetime | None:
        """Until when the event's reminders are planned (None: never planned)."""
        ...

    def set_horizon(self, event_id: int, until: datetime) -> None: ...

    def set_horizons(self, horizons: Mapping[int, datetime]) -> None:
        """``set_horizon`` for many events (event id -> until) at once."""
        ...

    def events_to_plan(self, *, before: datetime, limit: int) -> list[int]:
        """Ids of events (single events and series masters, never overrides) with reminders of their own or
        of an override, planned only up to an instant earlier than ``before``, that may have occurrences later
        (or never planned)."""
        ...

    def set_task_horizon(self, task_id: int, until: datetime) -> None: ...

    def tasks_to_plan(self, *, before: datetime, limit: int) -> list[int]:
        """Ids of tasks neither completed nor canceled, with reminders, planned only up to an instant earlier
        than ``before`` that may remind later (a recurring task, or one starting or due past its horizon),
        or never planned."""
        ...


class PeopleRepository(Protocol):
    """What users may find of each other (``domain.people``): the participant directory and free/busy."""

    def search(
        self, principal: Principal, text: str, *, scope: SearchScope, min_length: int, page: PageRequest
    ) -> Page[User]:
        """Users matching ``text`` within ``scope`` for the principal (see ``SearchScope``); a substring match
        needs at least ``min_length`` characters. Exact username/address matches first, then by name."""
        ...

    def related_ids(self, principal: Principal, user_ids: Collection[int]) -> set[int]:
        """Those of ``user_ids`` related to the principal (``domain.people``)."""
        ...

    def busy_events(
        self, user_ids: Collection[int], *, overlap_from: datetime, overlap_until: datetime
    ) -> list[tuple[int, Event]]:
        """(user id, event) for every event that makes one of the users busy and overlaps the window
        (``starts_at < overlap_until`` and ``ends_at > overlap_from``): not ``available``, and either in a
        personal calendar the user owns or taken part in by the user, unless the user declined it."""
        ...


class SecretRepository(Protocol):
    """Server secrets generated once and shared by every process of one store."""

    def get(self, name: str) -> str | None: ...

    def get_or_create(self, name: str, value: str, *, created_at: datetime) -> str:
        """The stored secret ``name``; stores ``value`` first if there is none (the first writer wins)."""
        ...


class WebhookRepository(Protocol):
    def add(self, webhook: Webhook) -> Webhook: ...

    def get(self, webhook_id: int) -> Webhook | None: ...

    def update(self, webhook: Webhook) -> Webhook: ...

    def delete(self, webhook_id: int) -> None: ...

    def list_owned(self, *, owner_id: int | None, offset: int, limit: int) -> list[Webhook]:
        """Webhooks of ``owner_id`` (every webhook when None), oldest first."""
        ...

    def subscribed(self, message_type: MessageType) -> list[Webhook]:
        """Active webhooks that receive ``message_type``."""
        ...


class TaskRepository(Protocol):
    def add(self, task: Task) -> Task: ...

    def get(self, task_id: int, *, for_update: bool = False) -> Task | None: ...

    def get_by_key(self, key: str, *, for_update: bool = False) -> Task | None:
        """The task; with ``for_update`` its row stays locked until the unit of work ends (writes)."""
        ...

    def get_by_dav_name(self, calendar_id: int, name: str, *, for_update: bool = False) -> Task | None:
        """The task whose CalDAV resource name in the calendar is ``name`` (its ``dav_name``, or ``<uid>.ics``)."""
        ...

    def get_by_uid(self, calendar_id: int, uid: str, *, for_update: bool = False) -> Task | None: ...

    def holds_name_or_uid(self, calendar_id: int, name: str, uid: str) -> bool:
        """``EventRepository.holds_name_or_uid``, among this kind's objects."""
        ...

    def uids_in_use(self, calendar_id: int, uids: Sequence[str]) -> set[str]:
        """Which of ``uids`` tasks of the calendar hold."""
        ...

    def list_of_calendar(self, calendar_id: int) -> list[Task]:
        """Every task of the calendar, by UID."""
        ...

    def update(self, task: Task) -> Task: ...

    def delete(self, task_id: int) -> None:
        """Remove the task and, with it, its attachments."""
        ...

    def list_in_calendar(
        self,
        calendar_id: int,
        *,
        starts_from: datetime,
        starts_until: datetime,
        category_key: str | None,
        delegate_id: int | None,
        page: PageRequest,
    ) -> Page[Task]:
        """Tasks of one calendar whose start lies in ``[starts_from, starts_until]`` (both inclusive), of one
        category when given, delegated to ``delegate_id`` when given; by start, then summary, then id."""
        ...


class JournalRepository(Protocol):
    """Journal entries (VJOURNAL calendar objects), each named once and holding one UID per calendar."""

    def add(self, journal: Journal) -> Journal: ...

    def get_by_name(self, calendar_id: int, name: str, *, for_update: bool = False) -> Journal | None:
        """The journal whose CalDAV resource name in the calendar is ``name``; ``for_update`` locks it."""
        ...

    def get_by_uid(self, calendar_id: int, uid: str) -> Journal | None: ...

    def holds_name_or_uid(self, calendar_id: int, name: str, uid: str) -> bool:
        """``EventRepository.holds_name_or_uid``, among this kind's objects."""
        ...

    def list_of_calendar(
        self, calendar_id: int, *, names: Sequence[str] | None = None, reaching: tuple[datetime, datetime] | None = None
    ) -> list[Journal]:
        """The calendar's journals by UID: all, or those named ``names``, or those that may have an instance in
        ``reaching`` = (start, end): DTSTART within two days of ``[start, end)``, or recurring (the caller decides)."""
        ...

    def update(self, journal: Journal) -> Journal: ...

    def delete(self, journal_id: int) -> None: ...


class AttachmentRepository(Protocol):
    """Attachment metadata and bytes. Listing never reads the bytes; deleting an event or task deletes its files."""

    def add(self, attachment: Attachment, content: bytes) -> Attachment: ...

    def adopt(self, upload: Upload, attachment: Attachment) -> Attachment:
        """Store ``attachment`` with the bytes of ``upload``, and remove the upload (it is used up)."""
        ...

    def get_by_key(self, key: str) -> Attachment | None: ...

    def content(self, attachment_id: int) -> bytes | None: ...

    def list_for(self, *, event_ids: Sequence[int] = (), task_ids: Sequence[int] = ()) -> list[Attachment]:
        """The attachments of these events and tasks, oldest first (ties by id)."""
        ...

    def delete(self, attachment_id: int) -> None: ...


class UploadRepository(Protocol):
    def add(self, upload: Upload, content: bytes) -> Upload: ...

    def get_by_key(self, key: str) -> Upload | None: ...

    def pending_bytes(self, owner_id: int, *, now: datetime) -> int:
        """The total size of the owner's uploads that have not expired at ``now``."""
        ...

    def delete_expired(self, *, now: datetime) -> int:
        """Remove every upload (of anyone) expired at ``now``; the number removed."""
        ...

    def delete(self, upload_id: int) -> None: ...


class FeedRepository(Protocol):
    def add(self, feed: Feed) -> Feed: ...

    def get(self, owner_id: int, title: str) -> Feed | None: ...

    def list_owned(self, owner_id: int, page: PageRequest) -> Page[Feed]:
        """The owner's feeds by title (ties by id), paged, with the total before paging."""
        ...

    def update(self, feed: Feed) -> Feed: ...

    def delete(self, feed_id: int) -> None: ...


class IdempotencyRepository(Protocol):
    """Used Idempotency-Keys with the response of their first request (``domain.idempotency``)."""

    def get(self, user_id: int, key: str, *, now: datetime) -> IdempotencyRecord | None:
        """The user's record of ``key`` if it has not expired at ``now``."""
        ...

    def add(self, record: IdempotencyRecord, *, now: datetime) -> bool:
        """Keep the record; False (nothing kept) when the user's key is already held by a record that has not
        expired at ``now``, waiting for a concurrent transaction holding it to end. The user's expired records
        are removed on the way."""
        ...


class Channel(Protocol):
    """A way to deliver a notice (email, popup, webhook). Raises ``DeliveryFailure`` when the peer refuses."""

    async def deliver(self, notice: Notice, *, now: datetime) -> DeliveryReceipt: ...

    async def aclose(self) -> None:
        """Release what the channel keeps open between deliveries (pooled connections)."""
        ...


class DeliverySignal(Protocol):
    """Told (after commit) when a delivery became due at ``due_at``, so a sleeping worker can wake early."""

    def delivery_due(self, due_at: datetime) -> None: ...


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
    def changes(self) -> ChangeLogRepository: ...

    @property
    def signin_attempts(self) -> SigninAttemptRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def people(self) -> PeopleRepository: ...

    @property
    def secrets(self) -> SecretRepository: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def journals(self) -> JournalRepository: ...

    @property
    def attachments(self) -> AttachmentRepository: ...

    @property
    def uploads(self) -> UploadRepository: ...

    @property
    def feeds(self) -> FeedRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per use case.

    ``read_only=True`` promises the use case will not write: the backend may then
    run it without taking the write lock (SQLite: a deferred transaction, so
    readers neither wait for writers nor make them wait), and ``commit`` on it
    is a programming error.
    """

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
