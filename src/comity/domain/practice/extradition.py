"""The life cycle of an extradition (type card T01) after the request reaches the requested
State: the decision per offence, the surrender, and the obligations that outlive it.

**Request and documents.** The requested State examines the request before its courts (UNTOC
16(7) [V]; ECE 1 [V]). If the information is insufficient it asks for supplementary
documents and may fix a time-limit (ECE 13 [V]; R-GEN-03): the deadline is recorded with the
step and the clock shows it. When the time-limit passes without them the requested State
decides on the information it has (``examine`` is allowed from the waiting state).

**Decision.** Each offence is decided on its own: extradition may be granted in part (ECE
18(2) [V]; R-EXT-PARTIAL). ``grant_offence`` and ``refuse_offence`` record one offence's
decision without ending the examination; a refusal needs reasons (ECE 18(2)). They are two
steps rather than one with a "granted or refused" choice so that the table itself demands the
reasons of a refusal and knows whether an offence has been granted: ``grant`` is only
allowed once one has (the examination moves to ``offence_granted``), so an overall grant with
no offence granted is an illegal step. ``refuse`` records the ground (legal.md §2.1) and
whether the requesting State was consulted first (UNTOC 16(16) [V]; UNCAC 44(17) [V]; UNCC
37(17) [K]; R-EXT-CONSULT). A refusal because the person is a national of the requested State
is its own step, ``refuse_nationality``: extradite or prosecute (aut dedere aut judicare). The
case is submitted without undue delay to the requested State's prosecutors (UNTOC 16(10) [V];
UNCAC 44(11) [V]; UNCC 37(11) [K]; ECE 6(2) [V]; BC 24(6) [V]; statement Q13), the
requesting State may send the evidence it holds, and the requested State reports the outcome
(BC 24(6) [V] requires the final outcome to be reported). The profile's
``referral_report_back`` (180 days by default) is when a report is expected: past it the clock
raises a warning until ``report_back`` ends the case.

**Surrender.** The requested State tells the requesting State the place and date of surrender
(ECE 18(3) [V]); the escorts are recorded with them. A new date may be agreed (ECE 18(5)
[V]). If the person is not taken over on the appointed date the requested State may release
the person 15 days after it and must do so 30 days after it (ECE 18(4) [V];
``surrender_release``, ``surrender_limit``): a warning at 15 days, a critical alarm and the
system step ``release_due`` at 30. The requested State may postpone the surrender so that the
person is prosecuted or serves a sentence there (ECE 19(1) [V]), or instead surrender the
person temporarily on agreed conditions (ECE 19(2) [V]); the person returned, the surrender
is planned again when the requested State's proceedings allow.

**Speciality.** After the surrender, the person may not be proceeded against for an offence
committed before the surrender other than the one extradited for, unless the requested State
consents (ECE 14(1)(a) [V]); nor re-extradited to a third State without its consent (ECE 15
[V]). The requesting State asks for consent (target none: the obligation runs on) and the
requested State answers. The protection ends when the person, free to leave, has not left
within 45 days of final discharge, or returns after leaving (ECE 14(1)(b) [V];
``speciality_lapse``): the requesting State records the discharge, and the requested State's
clock takes ``speciality_lapsed`` 45 days later. If the person leaves the territory within the
45 days the requesting State records it (``left_territory``) and the obligation is closed:
were the person to return, the protection would be lost by that return (ECE 14(1)(b)).

The requested State runs the clock (``clock_side``): it holds the person until the surrender
and is the State whose consent the speciality rule protects.
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
    days_text,
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

RECEIVED = "received"
DOCUMENTS_REQUESTED = "documents_requested"
UNDER_DECISION = "under_decision"
OFFENCE_GRANTED = "offence_granted"
GRANTED = "granted"
REFUSED = "refused"
REFERRED = "referred"
REPORTED = "reported"
WITHDRAWN = "withdrawn"
SURRENDER_PLANNED = "surrender_planned"
POSTPONED = "postponed"
TEMPORARILY_SURRENDERED = "temporarily_surrendered"
RELEASE_DUE = "release_due"
RELEASED = "released"
SURRENDERED = "surrendered"
DISCHARGED = "discharged"
SPECIALITY_ENDED = "speciality_ended"

#: The profile durations read here, and the legal default of each when a profile lacks it.
SURRENDER_RELEASE = "surrender_release"
SURRENDER_LIMIT = "surrender_limit"
SPECIALITY_LAPSE = "speciality_lapse"
REPORT_BACK = "referral_report_back"
DEFAULTS: Mapping[str, timedelta] = {
    SURRENDER_RELEASE: timedelta(days=15),  # ECE 18(4) [V]
    SURRENDER_LIMIT: timedelta(days=30),  # ECE 18(4) [V]
    SPECIALITY_LAPSE: timedelta(days=45),  # ECE 14(1)(b) [V]
    # No instrument fixes it ("without undue delay", UNTOC 16(10)): the profiles' default.
    REPORT_BACK: timedelta(days=180),
}

#: The grounds a refusal may name (legal.md §2.1, in the codes of ``legal.grounds``). Not
#: nationality, which is ``refuse_nationality`` (extradite or prosecute), and not fiscal
#: matters, which may not be a ground (UNTOC 16(15) [V]; UNCC 37(16) [K]; ECE 5 [V]).
GROUNDS = (
    "dual_criminality",
    "penalty_threshold",
    "discrimination",
    "political_offence",
    "military_offence",
    "lis_pendens",
    "ne_bis_in_idem",
    "time_barred",
    "death_penalty",
    "essential_interests",
    "territoriality",
    "extradition_treaty",
    "domestic_treaty",
)

#: How the domestic proceedings after a referral ended (BC 24(6): the final outcome).
OUTCOMES = ("convicted", "acquitted", "discontinued", "not_prosecuted")

#: What a consent after surrender is asked for: proceedings or a sentence for another
#: offence (ECE 14(1)(a)), or re-extradition to a third State (ECE 15).
CONSENT_PURPOSES = ("prosecution", "sentence", "re_extradition")

_DECIDING = frozenset({UNDER_DECISION, OFFENCE_GRANTED})
_BEFORE_SURRENDER = frozenset(
    {RECEIVED, DOCUMENTS_REQUESTED, UNDER_DECISION, OFFENCE_GRANTED, GRANTED}
    | {SURRENDER_PLANNED, POSTPONED}
)
_SPECIALITY = frozenset({SURRENDERED, DISCHARGED})

EXTRADITION = LifeCycle(
    code="extradition",
    states=(
        RECEIVED,
        DOCUMENTS_REQUESTED,
        UNDER_DECISION,
        OFFENCE_GRANTED,
        GRANTED,
        REFUSED,
        REFERRED,
        REPORTED,
        WITHDRAWN,
        SURRENDER_PLANNED,
        POSTPONED,
        TEMPORARILY_SURRENDERED,
        RELEASE_DUE,
        RELEASED,
        SURRENDERED,
        DISCHARGED,
        SPECIALITY_ENDED,
    ),
    initial=RECEIVED,
    steps=(
        # Supplementary information, with the time-limit the requested State fixes (ECE 13).
        StepRule(
            "request_documents",
            frozenset({RECEIVED, UNDER_DECISION}),
            DOCUMENTS_REQUESTED,
            StepSide.REQUESTED,
            values=(ValueRule("documents"), ValueRule("deadline", ValueKind.INSTANT)),
            basis=("ECE 13", "UNTOC 16(8)"),
        ),
        StepRule(
            "supply_documents",
            frozenset({DOCUMENTS_REQUESTED}),
            UNDER_DECISION,
            StepSide.REQUESTING,
            values=(ValueRule("documents"),),
            basis=("ECE 13",),
        ),
        # The courts of the requested State take the case, on the file as it stands (ECE 13:
        # after the time-limit, on the information available).
        StepRule(
            "examine",
            frozenset({RECEIVED, DOCUMENTS_REQUESTED}),
            UNDER_DECISION,
            StepSide.REQUESTED,
            values=(ValueRule("court", required=False),),
            basis=("ECE 1", "ECE 13", "UNTOC 16(7)"),
        ),
        # One offence's decision (ECE 18(2): complete or partial rejection; R-EXT-PARTIAL).
        StepRule(
            "grant_offence",
            _DECIDING,
            OFFENCE_GRANTED,
            StepSide.REQUESTED,
            values=(ValueRule("offence"),),
            basis=("ECE 18(2)",),
        ),
        StepRule(
            "refuse_offence",
            _DECIDING,
            None,
            StepSide.REQUESTED,
            values=(
                ValueRule("offence"),
                ValueRule("ground", ValueKind.CHOICE, required=False, choices=GROUNDS),
            ),
            reasoned=True,
            basis=("ECE 18(2)",),
        ),
        # The overall decision: only once at least one offence is granted.
        StepRule(
            "grant",
            frozenset({OFFENCE_GRANTED}),
            GRANTED,
            StepSide.REQUESTED,
            values=(ValueRule("decision_ref", required=False),),
            basis=("ECE 18(1)", "ECE 18(2)"),
        ),
        StepRule(
            "refuse",
            _DECIDING,
            REFUSED,
            StepSide.REQUESTED,
            values=(
                ValueRule("ground", ValueKind.CHOICE, choices=GROUNDS),
                ValueRule("consulted", ValueKind.FLAG),
            ),
            reasoned=True,
            basis=("ECE 18(2)", "UNTOC 16(16)", "UNCAC 44(17)", "UNCC 37(17)"),
        ),
        # Extradite or prosecute: the case goes to the requested State's prosecutors.
        StepRule(
            "refuse_nationality",
            _DECIDING,
            REFERRED,
            StepSide.REQUESTED,
            values=(ValueRule("prosecutors"), ValueRule("consulted", ValueKind.FLAG)),
            reasoned=True,
            basis=(
                "ECE 6(1)(a)",
                "ECE 6(2)",
                "UNTOC 16(10)",
                "UNCAC 44(11)",
                "UNCC 37(11)",
                "BC 24(6)",
                "Statement Q13",
            ),
        ),
        # The requesting State cooperates on evidence for the domestic proceedings.
        StepRule(
            "supply_evidence",
            frozenset({REFERRED}),
            None,
            StepSide.REQUESTING,
            values=(ValueRule("evidence"),),
            basis=("UNTOC 16(10)", "ECE 6(2)"),
        ),
        StepRule(
            "report_back",
            frozenset({REFERRED}),
            REPORTED,
            StepSide.REQUESTED,
            values=(
                ValueRule("outcome", ValueKind.CHOICE, choices=OUTCOMES),
                ValueRule("details"),
            ),
            basis=("BC 24(6)", "ECE 6(2)", "UNTOC 16(10)"),
        ),
        # The requesting State says the extradition is no longer needed (R-GEN-04).
        StepRule(
            "withdraw",
            _BEFORE_SURRENDER,
            WITHDRAWN,
            StepSide.REQUESTING,
            reasoned=True,
            basis=("UNTOC 18(24)",),
        ),
        # Place and date of surrender, and the escorts (ECE 18(3); a new date, ECE 18(5)).
        StepRule(
            "plan_surrender",
            frozenset({GRANTED, POSTPONED, SURRENDER_PLANNED}),
            SURRENDER_PLANNED,
            StepSide.REQUESTED,
            values=(
                ValueRule("date", ValueKind.INSTANT),
                ValueRule("place"),
                ValueRule("escorts"),
                ValueRule("days_detained", ValueKind.COUNT, required=False),
            ),
            basis=("ECE 18(3)", "ECE 18(5)"),
        ),
        StepRule(
            "postpone_surrender",
            frozenset({GRANTED, SURRENDER_PLANNED}),
            POSTPONED,
            StepSide.REQUESTED,
            values=(ValueRule("purpose", ValueKind.CHOICE, choices=("prosecution", "sentence")),),
            reasoned=True,
            basis=("ECE 19(1)",),
        ),
        StepRule(
            "temporary_surrender",
            frozenset({GRANTED, SURRENDER_PLANNED, POSTPONED}),
            TEMPORARILY_SURRENDERED,
            StepSide.REQUESTED,
            values=(ValueRule("return_by", ValueKind.INSTANT), ValueRule("conditions")),
            basis=("ECE 19(2)",),
        ),
        # Back for the requested State's own proceedings: the final surrender waits for them.
        StepRule(
            "return_person",
            frozenset({TEMPORARILY_SURRENDERED}),
            POSTPONED,
            StepSide.REQUESTING,
            values=(ValueRule("returned_at", ValueKind.INSTANT),),
            basis=("ECE 19(2)",),
        ),
        StepRule(
            "surrender",
            frozenset({SURRENDER_PLANNED}),
            SURRENDERED,
            StepSide.REQUESTED,
            values=(ValueRule("surrendered_at", ValueKind.INSTANT),),
            basis=("ECE 18(3)",),
        ),
        # 30 days after the appointed date without the person taken over (ECE 18(4)).
        StepRule(
            "release_due",
            frozenset({SURRENDER_PLANNED}),
            RELEASE_DUE,
            StepSide.SYSTEM,
            basis=("ECE 18(4)",),
        ),
        StepRule(
            "release",
            frozenset({SURRENDER_PLANNED, RELEASE_DUE}),
            RELEASED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("ECE 18(4)",),
        ),
        # Speciality: consent for other offences (ECE 14(1)(a)) or re-extradition (ECE 15).
        StepRule(
            "request_consent",
            _SPECIALITY,
            None,
            StepSide.REQUESTING,
            values=(
                ValueRule("offence"),
                ValueRule("purpose", ValueKind.CHOICE, choices=CONSENT_PURPOSES),
                ValueRule("third_state", required=False),
            ),
            basis=("ECE 14(1)(a)", "ECE 15"),
        ),
        StepRule(
            "grant_consent",
            _SPECIALITY,
            None,
            StepSide.REQUESTED,
            values=(ValueRule("offence"),),
            basis=("ECE 14(1)(a)", "ECE 15"),
        ),
        StepRule(
            "refuse_consent",
            _SPECIALITY,
            None,
            StepSide.REQUESTED,
            values=(ValueRule("offence"),),
            reasoned=True,
            basis=("ECE 14(1)(a)", "ECE 15"),
        ),
        StepRule(
            "discharge",
            frozenset({SURRENDERED}),
            DISCHARGED,
            StepSide.REQUESTING,
            values=(ValueRule("discharged_at", ValueKind.INSTANT),),
            basis=("ECE 14(1)(b)",),
        ),
        StepRule(
            "left_territory",
            frozenset({DISCHARGED}),
            SPECIALITY_ENDED,
            StepSide.REQUESTING,
            values=(ValueRule("left_at", ValueKind.INSTANT),),
            basis=("ECE 14(1)(b)",),
        ),
        StepRule(
            "speciality_lapsed",
            frozenset({DISCHARGED}),
            SPECIALITY_ENDED,
            StepSide.SYSTEM,
            basis=("ECE 14(1)(b)",),
        ),
    ),
)

WARNING, CRITICAL = "warning", "critical"


def duration(durations: Mapping[str, timedelta], name: str) -> timedelta:
    """The profile's duration ``name``, or its legal default when the profile has none."""
    return durations.get(name, DEFAULTS[name])


