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
from dataclasses import dataclass
from enum import StrEnum

from comity.domain.legal.case import Case
from comity.domain.legal.findings import Finding, FindingSpec, Severity

EXTRADITION_TYPES = frozenset({"extradition", "provisional_arrest"})

# Forms of cooperation that are mutual legal assistance in the sense of UNTOC 18 / UNCC 40 /
# BC 25-34 (legal.md §1.1, T03-T12, T16, T17, T20-T22, T24, T27). Police cooperation,
# spontaneous information, joint teams, transfers, consular action, asset return and workflow
# messages have their own regimes and are not refused on the MLA grounds.
MLA_TYPES = frozenset(
    {
        "mla",
        "emergency_mla",
        "preservation",
        "traffic_disclosure",
        "stored_data",
        "realtime_traffic",
        "interception",
        "subscriber_info",
        "emergency_disclosure",
        "video_hearing",
        "service_documents",
        "temporary_transfer",
        "freezing",
        "confiscation",
        "covert_investigation",
        "civil_admin_assistance",
    }
)

# Expedited preservation and disclosure of preserved traffic data may only be refused on the
# grounds of BC 29(4)-(5) and 30(2) (R-MLA-PRES-LIMIT).
PRESERVATION_TYPES = frozenset({"preservation", "traffic_disclosure"})

# Provisional measures on assets: the confiscation articles add their own grounds.
ASSET_TYPES = frozenset({"freezing", "confiscation"})


class GroundKind(StrEnum):
    """How a ground binds the requested State (legal.md §2 modelling)."""

    # The instrument says assistance "shall not" be granted.
    MANDATORY_BAR = "mandatory_bar"
    # "May refuse" or "no obligation": a person decides.
    DISCRETIONARY = "discretionary"
    # The instrument forbids a refusal resting on this ground alone.
    PROHIBITED = "prohibited"


@dataclass(frozen=True)
class RefusalGround:
    """One ground the requested State may (or, if prohibited, may not) invoke."""

    code: str
    title: str
    kind: GroundKind
    legal_basis: tuple[str, ...]


def _ground(code: str, title: str, kind: GroundKind, *basis: str) -> RefusalGround:
    return RefusalGround(code=code, title=title, kind=kind, legal_basis=basis)


_D = GroundKind.DISCRETIONARY
_M = GroundKind.MANDATORY_BAR
_P = GroundKind.PROHIBITED

# The statement's own list of extradition grounds (Q13), in its order. Q13 also says the grounds
# should be those of the existing extradition treaties, in particular the ECE: its mandatory
# bars for a final judgment (art. 9) and lapse of time (art. 10) are kept as such.
_CONVENTION_EXTRADITION = (
    _ground(
        "lis_pendens",
        "The requested State is prosecuting the person for the same offence",
        _D,
        "Statement Q13",
        "ECE art. 8",
    ),
    _ground(
        "ne_bis_in_idem",
        "The requested State has given a final judgment for the same offence",
        _M,
        "Statement Q13",
        "ECE art. 9",
    ),
    _ground(
        "discrimination",
        "The request aims to prosecute or punish the person on discriminatory grounds or is "
        "politically motivated",
        _D,
        "Statement Q13",
        "UNTOC art. 16(14)",
        "UNCAC art. 44(15)",
    ),
    _ground(
        "essential_interests",
        "Extradition would prejudice the requested State's sovereignty, security, public order "
        "or other essential interests",
        _D,
        "Statement Q13",
    ),
    _ground(
        "death_penalty",
        "The offence is punishable by death and the assurances given are not sufficient",
        _D,
        "Statement Q13",
        "ECE art. 11",
    ),
    _ground(
        "territoriality",
        "The offence was committed in whole or in part in the requested State's territory",
        _D,
        "Statement Q13",
        "ECE art. 7(1)",
    ),
    _ground(
        "nationality",
        "The person is a national of the requested State",
        _D,
        "Statement Q13",
        "ECE art. 6(1)(a)",
    ),
    _ground(
        "time_barred",
        "Prosecution or punishment is barred by lapse of time",
        _M,
        "Statement Q13",
        "ECE art. 10",
    ),
    # Q15: the statement accepts references to extradition treaties both States are parties to,
    # but not a deferral to the requested State's domestic law.
    _ground(
        "extradition_treaty",
        "A ground in an extradition treaty to which both States are parties",
        _D,
        "Statement Q15",
    ),
)

