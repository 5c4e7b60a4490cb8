"""The composition root: the one place that builds the engine, the unit of work, the clock,
the password hasher and the services, and wires them into the apps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from almanac.api.app import create_app
from almanac.config import Settings
from almanac.domain.events import EventLimits
from almanac.domain.ports import Clock, PasswordHasher
from almanac.passwords import Argon2PasswordHasher
from almanac.services.context import ServiceContext, SigninPolicy, TokenPolicy
from almanac.storage.engine import build_engine
from almanac.storage.migrate import upgrade_to_head
from almanac.storage.unit_of_work import SqlUnitOfWorkFactory


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Container:
    """Everything one Almanac process needs, built once."""

    settings: Settings
    engine: Engine
    services: ServiceContext
    _apps: dict[str, FastAPI] = field(default_factory=dict)

    def web_app(self) -> FastAPI:
        if "web" not in self._apps:
            self._apps["web"] = create_app(services=self.services, settings=self.settings)
        return self._apps["web"]

    def migrate(self) -> None:
        upgrade_to_head(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def build_container(
    settings: Settings, *, clock: Clock | None = None, passwords: PasswordHasher | None = None
) -> Container:
    engine = build_engine(settings.database_url, echo=settings.database_echo)
    services = ServiceContext(
        uow=SqlUnitOfWorkFactory(engine),
        clock=clock or SystemClock(),
        passwords=passwords or Argon2PasswordHasher(),
        event_limits=EventLimits(
            max_summary_length=settings.max_caption_length,
            max_text_length=settings.max_text_length,
            max_participants=settings.max_recipients,
            max_reminders=settings.max_notifications,
        ),
        tokens=TokenPolicy(
            access_ttl=timedelta(seconds=settings.access_token_ttl),
            refresh_ttl=timedelta(seconds=settings.refresh_token_ttl),
            api_ttl=timedelta(seconds=settings.api_token_ttl) if settings.api_token_ttl else None,
        ),
        signin=SigninPolicy(
            max_failures=settings.signin_max_failures, window=timedelta(seconds=settings.signin_window_seconds)
        ),
    )
    return Container(settings=settings, engine=engine, services=services)
