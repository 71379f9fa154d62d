"""Handlers for accounts and sign-in: add, disable and enrol a user, issue, renew and resolve
tokens.

Tokens are random secrets; only their SHA-256 digest is stored, so a copy of the database does
not let anyone sign in. A session ends at its token's expiry, after the idle timeout, at
sign-out or when its account is disabled. Failed sign-ins are audited under a digest of the
name tried and counted (per name and per client address) for throttling. The rules
themselves are in ``domain.sign_in``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from comity.domain.access import Authority, User
from comity.domain.commands import AddUser
from comity.domain.errors import (
    AuthenticationError,
    ConflictError,
    FieldIssue,
    InvalidCredentialsError,
    InvalidFieldsError,
    MfaRequiredError,
    NotFoundError,
    ReauthRequiredError,
    SignInThrottledError,
    UnknownAuthorityError,
)
from comity.domain.events import (
    SignInFailed,
    SignInThrottled,
    TokenIssued,
    TokenRevoked,
    TotpEnrolled,
    UserAdded,
    UserDisabled,
    UserReauthenticated,
)
from comity.domain.sign_in import (
    SecondFactor,
    SessionRecord,
    recently_authenticated,
    retry_after,
    second_factor,
    usable_step,
    worth_touching,
)
from comity.domain.values import AuthorityKind
from comity.services.context import ServiceContext
from comity.services.ports import UnitOfWork
from comity.services.sign_in_ports import OneTimeCodes

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


def sign_in(
    ctx: ServiceContext,
    *,
    username: str,
    password: str,
    otp: str | None = None,
    address: str | None = None,
) -> IssuedToken:
    """Check a user name, password and (for an enrolled account) one-time code, and issue a
    bearer token: a new one on every sign-in, so no session id chosen beforehand survives it.

    ``address`` is the client's address: failures are counted per name tried and per
    address, and either one past the threshold is throttled (``SignInThrottledError``)
    before any password is checked. An unknown name costs the same password check as a
    known one and gets the same answer (ASVS 6.3.1, 6.3.8).
    """
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = _check_credentials(ctx, uow, now, username, password, otp, address)
        issued = _issue(ctx, uow, user, now)
        uow.record(TokenIssued(user.id, now, user.id))
        uow.commit()
    return issued


def reauthenticate(
    ctx: ServiceContext,
    *,
    token: str,
    password: str,
    otp: str | None = None,
    address: str | None = None,
) -> IssuedToken:
    """Prove the password (and code) again within a live session, for a step that needs a
    recent sign-in: the old token ends and a new one starts (ASVS 7.2.4, 7.5.1)."""
    user = authenticate(ctx, token=token)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        checked = _check_credentials(ctx, uow, now, user.username, password, otp, address)
        uow.tokens.revoke(digest=_digest(token))
        issued = _issue(ctx, uow, checked, now)
        uow.record(UserReauthenticated(user.id, now, user.id))
        uow.commit()
    return issued


def _check_credentials(
    ctx: ServiceContext,
    uow: UnitOfWork,
    now: datetime,
    username: str,
    password: str,
    otp: str | None,
    address: str | None,
) -> User:
    """The account whose credentials these are; failures are counted and audited (and
    committed) before the error is raised."""
    policy = ctx.sign_in
    subjects = {"account": _subject("account", username)}
    if address:
        subjects["address"] = _subject("address", address)
    since = now - policy.failure_window
    for kind, subject in subjects.items():
        failures = uow.sign_in_failures.times(subject, since)
        wait = retry_after(failures, now, policy, address=kind == "address")
        if wait is not None:
            raise SignInThrottledError("too many failed sign-ins: try again later", wait)
    found = uow.users.credentials(username)
    if found is None:
        ctx.hasher.verify_nothing(password)
    user, hashed = found if found is not None else (None, "")
    if user is None or not user.active or not ctx.hasher.verify(hashed, password):
        _failed(ctx, uow, now, username, subjects)
        raise InvalidCredentialsError("the user name or password is wrong")
    enrolled = uow.users.totp(user.id)
    factor = second_factor(enrolled=enrolled is not None, policy=policy)
    if factor is SecondFactor.ENROL_FIRST:
        raise MfaRequiredError("this node requires an authenticator app: ask to be enrolled")
    if enrolled is not None:
        if not otp:
            raise MfaRequiredError("the one-time code of your authenticator app is required")
        secret, last_used = enrolled
        codes = _codes(ctx)
        step = usable_step(codes.matching_steps(secret, otp, now), last_used)
        if step is None or not uow.users.use_totp_step(user.id, step):
            _failed(ctx, uow, now, username, subjects)
            raise MfaRequiredError("the one-time code is wrong or was used already")
    # A right answer ends the name's count; the address's stays, so one account an attacker
    # knows cannot clear the failures of every other name tried from the same place.
    uow.sign_in_failures.clear(subjects["account"])
    return user


def _failed(
    ctx: ServiceContext, uow: UnitOfWork, now: datetime, username: str, subjects: dict[str, str]
) -> None:
    """Count a failure for the name and the address, audit it (and the throttling it
    starts: throttled attempts are not counted, so that is once per throttling), and commit:
    the caller raises next."""
    policy = ctx.sign_in
    uow.sign_in_failures.prune(now - policy.failure_window)
    uow.sign_in_failures.add(list(subjects.values()), now)
    uow.record(SignInFailed("anonymous", now, _digest(username)))
    since = now - policy.failure_window
    for kind, subject in subjects.items():
        failures = uow.sign_in_failures.times(subject, since)
        wait = retry_after(failures, now, policy, address=kind == "address")
        if wait is not None:
            uow.record(SignInThrottled("anonymous", now, subject, kind, wait))
    uow.commit()


def _issue(ctx: ServiceContext, uow: UnitOfWork, user: User, now: datetime) -> IssuedToken:
    token = ctx.ids.new_secret()
    uow.tokens.add(
        digest=_digest(token),
        user_id=user.id,
        issued_at=now,
        expires_at=now + ctx.token_lifetime,
    )
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
    """The active user holding ``token``; raises ``AuthenticationError`` otherwise (expired,
    idle too long, signed out, or the account disabled)."""
    return _session(ctx, token)[0]


def authenticate_recent(ctx: ServiceContext, *, token: str) -> User:
    """Like ``authenticate``, for a step that needs a recent sign-in (approving a request,
    sending evidence): ``ReauthRequiredError`` if the session's last sign-in is older than
    the node's re-authentication window."""
    user, session = _session(ctx, token)
    if not recently_authenticated(session.authenticated_at, ctx.clock.now(), ctx.sign_in):
        raise ReauthRequiredError("this step needs a recent sign-in: authenticate again")
    return user


