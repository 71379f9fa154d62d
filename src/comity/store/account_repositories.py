"""User accounts, the node's authorities and API tokens, as rows. Repositories never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from comity.domain.access import Authority, User
from comity.domain.values import AuthorityKind, Role
from comity.store.tables import api_token, authority, user_account


class SQLUserRepository:
    """User accounts."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User, password_hash: str, created_at: datetime) -> None:
        self._session.execute(
            insert(user_account).values(
                id=user.id,
                username=user.username,
                password_hash=password_hash,
                authority_id=user.authority_id,
                roles=sorted(str(role) for role in user.roles),
                active=user.active,
                created_at=created_at,
            )
        )

    def get(self, user_id: str) -> User | None:
        row = self._one(user_account.c.id == user_id)
        return _user(row) if row is not None else None

    def by_username(self, username: str) -> User | None:
        row = self._one(user_account.c.username == username)
        return _user(row) if row is not None else None

    def credentials(self, username: str) -> tuple[User, str] | None:
        row = self._one(user_account.c.username == username)
        return (_user(row), row["password_hash"]) if row is not None else None

    def list(self) -> Sequence[User]:
        rows = self._session.execute(select(user_account).order_by(user_account.c.username))
        return [_user(row) for row in rows.mappings()]

    def _one(self, condition: Any) -> RowMapping | None:
        return self._session.execute(select(user_account).where(condition)).mappings().first()


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        authority_id=row["authority_id"],
        roles=frozenset(Role(role) for role in row["roles"]),
        active=row["active"],
    )


class SQLAuthorityRepository:
    """The node's authorities."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, item: Authority) -> None:
        self._session.execute(
            insert(authority).values(
                id=item.id,
                state=item.state,
                code=item.code,
                name=item.name,
                kind=str(item.kind),
                time_zone=item.time_zone,
            )
        )

    def get(self, authority_id: str) -> Authority | None:
        return self._one(authority.c.id == authority_id)

    def by_code(self, code: str) -> Authority | None:
        return self._one(authority.c.code == code)

    def list(self) -> Sequence[Authority]:
        rows = self._session.execute(select(authority).order_by(authority.c.code)).mappings()
        return [_authority(row) for row in rows]

    def _one(self, condition: Any) -> Authority | None:
        row = self._session.execute(select(authority).where(condition)).mappings().first()
        return _authority(row) if row is not None else None


def _authority(row: RowMapping) -> Authority:
    return Authority(
        id=row["id"],
        state=row["state"],
        code=row["code"],
        name=row["name"],
        kind=AuthorityKind(row["kind"]),
        time_zone=row["time_zone"],
    )


class SQLTokenRepository:
    """API tokens, by digest."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, *, digest: str, user_id: str, issued_at: datetime, expires_at: datetime) -> None:
        self._session.execute(
            insert(api_token).values(
                digest=digest, user_id=user_id, issued_at=issued_at, expires_at=expires_at
            )
        )

    def revoke(self, *, digest: str) -> str | None:
        user_id = self._session.scalar(
            select(api_token.c.user_id).where(api_token.c.digest == digest)
        )
        self._session.execute(delete(api_token).where(api_token.c.digest == digest))
        return user_id

    def user_for(self, *, digest: str, now: datetime) -> str | None:
        return self._session.scalar(
            select(api_token.c.user_id).where(
                api_token.c.digest == digest, api_token.c.expires_at > now
            )
        )