# The UN and Budapest model: few grounds in the convention, the rest from domestic law and
# treaties (UNTOC 16(7), UNCC 37(8), BC 24(5)).
_TREATY_EXTRADITION = (
    _ground(
        "discrimination",
        "The request aims to prosecute or punish the person on discriminatory grounds",
        _D,
        "UNTOC art. 16(14)",
        "UNCAC art. 44(15)",
        "UNCC art. 37(15)",
    ),
    _ground(
        "nationality",
        "The person is a national of the requested State (extradite or prosecute)",
        _D,
        "UNTOC art. 16(10)",
        "UNCC art. 37(11)",
        "BC art. 24(6)",
    ),
    _ground(
        "domestic_treaty",
        "A ground under the requested State's law or an applicable extradition treaty",
        _D,
        "UNTOC art. 16(7)",
        "UNCAC art. 44(8)",
        "UNCC art. 37(8)",
        "BC art. 24(5)",
    ),
)

# Where the European Convention on Extradition is one of the profile's instruments, its grounds
# are treaty grounds the requested State may name directly.
_ECE_EXTRADITION = (
    _ground(
        "lis_pendens", "The requested State is prosecuting for the same offence", _D, "ECE art. 8"
    ),
    _ground("ne_bis_in_idem", "A final judgment in the requested State", _M, "ECE art. 9"),
    _ground("time_barred", "Barred by lapse of time", _M, "ECE art. 10"),
    _ground("territoriality", "Committed in the requested State's territory", _D, "ECE art. 7(1)"),
    _ground("death_penalty", "Death penalty without sufficient assurance", _D, "ECE art. 11"),
)

_FISCAL_EXTRADITION = _ground(
    "fiscal",
    "The offence is considered to involve fiscal matters",
    _P,
    "UNTOC art. 16(15)",
    "UNCAC art. 44(16)",
    "UNCC art. 37(16)",
    "ECE art. 5",
)

# The MLA grounds a profile may list in ``mla_grounds`` (D09).
_MLA_GROUNDS: Mapping[str, RefusalGround] = {
    "form": _ground(
        "form",
        "The request does not conform to the requirements of the article",
        _D,
        "UNTOC art. 18(21)(a)",
        "UNCC art. 40(21)(a)",
    ),
    "essential_interests": _ground(
        "essential_interests",
        "Execution would prejudice the requested State's sovereignty, security, public order or "
        "other essential interests",
        _D,
        "Statement Q14",
        "UNTOC art. 18(21)(b)",
        "UNCC art. 40(21)(b)",
        "BC art. 27(4)(b)",
    ),
    "domestic_prohibition": _ground(
        "domestic_prohibition",
        "The requested State's law bars the action for a similar domestic offence",
        _D,
        "UNTOC art. 18(21)(c)",
        "UNCC art. 40(21)(c)",
    ),
    "legal_system": _ground(
        "legal_system",
        "Granting would be contrary to the requested State's legal system for mutual assistance",
        _D,
        "UNTOC art. 18(21)(d)",
        "UNCC art. 40(21)(d)",
    ),
    "discrimination": _ground(
        "discrimination",
        "The request aims to prosecute or punish a person on discriminatory grounds",
        _D,
        "UNCC art. 40(22)",
    ),
    "political_offence": _ground(
        "political_offence",
        "The request concerns a political offence or an offence connected with one",
        _D,
        "BC art. 27(4)(a)",
        "ECMA art. 2(a)",
    ),
    "domestic_treaty": _ground(
        "domestic_treaty",
        "A ground under the requested State's law or an applicable mutual assistance treaty",
        _D,
        "BC art. 25(4)",
    ),
}

_MLA_DUAL_CRIMINALITY = _ground(
    "dual_criminality",
    "The conduct is not an offence in the requested State (coercive measures)",
    _D,
    "UNTOC art. 18(9)",
    "UNCAC art. 46(9)(b)",
    "BC art. 25(5)",
)

_MLA_PROHIBITED = (
    _ground(
        "fiscal",
        "The offence is also considered to involve fiscal matters",
        _P,
        "UNTOC art. 18(22)",
        "UNCAC art. 46(22)",
        "UNCC art. 40(23)",
        "BC art. 25(4)",
    ),
    _ground(
        "bank_secrecy",
        "Bank secrecy",
        _P,
        "UNTOC art. 18(8)",
        "UNCAC art. 46(8)",
        "UNTOC art. 12(6)",
    ),
)

_PRESERVATION_GROUNDS = (
    _ground(
        "essential_interests",
        "Execution would prejudice the requested State's sovereignty, security, public order or "
        "other essential interests",
        _D,
        "BC art. 29(5)(b)",
        "BC art. 30(2)(b)",
        "UNCC art. 42",
    ),
    _ground(
        "political_offence",
        "The request concerns a political offence or an offence connected with one",
        _D,
        "BC art. 29(5)(a)",
        "BC art. 30(2)(a)",
    ),
)

