"""Review statistics: what the convention's review mechanism may see of a node's cooperation.

Counts and turnaround times over a period, computed from facts that carry no id, reference,
name, free text or user: the form of cooperation, channel, profile, the two States and the
instants of the status steps. Small counts are suppressed so that no single case can be read
off the result; ``METHOD`` states how. Pure: the period, the facts and ``now`` come in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from comity.domain.errors import FieldIssue, InvalidFieldsError
from comity.domain.periods import Period
from comity.domain.values import Side
from comity.domain.workflow import Status

FORMAT = "comity-review-statistics/1"

# The statistics of a percentile group, in order.
TURNAROUND_STATS = ("p50", "p90", "p95")
ACKNOWLEDGEMENT_STATS = ("p50", "p90", "p95", "max")
# The count dimensions, in order.
DIMENSIONS = ("total", "type", "channel", "profile", "outcome", "state_pair")
DIRECTIONS = ("received", "sent")
MEASURES = ("receipt_to_decision", "decision_to_execution")

S = Status
# The decision that answers a request: granting it, granting it in part, or refusing it.
# Postponing, proposing conditions and asking for more information are steps on the way.
DECISIONS = frozenset({S.ACCEPTED, S.ACCEPTED_IN_PART, S.REFUSED})
_GRANTS = frozenset({S.ACCEPTED, S.ACCEPTED_IN_PART})
# The outcome a request has reached, by the last status it had (closing is skipped).
OUTCOMES: Mapping[Status, str] = {
    S.EXECUTED: "executed",
    S.ACCEPTED: "granted",
    S.ACCEPTED_IN_PART: "granted_in_part",
    S.REFUSED: "refused",
    S.WITHDRAWN: "withdrawn",
    S.EXPIRED: "expired",
    S.POSTPONED: "postponed",
    S.CONDITIONS_PROPOSED: "conditions_proposed",
}
PENDING = "pending"

METHOD = (
    "Scope: the cooperation requests this node sent or received (all its authorities) with "
    "at least one activity in the period - the sending or receipt, a status step, or an "
    "acknowledgement; drafts never sent are not counted. Days are UTC days, both included. "
    "Outcome: the last status a request had at the end of the period, a closing step "
    "skipped: executed; granted (accepted, or in execution after an acceptance); "
    "granted_in_part; refused; withdrawn; expired; postponed; conditions_proposed; pending "
    "(any status before a decision). Turnaround, in hours: from receipt (received requests) "
    "or first sending (sent requests) to the first decision (accepted, accepted in part or "
    "refused), for requests decided in the period; from that decision to execution, for "
    "requests executed in the period. On sent requests the decision is when this node "
    "learned of it. Acknowledgement, in seconds: from receipt (or sending) to a duty "
    "officer's acknowledgement, for requests acknowledged in the period. Percentiles are "
    "nearest-rank: the smallest value with at least p % of the values at or below it; max "
    "is the largest. Privacy: a count below {k}, zero included, is suppressed; every "
    "category is listed (every form of cooperation, channel, profile and outcome, and both "
    "directions with every State this node ever had a request with), so a suppressed cell "
    "does not tell that its category occurred. In each dimension further "
    "cells, smallest first, are suppressed with it (marked alike, so a suppressed cell may "
    "hold {k} or more) until the suppressed cells cannot be worked out from the total; "
    "where that is impossible, every count is suppressed. A "
    "percentile group of fewer than {k} values is suppressed. No request ids, references, "
    "names, free text, user ids or dates of individual requests are exported."
)


def check_min_cell(requested: int | None, floor: int) -> int:
    """The smallest count shown: ``floor`` (the node's setting) unless more is asked for;
    asking for less is refused, so no reader lowers the protection the node set."""
    if requested is None:
        return floor
    if requested < floor:
        raise InvalidFieldsError(
            (FieldIssue("min_cell", "invalid", f"at least {floor} on this node"),)
        )
    return requested


@dataclass(frozen=True)
class Step:
    """A status a request entered, and when."""

    status: Status
    at: datetime


@dataclass(frozen=True)
class CaseFacts:
    """What the statistics know of one request: no id, reference, content, name or user."""

    side: Side
    type_code: str
    channel: str
    profile: str
    requesting_state: str
    requested_state: str
    # Every status step, in order.
    steps: tuple[Step, ...]
    acknowledged_at: datetime | None = None

    @property
    def direction(self) -> str:
        """``received`` where this node is the requested State's, ``sent`` otherwise."""
        return "received" if self.side is Side.REQUESTED else "sent"

    def exchanged(self) -> int | None:
        """The index of the step that received the request, or first sent it; None for a
        request never sent."""
        first = Status.RECEIVED if self.side is Side.REQUESTED else Status.SENT
        return next((i for i, step in enumerate(self.steps) if step.status is first), None)

    def active_in(self, period: Period) -> bool:
        """True if the request was exchanged and one of its activities from then on (a
        step, the acknowledgement) falls in ``period``."""
        start = self.exchanged()
        if start is None:
            return False
        return period.holds(self.acknowledged_at) or any(
            period.holds(step.at) for step in self.steps[start:]
        )

    def outcome(self, before: datetime) -> str:
        """The outcome reached before ``before`` (see ``OUTCOMES``)."""
        reached = [step.status for step in self.steps if step.at < before]
        while reached and reached[-1] is Status.CLOSED:
            reached.pop()
        if not reached:
            return PENDING
        last = reached[-1]
        if last is Status.IN_EXECUTION:
            granted = [status for status in reached if status in _GRANTS]
            return OUTCOMES[granted[-1]] if granted else OUTCOMES[Status.ACCEPTED]
        return OUTCOMES.get(last, PENDING)


@dataclass(frozen=True)
class Summary:
    """A percentile group: ``n`` and its statistics, or ``n`` None and no statistics where
    the group is suppressed (the hidden values are not even kept)."""

    n: int | None
    # Hours as floats, seconds as ints.
    stats: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Report:
    """Everything an export shows, with every suppressed value already removed."""

    state: str
    period: Period
    generated_at: datetime
    min_cell: int
    # Dimension -> category -> count; None where suppressed.
    counts: Mapping[str, Mapping[str, int | None]]
    # Direction -> measure -> hours.
    turnaround: Mapping[str, Mapping[str, Summary]]
    # Direction -> seconds.
    acknowledgement: Mapping[str, Summary]

    @property
    def method(self) -> str:
        """The statement of method, with this export's threshold."""
        return METHOD.format(k=self.min_cell)


def percentile(values: Sequence[float], p: int) -> float:
    """The nearest-rank ``p``-th percentile: the value at rank ceil(p/100 * n) of the sorted
    values, so always one of them."""
    if not values or not 0 < p <= 100:
        raise ValueError("a percentile needs values and 0 < p <= 100")
    ordered = sorted(values)
    rank = -(-p * len(ordered) // 100)
    return ordered[rank - 1]


def summarise(values: Sequence[float], k: int, names: Sequence[str], *, unit: int) -> Summary:
    """The statistics ``names`` (``pNN`` or ``max``) of ``values`` (seconds), in hours to
    two decimals (``unit`` 3600) or in whole seconds (``unit`` 1); suppressed (``n`` None)
    below ``k`` values."""
    if len(values) < k:
        return Summary(None)
    stats: list[tuple[str, float]] = []
    for name in names:
        value = max(values) if name == "max" else percentile(values, int(name[1:]))
        stats.append((name, int(value) if unit == 1 else round(value / unit, 2)))
    return Summary(len(values), tuple(stats))


def suppress(cells: Mapping[str, int], k: int) -> dict[str, int | None] | None:
    """``cells`` (the counts of one dimension, zeros included) with each count below ``k``
    hidden (None), and with them, smallest first (equal counts together), as many others as
    it takes that the hidden cells cannot be worked out from the dimension's total: at least
    two hidden, and, where all are below ``k``, a sum other than ``k - 1`` times their
    number (which only ``k - 1`` in each gives). None where even hiding every cell does not
    protect them (the caller then hides every count)."""
    if k == 1:
        # Nothing to protect: every count is shown, zeros included.
        return dict(sorted(cells.items()))
    hidden = {key for key, count in cells.items() if count < k}
    primary = len(hidden)
    shown = sorted((count, key) for key, count in cells.items() if key not in hidden)
    while hidden and not _protected([cells[key] for key in hidden], primary, k):
        if not shown:
            return None
        smallest = shown[0][0]
        hidden.update(key for count, key in shown if count == smallest)
        shown = [(count, key) for count, key in shown if count != smallest]
    return {key: None if key in hidden else cells[key] for key in sorted(cells)}


def _protected(values: Sequence[int], primary: int, k: int) -> bool:
    """True if no hidden value follows from their sum: each may be anything from 0 to
    ``k - 1`` (below ``k``) or from ``k`` up (hidden with them)."""
    return len(values) >= 2 and (len(values) > primary or sum(values) != primary * (k - 1))


def build_report(
    facts: Iterable[CaseFacts],
    *,
    state: str,
    period: Period,
    generated_at: datetime,
    k: int,
    categories: Mapping[str, Iterable[str]] | None = None,
) -> Report:
    """The statistics of ``period`` over ``facts`` (requests outside it are left out), with
    counts below ``k`` and percentile groups of fewer than ``k`` values suppressed.

    ``categories`` lists every category of a dimension (the catalogue's types and profiles,
    the channels): each is counted, zero included, so that a suppressed cell does not say
    that its category occurred (``state_pair``: both directions with every State the node
    ever dealt with). Outcomes are all listed too, and State pairs in both directions with
    the other State of each request counted."""
    if k < 1:
        raise ValueError("the threshold is at least 1")
    counters = {dimension: Counter[str]() for dimension in DIMENSIONS}
    known = {name: list(keys) for name, keys in (categories or {}).items()}
    known["outcome"] = [*OUTCOMES.values(), PENDING]
    known["total"] = ["all"]
    durations: dict[tuple[str, str], list[float]] = {}
    for case in facts:
        if case.active_in(period):
            for dimension, key in _categories(case, period):
                counters[dimension][key] += 1
            known.setdefault("state_pair", []).extend(_pairs(case, state))
        for group, seconds in _durations(case, period):
            durations.setdefault(group, []).append(seconds)
    cells = {
        dimension: {
            key: counters[dimension][key]
            for key in {*known.get(dimension, ()), *counters[dimension]}
        }
        for dimension in DIMENSIONS
    }
    results = {dimension: suppress(cells[dimension], k) for dimension in DIMENSIONS}
    # A dimension that cannot be protected would give itself away through the total, which
    # every other dimension adds up to: then every count is hidden.
    protected = all(result is not None for result in results.values())
    counts: dict[str, Mapping[str, int | None]] = {}
    for dimension, result in results.items():
        if result is None or not protected:
            result = dict.fromkeys(sorted(cells[dimension]))
        counts[dimension] = result
    return Report(
        state=state,
        period=period,
        generated_at=generated_at,
        min_cell=k,
        counts=counts,
        turnaround={
            direction: {
                measure: summarise(
                    durations.get((direction, measure), []), k, TURNAROUND_STATS, unit=3600
                )
                for measure in MEASURES
            }
            for direction in DIRECTIONS
        },
        acknowledgement={
            direction: summarise(
                durations.get((direction, "acknowledgement"), []),
                k,
                ACKNOWLEDGEMENT_STATS,
                unit=1,
            )
            for direction in DIRECTIONS
        },
    )


def _pairs(case: CaseFacts, state: str) -> list[str]:
    """Both directions between this node's State and the request's other State."""
    other = case.requested_state if case.requesting_state == state else case.requesting_state
    return [f"{state}->{other}", f"{other}->{state}"]


def _categories(case: CaseFacts, period: Period) -> list[tuple[str, str]]:
    return [
        ("total", "all"),
        ("type", case.type_code),
        ("channel", case.channel),
        ("profile", case.profile),
        ("outcome", case.outcome(period.ends)),
        ("state_pair", f"{case.requesting_state}->{case.requested_state}"),
    ]


def _durations(case: CaseFacts, period: Period) -> list[tuple[tuple[str, str], float]]:
    """Each duration the request completes in ``period``, with its group."""
    start = case.exchanged()
    if start is None:
        return []
    origin = case.steps[start].at
    found: list[tuple[tuple[str, str], float]] = []
    acknowledged = case.acknowledged_at
    if acknowledged is not None and period.holds(acknowledged):
        found.append(((case.direction, "acknowledgement"), _seconds(origin, acknowledged)))
    decided = _next(case.steps, start, DECISIONS)
    if decided is None:
        return found
    decision = case.steps[decided]
    if period.holds(decision.at):
        found.append(((case.direction, "receipt_to_decision"), _seconds(origin, decision.at)))
    executed = _next(case.steps, decided, frozenset({Status.EXECUTED}))
    if decision.status in _GRANTS and executed is not None:
        execution = case.steps[executed]
        if period.holds(execution.at):
            found.append(
                ((case.direction, "decision_to_execution"), _seconds(decision.at, execution.at))
            )
    return found


def _next(steps: Sequence[Step], after: int, statuses: frozenset[Status]) -> int | None:
    """The index of the first step after index ``after`` into one of ``statuses``."""
    return next((i for i in range(after + 1, len(steps)) if steps[i].status in statuses), None)


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()
