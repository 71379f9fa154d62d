"""User accounts, the node's authorities and API tokens, as rows. Repositories never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from comity.domain.access import Authority, User
from comity.domain.sign_in import SessionRecord
from comity.domain.values import AuthorityKind, Role
from comity.store.tables import api_token, authority, sign_in_failure, user_account


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

    def set_active(self, user_id: str, active: bool) -> None:
        self._session.execute(
            update(user_account).where(user_account.c.id == user_id).values(active=active)
        )

    def totp(self, user_id: str) -> tuple[str, int | None] | None:
        row = self._session.execute(
            select(user_account.c.totp_secret, user_account.c.totp_last_step).where(
                user_account.c.id == user_id
            )
        ).first()
        if row is None or row.totp_secret is None:
            return None
        return row.totp_secret, row.totp_last_step

    def set_totp(self, user_id: str, secret: str) -> None:
        self._session.execute(
            update(user_account)
            .where(user_account.c.id == user_id)
            .values(totp_secret=secret, totp_last_step=None)
        )

    def use_totp_step(self, user_id: str, step: int) -> bool:
        # One conditional UPDATE: of two requests with the same code, only one changes the row.
        result = self._session.execute(
            update(user_account)
            .where(
                user_account.c.id == user_id,
                or_(
                    user_account.c.totp_last_step.is_(None),
                    user_account.c.totp_last_step < step,
                ),
            )
            .values(totp_last_step=step)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

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
                digest=digest,
                user_id=user_id,
                issued_at=issued_at,
                expires_at=expires_at,
                authenticated_at=issued_at,
                last_seen_at=issued_at,
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

    def session(self, *, digest: str) -> SessionRecord | None:
        row = self._session.execute(select(api_token).where(api_token.c.digest == digest)).first()
        if row is None:
            return None
        return SessionRecord(
            user_id=row.user_id,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            authenticated_at=row.authenticated_at or row.issued_at,
            last_seen_at=row.last_seen_at or row.issued_at,
        )

    def touch(self, *, digest: str, at: datetime) -> None:
        self._session.execute(
            update(api_token).where(api_token.c.digest == digest).values(last_seen_at=at)
        )

    def revoke_all(self, *, user_id: str) -> int:
        result = self._session.execute(delete(api_token).where(api_token.c.user_id == user_id))
        return int(result.rowcount)  # type: ignore[attr-defined]


class SQLSignInFailureRepository:
    """Failed sign-ins, by the digest of the name tried or of the client address."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, subjects: Sequence[str], at: datetime) -> None:
        if subjects:
            self._session.execute(
                insert(sign_in_failure), [{"subject": subject, "at": at} for subject in subjects]
            )

    def times(self, subject: str, since: datetime) -> list[datetime]:
        rows = self._session.scalars(
            select(sign_in_failure.c.at).where(
                sign_in_failure.c.subject == subject, sign_in_failure.c.at > since
            )
        )
        return list(rows)

    def clear(self, subject: str) -> None:
        self._session.execute(delete(sign_in_failure).where(sign_in_failure.c.subject == subject))

    def prune(self, before: datetime) -> None:
        self._session.execute(delete(sign_in_failure).where(sign_in_failure.c.at <= before))