def offence_decisions(record: PracticeRecord) -> dict[str, str]:
    """Each offence decided so far and its decision, ``granted`` or ``refused``."""
    found: dict[str, str] = {}
    for step in record.steps:
        if step.code in ("grant_offence", "refuse_offence"):
            found[str(step.value("offence"))] = (
                "granted" if step.code == "grant_offence" else "refused"
            )
    return found


def pending_consents(record: PracticeRecord) -> list[str]:
    """The offences for which consent was asked after surrender and not yet answered."""
    pending: list[str] = []
    for step in record.steps:
        offence = str(step.value("offence"))
        if step.code == "request_consent":
            pending.append(offence)
        elif step.code in ("grant_consent", "refuse_consent") and offence in pending:
            pending.remove(offence)
    return pending


def surrender_clock(
    record: PracticeRecord, durations: Mapping[str, timedelta]
) -> tuple[datetime, datetime, datetime] | None:
    """The appointed date of surrender, the day release becomes possible (15 days after it)
    and the day release is due (30 days after it), while a planned surrender is pending;
    None otherwise. A new date agreed (ECE 18(5)) starts the clock again."""
    date = instant_value(record.last("plan_surrender"), "date")
    if record.state not in {SURRENDER_PLANNED, RELEASE_DUE} or date is None:
        return None
    return (
        date,
        date + duration(durations, SURRENDER_RELEASE),
        date + duration(durations, SURRENDER_LIMIT),
    )