def has_authenticator(ctx: ServiceContext, *, user_id: str) -> bool:
    """True if the account has an enrolled authenticator app (its forms ask for a code)."""
    with ctx.uow() as uow:
        return uow.users.totp(user_id) is not None


def _session(ctx: ServiceContext, token: str) -> tuple[User, SessionRecord]:
    now = ctx.clock.now()
    digest = _digest(token)
    with ctx.uow() as uow:
        session = uow.tokens.session(digest=digest)
        alive = session is not None and session.alive(now, ctx.sign_in)
        user = uow.users.get(session.user_id) if session is not None and alive else None
        if session is not None and user is not None and worth_touching(session.last_seen_at, now):
            uow.tokens.touch(digest=digest, at=now)
            uow.commit()
    if session is None or user is None or not user.active:
        raise AuthenticationError("a valid bearer token is required")
    return user, session


def enrol_totp(ctx: ServiceContext, *, username: str, actor_id: str = "operator") -> str:
    """Enrol a new authenticator app for the account (replacing any earlier one) and return
    its ``otpauth://`` URI, to be shown once; the audit says it happened, never the secret."""
    codes = _codes(ctx)
    secret = codes.new_secret()
    now = ctx.clock.now()
    with ctx.uow() as uow:
        found = uow.users.credentials(username)
        if found is None:
            raise NotFoundError(f"there is no user {username!r} on this node")
        user = found[0]
        uow.users.set_totp(user.id, secret)
        uow.record(TotpEnrolled(actor_id, now, user.id))
        uow.commit()
    return codes.provisioning_uri(secret, account=username, issuer=f"Comity {ctx.state}")


def disable_user(ctx: ServiceContext, *, username: str, actor_id: str = "operator") -> int:
    """Disable the account and end every session it has at once (ASVS 7.4.2); returns how
    many sessions ended."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        found = uow.users.credentials(username)
        if found is None:
            raise NotFoundError(f"there is no user {username!r} on this node")
        user = found[0]
        uow.users.set_active(user.id, False)
        ended = uow.tokens.revoke_all(user_id=user.id)
        uow.record(UserDisabled(actor_id, now, user.id, ended))
        uow.commit()
    return ended


def _codes(ctx: ServiceContext) -> OneTimeCodes:
    if ctx.one_time_codes is None:
        raise ConflictError("this node has no one-time codes configured")
    return ctx.one_time_codes


def _subject(kind: str, value: str) -> str:
    """What failures are counted under: a digest, so the table holds no name or address."""
    return _digest(f"{kind}\0{value}")


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
