"""Authentication: bearer tokens (CLI-issued or signed-in pairs), sign-in with its rate limit, refresh, sign-out."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from almanac.domain.errors import N_, AuthenticationError, NotFoundError, RateLimitedError
from almanac.domain.ports import UnitOfWork
from almanac.domain.tokens import Token, TokenKind, hash_secret, new_family, new_secret
from almanac.domain.users import Membership, Principal, User, normalize_email
from almanac.services.context import ServiceContext


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed to its holder: the secret exists only here, never in the store."""

    secret: str
    token: Token


@dataclass(frozen=True)
class TokenPair:
    access: IssuedToken
    refresh: IssuedToken


def issue_api_token(ctx: ServiceContext, *, username: str) -> IssuedToken:
    """A long-lived bearer token for scripts (``almanac token issue``)."""
    with ctx.uow() as uow:
        user = uow.users.get_by_username(username)
        if user is None or user.id is None:
            raise NotFoundError(kind="user", id=username)
        now = ctx.clock.now()
        expires = now + ctx.tokens.api_ttl if ctx.tokens.api_ttl else None
        issued = _mint(uow, user.id, TokenKind.API, new_family(), now, expires)
        uow.commit()
        return issued


def sign_in(ctx: ServiceContext, *, email: str, password: str) -> TokenPair:
    """Trade an address and password for an access/refresh pair.

    Raises RateLimitedError once ``ctx.signin.max_failures`` attempts failed for
    this address within ``ctx.signin.window`` (checked before the password, so a
    correct guess does not get through either), and AuthenticationError for a
    wrong address or password (the two are indistinguishable to the caller).
    """
    email_key = normalize_email(email)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        _refuse_if_locked(ctx, uow, email_key, now)
        user = uow.users.get_by_email(email)
        if not _password_matches(ctx, user, password):
            uow.signin_attempts.record_failure(email_key, now)
            uow.commit()
            raise AuthenticationError(N_("The email address or password is wrong."))
        assert user is not None and user.id is not None  # _password_matches is False for a missing user
        uow.signin_attempts.forget(email_key)
        pair = _mint_pair(ctx, uow, user.id, now)
        uow.commit()
        return pair


def refresh(ctx: ServiceContext, *, refresh_secret: str) -> TokenPair:
    """Trade a refresh token for a new pair; the old pair is revoked (refresh tokens are single-use)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        token = uow.tokens.find_by_hash(hash_secret(refresh_secret))
        if token is None or token.kind is not TokenKind.REFRESH or not token.is_usable(now):
            raise AuthenticationError(N_("The refresh token is invalid, expired or revoked."))
        uow.tokens.revoke_family(token.family, now)
        pair = _mint_pair(ctx, uow, token.user_id, now)
        uow.commit()
        return pair


def sign_out(ctx: ServiceContext, *, secret: str) -> None:
    """Revoke the pair the given (access or refresh) token belongs to."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        token = uow.tokens.find_by_hash(hash_secret(secret))
        if token is None or not token.is_usable(now):
            raise AuthenticationError()
        uow.tokens.revoke_family(token.family, now)
        uow.commit()


def authenticate(ctx: ServiceContext, *, secret: str) -> Principal:
    """The principal a bearer secret acts as. Refresh tokens are not bearer tokens."""
    now = ctx.clock.now()
    with ctx.uow(read_only=True) as uow:
        holder = uow.tokens.find_holder(hash_secret(secret))
    if holder is None or holder.token.kind is TokenKind.REFRESH or not holder.token.is_usable(now):
        raise AuthenticationError(N_("The bearer token is invalid, expired or revoked."))
    return _principal(holder.user, holder.memberships)


def authenticate_password(ctx: ServiceContext, *, username: str, password: str) -> Principal:
    """HTTP Basic sign-in (eXo and CalDAV clients): a password, or a bearer token given as the password.

    Wrong passwords count towards the sign-in limit of the user (as ``sign_in``): past it, RateLimitedError,
    even for the right password, until the window has passed.

    The token is tried first: it is one indexed lookup of a hash, while a password
    costs a deliberately slow Argon2 check, which scripts sending a token on every
    request should not pay.
    """
    principal = _token_principal_or_none(ctx, password)
    if principal is not None and principal.username == username:
        return principal
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = uow.users.get_by_username(username)
        # The same count as Back Office sign-in (a user's address), so guessing cannot alternate between faces.
        key = normalize_email(user.email) if user is not None else "username:" + username.strip().casefold()[:300]
        had_failures = _refuse_if_locked(ctx, uow, key, now)
        if _password_matches(ctx, user, password):
            assert user is not None
            principal = principal_of(uow, user)
            if had_failures:
                uow.signin_attempts.forget(key)
                uow.commit()
            return principal
        uow.signin_attempts.record_failure(key, now)
        uow.commit()
    raise AuthenticationError(N_("The username or password is wrong."))


def _refuse_if_locked(ctx: ServiceContext, uow: UnitOfWork, key: str, now: datetime) -> bool:
    """RateLimitedError if ``key`` failed ``ctx.signin.max_failures`` times within the window (checked before
    the password, so a correct guess does not get through either); else whether it failed at all lately."""
    failures = uow.signin_attempts.failures_since(key, now - ctx.signin.window)
    if len(failures) >= ctx.signin.max_failures:
        oldest_relevant = failures[-ctx.signin.max_failures]
        wait = (oldest_relevant + ctx.signin.window - now).total_seconds()
        raise RateLimitedError(retry_after=max(1, math.ceil(wait)))
    return bool(failures)


def principal_of(uow: UnitOfWork, user: User) -> Principal:
    assert user.id is not None
    return _principal(user, uow.users.memberships_of(user.id))


def _principal(user: User, memberships: Iterable[Membership]) -> Principal:
    assert user.id is not None
    return Principal(
        user_id=user.id,
        username=user.username,
        email=user.email,
        is_admin=user.is_admin,
        memberships=frozenset(memberships),
        locale=user.locale,
        tzid=user.tzid,
    )


def _token_principal_or_none(ctx: ServiceContext, secret: str) -> Principal | None:
    try:
        return authenticate(ctx, secret=secret)
    except AuthenticationError:
        return None


def _password_matches(ctx: ServiceContext, user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        # Spend the same time as a real check, so a wrong address is indistinguishable from a wrong password.
        ctx.passwords.verify_nothing(password)
        return False
    return ctx.passwords.verify(user.password_hash, password)


def _mint_pair(ctx: ServiceContext, uow: UnitOfWork, user_id: int, now: datetime) -> TokenPair:
    family = new_family()
    access = _mint(uow, user_id, TokenKind.ACCESS, family, now, now + ctx.tokens.access_ttl)
    refresh_token = _mint(uow, user_id, TokenKind.REFRESH, family, now, now + ctx.tokens.refresh_ttl)
    return TokenPair(access=access, refresh=refresh_token)


def _mint(
    uow: UnitOfWork, user_id: int, kind: TokenKind, family: str, now: datetime, expires_at: datetime | None
) -> IssuedToken:
    secret = new_secret()
    token = uow.tokens.add(
        Token(
            user_id=user_id,
            kind=kind,
            token_hash=hash_secret(secret),
            family=family,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return IssuedToken(secret=secret, token=token)


__all__ = [
    "IssuedToken",
    "TokenPair",
    "authenticate",
    "authenticate_password",
    "issue_api_token",
    "principal_of",
    "refresh",
    "sign_in",
    "sign_out",
]