def speciality_lapse(record: PracticeRecord, durations: Mapping[str, timedelta]) -> datetime | None:
    """When the speciality protection lapses (45 days after final discharge), while the
    discharged person may still leave; None otherwise."""
    discharged = instant_value(record.last("discharge"), "discharged_at")
    if record.state != DISCHARGED or discharged is None:
        return None
    return discharged + duration(durations, SPECIALITY_LAPSE)


def report_back_due(record: PracticeRecord, durations: Mapping[str, timedelta]) -> datetime | None:
    """When a report on the domestic proceedings is expected, counted from the referral,
    while the case is with the requested State's prosecutors; None otherwise."""
    referral = record.last("refuse_nationality")
    if record.state != REFERRED or referral is None:
        return None
    return referral.at + duration(durations, REPORT_BACK)


def documents_deadline(record: PracticeRecord) -> datetime | None:
    """The time-limit for supplementary documents while they are awaited, or None."""
    if record.state != DOCUMENTS_REQUESTED:
        return None
    return instant_value(record.last("request_documents"), "deadline")


def return_due(record: PracticeRecord) -> datetime | None:
    """When a temporarily surrendered person must be back, while away; or None."""
    if record.state != TEMPORARILY_SURRENDERED:
        return None
    return instant_value(record.last("temporary_surrender"), "return_by")


