"""Idempotent creates: the ``Idempotency-Key`` request header (IETF httpapi draft
"The Idempotency-Key HTTP Header Field", as Stripe uses it).

A client sends a key of its choosing with a create; the first request with
that key performs the create, and the answer it got is kept with the key
(scoped to the calling user), so a retry with the same key and the same
request is answered with that same response and creates nothing. Reusing a
key for a different request (another method, path or body) is refused. Keys
expire after a configured time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from almanac.domain.errors import N_, AlmanacError, ConflictError, InvalidInputError, Problem

#: The request header, as the draft names it; problems about it name it so.
HEADER: Final = "Idempotency-Key"
#: Longest key accepted (the draft leaves it to the server; a UUID is 36).
MAX_KEY_LENGTH: Final = 255


class IdempotencyKeyReusedError(AlmanacError):
    """The key was already used, by this user, for a different request (draft §2.7: 422)."""

    code = "idempotency_key_reused"
    template = N_("This Idempotency-Key was already used for a different request; send a new key with a new request.")


class IdempotencyKeyInProgressError(ConflictError):
    """Another request with the same key is being handled and has not finished (draft §2.7: 409)."""

    code = "idempotency_key_in_progress"
    template = N_("A request with this Idempotency-Key is in progress; retry it later.")


@dataclass(frozen=True)
class IdempotentRequest:
    """A create a user sent with a key: ``fingerprint`` tells a true retry from another request."""

    user_id: int
    key: str
    fingerprint: str


@dataclass(frozen=True)
class RecordedResponse:
    """What the first request was answered: status, the headers a retry must see again, the body bytes."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class IdempotencyRecord:
    """One used key with the response of its first request; valid until ``expires_at``."""

    request: IdempotentRequest
    response: RecordedResponse
    created_at: datetime
    expires_at: datetime


def checked_key(raw: str | None) -> str | None:
    """The key of the header value (None when the header is absent); InvalidInputError when it is empty
    or longer than MAX_KEY_LENGTH."""
    if raw is None:
        return None
    key = raw.strip()
    if not key:
        raise InvalidInputError([Problem(HEADER, "empty", N_("The Idempotency-Key header must not be empty."))])
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInputError(
            [
                Problem(
                    HEADER,
                    "too_long",
                    N_("The Idempotency-Key header must be at most %(limit)s characters long."),
                    {"limit": MAX_KEY_LENGTH},
                )
            ]
        )
    return key


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """Method, path and the SHA-256 of the body: two requests with one fingerprint are the same request."""
    return f"{method.upper()} {path} {hashlib.sha256(body).hexdigest()}"
