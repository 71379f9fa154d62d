"""The life cycle of a transfer of criminal proceedings (type card T18) and its dates.

The model is the European Convention on the Transfer of Proceedings in Criminal Matters (TPCM
[V]); UNTOC 21 [V], UNCAC 47 [K] and UNCC 39 [K] only oblige States to *consider* transfers and
leave the procedure to treaties, so the TPCM steps are the ones recorded here.

The requesting State sends the criminal file, the original or certified copies (TPCM 15(1)
[V]), and records when its own limitation period ends. The requested State may ask for
supplementary information and set a time-limit for it (TPCM 14 [V]); it then accepts or
refuses, with reasons: it *must not* act on a request that does not comply with TPCM 6(1)/7(1),
that would breach ne bis in idem (TPCM 35) or whose offence is time-barred in the requesting
State (TPCM 10 [V]), and it *may* refuse on the grounds of TPCM 11 [V]. Its decision is
communicated promptly, and later the outcome of the proceedings (TPCM 16 [V]).

Effects. Once the requested State accepts, the requesting State may no longer prosecute for
the offence (save steps short of trial); the right reverts if the requested State refuses or
withdraws its acceptance, decides not to institute or to discontinue proceedings, or if the
requesting State withdraws its request before being told of the decision to take action (TPCM
21 [V]). The request prolongs the limitation period in the requesting State by six months
(TPCM 22 [V]; the profile's ``proceedings_limitation_extension``, 183 days): the record shows
that date as a deadline, since the requesting State needs it most when its right reverts. For
an offence prosecutable only on complaint in the requested State, the person entitled to
complain has one month from the notice of his right to object (TPCM 24(2) [V]; the profile's
``complaint_objection``, 30 days): that too is a deadline. Neither date is a step the law makes
the system take, so this life cycle has no clock-driven steps (legal.md §9: "—" on expiry).
The prolongation in the requested State where its jurisdiction rests only on the Convention
(TPCM 23 [V]) depends on its own law and is not computed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from comity.domain.practice.forms import (
    ClockDeadline,
    ClockFacts,
    ClockReading,
    PracticeForm,
)
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    StepRule,
    StepSide,
    ValueKind,
    ValueRule,
    instant_value,
)

REQUESTED = "requested"
TRANSMITTED = "transmitted"
INFORMATION_REQUESTED = "information_requested"
ACCEPTED = "accepted"
REFUSED = "refused"
WITHDRAWN = "withdrawn"
ACCEPTANCE_WITHDRAWN = "acceptance_withdrawn"
CONCLUDED = "concluded"

#: The profile durations read here, and the legal values used when a profile lacks them.
LIMITATION_EXTENSION = "proceedings_limitation_extension"
COMPLAINT_OBJECTION = "complaint_objection"
#: Six months (TPCM 22 [V]), as the profiles write it.
DEFAULT_LIMITATION_EXTENSION = timedelta(days=183)
#: One month (TPCM 24(2) [V]), as the profiles write it.
DEFAULT_COMPLAINT_OBJECTION = timedelta(days=30)

#: The requested State must not act (TPCM 10 [V]).
MUST_NOT_ACT = ("non_compliant_request", "ne_bis_in_idem", "time_barred_in_requesting_state")
#: The requested State may refuse (TPCM 11(a)-(j) [V]).
MAY_REFUSE = (
    "grounds_unjustified",
    "not_ordinarily_resident",
    "not_national_nor_resident",
    "political_military_or_fiscal_offence",
    "discriminatory_motive",
    "time_barred_in_requested_state",
    "offence_outside_requesting_state",
    "contrary_to_international_undertakings",
    "contrary_to_fundamental_principles",
    "procedural_violation",
)
#: What became of the proceedings (TPCM 16 [V]); the last two make the right revert (TPCM 21).
OUTCOMES = ("convicted", "acquitted", "not_instituted", "discontinued")
REVERTING_OUTCOMES = frozenset({"not_instituted", "discontinued"})

#: The requesting State's right to prosecute: kept, suspended by the acceptance, reverted.
RIGHT_KEPT = "kept"
RIGHT_SUSPENDED = "suspended"
RIGHT_REVERTED = "reverted"

_PENDING = frozenset({TRANSMITTED, INFORMATION_REQUESTED})

TRANSFER_PROCEEDINGS = LifeCycle(
    code="transfer_proceedings",
    states=(
        REQUESTED,
        TRANSMITTED,
        INFORMATION_REQUESTED,
        ACCEPTED,
        REFUSED,
        WITHDRAWN,
        ACCEPTANCE_WITHDRAWN,
        CONCLUDED,
    ),
    initial=REQUESTED,
    steps=(
        # The criminal file, original or certified copies, with the request (TPCM 15(1)); the
        # requesting State records when its limitation period ends (TPCM 10(c), 22).
        StepRule(
            "transmit_file",
            frozenset({REQUESTED}),
            TRANSMITTED,
            StepSide.REQUESTING,
            values=(
                ValueRule("file_ref"),
                ValueRule("documents", ValueKind.COUNT),
                ValueRule("digest", required=False),
                ValueRule("limitation_ends_at", ValueKind.INSTANT),
            ),
            basis=("TPCM 15(1)", "TPCM 22"),
        ),
        # Supplementary information, with a time-limit (TPCM 14).
        StepRule(
            "ask_information",
            frozenset({TRANSMITTED}),
            INFORMATION_REQUESTED,
            StepSide.REQUESTED,
            values=(ValueRule("questions"), ValueRule("answer_by", ValueKind.INSTANT)),
            basis=("TPCM 14",),
        ),
        StepRule(
            "supply_information",
            frozenset({INFORMATION_REQUESTED}),
            TRANSMITTED,
            StepSide.REQUESTING,
            values=(ValueRule("supplement_ref"),),
            basis=("TPCM 14",),
        ),
        # Acceptance: the requesting State's right to prosecute is suspended (TPCM 21(1)).
        # Past the time-limit of TPCM 14 the requested State decides on what it has.
        StepRule(
            "accept",
            _PENDING,
            ACCEPTED,
            StepSide.REQUESTED,
            values=(ValueRule("decision_ref"),),
            basis=("TPCM 16", "TPCM 21(1)"),
        ),
        # Refusal, with the ground of TPCM 10 (must not act) or 11 (may refuse): the right
        # reverts (TPCM 21(2)(b)).
        StepRule(
            "refuse",
            _PENDING,
            REFUSED,
            StepSide.REQUESTED,
            values=(ValueRule("ground", ValueKind.CHOICE, choices=MUST_NOT_ACT + MAY_REFUSE),),
            reasoned=True,
            basis=("TPCM 10", "TPCM 11", "TPCM 16", "TPCM 21(2)"),
        ),
        # The request may be withdrawn only until the decision to take action is known
        # (TPCM 21(2)(e)): the right reverts.
        StepRule(
            "withdraw_request",
            frozenset({REQUESTED}) | _PENDING,
            WITHDRAWN,
            StepSide.REQUESTING,
            reasoned=True,
            basis=("TPCM 21(2)",),
        ),
        # The requested State tells the person entitled to complain of the right to object:
        # the one-month window runs from that notice (TPCM 24(2)).
        StepRule(
            "notify_complainant",
            frozenset({ACCEPTED}),
            None,
            StepSide.REQUESTED,
            values=(ValueRule("notified_at", ValueKind.INSTANT),),
            basis=("TPCM 24(2)",),
        ),
        StepRule(
            "withdraw_acceptance",
            frozenset({ACCEPTED}),
            ACCEPTANCE_WITHDRAWN,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("TPCM 21(2)",),
        ),
        # The outcome of the proceedings ends the record (TPCM 16); not instituting or
        # discontinuing them makes the right revert (TPCM 21(2)).
        StepRule(
            "notify_outcome",
            frozenset({ACCEPTED}),
            CONCLUDED,
            StepSide.REQUESTED,
            values=(
                ValueRule("outcome", ValueKind.CHOICE, choices=OUTCOMES),
                ValueRule("decision_ref"),
            ),
            basis=("TPCM 16", "TPCM 21(2)"),
        ),
    ),
)


def prosecution_right(record: PracticeRecord) -> str:
    """The requesting State's right to prosecute the offence: ``kept`` until the requested
    State accepts, ``suspended`` after, ``reverted`` once a refusal, a withdrawal or an outcome
    without proceedings gives it back (TPCM 21 [V])."""
    if record.state == ACCEPTED:
        return RIGHT_SUSPENDED
    if record.state in {REFUSED, WITHDRAWN, ACCEPTANCE_WITHDRAWN}:
        return RIGHT_REVERTED
    if record.state == CONCLUDED:
        outcome = record.last("notify_outcome")
        assert outcome is not None  # the only step into CONCLUDED
        reverted = outcome.value("outcome") in REVERTING_OUTCOMES
        return RIGHT_REVERTED if reverted else RIGHT_SUSPENDED
    return RIGHT_KEPT


def limitation_extended_to(
    record: PracticeRecord, durations: Mapping[str, timedelta]
) -> datetime | None:
    """The requesting State's limitation date prolonged by six months (TPCM 22 [V]): the date
    recorded with the file plus the profile's extension; None before the file is sent."""
    ends = instant_value(record.last("transmit_file"), "limitation_ends_at")
    if ends is None:
        return None
    return ends + durations.get(LIMITATION_EXTENSION, DEFAULT_LIMITATION_EXTENSION)