def due_steps(
    record: PracticeRecord, *, now: datetime, durations: Mapping[str, timedelta]
) -> list[Step]:
    """The clock-driven steps due at ``now``: ``release_due`` once 30 days have passed since
    the appointed date without the surrender, and ``speciality_lapsed`` 45 days after the
    final discharge; each dated at its instant (or after the last step, for a late record)."""
    due: tuple[str, datetime] | None = None
    running = surrender_clock(record, durations)
    lapse = speciality_lapse(record, durations)
    if record.state == SURRENDER_PLANNED and running is not None and now >= running[2]:
        due = ("release_due", running[2])
    elif lapse is not None and now >= lapse:
        due = ("speciality_lapsed", lapse)
    if due is None:
        return []
    code, at = due
    after = clock_step(record, EXTRADITION, code, at=at)
    return [after.steps[-1]]


def alarms(
    record: PracticeRecord, *, now: datetime, durations: Mapping[str, timedelta]
) -> list[Alarm]:
    """The alarms raised at ``now``: the surrender's 15-day warning and 30-day critical alarm
    (ECE 18(4)), a temporarily surrendered person not back, supplementary documents overdue
    (ECE 13) and no report 180 days after a referral (UNTOC 16(10); BC 24(6))."""
    raised: list[Alarm] = []
    running = surrender_clock(record, durations)
    if running is not None:
        date, may, must = running
        if now >= may:
            raised.append(
                Alarm(
                    "extradition.surrender_release",
                    WARNING,
                    may,
                    f"The person was not taken over {days_text(may - date)} after the appointed "
                    "date: the person may be released (ECE 18(4)).",
                )
            )
        if now >= must:
            raised.append(
                Alarm(
                    "extradition.surrender_limit",
                    CRITICAL,
                    must,
                    f"The person was not taken over {days_text(must - date)} after the appointed "
                    "date: the person must be released (ECE 18(4)).",
                )
            )
    back = return_due(record)
    if back is not None and now >= back:
        raised.append(
            Alarm(
                "extradition.return",
                WARNING,
                back,
                "The temporarily surrendered person was due back by the agreed date (ECE 19(2)).",
            )
        )
    documents = documents_deadline(record)
    if documents is not None and now >= documents:
        raised.append(
            Alarm(
                "extradition.documents",
                WARNING,
                documents,
                "The supplementary documents have not arrived within the time-limit: the "
                "request may be decided on the information available (ECE 13).",
            )
        )
    report = report_back_due(record, durations)
    if report is not None and now >= report:
        raised.append(
            Alarm(
                "extradition.report_back",
                WARNING,
                report,
                f"No report on the domestic proceedings "
                f"{days_text(duration(durations, REPORT_BACK))} after the referral "
                "(UNTOC 16(10); BC 24(6)).",
            )
        )
    return raised


