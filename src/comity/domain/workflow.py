"""The life cycle of a request on each side, as an explicit transition table.

Anything not in the table raises ``IllegalTransitionError``: a legal record does not drift into
states nobody designed. The requesting side drafts, approves (four eyes) and sends, then
mirrors what the requested State answers; the requested side registers, assesses, decides and
executes (UNTOC 18(16), 18(23)-(26); statement Q11-Q14).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from comity.domain.errors import IllegalTransitionError, ReasonRequiredError
from comity.domain.values import Side


class Status(StrEnum):
    """Every status a request can have on either side."""

    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SENT = "sent"
    RECEIVED = "received"
    REGISTERED = "registered"
    UNDER_ASSESSMENT = "under_assessment"
    MORE_INFO_REQUESTED = "more_info_requested"
    INFO_SUPPLIED = "info_supplied"
    ACCEPTED = "accepted"
    ACCEPTED_IN_PART = "accepted_in_part"
    POSTPONED = "postponed"
    CONDITIONS_PROPOSED = "conditions_proposed"
    REFUSED = "refused"
    IN_EXECUTION = "in_execution"
    EXECUTED = "executed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


S = Status

# The decisions a requested State can take once it has assessed a request.
_DECISIONS = frozenset(
    {S.ACCEPTED, S.ACCEPTED_IN_PART, S.POSTPONED, S.CONDITIONS_PROPOSED, S.REFUSED}
)

REQUESTING: Mapping[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.AWAITING_APPROVAL, S.WITHDRAWN}),
    # Sending back to draft is the approver's "return with comment".
    S.AWAITING_APPROVAL: frozenset({S.APPROVED, S.DRAFT, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.SENT, S.DRAFT, S.WITHDRAWN}),
    S.SENT: _DECISIONS | {S.MORE_INFO_REQUESTED, S.WITHDRAWN, S.EXPIRED},
    # Supplying the information sends the request back to the requested State.
    S.MORE_INFO_REQUESTED: frozenset({S.SENT, S.REFUSED, S.WITHDRAWN, S.EXPIRED}),
    S.POSTPONED: frozenset(
        {S.ACCEPTED, S.ACCEPTED_IN_PART, S.REFUSED, S.IN_EXECUTION, S.WITHDRAWN}
    ),
    S.CONDITIONS_PROPOSED: frozenset({S.ACCEPTED, S.REFUSED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.IN_EXECUTION, S.WITHDRAWN}),
    S.ACCEPTED_IN_PART: frozenset({S.IN_EXECUTION, S.WITHDRAWN}),
    S.IN_EXECUTION: frozenset({S.EXECUTED, S.WITHDRAWN, S.EXPIRED}),
    S.EXECUTED: frozenset({S.CLOSED}),
    S.REFUSED: frozenset({S.CLOSED}),
    S.WITHDRAWN: frozenset({S.CLOSED}),
    S.EXPIRED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

REQUESTED: Mapping[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.REGISTERED, S.WITHDRAWN}),
    S.REGISTERED: frozenset({S.UNDER_ASSESSMENT, S.WITHDRAWN}),
    S.UNDER_ASSESSMENT: _DECISIONS | {S.MORE_INFO_REQUESTED, S.WITHDRAWN},
    # If the time limit passes, the requested State decides on what it has (ECE 13).
    S.MORE_INFO_REQUESTED: frozenset({S.INFO_SUPPLIED, S.UNDER_ASSESSMENT, S.WITHDRAWN, S.EXPIRED}),
    S.INFO_SUPPLIED: frozenset({S.UNDER_ASSESSMENT, S.WITHDRAWN}),
    S.POSTPONED: frozenset({S.UNDER_ASSESSMENT, S.WITHDRAWN}),
    # Accepted conditions bind the requesting State (UNTOC 18(26)); declined ones end in refusal.
    S.CONDITIONS_PROPOSED: frozenset({S.ACCEPTED, S.REFUSED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.IN_EXECUTION, S.WITHDRAWN}),
    S.ACCEPTED_IN_PART: frozenset({S.IN_EXECUTION, S.WITHDRAWN}),
    S.IN_EXECUTION: frozenset({S.EXECUTED, S.WITHDRAWN, S.EXPIRED}),
    S.EXECUTED: frozenset({S.CLOSED}),
    S.REFUSED: frozenset({S.CLOSED}),
    S.WITHDRAWN: frozenset({S.CLOSED}),
    S.EXPIRED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

TABLES: Mapping[Side, Mapping[Status, frozenset[Status]]] = {
    Side.REQUESTING: REQUESTING,
    Side.REQUESTED: REQUESTED,
}

INITIAL: Mapping[Side, Status] = {Side.REQUESTING: S.DRAFT, Side.REQUESTED: S.RECEIVED}

# Steps that must carry written reasons: refusals and postponements (UNTOC 18(23), BC 27(7)),
# proposed conditions, a withdrawal, and an approver sending a draft back.
REASONED: frozenset[Status] = frozenset(
    {S.REFUSED, S.POSTPONED, S.CONDITIONS_PROPOSED, S.WITHDRAWN}
)


def allowed_next(side: Side, current: Status) -> frozenset[Status]:
    """The statuses a request on ``side`` may move to from ``current``."""
    return TABLES[side].get(current, frozenset())


def check_transition(side: Side, current: Status, target: Status, reason: str) -> None:
    """Raise unless ``current`` → ``target`` is in the table and carries reasons where needed."""
    if target not in allowed_next(side, current):
        raise IllegalTransitionError(
            f"a {side} request cannot go from {current} to {target}",
        )
    needs_reason = target in REASONED or (current is S.AWAITING_APPROVAL and target is S.DRAFT)
    if needs_reason and not reason.strip():
        raise ReasonRequiredError(f"moving to {target} needs written reasons")


# Statuses a requested State's copy reaches only because the requesting State acted (its
# withdrawal, the information it supplied): when the request came from the other State's
# node, that node's message takes the step, and an officer here never takes it for them. A
# request recorded by hand (it came on paper or by the diplomatic channel) has no node behind
# it: its officer records what the other State did, as before.
REMOTE_ONLY: Mapping[Side, frozenset[Status]] = {
    Side.REQUESTING: frozenset(),
    Side.REQUESTED: frozenset({S.WITHDRAWN, S.INFO_SUPPLIED}),
}


def check_local_step(side: Side, target: Status, *, exchanged: bool) -> None:
    """Raise if ``target`` is a step only the other State's node takes on a request of
    ``side`` that was ``exchanged`` between nodes."""
    if exchanged and target in REMOTE_ONLY[side]:
        raise IllegalTransitionError(
            f"a {side} request reaches {target} only when the other State takes that step"
        )


def is_open(status: Status) -> bool:
    """True while the request can still change: not closed and not ended."""
    return status not in {S.CLOSED, S.WITHDRAWN, S.REFUSED, S.EXPIRED, S.EXECUTED}
