"""The composition root: the one place that builds the engine, the unit of work, the clock,
the password hasher and the services, and wires them into the apps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from almanac.api.app import create_app
from almanac.api.auth import bearer_or_basic_principal
from almanac.config import Settings
from almanac.dav import app as dav_app
from almanac.dav.paths import PREFIX as DAV_PREFIX
from almanac.domain.attachments import AttachmentPolicy
from almanac.domain.deliveries import DeliveryChannel, DeliveryPolicy
from almanac.domain.events import EventLimits
from almanac.domain.notices import InvitationNotice
from almanac.domain.people import SearchScope
from almanac.domain.ports import Channel, Clock, PasswordHasher
from almanac.domain.recurrence import FREQUENCIES, RecurrenceLimits
from almanac.ical.codec import ICalendarCodec
from almanac.ical.itip import invitation_request
from almanac.media_types import FiletypeSniffer
from almanac.notify.popup import PopupChannel
from almanac.notify.smtp import SmtpChannel, SmtpSettings
from almanac.notify.webhook import WebhookChannel
from almanac.passwords import Argon2PasswordHasher
from almanac.services.context import (
    InvitationPolicy,
    PeoplePolicy,
    ServiceContext,
    SigninPolicy,
    SyncPolicy,
    TokenPolicy,
)
from almanac.storage.engine import PoolSettings, build_engine
from almanac.storage.migrate import upgrade_to_head
from almanac.storage.unit_of_work import SqlUnitOfWorkFactory
from almanac.worker.runner import Worker, WorkerSettings
from almanac.worker.signal import WakeSignal


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def invitation_calendar(notice: InvitationNotice, stamp: datetime) -> bytes:
    """The .ics of an invitation mail: the iCalendar adapter, handed to the mail adapter."""
    return invitation_request(
        notice.event, organizer=notice.organizer, attendee=notice.attendee, attendees=notice.attendees, stamp=stamp
    )


@dataclass
class Container:
    """Everything one Almanac process needs, built once."""

    settings: Settings
    engine: Engine
    services: ServiceContext
    signal: WakeSignal = field(default_factory=WakeSignal)
    _apps: dict[str, FastAPI] = field(default_factory=dict)

    def web_app(self) -> FastAPI:
        if "web" not in self._apps:
            app = create_app(services=self.services, settings=self.settings)
            errors = app.state.errors
            dav = dav_app.DavApp(
                services=self.services,
                authenticate=bearer_or_basic_principal,
                max_resource_size=self.settings.max_body_bytes,
                # One cap on expensive queries per process, shared by every face.
                expensive=app.state.expensive_queries.hold,
                describe=errors.describe,
            )
            dav_app.install(app, dav)
            errors.register(DAV_PREFIX, dav_app.DavErrorRenderer(errors.translator.translate))
            self._apps["web"] = app
        return self._apps["web"]

    def channels(self) -> dict[DeliveryChannel, Channel]:
        s = self.settings
        smtp = SmtpSettings(
            host=s.smtp_host,
            port=s.smtp_port,
            sender=s.smtp_from,
            starttls=s.smtp_starttls,
            tls=s.smtp_tls,
            username=s.smtp_username,
            password=s.smtp_password,
            timeout=s.smtp_timeout,
            pool_size=s.smtp_pool_size,
            messages_per_connection=s.smtp_messages_per_connection,
        )
        return {
            DeliveryChannel.EMAIL: SmtpChannel(smtp, invitation_calendar=invitation_calendar),
            DeliveryChannel.POPUP: PopupChannel(),
            DeliveryChannel.WEBHOOK: WebhookChannel(timeout=s.webhook_timeout),
        }

    def worker(self, *, worker_id: str = "") -> Worker:
        """A delivery worker; it hears this container's wake signal (deliveries created in this process)."""
        s = self.settings
        settings = WorkerSettings(
            poll_interval=s.worker_poll_interval,
            batch_size=s.worker_batch_size,
            concurrency=s.worker_concurrency,
            prune_interval=s.change_log_prune_interval_seconds,
            worker_id=worker_id,
        )
        return Worker(self.services, self.channels(), settings, signal=self.signal)

    def migrate(self) -> None:
        upgrade_to_head(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def recurrence_limits_of(settings: Settings) -> RecurrenceLimits:
    """The recurrence guard-rails the settings ask for (FREQ values finer than the finest allowed are refused)."""
    finest = FREQUENCIES.index(settings.recurrence_finest_frequency)
    return RecurrenceLimits(
        max_occurrences=settings.recurrence_max_occurrences,
        allowed_frequencies=frozenset(FREQUENCIES[: finest + 1]),
        max_window=timedelta(days=settings.recurrence_max_window_days),
    )


def build_container(
    settings: Settings, *, clock: Clock | None = None, passwords: PasswordHasher | None = None
) -> Container:
    engine = build_engine(
        settings.database_url,
        echo=settings.database_echo,
        sqlite_synchronous=settings.sqlite_synchronous,
        pool=PoolSettings(
            size=settings.database_pool_size,
            overflow=settings.database_pool_overflow,
            timeout_seconds=settings.database_pool_timeout_seconds,
        ),
    )
    signal = WakeSignal()
    recurrence_limits = recurrence_limits_of(settings)
    services = ServiceContext(
        uow=SqlUnitOfWorkFactory(engine, recurrence_limits=recurrence_limits),
        clock=clock or SystemClock(),
        passwords=passwords or Argon2PasswordHasher(),
        event_limits=EventLimits(
            max_summary_length=settings.max_caption_length,
            max_text_length=settings.max_text_length,
            max_participants=settings.max_recipients,
            max_reminders=settings.max_notifications,
            recurrence=recurrence_limits,
        ),
        window_max_events=settings.window_max_events,
        import_workers=settings.import_workers,
        idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours),
        sync=SyncPolicy(
            retention=timedelta(days=settings.sync_token_retention_days), max_results=settings.dav_sync_max_results
        ),
        calendar_codec=ICalendarCodec(cache_size=settings.calendar_object_cache_size),
        tokens=TokenPolicy(
            access_ttl=timedelta(seconds=settings.access_token_ttl),
            refresh_ttl=timedelta(seconds=settings.refresh_token_ttl),
            api_ttl=timedelta(seconds=settings.api_token_ttl) if settings.api_token_ttl else None,
        ),
        signin=SigninPolicy(
            max_failures=settings.signin_max_failures, window=timedelta(seconds=settings.signin_window_seconds)
        ),
        deliveries=DeliveryPolicy(
            horizon=timedelta(days=settings.reminder_horizon_days),
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            max_attempts=settings.delivery_max_attempts,
            backoff_base=timedelta(seconds=settings.delivery_backoff_seconds),
            backoff_max=timedelta(seconds=settings.delivery_backoff_max_seconds),
            max_lateness=timedelta(seconds=settings.reminder_max_lateness_seconds),
        ),
        delivery_signal=signal,
        invitations=InvitationPolicy(
            link_secret=settings.secret_key.get_secret_value() if settings.secret_key else None,
            link_ttl=timedelta(seconds=settings.invitation_link_ttl),
        ),
        people=PeoplePolicy(
            search=SearchScope(settings.participant_search), min_length=settings.participant_search_min_length
        ),
        attachments=AttachmentPolicy(
            max_file_bytes=settings.attachment_max_file_bytes,
            max_owner_bytes=settings.attachment_max_item_bytes,
            max_owner_files=settings.attachment_max_item_files,
            upload_ttl=timedelta(seconds=settings.upload_ttl_seconds),
            max_pending_upload_bytes=settings.upload_max_pending_bytes,
        ),
        sniffer=FiletypeSniffer(),
    )
    return Container(settings=settings, engine=engine, services=services, signal=signal)
