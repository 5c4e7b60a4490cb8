"""Repositories for users, groups, memberships, tokens and sign-in failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Executable, Row, bindparam, delete, select, update
from sqlalchemy.orm import Session

from almanac.domain.people import search_key
from almanac.domain.tokens import Token, TokenHolder, TokenKind
from almanac.domain.users import Group, Membership, User, normalize_email
from almanac.storage.tables import GroupRow, MembershipRow, SigninFailureRow, TokenRow, UserRow


def _user(row: UserRow | Row[Any]) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        display_name=row.display_name,
        password_hash=row.password_hash,
        is_admin=row.is_admin,
        locale=row.locale,
        tzid=row.tzid,
        created_at=row.created_at,
    )


#: The row mapper, for the other repositories that select users (participant suggestions).
user_from_row = _user


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> User:
        row = UserRow(
            username=user.username,
            email=user.email,
            email_key=user.email_key,
            display_name=user.display_name,
            password_hash=user.password_hash,
            is_admin=user.is_admin,
            locale=user.locale,
            tzid=user.tzid,
            created_at=user.created_at,
            search_folded=search_key(user.display_name, user.username, user.email),
        )
        self._session.add(row)
        self._session.flush()
        return _user(row)

    def get(self, user_id: int) -> User | None:
        row = self._session.get(UserRow, user_id)
        return _user(row) if row else None

    def get_by_username(self, username: str) -> User | None:
        row = self._session.scalar(select(UserRow).where(UserRow.username == username))
        return _user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        row = self._session.scalar(select(UserRow).where(UserRow.email_key == normalize_email(email)))
        return _user(row) if row else None

    def list_by_ids(self, user_ids: Sequence[int]) -> list[User]:
        if not user_ids:
            return []
        rows = self._session.execute(_users_by_ids_query(), {"ids": list(user_ids)})
        return [_user(r) for r in rows]

    def list_by_emails(self, emails: Sequence[str]) -> list[User]:
        keys = sorted({normalize_email(e) for e in emails})
        found: list[User] = []
        for start in range(0, len(keys), 500):  # an import asks for thousands at once
            rows = self._session.scalars(select(UserRow).where(UserRow.email_key.in_(keys[start : start + 500])))
            found.extend(_user(r) for r in rows)
        return found

    def memberships_of(self, user_id: int) -> list[Membership]:
        rows = self._session.scalars(
            select(MembershipRow)
            .where(MembershipRow.user_id == user_id)
            .order_by(MembershipRow.group_id, MembershipRow.membership_type)
        )
        return [Membership(r.group_id, r.membership_type) for r in rows]


class SqlGroupRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, group: Group) -> Group:
        self._session.add(GroupRow(group_id=group.group_id, name=group.name))
        self._session.flush()
        return group

    def get(self, group_id: str) -> Group | None:
        row = self._session.get(GroupRow, group_id)
        return Group(group_id=row.group_id, name=row.name) if row else None

    def add_membership(self, user_id: int, membership: Membership) -> None:
        self._session.add(
            MembershipRow(user_id=user_id, group_id=membership.group_id, membership_type=membership.membership_type)
        )
        self._session.flush()


def _token(row: TokenRow) -> Token:
    return Token(
        id=row.id,
        user_id=row.user_id,
        kind=TokenKind(row.kind),
        token_hash=row.token_hash,
        family=row.family,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


#: The columns ``_user`` reads: users are read as plain rows where no write follows (no identity-map cost).
_USER_COLUMNS = (
    UserRow.id,
    UserRow.username,
    UserRow.email,
    UserRow.display_name,
    UserRow.password_hash,
    UserRow.is_admin,
    UserRow.locale,
    UserRow.tzid,
    UserRow.created_at,
)


@cache
def _users_by_ids_query() -> Executable:
    """Users by id (every list answer reads its authors and participants): built once, see ``_holder_query``."""
    return select(*_USER_COLUMNS).where(UserRow.id.in_(bindparam("ids", expanding=True)))


@cache
def _holder_query() -> Executable:
    """Token, user and memberships by token hash (``find_holder``): one row per membership, at least one.

    Built once, on first use, with the hash as a bound parameter: every request runs it, and a statement
    object used again skips SQLAlchemy's construction and its cache-key computation (memoized on it).
    """
    return (
        select(
            TokenRow.id.label("token_id"),
            TokenRow.kind,
            TokenRow.token_hash,
            TokenRow.family,
            TokenRow.created_at.label("token_created_at"),
            TokenRow.expires_at,
            TokenRow.revoked_at,
            *_USER_COLUMNS,
            MembershipRow.group_id,
            MembershipRow.membership_type,
        )
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .outerjoin(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(TokenRow.token_hash == bindparam("token_hash"))
        .order_by(MembershipRow.group_id, MembershipRow.membership_type)
    )


class SqlTokenRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: Token) -> Token:
        row = TokenRow(
            user_id=token.user_id,
            kind=token.kind.value,
            token_hash=token.token_hash,
            family=token.family,
            created_at=token.created_at,
            expires_at=token.expires_at,
        )
        self._session.add(row)
        self._session.flush()
        return _token(row)

    def find_by_hash(self, token_hash: str) -> Token | None:
        row = self._session.scalar(select(TokenRow).where(TokenRow.token_hash == token_hash))
        return _token(row) if row else None

    def find_holder(self, token_hash: str) -> TokenHolder | None:
        rows = self._session.execute(_holder_query(), {"token_hash": token_hash}).all()
        if not rows:
            return None
        first = rows[0]
        token = Token(
            id=first.token_id,
            user_id=first.id,
            kind=TokenKind(first.kind),
            token_hash=first.token_hash,
            family=first.family,
            created_at=first.token_created_at,
            expires_at=first.expires_at,
            revoked_at=first.revoked_at,
        )
        memberships = tuple(Membership(r.group_id, r.membership_type) for r in rows if r.group_id is not None)
        return TokenHolder(token=token, user=_user(first), memberships=memberships)

    def revoke_family(self, family: str, at: datetime) -> None:
        self._session.execute(
            update(TokenRow).where(TokenRow.family == family, TokenRow.revoked_at.is_(None)).values(revoked_at=at)
        )


class SqlSigninAttemptRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record_failure(self, email_key: str, at: datetime) -> None:
        self._session.add(SigninFailureRow(email_key=email_key, at=at))
        self._session.flush()

    def failures_since(self, email_key: str, since: datetime) -> list[datetime]:
        rows = self._session.scalars(
            select(SigninFailureRow.at)
            .where(SigninFailureRow.email_key == email_key, SigninFailureRow.at >= since)
            .order_by(SigninFailureRow.at)
        )
        return list(rows)

    def forget(self, email_key: str) -> None:
        self._session.execute(delete(SigninFailureRow).where(SigninFailureRow.email_key == email_key))
