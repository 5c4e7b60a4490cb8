"""Webhooks: endpoints users register to receive JSON messages, the message types, and the signature scheme.

Signature (documented in the README, modelled on Stripe's): the header
``Almanac-Signature: t=<unix seconds>,v1=<hex>`` where ``<hex>`` is
HMAC-SHA256, keyed with the webhook's secret (UTF-8), over the bytes
``<t>.<raw request body>``. A receiver recomputes it, compares in constant
time, and refuses timestamps too far from its own clock (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from almanac.domain.errors import N_, InvalidInputError, Problem
from almanac.domain.users import Principal

SIGNATURE_HEADER = "Almanac-Signature"
DELIVERY_HEADER = "Almanac-Delivery"
EVENT_TYPE_HEADER = "Almanac-Event"
SIGNATURE_VERSION = "v1"
MAX_URL_LENGTH = 2000
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 200


class MessageType(StrEnum):
    REMINDER_DUE = "reminder.due"
    EVENT_CREATED = "event.created"
    EVENT_UPDATED = "event.updated"
    EVENT_DELETED = "event.deleted"


@dataclass
class Webhook:
    """An endpoint of ``owner_id``: JSON POSTs of ``event_types`` go to ``url``, signed with ``secret``."""

    owner_id: int
    url: str
    secret: str
    event_types: frozenset[MessageType]
    id: int | None = None
    active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None
    description: str | None = field(default=None)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


def check_webhook(webhook: Webhook) -> None:
    """Raise InvalidInputError for every rule the webhook breaks: an http(s) URL with a host, a secret of
    16-200 characters, at least one message type."""
    problems: list[Problem] = []
    parts = urlsplit(webhook.url) if len(webhook.url) <= MAX_URL_LENGTH else None
    if parts is None:
        problems.append(
            Problem("url", "too_long", N_("At most %(limit)s characters are allowed."), {"limit": MAX_URL_LENGTH})
        )
    else:
        try:
            has_host = bool(parts.hostname)
            _ = parts.port  # raises ValueError on a port out of range or not a number
        except ValueError:
            has_host = False
        if parts.scheme.lower() not in ("http", "https") or not has_host:
            problems.append(
                Problem("url", "invalid_url", N_("A webhook URL must be an http or https URL with a host."))
            )
    if not MIN_SECRET_LENGTH <= len(webhook.secret) <= MAX_SECRET_LENGTH:
        problems.append(
            Problem(
                "secret",
                "invalid_secret",
                N_("The secret must have between %(min)s and %(max)s characters."),
                {"min": MIN_SECRET_LENGTH, "max": MAX_SECRET_LENGTH},
            )
        )
    if not webhook.event_types:
        problems.append(Problem("event_types", "required", N_("Name at least one event type.")))
    if problems:
        raise InvalidInputError(problems)


def parse_event_types(names: list[str]) -> frozenset[MessageType]:
    """Message types from their names; InvalidInputError naming each unknown one."""
    known = {t.value: t for t in MessageType}
    problems = [
        Problem(
            f"event_types[{i}]",
            "unknown_event_type",
            N_("%(value)s is not an event type; use one of: %(expected)s."),
            {"value": name[:80], "expected": ", ".join(known)},
        )
        for i, name in enumerate(names)
        if name not in known
    ]
    if problems:
        raise InvalidInputError(problems)
    return frozenset(known[n] for n in names)


def can_manage_webhook(principal: Principal, webhook: Webhook) -> bool:
    """Users see and change their own webhooks; administrators all of them."""
    return principal.is_admin or webhook.owner_id == principal.user_id


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Almanac-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"t={timestamp},{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its timestamp is within ``tolerance`` s of ``now``."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields.get("t", [""])[0])
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).rpartition("=")[2]
    return any(hmac.compare_digest(expected, given) for given in fields.get(SIGNATURE_VERSION, []))


#: The kinds of object NotFoundError names in this feature, marked so their names are translated too.
OBJECT_KINDS = (N_("webhook"), N_("reminder"))
