"""Rules: grounds for refusing mutual legal assistance and the duties around a refusal
(legal.md §2.2, statement Q14).

The MLA grounds are the profile's ``mla_grounds`` (D09), narrowed for expedited preservation
and traffic disclosure (R-MLA-PRES-LIMIT) by ``refusal.refusal_grounds``. The grounds no
refusal may rest on alone (fiscal matters, bank secrecy) are pointed out when a request touches
them; consultation before refusing and postponement instead of refusal are pointed out when a
ground is surfaced. The findings ``refusal.check_refusal`` produces are exported here too, so
that every code is documented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from comity.domain.legal.case import Case
from comity.domain.legal.findings import Finding, FindingSpec, Severity
from comity.domain.legal.grounds import MLA_TYPES
from comity.domain.legal.refusal import (
    BANK_SECRECY_NOT_A_GROUND,
    CONSULTATION_REQUIRED_BEFORE_REFUSAL,
    FISCAL_NOT_A_GROUND,
    REASONS_REQUIRED,
    REFUSAL_GROUND_NOT_AVAILABLE,
    consultation_basis,
    family,
    refusal_grounds,
)
from comity.domain.legal.rules import extradition
from comity.domain.legal.rules.extradition import DISCRIMINATION_GROUNDS, ESSENTIAL_INTERESTS

POSTPONEMENT_INSTEAD_OF_REFUSAL = FindingSpec(
    code="POSTPONEMENT_INSTEAD_OF_REFUSAL",
    title="Postpone rather than refuse when an own investigation would be disturbed",
    legal_basis=("UNTOC art. 18(25)", "UNCC art. 40(26)", "BC art. 27(5)", "ECMA2P art. 7(1)"),
    explanation=(
        "Where execution would interfere with an investigation, prosecution or proceeding of "
        "the requested State, it may postpone execution, with reasons and a date to review the "
        "postponement, instead of refusing."
    ),
    discretionary=True,
)

SPECS: tuple[FindingSpec, ...] = (
    ESSENTIAL_INTERESTS,
    DISCRIMINATION_GROUNDS,
    FISCAL_NOT_A_GROUND,
    BANK_SECRECY_NOT_A_GROUND,
    CONSULTATION_REQUIRED_BEFORE_REFUSAL,
    POSTPONEMENT_INSTEAD_OF_REFUSAL,
    REFUSAL_GROUND_NOT_AVAILABLE,
    REASONS_REQUIRED,
)

# What makes a request one for bank, financial or commercial records (UNTOC 18(3)(f), 12(6)):
# the freezing form's explicit flag, a measure asking for records or tracing of proceeds, or an
# asset that is a bank account or securities.
_FINANCIAL_MEASURES = frozenset({"provide_records", "trace_proceeds"})
_FINANCIAL_ASSETS = frozenset({"bank_account", "securities"})


def _applies(case: Case) -> bool:
    return case.rtype.code in MLA_TYPES


def _available(case: Case) -> set[str]:
    return {ground.code for ground in refusal_grounds(case)}


def essential_interests(case: Case) -> Iterator[Finding]:
    """Prejudice to essential interests, the one MLA ground every profile lists (Q14)."""
    if not _applies(case) or case.requested_side.essential_interests_prejudiced is not True:
        return
    paths = ("requested_side.essential_interests_prejudiced",)
    ground = next((g for g in refusal_grounds(case) if g.code == "essential_interests"), None)
    if ground is not None:
        yield ESSENTIAL_INTERESTS.finding(
            Severity.WARNING,
            "The requested State considers that execution would prejudice its sovereignty, "
            "security, public order or other essential interests, and may refuse or postpone.",
            paths,
            needs=("essential_interests_assessment",),
            legal_basis=ground.legal_basis,
        )
    else:
        yield ESSENTIAL_INTERESTS.finding(
            Severity.INFO,
            "Essential interests are not a ground for refusing this request under this profile.",
            paths,
        )


def discrimination(case: Case) -> Iterator[Finding]:
    """Discrimination concerns: an MLA ground only where the profile lists it (UNCC 40(22));
    otherwise the general human-rights clause (Q6) governs."""
    if not _applies(case) or case.requested_side.discrimination_concerns is not True:
        return
    paths = ("requested_side.discrimination_concerns",)
    if "discrimination" in _available(case):
        yield DISCRIMINATION_GROUNDS.finding(
            Severity.WARNING,
            "The requested State has concerns that the request aims to prosecute or punish a "
            "person on discriminatory grounds; it decides on a human-rights assessment.",
            paths,
            needs=("hr_assessment",),
            legal_basis=("UNCC art. 40(22)",),
        )
    else:
        yield DISCRIMINATION_GROUNDS.finding(
            Severity.INFO,
            "Discrimination is not a listed ground for refusing assistance under this profile; "
            "the general human-rights clause applies to its execution.",
            paths,
            needs=("hr_assessment",),
            legal_basis=("Statement Q6", "Statement Q14"),
        )


def fiscal(case: Case) -> Iterator[Finding]:
    """An offence that also involves fiscal matters, in an extradition or MLA request: no
    refusal may rest on that alone."""
    if family(case) is None:
        return
    ground = next(g for g in refusal_grounds(case) if g.code == "fiscal")
    for index, offence in enumerate(case.offences):
        if offence.fiscal:
            yield FISCAL_NOT_A_GROUND.finding(
                Severity.INFO,
                "The offence also involves fiscal matters; the request cannot be refused on "
                "that ground alone.",
                (f"offences[{index}].fiscal",),
                legal_basis=ground.legal_basis,
            )


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _financial_paths(fields: Mapping[str, Any]) -> list[str]:
    """The input paths that make the request one for financial or bank records."""
    paths: list[str] = []
    if fields.get("financial_records_requested") is True:
        paths.append("fields.financial_records_requested")
    if any(measure in _FINANCIAL_MEASURES for measure in _items(fields.get("measures"))):
        paths.append("fields.measures")
    for index, asset in enumerate(_items(fields.get("assets"))):
        if isinstance(asset, Mapping) and asset.get("kind") in _FINANCIAL_ASSETS:
            paths.append(f"fields.assets[{index}].kind")
    return paths


def bank_secrecy(case: Case) -> Iterator[Finding]:
    """A request for bank, financial or commercial records: bank secrecy is no ground."""
    if not _applies(case):
        return
    paths = _financial_paths(case.fields)
    if paths:
        yield BANK_SECRECY_NOT_A_GROUND.finding(
            Severity.INFO,
            "The request concerns bank, financial or commercial records: it cannot be refused "
            "on the ground of bank secrecy.",
            paths,
        )


def _ground_surfaced(case: Case) -> bool:
    """True if a rule surfaced a ground the requested State could refuse (or postpone) on."""
    if case.requested_side.own_investigation_disturbed is True:
        return True
    rules = (*extradition.RULES, essential_interests, discrimination)
    return any(
        finding.ground is not None and finding.severity is not Severity.INFO
        for rule in rules
        for finding in rule(case)
    )


def consultation(case: Case) -> Iterator[Finding]:
    """Once a ground is surfaced and the requesting State has not been consulted: consult it
    before refusing or postponing, to see whether conditions would allow assistance."""
    if family(case) is None or case.requested_side.consulted:
        return
    citations, required = consultation_basis(case)
    if not citations or not _ground_surfaced(case):
        return
    if required:
        message = (
            "Before refusing or postponing, the requested State must consult the requesting "
            "State on whether assistance can be given on conditions or in part."
        )
    else:
        message = (
            "Before refusing or postponing, the requested State considers, after consulting "
            "the requesting State where appropriate, whether assistance can be given on "
            "conditions or in part."
        )
    yield CONSULTATION_REQUIRED_BEFORE_REFUSAL.finding(
        Severity.INFO,
        message,
        ("requested_side.consulted",),
        legal_basis=citations,
    )


def postponement(case: Case) -> Iterator[Finding]:
    """Execution would disturb the requested State's own investigation: postpone, not
    refuse."""
    if _applies(case) and case.requested_side.own_investigation_disturbed is True:
        yield POSTPONEMENT_INSTEAD_OF_REFUSAL.finding(
            Severity.INFO,
            "Execution would disturb an investigation or proceeding of the requested State: "
            "it may postpone execution, with reasons and a review date, rather than refuse.",
            ("requested_side.own_investigation_disturbed",),
            needs=("postponement_reasons", "resume_review_at"),
        )


RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = (
    essential_interests,
    discrimination,
    fiscal,
    bank_secrecy,
    consultation,
    postponement,
)
