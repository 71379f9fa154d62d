"""What the roster and escalation services need from the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from comity.domain.roster import Shift


class RosterRepository(Protocol):
    """The 24/7 points' shifts, and the emergencies already escalated."""

    def add(self, shift: Shift) -> None:
        """Put a shift on the roster."""
        ...

    def get(self, shift_id: str) -> Shift | None:
        """One shift."""
        ...

    def remove(self, shift_id: str) -> None:
        """Take a shift off the roster."""
        ...

    def between(self, authority_id: str, start: datetime, end: datetime) -> Sequence[Shift]:
        """The authority's shifts that overlap [start, end), earliest first."""
        ...

    def escalated(self, request_id: str) -> bool:
        """True if the emergency was already escalated."""
        ...

    def mark_escalated(self, request_id: str, at: datetime, alerted: int) -> None:
        """Record the escalation (once per emergency)."""
        ...

    def escalated_at(self, request_ids: Sequence[str]) -> dict[str, datetime]:
        """When each of these emergencies was escalated (those that were)."""
        ...
