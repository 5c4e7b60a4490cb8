"""The collaborators every use case receives, bundled once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from almanac.domain.attachments import AttachmentPolicy, ContentSniffer, NoSniffing
from almanac.domain.calendar_data import CalendarCodec
from almanac.domain.deliveries import DeliveryPolicy
from almanac.domain.events import EventLimits
from almanac.domain.people import SearchScope
from almanac.domain.ports import Clock, DeliverySignal, PasswordHasher, UnitOfWorkFactory


@dataclass(frozen=True)
class TokenPolicy:
    access_ttl: timedelta = timedelta(hours=1)
    refresh_ttl: timedelta = timedelta(days=30)
    api_ttl: timedelta | None = None


@dataclass(frozen=True)
class SigninPolicy:
    """At most ``max_failures`` failed sign-ins per address within ``window``; then 429 until one ages out."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class InvitationPolicy:
    """Answer links of invitation mails: signed with ``link_secret`` (None: a secret generated once and kept in
    the store, so every process of one store agrees on it) and valid for ``link_ttl`` after the mail is made."""

    link_secret: str | None = field(default=None, repr=False)
    link_ttl: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class PeoplePolicy:
    """Who finds whom in participant suggestions, and whose availability a caller sees (``SearchScope``);
    a substring search needs ``min_length`` characters (exact username/address matches need none)."""

    search: SearchScope = SearchScope.RELATED
    min_length: int = 2


@dataclass(frozen=True)
class SyncPolicy:
    """CalDAV sync (RFC 6578): tombstones (deleted names in the change log) older than ``retention`` are pruned,
    and tokens from before them then expire; one sync-collection answer with a client's DAV:limit holds at most
    ``max_results`` changes (a larger limit is clamped: the client pages on, RFC 6578 §3.6)."""

    retention: timedelta = timedelta(days=30)
    max_results: int = 1000


class NoDeliverySignal:
    """The default: nobody to wake (a worker that only polls still finds the delivery)."""

    def delivery_due(self, due_at: datetime) -> None:
        return None


@dataclass(frozen=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    clock: Clock
    passwords: PasswordHasher
    event_limits: EventLimits = field(default_factory=EventLimits)
    tokens: TokenPolicy = field(default_factory=TokenPolicy)
    signin: SigninPolicy = field(default_factory=SigninPolicy)
    deliveries: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    delivery_signal: DeliverySignal = field(default_factory=NoDeliverySignal)
    invitations: InvitationPolicy = field(default_factory=InvitationPolicy)
    people: PeoplePolicy = field(default_factory=PeoplePolicy)
    # The most stored events one window query may consider (a guard-rail: broader queries are refused).
    window_max_events: int = 50_000
    # Processes parsing an iCalendar import ahead of the one storing it: 0 none, None the codec's choice
    # (none for small files or on one core).
    import_workers: int | None = None
    attachments: AttachmentPolicy = field(default_factory=AttachmentPolicy)
    sniffer: ContentSniffer = field(default_factory=NoSniffing)
    # Reads and writes iCalendar (almanac.ical, wired by bootstrap); only calendar-object use cases need it.
    calendar_codec: CalendarCodec | None = None
    sync: SyncPolicy = field(default_factory=SyncPolicy)
    # How long an Idempotency-Key and the response of its first request are kept (services.idempotency).
    idempotency_ttl: timedelta = timedelta(hours=24)
