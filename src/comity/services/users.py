"""Handlers for accounts and sign-in: add a user, issue an API token, resolve a token.

Tokens are random secrets; only their SHA-256 digest is stored, so a copy of the database does
not let anyone sign in. Failed sign-ins are audited under a digest of the name tried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from comity.domain.access import Authority, User
from comity.domain.commands import AddUser
from comity.domain.errors import (
    AuthenticationError,
    ConflictError,
    FieldIssue,
    InvalidCredentialsError,
    InvalidFieldsError,
    UnknownAuthorityError,
)
from comity.domain.events import SignInFailed, TokenIssued, TokenRevoked, UserAdded
from comity.domain.values import AuthorityKind
from comity.services.context import ServiceContext

MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class IssuedToken:
    """A bearer token and when it stops working."""

    access_token: str
    expires_in: int
    user: User


def add_user(ctx: ServiceContext, *, command: AddUser, actor_id: str = "system") -> User:
    """Create an account; the authority defaults to the node's central authority."""
    issues = []
    if not command.username.strip() or len(command.username) > 64:
        issues.append(FieldIssue("username", "invalid", "1 to 64 characters"))
    if len(command.password) < MIN_PASSWORD_LENGTH:
        issues.append(
            FieldIssue("password", "invalid", f"at least {MIN_PASSWORD_LENGTH} characters")
        )
    if not command.roles:
        issues.append(FieldIssue("roles", "missing", "at least one role"))
    if issues:
        raise InvalidFieldsError(tuple(issues))
    password_hash = ctx.hasher.hash(command.password)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        authority = _authority(uow.authorities.list(), command.authority_code)
        if uow.users.credentials(command.username) is not None:
            raise ConflictError(f"the user name {command.username!r} is taken")
        user = User(
            id=ctx.ids.new_id(),
            username=command.username,
            authority_id=authority.id,
            roles=command.roles,
        )
        uow.users.add(user, password_hash, now)
        uow.record(UserAdded(actor_id, now, user.id, tuple(sorted(command.roles))))
        uow.commit()
    return user


def list_users(ctx: ServiceContext) -> Sequence[User]:
    """Every account on the node."""
    with ctx.uow() as uow:
        return uow.users.list()


def sign_in(ctx: ServiceContext, *, username: str, password: str) -> IssuedToken:
    """Check a user name and password and issue a bearer token."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        found = uow.users.credentials(username)
        if found is None:
            ctx.hasher.verify_nothing(password)
        user, hashed = found if found is not None else (None, "")
        if user is None or not user.active or not ctx.hasher.verify(hashed, password):
            uow.record(SignInFailed("anonymous", now, _digest(username)))
            uow.commit()
            raise InvalidCredentialsError("the user name or password is wrong")
        token = ctx.ids.new_secret()
        uow.tokens.add(
            digest=_digest(token),
            user_id=user.id,
            issued_at=now,
            expires_at=now + ctx.token_lifetime,
        )
        uow.record(TokenIssued(user.id, now, user.id))
        uow.commit()
    return IssuedToken(token, int(ctx.token_lifetime.total_seconds()), user)


def sign_out(ctx: ServiceContext, *, token: str) -> None:
    """End a session: the token stops working at once (an unknown token changes nothing)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user_id = uow.tokens.revoke(digest=_digest(token))
        if user_id is not None:
            uow.record(TokenRevoked(user_id, now, user_id))
        uow.commit()


def authenticate(ctx: ServiceContext, *, token: str) -> User:
    """The active user holding ``token``; raises ``AuthenticationError`` otherwise."""
    with ctx.uow() as uow:
        user_id = uow.tokens.user_for(digest=_digest(token), now=ctx.clock.now())
        user = uow.users.get(user_id) if user_id is not None else None
    if user is None or not user.active:
        raise AuthenticationError("a valid bearer token is required")
    return user


def user_by_name(ctx: ServiceContext, *, username: str) -> User:
    """The account called ``username`` (for the operator's command line)."""
    with ctx.uow() as uow:
        found = uow.users.credentials(username)
    if found is None:
        raise AuthenticationError(f"there is no user {username!r} on this node")
    return found[0]


def _authority(authorities: Sequence[Authority], code: str | None) -> Authority:
    if code is None:
        central = [item for item in authorities if item.kind is AuthorityKind.CENTRAL_AUTHORITY]
        if central:
            return central[0]
        raise UnknownAuthorityError("the node has no central authority; name an authority")
    for item in authorities:
        if code in (item.code, item.id):
            return item
    raise UnknownAuthorityError(f"there is no authority {code!r} on this node")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
