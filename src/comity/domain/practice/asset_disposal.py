"""The life cycle of the return or disposal of confiscated assets (type card T23; legal.md §6),
around the signed statement that ``asset_return`` computes.

The requested State, which confiscated the assets, disposes of them under its own law (UNTOC
14(1) [V]; UNCAC 57(1) [V]; UNCC 52(1) [K]; AR-01). Its steps here:

1. ``register``: the register of the confiscated assets and the recorded figures (expenses,
   owners' claims, victims) is established (``asset_register``; AR-06, AR-12).
2. ``decide_disposal``: the human decision, with reasons, on the route of §6 — return to the
   requesting State, to prior legitimate owners, compensation of victims, sharing, a
   contribution, or domestic disposal (UNTOC 14(2), 14(3) [V]; UNCAC 57(3), 57(5) [V]; UNCC
   52 [K]; statement Q20). Under the statement's profile some returns are mandatory (UNCAC
   57(3)(a) [V], AR-04); ``asset_return.compute_disposal`` applies those rules to the
   figures, so the amounts never depend on this choice: it records what the States do with
   them. An agreement reference is kept where the States agreed case by case (UNCAC 57(5)).
3. ``issue_statement``: the SHA-256 digest of the disposal statement the requested State's
   node computed, signed and sent (``services.asset_statements.issue_statement`` keeps it as
   ``StoredStatement.sha256``, the digest of the statement's canonical bytes), and the stored
   statement's id. A corrected register gives a new statement: the step may be taken again,
   and the latest digest is the one the transfer follows.
4. ``transfer``: the amount paid to the requesting State, in cents with its ISO 4217 currency
   (never a float), and the payment's reference; the requesting State acknowledges receipt
   and the assets are returned. Where nothing goes to the requesting State (domestic
   disposal, a contribution, owners or victims paid directly), ``conclude`` ends the record
   once the statement is issued.

The request may be refused, with reasons, until the statement is issued. No clock runs: the
conventions set no time limit for a disposal.
"""

from __future__ import annotations

import re
from decimal import Decimal

from comity.domain.practice.asset_register import CENT, Money, is_currency
from comity.domain.practice.forms import PracticeForm
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    StepRule,
    StepSide,
    ValueKind,
    ValueRule,
)

REQUESTED = "requested"
REGISTERED = "registered"
DISPOSAL_DECIDED = "disposal_decided"
STATEMENT_ISSUED = "statement_issued"
TRANSFERRED = "transferred"
RETURNED = "returned"
CONCLUDED = "concluded"
REFUSED = "refused"

#: The disposal routes of legal.md §6, as the catalogue's ``disposition_sought`` names them.
DISPOSITIONS = (
    "return_to_requesting_state",
    "return_to_owner",
    "victim_compensation",
    "sharing",
    "contribution",
    "domestic_disposal",
)

_SHA256 = re.compile(r"[0-9a-f]{64}")

ASSET_RETURN = LifeCycle(
    code="asset_return",
    states=(
        REQUESTED,
        REGISTERED,
        DISPOSAL_DECIDED,
        STATEMENT_ISSUED,
        TRANSFERRED,
        RETURNED,
        CONCLUDED,
        REFUSED,
    ),
    initial=REQUESTED,
    steps=(
        # The register of the confiscated assets and their figures (AR-01, AR-06, AR-12).
        StepRule(
            "register",
            frozenset({REQUESTED}),
            REGISTERED,
            StepSide.REQUESTED,
            values=(ValueRule("register_ref"), ValueRule("assets", ValueKind.COUNT)),
            basis=("UNTOC 14(1)", "UNCAC 57(1)", "UNCAC 57(4)", "UNCC 52(1)"),
        ),
        # The disposal route decided, with reasons (AR-03 to AR-09).
        StepRule(
            "decide_disposal",
            frozenset({REGISTERED}),
            DISPOSAL_DECIDED,
            StepSide.REQUESTED,
            values=(
                ValueRule("disposition", ValueKind.CHOICE, choices=DISPOSITIONS),
                ValueRule("agreement_ref", required=False),
            ),
            reasoned=True,
            basis=(
                "UNTOC 14(2)",
                "UNTOC 14(3)",
                "UNCAC 57(3)",
                "UNCAC 57(5)",
                "UNCC 52",
                "Statement Q20",
            ),
        ),
        # The signed statement's digest (decision 0009 §4; services.asset_statements).
        StepRule(
            "issue_statement",
            frozenset({DISPOSAL_DECIDED, STATEMENT_ISSUED}),
            STATEMENT_ISSUED,
            StepSide.REQUESTED,
            values=(ValueRule("statement_sha256"), ValueRule("statement_id")),
            basis=("UNCAC 57(4)", "Statement Q20"),
        ),
        StepRule(
            "transfer",
            frozenset({STATEMENT_ISSUED}),
            TRANSFERRED,
            StepSide.REQUESTED,
            values=(
                ValueRule("amount_cents", ValueKind.COUNT),
                ValueRule("currency"),
                ValueRule("transfer_ref"),
            ),
            basis=("UNTOC 14(2)", "UNCAC 57(3)", "UNCC 52(2)"),
        ),
        StepRule(
            "acknowledge_receipt",
            frozenset({TRANSFERRED}),
            RETURNED,
            StepSide.REQUESTING,
            values=(ValueRule("receipt_ref", required=False),),
            basis=("UNCAC 57(3)",),
        ),
        # Nothing goes to the requesting State: the statement shows where it went.
        StepRule(
            "conclude",
            frozenset({STATEMENT_ISSUED}),
            CONCLUDED,
            StepSide.REQUESTED,
            values=(ValueRule("notes", required=False),),
            basis=("UNTOC 14(1)", "UNTOC 14(3)", "UNCAC 57(1)"),
        ),
        StepRule(
            "refuse",
            frozenset({REQUESTED, REGISTERED, DISPOSAL_DECIDED}),
            REFUSED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("UNTOC 14(1)", "UNCAC 57(1)"),
        ),
    ),
)


def statement_digest(record: PracticeRecord) -> str | None:
    """The digest of the latest statement issued, or None before any was."""
    issued = record.last("issue_statement")
    return None if issued is None else str(issued.value("statement_sha256"))


def is_statement_digest(value: object) -> bool:
    """Whether ``value`` is written as the statements' digests are: 64 lower-case hex digits
    (``hashlib.sha256(...).hexdigest()``, as ``asset_statement.statement_sha256`` gives)."""
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def disposition(record: PracticeRecord) -> str | None:
    """The disposal route decided, or None before the decision."""
    decided = record.last("decide_disposal")
    return None if decided is None else str(decided.value("disposition"))


def transferred(record: PracticeRecord) -> Money | None:
    """The amount transferred to the requesting State (``250000000`` cents of ``EUR`` is
    ``2500000.00 EUR``); None before the transfer or if its currency is not an ISO 4217 code."""
    transfer = record.last("transfer")
    if transfer is None:
        return None
    amount, currency = transfer.value("amount_cents"), transfer.value("currency")
    if not isinstance(amount, int) or not is_currency(currency):
        return None
    return Money(Decimal(amount) * CENT, str(currency))


FORM = PracticeForm(lifecycle=ASSET_RETURN, type_codes=("asset_return",))
