"""Grounds for refusal and the validation of a requested State's refusal (legal.md §2).

``refusal_grounds`` lists the grounds a requested State may invoke for a case's type under its
framework profile; ``check_refusal`` says why a refusal the requested State has drafted would be
invalid. Which grounds exist is read from the profile's flags and instruments (legal.md §7,
D06-D09, D29), never from the profile's code.

The findings ``check_refusal`` produces that also arise while assessing a request
(``FISCAL_NOT_A_GROUND``, ``BANK_SECRECY_NOT_A_GROUND``,
``CONSULTATION_REQUIRED_BEFORE_REFUSAL``, ``POLITICAL_OFFENCE_EXCLUDED``) are specified here so
that the rule modules and this module share one definition; the rule modules export them in
their ``SPECS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from comity.domain.legal.case import Case
from comity.domain.legal.findings import Finding, FindingSpec, Severity
from comity.domain.legal.grounds import (
    ASSET_GROUNDS,
    ASSET_TYPES,
    CONFISCATION_OUTSIDE_CONVENTION,
    CONVENTION_EXTRADITION,
    ECE_EXTRADITION,
    EXTRADITION_TYPES,
    FISCAL_EXTRADITION,
    MLA_DUAL_CRIMINALITY,
    MLA_GROUNDS,
    MLA_PROHIBITED,
    MLA_TYPES,
    POLITICAL_EXCLUDED,
    POLITICAL_EXTRADITION,
    PRESERVATION_DUAL_CRIMINALITY,
    PRESERVATION_GROUNDS,
    PRESERVATION_TYPES,
    TREATY_EXTRADITION,
    D,
    M,
    P,
    RefusalGround,
    define_ground,
)

# Consultation before refusing: instrument → (extradition clause, MLA clause, required). Where
# the clause says "shall consult" the requested State must have consulted before a refusal on a
# discretionary ground; BC 27(6) only asks to consider conditions "where appropriate after
# having consulted", so under it consultation is advised, not required.
_CONSULTATION: tuple[tuple[str, str | None, str, bool], ...] = (
    ("UNTOC", "UNTOC art. 16(16)", "UNTOC art. 18(26)", True),
    ("UNCAC", "UNCAC art. 44(17)", "UNCAC art. 46(26)", True),
    ("UNCC", "UNCC art. 37(17)", "UNCC art. 40(27)", True),
    ("BC", None, "BC art. 27(6)", False),
)

CONSULTATION_REQUIRED_BEFORE_REFUSAL = FindingSpec(
    code="CONSULTATION_REQUIRED_BEFORE_REFUSAL",
    title="Consult the requesting State before refusing or postponing",
    legal_basis=(
        "UNTOC art. 18(26)",
        "UNTOC art. 16(16)",
        "UNCAC art. 46(26)",
        "UNCAC art. 44(17)",
        "UNCC art. 40(27)",
        "UNCC art. 37(17)",
        "BC art. 27(6)",
    ),
    explanation=(
        "Before refusing (or postponing) on a ground the requested State may weigh, it consults "
        "the requesting State to see whether assistance can be given on conditions or in part; "
        "a refusal without that consultation is invalid where the instrument requires it."
    ),
)

FISCAL_NOT_A_GROUND = FindingSpec(
    code="FISCAL_NOT_A_GROUND",
    title="Fiscal matters are not a ground for refusal on their own",
    legal_basis=(
        "UNTOC art. 18(22)",
        "UNTOC art. 16(15)",
        "UNCAC art. 46(22)",
        "UNCC art. 40(23)",
        "UNCC art. 37(16)",
        "BC art. 25(4)",
    ),
    explanation=(
        "A request may not be refused on the sole ground that the offence also involves fiscal "
        "matters; a refusal naming only that ground is invalid."
    ),
    ground="fiscal",
)

BANK_SECRECY_NOT_A_GROUND = FindingSpec(
    code="BANK_SECRECY_NOT_A_GROUND",
    title="Bank secrecy is not a ground for refusal",
    legal_basis=("UNTOC art. 18(8)", "UNCAC art. 46(8)", "UNTOC art. 12(6)"),
    explanation=(
        "Mutual assistance, including bank, financial or commercial records, may not be refused "
        "on the ground of bank secrecy; a refusal naming only that ground is invalid."
    ),
    ground="bank_secrecy",
)

POLITICAL_OFFENCE_EXCLUDED = FindingSpec(
    code="POLITICAL_OFFENCE_EXCLUDED",
    title="Convention offences are not political offences",
    legal_basis=("Statement Q16", "UNCAC art. 44(4)", "UNCC art. 37(4)", "ECE art. 3(1)"),
    explanation=(
        "Under a profile that excludes the political-offence exception for convention offences "
        "(statement Q16) the requested State may not refuse because a convention offence is "
        "political; under other profiles the exception may apply under the requested State's "
        "law or a treaty, and a person assesses it."
    ),
    ground="political_offence",
)

REFUSAL_GROUND_NOT_AVAILABLE = FindingSpec(
    code="REFUSAL_GROUND_NOT_AVAILABLE",
    title="The refusal names a ground that is not available for this request",
    legal_basis=("Statement Q13", "Statement Q14", "Statement Q15", "UNTOC art. 18(21)"),
    explanation=(
        "A refusal may only rest on the grounds valid for the type of request under the "
        "framework profile; a ground the profile does not provide for, or an empty list of "
        "grounds, makes the refusal invalid."
    ),
)

REASONS_REQUIRED = FindingSpec(
    code="REASONS_REQUIRED",
    title="A refusal must give reasons",
    legal_basis=("UNTOC art. 18(23)", "UNCC art. 40(24)", "BC art. 27(7)", "ECE art. 18(2)"),
    explanation="Any refusal, in full or in part, states its reasons in writing.",
)

SPECS: tuple[FindingSpec, ...] = (
    BANK_SECRECY_NOT_A_GROUND,
    CONSULTATION_REQUIRED_BEFORE_REFUSAL,
    FISCAL_NOT_A_GROUND,
    POLITICAL_OFFENCE_EXCLUDED,
    REASONS_REQUIRED,
    REFUSAL_GROUND_NOT_AVAILABLE,
)


def cite(case: Case, table: Sequence[tuple[str, str]], default: Sequence[str]) -> tuple[str, ...]:
    """The citations of ``table`` (instrument, citation) whose instrument the profile includes,
    so a finding cites the texts that bind under it; ``default`` if none does."""
    found = tuple(
        citation for instrument, citation in table if instrument in case.profile.instruments
    )
    return found or tuple(default)


def family(case: Case) -> str | None:
    """``extradition`` or ``mla`` for the case's type, None for other forms of cooperation."""
    if case.rtype.code in EXTRADITION_TYPES:
        return "extradition"
    if case.rtype.code in MLA_TYPES:
        return "mla"
    return None


