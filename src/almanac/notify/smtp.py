"""The email channel: reminder mails (events and tasks) sent over SMTP with aiosmtplib (plain, STARTTLS or
implicit TLS), over a small pool of reused connections (``notify.smtp_pool``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

import aiosmtplib

from almanac.domain.notices import (
    DeliveryFailure,
    DeliveryReceipt,
    InvitationNotice,
    Notice,
    ReminderNotice,
    TaskReminderNotice,
)
from almanac.notify.invitation_mail import InvitationCalendar, compose_invitation
from almanac.notify.mail import compose_reminder
from almanac.notify.smtp_pool import PoolSettings, SmtpPool
from almanac.notify.task_mail import compose_task_reminder


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "almanac@localhost"
    starttls: bool = False
    tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    #: Connections open at once per worker, and mails sent over one before it is renewed.
    pool_size: int = 4
    messages_per_connection: int = 100


class SmtpChannel:
    """Delivers event and task reminders and invitations as mail. A 5xx answer is permanent (not retried);
    anything else is retried. ``invitation_calendar`` builds an invitation's .ics (without it, invitations
    cannot be sent).

    A delivery succeeds only once the server has answered 250 to DATA: the worker
    marks it sent after that, never before.
    """

    def __init__(self, settings: SmtpSettings, *, invitation_calendar: InvitationCalendar | None = None) -> None:
        self._settings = settings
        self._invitation_calendar = invitation_calendar
        self.pool = SmtpPool(
            PoolSettings(
                host=settings.host,
                port=settings.port,
                starttls=settings.starttls,
                tls=settings.tls,
                username=settings.username,
                password=settings.password,
                timeout=settings.timeout,
                size=settings.pool_size,
                max_messages=settings.messages_per_connection,
            )
        )

    async def deliver(self, notice: Notice, *, now: datetime) -> DeliveryReceipt:
        s = self._settings
        if isinstance(notice, ReminderNotice):
            message = compose_reminder(notice, sender=s.sender, now=now)
            recipient = notice.recipient.email
        elif isinstance(notice, TaskReminderNotice):
            message = compose_task_reminder(notice, sender=s.sender, now=now)
            recipient = notice.recipient.email
        elif isinstance(notice, InvitationNotice) and self._invitation_calendar is not None:
            message = compose_invitation(notice, sender=s.sender, now=now, calendar=self._invitation_calendar)
            recipient = notice.attendee.email
        else:
            raise DeliveryFailure("the email channel only sends reminders and invitations", permanent=True)
        envelope_from = parseaddr(s.sender)[1] or s.sender
        try:
            reply = await self.pool.send(message, sender=envelope_from, recipients=[recipient])
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailure(f"recipient refused: {exc}", permanent=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryFailure(f"SMTP {exc.code}: {exc.message}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryFailure(f"SMTP: {type(exc).__name__}: {exc}") from exc
        return DeliveryReceipt(detail=reply[:200])

    async def aclose(self) -> None:
        await self.pool.aclose()
