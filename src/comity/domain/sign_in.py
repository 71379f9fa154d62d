"""The rules of signing in, as pure functions: throttling, session life, freshness, one-time codes.

The services keep the facts (failure times, a session's issue, last use and last
authentication, the last one-time-code step used) and ask these functions what they mean, so
every rule is tested without a database or a clock (ASVS 5.0 V6 and V7; security-test-plan
A-06 to A-09).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class SignInPolicy:
    """A node's sign-in settings (``config.Settings`` fills them in; the defaults are safe)."""

    # Failures within the window after which a name is throttled, and an address: higher,
    # since the officers of one office may all come through one proxy's address.
    max_failures: int = 5
    max_address_failures: int = 20
    failure_window: timedelta = timedelta(minutes=15)
    # A session ends at its token's expiry whatever happens (absolute timeout, ASVS 7.3.2),
    # or after this long without a request (idle timeout, ASVS 7.3.1).
    idle_timeout: timedelta = timedelta(hours=2)
    # Approving a request or releasing evidence needs a sign-in this recent (ASVS 7.5.1).
    reauth_window: timedelta = timedelta(minutes=10)
    # True in production: an account without an enrolled authenticator cannot sign in.
    require_mfa: bool = False


def retry_after(
    failures: Sequence[datetime], now: datetime, policy: SignInPolicy, *, address: bool = False
) -> int | None:
    """Seconds until one more attempt is allowed, or None if attempts are allowed now.

    ``failures`` are the failure times of one name (or, with ``address``, of one client
    address), in any order and of any age. A subject is throttled while its threshold of them
    fall within the window; the wait is until the oldest of the latest ones leaves it, so
    nobody is locked out for good (security-test-plan A-07: no permanent denial of service).
    """
    limit = policy.max_address_failures if address else policy.max_failures
    recent = sorted(at for at in failures if now - at < policy.failure_window)
    if len(recent) < limit:
        return None
    frees_at = recent[-limit] + policy.failure_window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def session_alive(
    *, expires_at: datetime, last_seen_at: datetime, now: datetime, policy: SignInPolicy
) -> bool:
    """True while a session is before its absolute expiry and within its idle timeout."""
    return now < expires_at and now < last_seen_at + policy.idle_timeout


def worth_touching(last_seen_at: datetime, now: datetime) -> bool:
    """True when a session's last use is worth writing down again: once a minute is precise
    enough for an idle timeout counted in minutes, and spares a write on every request."""
    return now - last_seen_at >= timedelta(minutes=1)


def recently_authenticated(authenticated_at: datetime, now: datetime, policy: SignInPolicy) -> bool:
    """True if the session's password (and code) were checked within the re-authentication
    window: the condition of approving a request or releasing evidence."""
    return now - authenticated_at <= policy.reauth_window


class SecondFactor(StrEnum):
    """What a sign-in needs besides the password."""

    NONE = "none"  # No authenticator enrolled, and the node does not require one.
    CODE = "code"  # An enrolled authenticator: its current code is required.
    ENROL_FIRST = "enrol_first"  # The node requires MFA and the account has none: refused.


def second_factor(*, enrolled: bool, policy: SignInPolicy) -> SecondFactor:
    """What the account must present besides its password."""
    if enrolled:
        return SecondFactor.CODE
    return SecondFactor.ENROL_FIRST if policy.require_mfa else SecondFactor.NONE


def usable_step(matching: Sequence[int], last_used: int | None) -> int | None:
    """The time step a one-time code is accepted for, or None.

    ``matching`` are the steps (within the tolerated window) whose code equals the one
    given. A code is single-use (ASVS 6.5.1): a step at or before the last one used is
    refused, so neither the same code nor an older one from the window works twice.
    """
    usable = [step for step in matching if last_used is None or step > last_used]
    return max(usable) if usable else None


@dataclass(frozen=True)
class SessionRecord:
    """What the node keeps of one session (its token itself is kept only as a digest)."""

    user_id: str
    issued_at: datetime
    expires_at: datetime
    authenticated_at: datetime
    last_seen_at: datetime

    def alive(self, now: datetime, policy: SignInPolicy) -> bool:
        """True while the session may still be used (absolute and idle timeouts)."""
        return session_alive(
            expires_at=self.expires_at, last_seen_at=self.last_seen_at, now=now, policy=policy
        )
