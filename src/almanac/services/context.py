"""The collaborators every use case receives, bundled once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from almanac.domain.calendar_data import CalendarCodec
from almanac.domain.deliveries import DeliveryPolicy
from almanac.domain.events import EventLimits
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
    # The most stored events one window query may consider (a guard-rail: broader queries are refused).
    window_max_events: int = 50_000
    # Reads and writes iCalendar (almanac.ical, wired by bootstrap); only calendar-object use cases need it.
    calendar_codec: CalendarCodec | None = None
