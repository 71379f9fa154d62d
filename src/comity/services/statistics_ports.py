"""The port of review statistics: anonymous facts about the requests of a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from comity.domain.statistics import CaseFacts

# The smallest count an export shows unless the node sets another (COMITY_STATS_MIN_CELL).
DEFAULT_MIN_CELL = 5


class ReviewFacts(Protocol):
    """Reads what statistics need of requests, and nothing that names a case or a person."""

    def between(self, begins: datetime, ends: datetime) -> Sequence[CaseFacts]:
        """The facts of every request that may have an activity (a status step, an
        acknowledgement) from ``begins`` up to ``ends`` excluded: a superset is allowed,
        since the domain decides what falls in the period."""
        ...

    def states(self) -> Sequence[str]:
        """Every State any request of this node names, requesting or requested, whenever:
        the State pairs an export lists, so that listing one says nothing of the period."""
        ...


@dataclass(frozen=True)
class StatisticsKit:
    """Where review statistics come from, and the smallest count the node lets them show
    (the default, and the floor no reader can go below)."""

    facts: ReviewFacts
    min_cell: int = DEFAULT_MIN_CELL
