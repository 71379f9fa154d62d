"""What the practice services need from the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from comity.domain.practice.lifecycle import PracticeRecord


class PracticeRepository(Protocol):
    """Each request's practice record and its steps."""

    def get(self, request_id: str) -> PracticeRecord | None:
        """The request's record, its steps oldest first, or None before its first step."""
        ...

    def save(self, request_id: str, record: PracticeRecord, *, final: bool, at: datetime) -> None:
        """Store the record: its state, and the steps not stored yet."""
        ...

    def open_records(self, lifecycles: Sequence[str], limit: int) -> Sequence[str]:
        """Ids of requests whose record in one of ``lifecycles`` is not final."""
        ...

    def erase_values(self, request_id: str, at: datetime) -> int:
        """Erase what the request's steps recorded (names, references, texts), keeping which
        step was taken, by which side and when, and close the record so that no clock runs
        on it; how many steps were emptied."""
        ...
