"""A small pool of SMTP connections, so a burst of reminder mails does not pay a connection (TCP, EHLO,
STARTTLS, AUTH) per mail.

At most ``size`` connections are open at once; a sender waits for a free one.
A connection is closed (and replaced on demand) after ``max_messages`` mails,
after ``max_idle`` seconds unused (servers drop idle clients, RFC 5321
§4.5.3.2.7), and after any failure. The pool belongs to the event loop that
first used it: used from another loop (a new ``asyncio.run``), it forgets the
old loop's connections and starts afresh.

``send`` tells a failure that happened *before* the message went out
(``NotSentError``: safe to send again at once, on a fresh connection) from one
that may have happened after the server accepted it (anything else): only the
first kind is retried here, so a retry can never duplicate an accepted mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib
from aiosmtplib.email import flatten_message


@dataclass(frozen=True)
class PoolSettings:
    host: str
    port: int
    starttls: bool = False
    tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    size: int = 4
    max_messages: int = 100
    max_idle: float = 30.0


class NotSentError(Exception):
    """The SMTP conversation broke before the message was handed over (DATA not begun): nothing was sent."""


@dataclass
class _Connection:
    smtp: aiosmtplib.SMTP
    messages: int = 0
    last_used: float = field(default_factory=time.monotonic)


class SmtpPool:
    """Connections to one SMTP server, shared by the concurrent sends of one worker."""

    def __init__(self, settings: PoolSettings) -> None:
        self._settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._idle: list[_Connection] = []
        #: Connections opened since the pool was made (for tests and the benchmark).
        self.opened = 0

    async def send(self, message: EmailMessage, *, sender: str, recipients: list[str]) -> str:
        """Send one message; the server's reply to DATA. Raises aiosmtplib/OS errors as they come.

        A pooled connection found broken before the message went out is
        replaced once, transparently (the server closed it while idle).
        """
        async with self._slots_of_this_loop():
            connection = self._take_idle()
            if connection is not None:
                try:
                    return await self._send_on(connection, message, sender=sender, recipients=recipients)
                except NotSentError:
                    pass  # a stale pooled connection: nothing went out, so try once on a new one
            connection = await self._open()
            try:
                return await self._send_on(connection, message, sender=sender, recipients=recipients)
            except NotSentError as exc:
                # Raised as what it is underneath: the server dropped a brand-new connection.
                raise aiosmtplib.SMTPServerDisconnected(str(exc)) from exc

    async def _send_on(
        self, connection: _Connection, message: EmailMessage, *, sender: str, recipients: list[str]
    ) -> str:
        """One transaction on ``connection``, which goes back to the pool when still usable."""
        try:
            reply = await self._transaction(connection, message, sender=sender, recipients=recipients)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            # The server answered (a refusal): the conversation is intact and reset, keep the connection.
            await self._put_back(connection)
            raise
        except BaseException:
            connection.smtp.close()
            raise
        await self._put_back(connection)
        return reply

    async def aclose(self) -> None:
        """Say QUIT on every idle connection (best effort) and forget them."""
        idle, self._idle = self._idle, []
        same_loop = self._loop is asyncio.get_running_loop()
        for connection in idle:
            if same_loop:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                    await connection.smtp.quit()
            connection.smtp.close()

    def _slots_of_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:
            # Connections of a finished loop cannot be used (or cleanly closed) from this one.
            for connection in self._idle:
                with contextlib.suppress(Exception):
                    connection.smtp.close()
            self._idle = []
            self._loop = loop
            self._slots = asyncio.Semaphore(self._settings.size)
        return self._slots

    def _take_idle(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if connection.smtp.is_connected and now - connection.last_used < self._settings.max_idle:
                return connection
            connection.smtp.close()
        return None

    async def _put_back(self, connection: _Connection) -> None:
        connection.messages += 1
        connection.last_used = time.monotonic()
        if connection.messages < self._settings.max_messages and connection.smtp.is_connected:
            self._idle.append(connection)
            return
        with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
            await connection.smtp.quit()
        connection.smtp.close()

    async def _open(self) -> _Connection:
        s = self._settings
        smtp = aiosmtplib.SMTP(
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
        await smtp.connect()
        self.opened += 1
        try:
            if smtp.is_ehlo_or_helo_needed:
                await smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return _Connection(smtp)

    async def _transaction(
        self, connection: _Connection, message: EmailMessage, *, sender: str, recipients: list[str]
    ) -> str:
        """MAIL, RCPT, DATA (RFC 5321 §3.3), as aiosmtplib's ``send_message`` does, phase by phase."""
        smtp = connection.smtp
        utf8 = not (sender + "".join(recipients)).isascii()
        options = ["SMTPUTF8"] if utf8 else []
        if smtp.supports_extension("8BITMIME"):
            options.append("BODY=8BITMIME")
        flat = flatten_message(message, utf8=utf8, cte_type="8bit" if "BODY=8BITMIME" in options else "7bit")
        try:
            await smtp.mail(sender, options=options, encoding="utf-8" if utf8 else "ascii")
            refused: dict[str, aiosmtplib.SMTPResponse] = {}
            for recipient in recipients:
                try:
                    await smtp.rcpt(recipient, encoding="utf-8" if utf8 else "ascii")
                except aiosmtplib.SMTPRecipientRefused as exc:
                    refused[recipient] = aiosmtplib.SMTPResponse(exc.code, exc.message)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError, ConnectionError) as exc:
            raise NotSentError(str(exc)) from exc
        except aiosmtplib.SMTPResponseException:
            await self._reset(smtp)
            raise
        if len(refused) == len(recipients):
            await self._reset(smtp)
            raise aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(r.code, r.message, rcpt) for rcpt, r in refused.items()]
            )
        # From here on the server may have accepted the message: a failure is never retried on the spot.
        response = await smtp.data(flat)
        return response.message

    @staticmethod
    async def _reset(smtp: aiosmtplib.SMTP) -> None:
        """RSET after a refusal, so the next transaction starts clean; a connection that cannot is closed."""
        try:
            await smtp.rset()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            smtp.close()
