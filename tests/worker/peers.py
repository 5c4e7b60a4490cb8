"""Real peers on 127.0.0.1 for the delivery tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver."""

from __future__ import annotations

import asyncio
import email
import email.policy
import http.server
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self._sink.record(bytes(envelope.content), list(envelope.rcpt_tos))
        if self._sink.drops_in_data > 0:
            # The message arrived, but the client never hears the 250: it cannot know it was accepted.
            self._sink.drops_in_data -= 1
            server.transport.close()
            return "250 OK"
        if self._sink.reply_delay:
            await asyncio.sleep(self._sink.reply_delay)
        if self._sink.refusals > 0:
            self._sink.refusals -= 1
            return "451 4.3.0 try again later"
        return "250 OK"


class _CountingController(Controller):
    """Counts the connections the server accepts, and keeps them so a test can drop them all."""

    def __init__(self, sink: SmtpSink, **kwargs: Any) -> None:
        super().__init__(_SinkHandler(sink), **kwargs)
        self._sink = sink

    def factory(self) -> SMTP:
        sink = self._sink

        class CountingSMTP(SMTP):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sink.connected(transport)
                super().connection_made(transport)

        return CountingSMTP(self.handler, **self.SMTP_kwargs)


@dataclass
class SmtpSink:
    """Accepts every mail (optionally after ``reply_delay`` s, or refusing the next ``refusals`` with 451, or
    closing the connection instead of answering the next ``drops_in_data`` DATA commands); counts connections."""

    port: int = field(default_factory=free_port)
    reply_delay: float = 0.0
    refusals: int = 0
    drops_in_data: int = 0
    connections: int = 0
    _transports: list[asyncio.BaseTransport] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[list[str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def start(self) -> SmtpSink:
        self._controller = _CountingController(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        with self._lock:  # start() itself connects once to see that the server answers
            self.connections = 0
            self._transports = []
        return self

    def connected(self, transport: asyncio.BaseTransport) -> None:
        with self._lock:
            self.connections += 1
            self._transports.append(transport)

    def drop_connections(self) -> None:
        """Close every open client connection, as a server does with idle clients."""
        assert self._controller is not None and self._controller.loop is not None
        with self._lock:
            transports, self._transports = self._transports, []
        done = threading.Event()

        def close() -> None:
            for transport in transports:
                transport.close()
            done.set()

        self._controller.loop.call_soon_threadsafe(close)
        done.wait(5)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def record(self, content: bytes, recipients: list[str]) -> None:
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append(parsed)
            self.envelopes.append(recipients)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while self.count < count and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            return list(self.messages)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class _Server(http.server.ThreadingHTTPServer):
    # The worker posts a whole batch at once: the default backlog of 5 would reset the connections beyond it.
    request_queue_size = 128


class WebhookReceiver:
    """A threaded HTTP server recording every POST; ``statuses`` are answered in order, then 200."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def received(self, where: Callable[[Received], bool] = lambda r: True) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if where(r)]