# BC 29(4): a reservation lets a State refuse preservation for want of dual criminality, but
# only for offences other than the convention's.
_PRESERVATION_DUAL_CRIMINALITY = _ground(
    "dual_criminality",
    "Dual criminality cannot be fulfilled at the time of disclosure (offence outside the "
    "convention, by reservation)",
    _D,
    "BC art. 29(4)",
    "UNCC art. 42",
)

_ASSET_GROUNDS = (
    _ground(
        "insufficient_evidence",
        "Sufficient evidence was not received in time, or the property is of minimal value",
        _D,
        "UNCAC art. 55(7)",
    ),
)

_CONFISCATION_OUTSIDE_CONVENTION = _ground(
    "offence_outside_convention",
    "The offence is not one the convention covers",
    _D,
    "UNTOC art. 13(7)",
)

# Q16 (and the de-politicisation clauses UNCAC 44(4), UNCC 37(4)): convention offences are not
# political offences, and cooperation is not refused on that ground alone.
_POLITICAL_EXCLUDED = _ground(
    "political_offence",
    "Political offence (convention offences are never political offences)",
    _P,
    "Statement Q16",
    "UNCAC art. 44(4)",
)

_POLITICAL_EXTRADITION: Mapping[str, RefusalGround] = {
    "allowed": _ground(
        "political_offence",
        "The offence is regarded by the requested State as a political offence",
        _M,
        "ECE art. 3(1)",
        "BC art. 24(5)",
    ),
    "per_domestic_law": _ground(
        "political_offence",
        "Political offence, where the requested State's law or a treaty provides for it",
        _D,
        "UNTOC art. 16(7)",
        "UNCC art. 37(8)",
    ),
}

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
        return _POLITICAL_EXCLUDED
    if not case.requested.declarations.political_offence_exception:
        return None
    return applied


def _extradition_grounds(case: Case) -> list[RefusalGround]:
    grounds: list[RefusalGround] = []
    if case.flag("extradition_grounds_source") == "convention_list":
        grounds.extend(_CONVENTION_EXTRADITION)
    else:
        grounds.extend(_TREATY_EXTRADITION)
        if "ECE" in case.profile.instruments:
            grounds.extend(_ECE_EXTRADITION)
    # D29: where the requested State may extradite without dual criminality, its absence is a
    # ground it weighs; otherwise extradition is barred.
    waivable = bool(case.flag("extradition_dc_waivable", False))
    grounds.append(
        _ground(
            "dual_criminality",
            "The conduct is not an offence under the requested State's law",
            _D if waivable else _M,
            *(
                ("UNCC art. 37(1)", "UNCC art. 37(2)", "UNCAC art. 44(2)")
                if waivable
                else ("Statement Q13", "UNTOC art. 16(1)", "BC art. 24(1)", "ECE art. 2(1)")
            ),
        )
    )
    political = _political_ground(
        case, _POLITICAL_EXTRADITION.get(str(case.flag("political_offence_exception")))
    )
    if political is not None:
        grounds.append(political)
    grounds.append(_FISCAL_EXTRADITION)
    return grounds


def _mla_grounds(case: Case) -> list[RefusalGround]:
    grounds: list[RefusalGround] = []
    political: RefusalGround | None
    if case.rtype.code in PRESERVATION_TYPES:
        essential, applied = _PRESERVATION_GROUNDS
        grounds.append(essential)
        allowed = case.flag("political_offence_exception") == "allowed"
        political = _political_ground(case, applied if allowed else None)
        if case.rtype.code == "preservation" and any(not o.in_convention for o in case.offences):
            grounds.append(_PRESERVATION_DUAL_CRIMINALITY)
    else:
        listed = tuple(case.flag("mla_grounds", ()) or ())
        grounds.extend(
            _MLA_GROUNDS[code]
            for code in listed
            if code in _MLA_GROUNDS and code != "political_offence"
        )
        # A political-offence ground exists for mutual assistance only where the profile lists
        # it (BC 27(4)(a)); UNTOC 18 and UNCC 40 have none.
        listed_political = (
            _MLA_GROUNDS["political_offence"] if "political_offence" in listed else None
        )
        political = _political_ground(case, listed_political)
        if case.rtype.coercive:
            grounds.append(_MLA_DUAL_CRIMINALITY)
        if case.rtype.code in ASSET_TYPES:
            grounds.extend(_ASSET_GROUNDS)
        if case.rtype.code == "confiscation" and any(not o.in_convention for o in case.offences):
            grounds.append(_CONFISCATION_OUTSIDE_CONVENTION)
    if political is not None:
        grounds.append(political)
    grounds.extend(_MLA_PROHIBITED)
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
            _ground(
                "domestic_treaty",
                "A ground under the instrument providing for this form of cooperation or the "
                "requested State's law",
                _D,
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
    if valid and all(ground.kind is _P for ground in valid):
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
    weighed = any(ground.kind is _D for ground in valid)
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
