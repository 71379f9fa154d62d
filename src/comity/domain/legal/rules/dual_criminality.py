"""Rules: dual criminality by form of cooperation (legal.md §3.2, R-DC-01, R-DC-02, §7 D29).

Dual criminality is a condition of extradition and of the transfers of proceedings and of
sentenced persons, a discretionary ground for coercive assistance, irrelevant to non-coercive
assistance, and expressly not required to preserve data. The penalty table of a State says
only whether a conduct category is punished there; the conduct test itself (R-DC-01) is for
the requested State's officer, who names the equivalent provision, so every finding that
doubts dual criminality asks for it instead of comparing offence names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from comity.domain.legal.case import Case, StateFacts
from comity.domain.legal.findings import Finding, FindingSpec, Severity
from comity.domain.values import ConductCategory

DUAL_CRIMINALITY_NOT_MET = FindingSpec(
    code="DUAL_CRIMINALITY_NOT_MET",
    title="Conduct not an offence in the requested State",
    legal_basis=(
        "UNTOC art. 16(1)",
        "UNCAC art. 44(1)",
        "BC art. 24(1)(a)",
        "UNCC art. 37(1)",
        "ECE art. 2(1)",
        "BC art. 25(5)",
        "UNCC art. 35(3)",
        "Statement Q13",
    ),
    explanation=(
        "The conduct must be an offence under the law of both States for extradition, "
        "provisional arrest, the transfer of proceedings and the transfer of sentenced persons, "
        "whatever the offence is called there (the conduct test). For other coercive "
        "assistance its absence is a ground the requested State may invoke, not a bar. The "
        "finding blocks where the condition is mandatory, is a warning where a person decides "
        "(coercive assistance, or an extradition the requested State's law lets it grant "
        "without dual criminality), and is a warning when the requested State's penalty table "
        "is unknown. The requested State's officer names the equivalent provision."
    ),
    ground="dual_criminality",
)

DUAL_CRIMINALITY_NOT_REQUIRED = FindingSpec(
    code="DUAL_CRIMINALITY_NOT_REQUIRED",
    title="Dual criminality not required",
    legal_basis=("BC art. 29(3)", "UNCC art. 42(4)", "BC art. 30(2)"),
    explanation=(
        "Preserving stored data, and disclosing the traffic data that identify the path of a "
        "communication found while preserving it, does not depend on the conduct being an "
        "offence in the requested State: dual criminality is neither a condition nor a ground "
        "for withholding them (a State's reservation for offences outside the convention "
        "aside)."
    ),
)

SPECS: tuple[FindingSpec, ...] = (DUAL_CRIMINALITY_NOT_MET, DUAL_CRIMINALITY_NOT_REQUIRED)

# Where dual criminality is a condition (legal.md §3.2: ECE 2(1), TPCM 7(1), TSP 3(1)(e)).
DC_REQUIRED = frozenset(
    {"extradition", "provisional_arrest", "transfer_proceedings", "transfer_sentenced"}
)
# Where the requested State's law may dispense with it (D29: UNCC 37(2), UNCAC 44(2)).
DC_WAIVABLE = frozenset({"extradition", "provisional_arrest"})
# Where it is expressly not required (R-PRES-01; BC 30(2) for the traffic path).
DC_NOT_REQUIRED = frozenset({"preservation", "traffic_disclosure"})

_BASIS_BY_TYPE = {
    "extradition": ("UNTOC art. 16(1)", "BC art. 24(1)(a)", "UNCC art. 37(1)", "ECE art. 2(1)"),
    "provisional_arrest": ("UNTOC art. 16(1)", "UNCC art. 37(1)", "ECE art. 2(1)"),
    "transfer_proceedings": ("TPCM art. 7(1)",),
    "transfer_sentenced": ("TSP art. 3(1)(e)",),
}
_CONDUCT_TEST = ("BC art. 25(5)", "UNCC art. 35(3)")
_WAIVER_BASIS = ("UNCC art. 37(2)", "UNCAC art. 44(2)")
_DISCRETIONARY_BASIS = ("UNTOC art. 18(9)", "UNCAC art. 46(9)", "BC art. 25(5)")
_NEEDS = ("requested_state_equivalent",)


def _tested_state(case: Case) -> StateFacts:
    """The State whose law the conduct must also offend.

    Usually the requested State; but a transfer of a sentenced person may be asked for by the
    administering State, and then it is the requesting State that must punish the conduct
    (TSP art. 2(3), 3(1)(e)).
    """
    if (
        case.rtype.code == "transfer_sentenced"
        and case.fields.get("requesting_state_role") == "administering_state"
    ):
        return case.requesting
    return case.requested


def dual_criminality(case: Case) -> Iterator[Finding]:
    """DUAL_CRIMINALITY_NOT_MET where the type makes dual criminality matter, and
    DUAL_CRIMINALITY_NOT_REQUIRED where the type dispenses with it."""
    code = case.rtype.code
    if code in DC_NOT_REQUIRED:
        yield DUAL_CRIMINALITY_NOT_REQUIRED.finding(
            Severity.INFO,
            "Dual criminality is not required for this measure: the requested State does not "
            "check whether the conduct is an offence under its own law.",
        )
        return
    required = code in DC_REQUIRED
    if not (required or case.rtype.coercive):
        # Non-coercive assistance is given whether or not the conduct is punished there.
        return
    state = _tested_state(case)
    waivable = code in DC_WAIVABLE and bool(case.flag("extradition_dc_waivable", False))
    if required and not waivable:
        severity, basis = Severity.BLOCKING, (*_BASIS_BY_TYPE[code], *_CONDUCT_TEST)
    elif required:
        severity, basis = Severity.WARNING, (*_BASIS_BY_TYPE[code], *_WAIVER_BASIS)
    else:
        severity, basis = Severity.WARNING, _DISCRETIONARY_BASIS
    for index, offence in enumerate(case.offences):
        conduct_path = f"offences[{index}].conduct"
        # ``other`` names no conduct a table can match: only the officer can say.
        if offence.conduct is ConductCategory.OTHER or state.penalties is None:
            yield DUAL_CRIMINALITY_NOT_MET.finding(
                Severity.WARNING,
                f"Whether offence {index + 1} ({offence.conduct}) is an offence in "
                f"{state.code} cannot be checked from its penalty table; its officer must name "
                "the equivalent provision.",
                [conduct_path, f"states.{state.code}.penalties"],
                needs=_NEEDS,
                legal_basis=basis,
            )
            continue
        if state.criminalises(offence.conduct):
            continue
        yield DUAL_CRIMINALITY_NOT_MET.finding(
            severity,
            _message(index, str(offence.conduct), state.code, required, waivable),
            [conduct_path, f"states.{state.code}.penalties.{offence.conduct}"],
            needs=_NEEDS,
            legal_basis=basis,
        )


def _message(index: int, conduct: str, state: str, required: bool, waivable: bool) -> str:
    """The plain-language message for conduct a State's table does not punish."""
    head = f"Offence {index + 1} ({conduct}) is not an offence in {state} according to its table"
    if required and not waivable:
        return (
            f"{head}; dual criminality is a condition of this request, unless {state}'s officer "
            "names an equivalent provision punishing the same conduct."
        )
    if required:
        return (
            f"{head}; {state} may still extradite where its law allows it without dual "
            "criminality, at its discretion."
        )
    return (
        f"{head}; for coercive assistance {state} may refuse on that ground, or assist at its "
        "discretion."
    )


RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = (dual_criminality,)
