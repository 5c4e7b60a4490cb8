"""The email channel: reminder mails sent over SMTP with aiosmtplib (plain, STARTTLS or implicit TLS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosmtplib

from almanac.domain.notices import DeliveryFailure, DeliveryReceipt, InvitationNotice, Notice, ReminderNotice
from almanac.notify.invitation_mail import InvitationCalendar, compose_invitation
from almanac.notify.mail import compose_reminder


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


class SmtpChannel:
    """Delivers reminders and invitations as mail. A 5xx answer is permanent (not retried); anything else is
    retried. ``invitation_calendar`` builds an invitation's .ics (without it, invitations cannot be sent)."""

    def __init__(self, settings: SmtpSettings, *, invitation_calendar: InvitationCalendar | None = None) -> None:
        self._settings = settings
        self._invitation_calendar = invitation_calendar

    async def deliver(self, notice: Notice, *, now: datetime) -> DeliveryReceipt:
        s = self._settings
        if isinstance(notice, ReminderNotice):
            message = compose_reminder(notice, sender=s.sender, now=now)
        elif isinstance(notice, InvitationNotice) and self._invitation_calendar is not None:
            message = compose_invitation(notice, sender=s.sender, now=now, calendar=self._invitation_calendar)
        else:
            raise DeliveryFailure("the email channel only sends reminders and invitations", permanent=True)
        try:
            _, reply = await aiosmtplib.send(
                message,
                hostname=s.host,
                port=s.port,
                username=s.username,
                password=s.password,
                use_tls=s.tls,
                # Explicit, never None: None would let aiosmtplib upgrade opportunistically, and a
                # deployment that did not ask for STARTTLS may point at a server with a bad certificate.
                start_tls=s.starttls,
                timeout=s.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailure(f"recipient refused: {exc}", permanent=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryFailure(f"SMTP {exc.code}: {exc.message}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryFailure(f"SMTP: {type(exc).__name__}: {exc}") from exc
        return DeliveryReceipt(detail=reply[:200])