def complaint_objection_ends(
    record: PracticeRecord, durations: Mapping[str, timedelta]
) -> datetime | None:
    """The end of the complainant's one-month window to object (TPCM 24(2) [V]): the notice
    plus the profile's ``complaint_objection``; None if no notice was recorded."""
    notified = instant_value(record.last("notify_complainant"), "notified_at")
    if notified is None:
        return None
    return notified + durations.get(COMPLAINT_OBJECTION, DEFAULT_COMPLAINT_OBJECTION)


def information_due(record: PracticeRecord) -> datetime | None:
    """The time-limit the requested State set for supplementary information (TPCM 14 [V]),
    while it is awaited."""
    if record.state != INFORMATION_REQUESTED:
        return None
    return instant_value(record.last("ask_information"), "answer_by")


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    if record.state == CONCLUDED:
        return ClockReading()
    deadlines: list[ClockDeadline] = []
    answer_by = information_due(record)
    if answer_by is not None:
        deadlines.append(
            ClockDeadline(
                "transfer_proceedings.information",
                "Supplementary information is due.",
                "deadline",
                answer_by,
                ("TPCM 14",),
            )
        )
    extended = limitation_extended_to(record, facts.durations)
    if extended is not None:
        deadlines.append(
            ClockDeadline(
                "transfer_proceedings.limitation",
                "The requesting State's prolonged limitation period ends.",
                "deadline",
                extended,
                ("TPCM 22",),
            )
        )
    objection = complaint_objection_ends(record, facts.durations)
    if objection is not None and record.state == ACCEPTED:
        deadlines.append(
            ClockDeadline(
                "transfer_proceedings.complaint_objection",
                "The complainant's time to object ends.",
                "deadline",
                objection,
                ("TPCM 24(2)",),
            )
        )
    return ClockReading(deadlines=tuple(sorted(deadlines, key=lambda d: d.at)))


FORM = PracticeForm(
    lifecycle=TRANSFER_PROCEEDINGS,
    type_codes=("transfer_proceedings",),
    clock_side=StepSide.REQUESTED,
    read_clock=_read,
)
