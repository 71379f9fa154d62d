"""Ports of sign-in security: failed sign-ins kept for throttling, and one-time codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class SignInFailureRepository(Protocol):
    """Failed sign-ins by subject (the digest of a name tried or of a client address)."""

    def add(self, subjects: Sequence[str], at: datetime) -> None:
        """Record one failure for each subject."""
        ...

    def times(self, subject: str, since: datetime) -> list[datetime]:
        """The subject's failures after ``since``."""
        ...

    def clear(self, subject: str) -> None:
        """Forget the subject's failures (after a successful sign-in of that name)."""
        ...

    def prune(self, before: datetime) -> None:
        """Forget every failure older than ``before`` (past any throttling window)."""
        ...


class OneTimeCodes(Protocol):
    """Time-based one-time codes (RFC 6238): new secrets, their URIs, and checking a code.

    A secret is opaque to the services: the adapter may hand it out sealed, and it is only
    ever given back to the adapter."""

    def new_secret(self) -> str:
        """A fresh random secret, in the form the adapter stores it."""
        ...

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The ``otpauth://`` URI an authenticator app reads (shown once, at enrolment)."""
        ...

    def matching_steps(self, secret: str, code: str, at: datetime) -> list[int]:
        """The time steps within one step of ``at`` whose code equals ``code``."""
        ...