def consultation_basis(case: Case) -> tuple[tuple[str, ...], bool]:
    """The consultation clauses of the profile's instruments for the case's type, and whether
    one of them requires consultation before a refusal."""
    kind = family(case)
    citations: list[str] = []
    required = False
    for instrument, extradition, mla, mandatory in _CONSULTATION:
        if instrument not in case.profile.instruments:
            continue
        citation = extradition if kind == "extradition" else mla if kind == "mla" else None
        if citation is not None:
            citations.append(citation)
            required = required or mandatory
    return tuple(citations), required


def _political_ground(case: Case, applied: RefusalGround | None) -> RefusalGround | None:
    """The political-offence ground under the profile's flag (D07): prohibited where the
    profile excludes it for convention offences, ``applied`` where the requested State applies
    the exception, and none where it declared that it does not."""
    if case.flag("political_offence_exception") == "excluded_for_convention_offences":
        return POLITICAL_EXCLUDED
    if not case.requested.declarations.political_offence_exception:
        return None
    return applied


def _extradition_grounds(case: Case) -> list[RefusalGround]:
    grounds: list[RefusalGround] = []
    if case.flag("extradition_grounds_source") == "convention_list":
        grounds.extend(CONVENTION_EXTRADITION)
    else:
        grounds.extend(TREATY_EXTRADITION)
        if "ECE" in case.profile.instruments:
            grounds.extend(ECE_EXTRADITION)
    # D29: where the requested State may extradite without dual criminality, its absence is a
    # ground it weighs; otherwise extradition is barred.
    waivable = bool(case.flag("extradition_dc_waivable", False))
    grounds.append(
        define_ground(
            "dual_criminality",
            "The conduct is not an offence under the requested State's law",
            D if waivable else M,
            *(
                ("UNCC art. 37(1)", "UNCC art. 37(2)", "UNCAC art. 44(2)")
                if waivable
                else ("Statement Q13", "UNTOC art. 16(1)", "BC art. 24(1)", "ECE art. 2(1)")
            ),
        )
    )
    political = _political_ground(
        case, POLITICAL_EXTRADITION.get(str(case.flag("political_offence_exception")))
    )
    if political is not None:
        grounds.append(political)
    grounds.append(FISCAL_EXTRADITION)
    return grounds


