"""The life cycle of a transfer of a sentenced person (type card T19) and its clock.

The model is the Convention on the Transfer of Sentenced Persons (TSP [V]); UNTOC 17 [V], UNCAC
45 [K] and UNCC 38 [K] only invite States to consider agreements. Either the sentencing or the
administering State may make the request (TSP 2(3) [V]), so the steps that belong to one of
them whatever its role in the exchange (the prisoner's consent, its verification, the
enforcement mode, the transfer itself) may be taken by either side.

A transfer needs (TSP 3(1) [V]): a national of the administering State, a final judgment, at
least six months still to serve when the request is received (or an indeterminate sentence),
the consent of the person or of the legal representative, dual criminality, and both States'
agreement. The requested State records the receipt of the request, the end of the sentence and
whether the consent must be verified by the administering State's consul before agreement
(TSP 7(2) [V]). No profile carries that flag and the form functions see no profile flags
(``ClockFacts`` holds durations and reminders only), so it is a value of the ``receive`` step.

Eligibility is computed, not declared: the time left at receipt is the sentence's end minus
the receipt, and must be at least the profile's ``sentenced_minimum_remaining`` (183 days, TSP
3(1)(c)); below it the States may still agree to the transfer (TSP 3(2) [V]), which the
``receive`` step's ``exception_agreed`` flag or a later ``agree_exception`` step records. The
table cannot look at values, so the requested State's clock takes the two gates as system
steps as soon as they are due: ``ineligible`` when too little time is left without an agreed
exception, and ``conditions_met`` once the consent is recorded (and verified where asked) and
the time left is enough. Only then may each State record its agreement, in either order; the
clock's ``agreed`` step follows the second one, provided the administering State has said
whether it continues or converts the sentence (TSP 9-11 [V]; a conversion may not aggravate
it). The transfer is then scheduled (date and place) and carried out; a warning alarm is raised
if the date passes without the transfer. Refusals and withdrawals are reasoned.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from comity.domain.practice.forms import (
    Alarm,
    ClockDeadline,
    ClockFacts,
    ClockReading,
    PracticeForm,
)
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    Step,
    StepRule,
    StepSide,
    ValueKind,
    ValueRule,
    clock_step,
    instant_value,
)

REQUESTED = "requested"
RECEIVED = "received"
INELIGIBLE = "ineligible"
AGREEING = "agreeing"
AGREED = "agreed"
SCHEDULED = "scheduled"
TRANSFERRED = "transferred"
REFUSED = "refused"
WITHDRAWN = "withdrawn"

#: The profile duration read here, and the legal value when a profile lacks it: six months
#: (TSP 3(1)(c) [V]), as the profiles write it.
MINIMUM_REMAINING = "sentenced_minimum_remaining"
DEFAULT_MINIMUM_REMAINING = timedelta(days=183)

CONSENT_BY = ("person", "legal_representative")
ENFORCEMENT_MODES = ("continue", "convert")

_OPEN = frozenset({REQUESTED, RECEIVED, INELIGIBLE, AGREEING, AGREED, SCHEDULED})
_BEFORE_AGREEMENT = frozenset({RECEIVED, INELIGIBLE})

TRANSFER_SENTENCED = LifeCycle(
    code="transfer_sentenced",
    states=(
        REQUESTED,
        RECEIVED,
        INELIGIBLE,
        AGREEING,
        AGREED,
        SCHEDULED,
        TRANSFERRED,
        REFUSED,
        WITHDRAWN,
    ),
    initial=REQUESTED,
    steps=(
        # The receipt of the request: the six months are counted at this instant (TSP
        # 3(1)(c)); an exception may already be agreed (TSP 3(2)); the consul's verification
        # may be asked for before agreement (TSP 7(2)).
        StepRule(
            "receive",
            frozenset({REQUESTED}),
            RECEIVED,
            StepSide.REQUESTED,
            values=(
                ValueRule("received_at", ValueKind.INSTANT),
                ValueRule("sentence_end", ValueKind.INSTANT),
                ValueRule("indeterminate", ValueKind.FLAG, required=False),
                ValueRule("consular_verification", ValueKind.FLAG),
                ValueRule("exception_agreed", ValueKind.FLAG, required=False),
            ),
            basis=("TSP 3(1)(c)", "TSP 3(2)", "TSP 7(2)"),
        ),
        # The consent of the person or of the legal representative (TSP 3(1)(d), 6(2)(c), 7(1)).
        StepRule(
            "record_consent",
            _BEFORE_AGREEMENT,
            None,
            StepSide.EITHER,
            values=(
                ValueRule("given_at", ValueKind.INSTANT),
                ValueRule("by", ValueKind.CHOICE, choices=CONSENT_BY),
            ),
            basis=("TSP 3(1)(d)", "TSP 6(2)(c)", "TSP 7(1)"),
        ),
        # The administering State's consul verifies that the consent is voluntary and
        # informed (TSP 7(2)).
        StepRule(
            "verify_consent",
            _BEFORE_AGREEMENT,
            None,
            StepSide.EITHER,
            values=(ValueRule("verified_at", ValueKind.INSTANT), ValueRule("consul")),
            basis=("TSP 7(2)",),
        ),
        # Continued enforcement or conversion, told before the transfer (TSP 9(1)-(2), 10, 11).
        StepRule(
            "set_enforcement",
            _BEFORE_AGREEMENT | {AGREEING},
            None,
            StepSide.EITHER,
            values=(
                ValueRule("enforcement_mode", ValueKind.CHOICE, choices=ENFORCEMENT_MODES),
                ValueRule("adapted_sentence", required=False),
            ),
            basis=("TSP 9", "TSP 10", "TSP 11"),
        ),
        # Too little of the sentence left at receipt and no exception agreed (TSP 3(1)(c)).
        StepRule(
            "ineligible",
            frozenset({RECEIVED}),
            INELIGIBLE,
            StepSide.SYSTEM,
            basis=("TSP 3(1)(c)",),
        ),
        # The States agree to the transfer all the same (TSP 3(2)).
        StepRule(
            "agree_exception",
            frozenset({INELIGIBLE}),
            RECEIVED,
            StepSide.EITHER,
            values=(ValueRule("exception_ref"),),
            basis=("TSP 3(2)",),
        ),
        # Consent recorded (and verified where asked), time left enough: the States may agree.
        StepRule(
            "conditions_met",
            frozenset({RECEIVED}),
            AGREEING,
            StepSide.SYSTEM,
            basis=("TSP 3(1)", "TSP 7(2)"),
        ),
        # Each State's agreement, in either order (TSP 3(1)(f)).
        StepRule(
            "agree_requesting",
            frozenset({AGREEING}),
            None,
            StepSide.REQUESTING,
            values=(ValueRule("agreement_ref"),),
            basis=("TSP 3(1)(f)",),
        ),
        StepRule(
            "agree_requested",
            frozenset({AGREEING}),
            None,
            StepSide.REQUESTED,
            values=(ValueRule("agreement_ref"),),
            basis=("TSP 3(1)(f)",),
        ),
        StepRule(
            "agreed",
            frozenset({AGREEING}),
            AGREED,
            StepSide.SYSTEM,
            basis=("TSP 3(1)(f)", "TSP 9(2)"),
        ),
        # The date and place of the handover; a new date may replace the first.
        StepRule(
            "schedule_transfer",
            frozenset({AGREED, SCHEDULED}),
            SCHEDULED,
            StepSide.EITHER,
            values=(ValueRule("transfer_at", ValueKind.INSTANT), ValueRule("place")),
            basis=("TSP 9(1)",),
        ),
        # Taking charge of the person ends enforcement in the sentencing State (TSP 8, 9).
        StepRule(
            "transfer",
            frozenset({SCHEDULED}),
            TRANSFERRED,
            StepSide.EITHER,
            basis=("TSP 8", "TSP 9(1)"),
        ),
        StepRule(
            "refuse",
            _OPEN,
            REFUSED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("TSP 3(1)(f)", "TSP 5(4)"),
        ),
        StepRule(
            "withdraw",
            _OPEN,
            WITHDRAWN,
            StepSide.REQUESTING,
            reasoned=True,
            basis=("TSP 3(1)(f)",),
        ),
    ),
)


def remaining_at_receipt(record: PracticeRecord) -> timedelta | None:
    """The time still to serve when the request was received: the recorded end of the sentence
    minus the recorded receipt; None before the receipt or for an indeterminate sentence."""
    received = record.last("receive")
    if received is None or received.value("indeterminate") is True:
        return None
    end = instant_value(received, "sentence_end")
    start = instant_value(received, "received_at")
    assert end is not None and start is not None  # both required by the step
    return end - start


def eligible(record: PracticeRecord, durations: Mapping[str, timedelta]) -> bool:
    """Whether the time condition of TSP 3(1)(c) holds, or an exception was agreed (TSP 3(2)):
    an indeterminate sentence, or at least the profile's minimum left at receipt."""
    received = record.last("receive")
    if received is None:
        return False
    if received.value("exception_agreed") is True or record.last("agree_exception"):
        return True
    left = remaining_at_receipt(record)
    minimum = durations.get(MINIMUM_REMAINING, DEFAULT_MINIMUM_REMAINING)
    return left is None or left >= minimum