def deadlines(record: PracticeRecord, durations: Mapping[str, timedelta]) -> list[ClockDeadline]:
    """Every date the record's clock sets in its current state."""
    found: list[ClockDeadline] = []
    running = surrender_clock(record, durations)
    if running is not None:
        date, may, must = running
        ece = ("ECE 18(4)",)
        found += [
            ClockDeadline("extradition.surrender", "Surrender: appointed date", "deadline", date,
                          ("ECE 18(3)",)),
            ClockDeadline("extradition.surrender_release",
                          "Surrender missed: the person may be released", "reminder", may, ece),
            ClockDeadline("extradition.surrender_limit",
                          "Surrender missed: the person must be released", "deadline", must, ece),
        ]  # fmt: skip
    back = return_due(record)
    if back is not None:
        found.append(
            ClockDeadline("extradition.return", "Temporary surrender: the person returns",
                          "deadline", back, ("ECE 19(2)",))
        )  # fmt: skip
    documents = documents_deadline(record)
    if documents is not None:
        found.append(
            ClockDeadline("extradition.documents", "Supplementary documents due", "deadline",
                          documents, ("ECE 13",))
        )  # fmt: skip
    report = report_back_due(record, durations)
    if report is not None:
        found.append(
            ClockDeadline("extradition.report_back", "Referral: report on the proceedings",
                          "deadline", report, ("UNTOC 16(10)", "BC 24(6)"))
        )  # fmt: skip
    lapse = speciality_lapse(record, durations)
    if lapse is not None:
        found.append(
            ClockDeadline("extradition.speciality", "Speciality protection lapses", "deadline",
                          lapse, ("ECE 14(1)(b)",))
        )  # fmt: skip
    return found


def _due(record: PracticeRecord, facts: ClockFacts) -> list[Step]:
    return due_steps(record, now=facts.now, durations=facts.durations)


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    dates = deadlines(record, facts.durations)
    if not dates:
        return ClockReading()
    # The clock ends at the last date it sets: the release limit, the return, the time-limit,
    # the report, the lapse (one clock runs in each state).
    return ClockReading(
        ends_at=dates[-1].at,
        alarms=tuple(alarms(record, now=facts.now, durations=facts.durations)),
        deadlines=tuple(dates),
    )


FORM = PracticeForm(
    lifecycle=EXTRADITION,
    type_codes=("extradition",),
    clock_side=StepSide.REQUESTED,
    due_steps=_due,
    read_clock=_read,
)
