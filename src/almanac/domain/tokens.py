"""Bearer tokens: minted here, stored only as hashes.

A token's secret is 256 random bits, so a fast SHA-256 digest is a safe store
(slow hashes exist for low-entropy passwords, not for random secrets); the
hash is what every lookup compares.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from almanac.domain.users import Membership, User


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    API = "api"


@dataclass
class Token:
    """A stored token. ``family`` ties an access token to the refresh token issued with it."""

    user_id: int
    kind: TokenKind
    token_hash: str
    family: str
    created_at: datetime
    expires_at: datetime | None
    id: int | None = None
    revoked_at: datetime | None = None

    def is_usable(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class TokenHolder:
    """A stored token with its user and the user's memberships: everything authenticating a request reads."""

    token: Token
    user: User
    memberships: tuple[Membership, ...]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_family() -> str:
    return secrets.token_hex(16)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