def consent_complete(record: PracticeRecord) -> bool:
    """Whether the consent is recorded and, where the receipt asked for it, verified by the
    consul after it was last recorded (TSP 3(1)(d), 7(2))."""
    received = record.last("receive")
    consent = _index(record, "record_consent")
    if received is None or consent is None:
        return False
    if received.value("consular_verification") is not True:
        return True
    verified = _index(record, "verify_consent")
    return verified is not None and verified > consent


def both_agreed(record: PracticeRecord) -> bool:
    """Whether each State recorded its agreement and the enforcement mode is set."""
    return all(record.last(code) for code in ("agree_requesting", "agree_requested")) and bool(
        record.last("set_enforcement")
    )


def transfer_at(record: PracticeRecord) -> datetime | None:
    """The scheduled date of the transfer, while it is scheduled."""
    if record.state != SCHEDULED:
        return None
    return instant_value(record.last("schedule_transfer"), "transfer_at")


def due_steps(record: PracticeRecord, durations: Mapping[str, timedelta]) -> list[Step]:
    """The gates the clock takes at once, in order: ``ineligible`` or ``conditions_met`` from
    ``received``, ``agreed`` once both agreements and the enforcement mode are recorded. Each
    is dated at the last step (the one that made it due)."""
    found: list[Step] = []
    while (code := _next(record, durations)) is not None:
        record = clock_step(record, TRANSFER_SENTENCED, code, at=record.steps[-1].at)
        found.append(record.steps[-1])
    return found


