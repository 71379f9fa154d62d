"""The life cycle of spontaneous information (type card T13): information sent unasked, with
conditions that bind the receiver.

Without a prior request, and within its own law, a State may pass to another State information
obtained in its own investigations that may help the other State start or carry out an
investigation or proceedings, or lead it to make a request (BC 26(1) [V]; UNTOC 18(4) [V];
ECMA2P 11(1) [V]; UNCC 40(4) [K]). In Comity's terms the State giving the information is the
*requesting* side (XA, the sender) and the State receiving it the *requested* side (XB).

Before providing the information the giving State may ask that it be kept confidential or used
only under conditions. If the receiving State cannot comply it says so (with its reasons), and
the giving State then decides whether the information should nevertheless be provided; once the
receiving State accepts the information subject to the conditions, it is bound by them (BC 26(2)
[V]; ECMA2P 11(2)-(3) [V]). The conditions are those of the request's ``conditions`` field
(``confidential``, ``use_restrictions``), or those the giving State records with the first step
``set_conditions`` before the receiving State answers; ``binding_conditions`` says which bind.

A receiving State bound to confidentiality may still disclose, in its proceedings, information
that is exculpatory to an accused person; it notifies the giving State before the disclosure
and, if so requested, consults it (UNTOC 18(5) [V]; UNCC 40(5) [K]): ``notify_exculpatory_
disclosure`` and ``request_consultation`` record that exchange without moving the record. The
receiving State may report what the information was used for (``report_use``); either State
closes the record. A record the giving State withdraws means, in Comity, that the information is
treated as not provided: the receiving State never accepted it. Conditions accepted stay binding
after the record is closed: BC 26(2) sets no end to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from comity.domain.practice.forms import PracticeForm
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    StepRule,
    StepSide,
    ValueKind,
    ValueRule,
)

OFFERED = "offered"
BOUND = "bound"
CANNOT_COMPLY = "cannot_comply"
PROVIDED = "provided"
WITHDRAWN = "withdrawn"
CLOSED = "closed"

#: The states in which the receiving State holds information it may use.
HELD = frozenset({BOUND, PROVIDED})

#: The request field that carries the conditions asked for in advance.
CONDITIONS_FIELD = "conditions"

SPONTANEOUS_INFORMATION = LifeCycle(
    code="spontaneous_information",
    states=(OFFERED, BOUND, CANNOT_COMPLY, PROVIDED, WITHDRAWN, CLOSED),
    initial=OFFERED,
    steps=(
        # The conditions asked for before the information is provided (BC 26(2) [V]; ECMA2P
        # 11(2) [V]); they replace those of the request's fields.
        StepRule(
            "set_conditions",
            frozenset({OFFERED}),
            None,
            StepSide.REQUESTING,
            values=(
                ValueRule("confidential", ValueKind.FLAG),
                ValueRule("use_restrictions", required=False),
            ),
            basis=("BC 26(2)", "ECMA2P 11(2)", "UNTOC 18(5)"),
        ),
        # Accepted subject to the conditions: the receiving State is bound by them (BC 26(2)).
        StepRule(
            "accept_conditions",
            frozenset({OFFERED}),
            BOUND,
            StepSide.REQUESTED,
            basis=("BC 26(2)", "ECMA2P 11(3)", "UNTOC 18(5)"),
        ),
        # The receiving State cannot comply and says why (BC 26(2) [V]; ECMA2P 11(2) [V]).
        StepRule(
            "cannot_comply",
            frozenset({OFFERED}),
            CANNOT_COMPLY,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("BC 26(2)", "ECMA2P 11(2)"),
        ),
        # The giving State determines that the information is nevertheless provided: the
        # conditions the receiving State refused do not bind it (BC 26(2)).
        StepRule(
            "send_anyway_without_conditions",
            frozenset({CANNOT_COMPLY}),
            PROVIDED,
            StepSide.REQUESTING,
            basis=("BC 26(2)", "ECMA2P 11(2)"),
        ),
        StepRule(
            "withdraw",
            frozenset({OFFERED, CANNOT_COMPLY}),
            WITHDRAWN,
            StepSide.REQUESTING,
            reasoned=True,
            basis=("BC 26(2)",),
        ),
        # Exculpatory material disclosed in the receiving State's proceedings, after notice to
        # the giving State (UNTOC 18(5) [V]; UNCC 40(5) [K]).
        StepRule(
            "notify_exculpatory_disclosure",
            frozenset({BOUND}),
            None,
            StepSide.REQUESTED,
            values=(ValueRule("material"), ValueRule("proceedings")),
            basis=("UNTOC 18(5)", "UNCC 40(5)"),
        ),
        # The giving State asks to be consulted on the disclosure (UNTOC 18(5): "if so
        # requested, consult").
        StepRule(
            "request_consultation",
            frozenset({BOUND}),
            None,
            StepSide.REQUESTING,
            values=(ValueRule("points"),),
            basis=("UNTOC 18(5)",),
        ),
        # What the information was used for: an investigation opened, a request made.
        StepRule(
            "report_use",
            HELD,
            None,
            StepSide.REQUESTED,
            values=(ValueRule("use"),),
            basis=("BC 26(1)", "UNTOC 18(4)"),
        ),
        StepRule("close", HELD, CLOSED, StepSide.EITHER, basis=("BC 26",)),
    ),
)


@dataclass(frozen=True)
class Conditions:
    """The conditions attached to the information: keep it confidential, and limits on use
    (empty if none)."""

    confidential: bool
    use_restrictions: str = ""


def asked_conditions(
    record: PracticeRecord, fields: Mapping[str, Any] | None = None
) -> Conditions | None:
    """The conditions the giving State asked for: the latest ``set_conditions`` step's, else
    the request's ``conditions`` field (``fields``), else None (none were asked for)."""
    stated = record.last("set_conditions")
    if stated is not None:
        return Conditions(
            stated.value("confidential") is True, str(stated.value("use_restrictions") or "")
        )
    given = (fields or {}).get(CONDITIONS_FIELD)
    if not isinstance(given, Mapping):
        return None
    confidential = given.get("confidential") is True
    restrictions = str(given.get("use_restrictions") or "").strip()
    if not confidential and not restrictions:
        return None
    return Conditions(confidential, restrictions)


def binding_conditions(
    record: PracticeRecord, fields: Mapping[str, Any] | None = None
) -> Conditions | None:
    """The conditions that bind the receiving State, for the request's page: those asked for,
    once the receiving State has accepted them (BC 26(2)); None before the acceptance, when it
    could not comply (even if the information was then sent anyway), or if none were asked
    for. An acceptance binds for good, after the record is closed too."""
    if record.last("accept_conditions") is None:
        return None
    return asked_conditions(record, fields)


FORM = PracticeForm(
    lifecycle=SPONTANEOUS_INFORMATION,
    type_codes=("spontaneous_information",),
)
