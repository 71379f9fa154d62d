"""Periods of whole UTC days, as review statistics take them (domain.statistics)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from comity.domain.errors import FieldIssue, InvalidFieldsError

# The longest period one export covers.
MAX_YEARS = 10
FIRST_DAY = date(1970, 1, 1)
# The last day a period may end on (the instant after it must still exist).
LAST_DAY = date.max - timedelta(days=1)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Period:
    """Whole UTC days from ``first`` to ``last``, both included."""

    first: date
    last: date

    @property
    def begins(self) -> datetime:
        """The first instant of the period."""
        return datetime.combine(self.first, time.min, UTC)

    @property
    def ends(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time.min, UTC)

    def holds(self, instant: datetime | None) -> bool:
        """True if ``instant`` falls in the period."""
        return instant is not None and self.begins <= instant < self.ends

    def digest(self) -> str:
        """SHA-256 of the period as an ISO 8601 interval: names the export, holds no data."""
        text = f"{self.first.isoformat()}/{self.last.isoformat()}"
        return hashlib.sha256(text.encode("ascii")).hexdigest()


def parse_period(first: str, last: str) -> Period:
    """The period from ``first`` to ``last`` (``YYYY-MM-DD``); ``InvalidFieldsError`` for a
    day that is not a calendar day, an end before the start, or more than ``MAX_YEARS``."""
    issues: list[FieldIssue] = []
    start = _day("from", first, issues)
    end = _day("to", last, issues)
    if start is not None and end is not None:
        if end < start:
            issues.append(FieldIssue("to", "invalid", "the period ends before it begins"))
        elif end >= years_later(start, MAX_YEARS):
            issues.append(FieldIssue("to", "invalid", f"a period covers at most {MAX_YEARS} years"))
        else:
            return Period(start, end)
    raise InvalidFieldsError(tuple(issues))


def _day(name: str, text: str, issues: list[FieldIssue]) -> date | None:
    day: date | None = None
    if _DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        message = f"a calendar day YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}"
        issues.append(FieldIssue(name, "invalid", message))
        return None
    return day


def years_later(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 1 March); ``date.max`` past it."""
    year = day.year + years
    if year > date.max.year:
        return date.max
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 3, 1)