def _next(record: PracticeRecord, durations: Mapping[str, timedelta]) -> str | None:
    if record.state == RECEIVED:
        if not eligible(record, durations):
            return "ineligible"
        return "conditions_met" if consent_complete(record) else None
    if record.state == AGREEING and both_agreed(record):
        return "agreed"
    return None


def _index(record: PracticeRecord, code: str) -> int | None:
    found = [i for i, step in enumerate(record.steps) if step.code == code]
    return found[-1] if found else None


def _due(record: PracticeRecord, facts: ClockFacts) -> list[Step]:
    return due_steps(record, facts.durations)


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    when = transfer_at(record)
    if when is None:
        return ClockReading()
    basis = ("TSP 9(1)",)
    alarms = (
        (
            Alarm(
                "transfer_sentenced.transfer_overdue",
                "warning",
                when,
                "The scheduled date of the transfer has passed without the transfer.",
            ),
        )
        if facts.now >= when
        else ()
    )
    return ClockReading(
        ends_at=when,
        alarms=alarms,
        deadlines=(
            ClockDeadline(
                "transfer_sentenced.transfer",
                "The person is to be transferred.",
                "deadline",
                when,
                basis,
            ),
        ),
    )


FORM = PracticeForm(
    lifecycle=TRANSFER_SENTENCED,
    type_codes=("transfer_sentenced",),
    clock_side=StepSide.REQUESTED,
    due_steps=_due,
    read_clock=_read,
)