def _mla_grounds(case: Case) -> list[RefusalGround]:
    grounds: list[RefusalGround] = []
    political: RefusalGround | None
    if case.rtype.code in PRESERVATION_TYPES:
        essential, applied = PRESERVATION_GROUNDS
        grounds.append(essential)
        allowed = case.flag("political_offence_exception") == "allowed"
        political = _political_ground(case, applied if allowed else None)
        if case.rtype.code == "preservation" and any(not o.in_convention for o in case.offences):
            grounds.append(PRESERVATION_DUAL_CRIMINALITY)
    else:
        listed = tuple(case.flag("mla_grounds", ()) or ())
        grounds.extend(
            MLA_GROUNDS[code]
            for code in listed
            if code in MLA_GROUNDS and code != "political_offence"
        )
        # A political-offence ground exists for mutual assistance only where the profile lists
        # it (BC 27(4)(a)); UNTOC 18 and UNCC 40 have none.
        listed_political = (
            MLA_GROUNDS["political_offence"] if "political_offence" in listed else None
        )
        political = _political_ground(case, listed_political)
        if case.rtype.coercive:
            grounds.append(MLA_DUAL_CRIMINALITY)
        if case.rtype.code in ASSET_TYPES:
            grounds.extend(ASSET_GROUNDS)
        if case.rtype.code == "confiscation" and any(not o.in_convention for o in case.offences):
            grounds.append(CONFISCATION_OUTSIDE_CONVENTION)
    if political is not None:
        grounds.append(political)
    grounds.extend(MLA_PROHIBITED)
    return grounds


def refusal_grounds(case: Case) -> tuple[RefusalGround, ...]:
    """Every ground the requested State may name when refusing this case, with its kind;
    prohibited grounds are listed too, so that a screen can explain why they do not suffice.

    Other forms of cooperation than extradition and mutual assistance have no convention list:
    their only ground is the instrument or law that provides for them (``domestic_treaty``,
    cited with the type's own legal basis under the profile).
    """
    kind = family(case)
    if kind == "extradition":
        grounds = _extradition_grounds(case)
    elif kind == "mla":
        grounds = _mla_grounds(case)
    else:
        citations = case.rtype.basis_under(case.profile.code).citations
        grounds = [
            define_ground(
                "domestic_treaty",
                "A ground under the instrument providing for this form of cooperation or the "
                "requested State's law",
                D,
                *citations,
            )
        ]
    # One code once: the first definition wins (a profile-specific one is listed first).
    unique: dict[str, RefusalGround] = {}
    for ground in grounds:
        unique.setdefault(ground.code, ground)
    return tuple(unique.values())


_PROHIBITED_FINDINGS: Mapping[str, FindingSpec] = {
    "fiscal": FISCAL_NOT_A_GROUND,
    "bank_secrecy": BANK_SECRECY_NOT_A_GROUND,
    "political_offence": POLITICAL_OFFENCE_EXCLUDED,
}


def _sorted(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.code, f.paths, f.message)))


def check_refusal(case: Case, grounds: Sequence[str], *, reasons: str) -> tuple[Finding, ...]:
    """Why a refusal of ``case`` on ``grounds`` with ``reasons`` would be invalid: blocking
    findings, or an empty tuple if the refusal is valid.

    A refusal is invalid if it names no ground or a ground not available for the type under the
    profile, if every ground it names is one the instruments forbid relying on alone (fiscal
    matters, bank secrecy, a political offence where Q16 excludes it), if the profile requires
    consultation and the requesting State was not consulted, or if it gives no reasons.
    """
    available = {ground.code: ground for ground in refusal_grounds(case)}
    named = sorted(set(grounds))
    blocking = Severity.BLOCKING
    findings: list[Finding] = []
    if not named:
        findings.append(
            REFUSAL_GROUND_NOT_AVAILABLE.finding(
                blocking, "The refusal names no ground.", ("decision.grounds",)
            )
        )
    for code in named:
        if code not in available:
            findings.append(
                REFUSAL_GROUND_NOT_AVAILABLE.finding(
                    blocking,
                    f"'{code}' is not a ground for refusing a {case.rtype.code} request under "
                    f"{case.profile.code}; the grounds available are: "
                    f"{', '.join(sorted(available))}.",
                    ("decision.grounds",),
                )
            )
    valid = [available[code] for code in named if code in available]
    if valid and all(ground.kind is P for ground in valid):
        for ground in valid:
            spec = _PROHIBITED_FINDINGS[ground.code]
            findings.append(
                spec.finding(
                    blocking,
                    f"A refusal may not rest on '{ground.code}' alone: {ground.title.lower()}.",
                    ("decision.grounds",),
                    legal_basis=ground.legal_basis,
                )
            )
    citations, required = consultation_basis(case)
    # A consultation looks for conditions under which assistance can be given; it cannot lift a
    # mandatory bar, so a refusal resting on one needs none.
    weighed = any(ground.kind is D for ground in valid)
    if required and weighed and not case.requested_side.consulted:
        findings.append(
            CONSULTATION_REQUIRED_BEFORE_REFUSAL.finding(
                blocking,
                "Consult the requesting State before refusing: assistance may be possible on "
                "conditions or in part.",
                ("requested_side.consulted",),
                legal_basis=citations,
            )
        )
    if not reasons.strip():
        findings.append(
            REASONS_REQUIRED.finding(
                blocking, "The refusal gives no reasons.", ("decision.reasons",)
            )
        )
    return _sorted(findings)
