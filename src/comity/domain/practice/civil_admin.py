"""The life cycle of assistance in civil and administrative proceedings linked to ICT offences,
including cases on the liability of legal persons (type card T27).

The statement wants the States to assist, where appropriate and consistent with their legal
systems, in the investigation and trial of civil and administrative cases related to unlawful
acts in the field of ICT, including the liability of legal persons (Statement Q2, Q4). The
treaties cover it more narrowly: mutual legal assistance "to the fullest extent possible" in
proceedings concerning offences for which a legal person may be held liable, that liability
being criminal, civil or administrative (UNTOC 18(2) [V]; BC 12(3) [V]; UNCC 40(2) [K]), and
assistance in proceedings of administrative authorities that may lead to a criminal court
(ECMA 1(3) [V]); assistance may not be refused solely because a legal person may be liable
(ECMA 1(4) [V]).

The requested State first decides whether the case is one it can assist in: it confirms it
admissible, recording the kind of proceedings (civil or administrative), their link to the ICT
offence and whether they concern a legal person's liability — the facts on which the treaty
coverage turns — or declines with reasons. It then executes the measures under its own law and
procedures (UNTOC 18(17) [V]) and returns the result. The requesting State may withdraw the
request until the measures are executed.
"""

from __future__ import annotations

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
ADMITTED = "admitted"
DECLINED = "declined"
EXECUTED = "executed"
COMPLETED = "completed"
WITHDRAWN = "withdrawn"

#: The kinds of proceedings this form covers.
PROCEEDINGS_KINDS = ("civil", "administrative")

CIVIL_ADMIN = LifeCycle(
    code="civil_admin_assistance",
    states=(REQUESTED, ADMITTED, DECLINED, EXECUTED, COMPLETED, WITHDRAWN),
    initial=REQUESTED,
    steps=(
        # The case is one the requested State can assist in (Statement Q2, Q4; UNTOC 18(2)
        # [V]; BC 12(3) [V]; ECMA 1(3) [V]; UNCC 40(2) [K]).
        StepRule(
            "confirm_admissible",
            frozenset({REQUESTED}),
            ADMITTED,
            StepSide.REQUESTED,
            values=(
                ValueRule("proceedings_kind", ValueKind.CHOICE, choices=PROCEEDINGS_KINDS),
                ValueRule("offence_link"),
                ValueRule("legal_person_liability", ValueKind.FLAG),
            ),
            basis=("Statement Q2", "Statement Q4", "UNTOC 18(2)", "BC 12(3)", "ECMA 1(3)"),
        ),
        # Not consistent with the requested State's legal system (Statement Q2, Q4); never
        # solely because a legal person may be liable (ECMA 1(4)).
        StepRule(
            "decline",
            frozenset({REQUESTED}),
            DECLINED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("Statement Q2", "Statement Q4", "ECMA 1(4)"),
        ),
        # Executed under the requested State's law and procedures (UNTOC 18(17) [V]).
        StepRule(
            "execute",
            frozenset({ADMITTED}),
            EXECUTED,
            StepSide.REQUESTED,
            values=(ValueRule("measures_taken"),),
            basis=("UNTOC 18(3)", "UNTOC 18(17)"),
        ),
        StepRule(
            "return_result",
            frozenset({EXECUTED}),
            COMPLETED,
            StepSide.REQUESTED,
            values=(ValueRule("result"), ValueRule("result_ref", required=False)),
            basis=("UNTOC 18(2)",),
        ),
        StepRule(
            "withdraw",
            frozenset({REQUESTED, ADMITTED}),
            WITHDRAWN,
            StepSide.REQUESTING,
            reasoned=True,
        ),
    ),
)


def legal_person_case(record: PracticeRecord) -> bool | None:
    """Whether the requested State admitted the case as one on a legal person's liability —
    the case the treaties cover (UNTOC 18(2), BC 12(3)) — or None before it was admitted."""
    admitted = record.last("confirm_admissible")
    return None if admitted is None else admitted.value("legal_person_liability") is True


FORM = PracticeForm(
    lifecycle=CIVIL_ADMIN,
    type_codes=("civil_admin_assistance",),
)
