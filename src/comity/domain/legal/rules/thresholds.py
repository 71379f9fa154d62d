"""Rules: penalty thresholds and the scope of offences (legal.md §3.1, §3.3, §7 D02, D03, D05).

Extradition and provisional arrest need a maximum penalty of at least a year in both States,
with accessory offences riding along a qualifying one (R-THR-01..03). Other cooperation is
limited to serious offences where the profile says so (R-THR-04, R-THR-05, R-THR-10), and
the statement lets a request below that line through only with an exceptional justification
written into the request itself (R-THR-11). Every threshold and every scope choice is read
from the profile, never from its name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from comity.domain.legal.case import Case, OffenceFacts
from comity.domain.legal.findings import Finding, FindingSpec, Severity
from comity.domain.values import ConductCategory

EXTRADITION_PENALTY_BELOW_THRESHOLD = FindingSpec(
    code="EXTRADITION_PENALTY_BELOW_THRESHOLD",
    title="Maximum penalty below the extradition threshold",
    legal_basis=(
        "BC art. 24(1)",
        "UNCC art. 37(1)",
        "ECE art. 2(1)",
        "Statement Q2",
        "Statement Q5",
    ),
    explanation=(
        "Extradition, and provisional arrest pending it, is available only for offences whose "
        "statutory maximum penalty reaches the profile's extradition threshold (a year of "
        "deprivation of liberty) under the law of both the requesting and the requested State; "
        "for the enforcement of a sentence, the sentence imposed must also reach its own "
        "minimum (four months). An accessory offence below the threshold may ride along with "
        "an offence that qualifies (UNTOC art. 16(2), ECE art. 2(2), UNCC art. 37(3)). Where "
        "the requested State's penalty table is not known the threshold cannot be checked, and "
        "the engine says so instead of guessing."
    ),
    ground="penalty_threshold",
)

NOT_SERIOUS_OFFENCE = FindingSpec(
    code="NOT_SERIOUS_OFFENCE",
    title="Offence below the serious-crime threshold",
    legal_basis=("Statement Q2", "UNCC art. 2(h)", "UNCC art. 35(1)(c)", "UNTOC art. 2(b)"),
    explanation=(
        "Under some frameworks cooperation other than extradition is limited to serious "
        "offences (a statutory maximum of at least four years by default). The statement "
        "limits every offence so, petty offences excluded, with an exceptional-case override; "
        "the UN Convention sets no threshold for its own offences but limits evidence of other "
        "offences to serious crime; the Budapest Convention covers evidence of any criminal "
        "offence. The finding blocks where the profile limits the cooperation and has no "
        "override, and is a warning where the request may still go with an exceptional "
        "justification."
    ),
    ground="not_serious_offence",
)

EXCEPTIONAL_JUSTIFICATION_REQUIRED = FindingSpec(
    code="EXCEPTIONAL_JUSTIFICATION_REQUIRED",
    title="Exceptional justification required below the serious-crime threshold",
    legal_basis=("Statement Q2",),
    explanation=(
        "The statement lets a State ask for assistance for an offence below the serious-crime "
        "threshold in exceptional cases, provided the request itself says why the assistance is "
        "needed (exceptional_justification) and what refusing it would cost "
        "(impact_if_refused); the requested State then weighs them and decides. The finding "
        "blocks while either is missing and is information once both are given, so the "
        "requested officer sees that a discretionary decision is expected."
    ),
    ground="not_serious_offence",
    discretionary=True,
)

OFFENCE_OUTSIDE_CONVENTION = FindingSpec(
    code="OFFENCE_OUTSIDE_CONVENTION",
    title="Offence outside the convention",
    legal_basis=("Statement Q2", "UNCC art. 35(1)", "BC art. 24(1)", "BC art. 25(1)"),
    explanation=(
        "The offence is not one of those the convention establishes. The convention may then "
        "not be a legal basis for every form of cooperation: the statement does not exclude "
        "such offences but puts them under conditions, the UN Convention covers them only as "
        "evidence of a serious crime, and the Budapest Convention extradites only for its own "
        "offences while giving evidence of any criminal offence. A bilateral treaty or domestic "
        "law may still allow it."
    ),
)

SPECS: tuple[FindingSpec, ...] = (
    EXTRADITION_PENALTY_BELOW_THRESHOLD,
    NOT_SERIOUS_OFFENCE,
    EXCEPTIONAL_JUSTIFICATION_REQUIRED,
    OFFENCE_OUTSIDE_CONVENTION,
)

# Forms of cooperation that surrender a person: the extradition threshold applies to them.
EXTRADITION_TYPES = frozenset({"extradition", "provisional_arrest"})

# Types the serious-crime filter does not reach. Extradition and the transfer of sentenced
# persons have thresholds of their own (R-THR-01, R-THR-09); supplementary information, an
# additional use and the return of assets follow a request that was assessed when it was made;
# spontaneous information asks nothing of the receiving State; civil and administrative
# assistance is governed by D04, not by the seriousness of an offence.
SERIOUS_FILTER_EXEMPT = EXTRADITION_TYPES | frozenset(
    {
        "transfer_sentenced",
        "supplementary_information",
        "additional_use",
        "asset_return",
        "spontaneous_information",
        "civil_admin_assistance",
    }
)

# ``non_convention_scope`` values under which offences outside the convention need no
# particular seriousness (D02): Budapest gives evidence of any criminal offence.
UNLIMITED_NON_CONVENTION_SCOPES = frozenset({"any_criminal_offence_evidence"})

_ACCESSORY_BASIS = ("UNTOC art. 16(2)", "UNCAC art. 44(3)", "ECE art. 2(2)", "UNCC art. 37(3)")
_WAIVER_BASIS = ("UNCC art. 37(1)", "UNCC art. 37(2)", "UNCAC art. 44(2)")
_ENFORCEMENT_BASIS = ("ECE art. 2(1)",)
_UNCC_SERIOUS_BASIS = ("UNCC art. 2(h)", "UNCC art. 35(1)(c)")


@dataclass(frozen=True)
class _Standing:
    """Where one offence stands against the extradition threshold."""

    index: int
    offence: OffenceFacts
    requesting_below: bool
    requesting_unknown: bool
    # ``ok``, ``below``, ``absent`` (not an offence there: dual criminality's business) or
    # ``unknown`` (no table, or a conduct category the table cannot speak for).
    requested: str

    @property
    def qualifies(self) -> bool:
        """True if nothing known keeps the offence under the threshold in either State."""
        return (
            not self.requesting_below
            and not self.requesting_unknown
            and self.requested in ("ok", "unknown")
        )


def _requested_standing(case: Case, offence: OffenceFacts, minimum: int) -> str:
    """How the offence's maximum penalty in the requested State compares with ``minimum``."""
    # ``other`` is a label, not a conduct: no table can say what it is punished by.
    if offence.conduct is ConductCategory.OTHER:
        return "unknown"
    criminalised = case.requested.criminalises(offence.conduct)
    if criminalised is None:
        return "unknown"
    if not criminalised:
        return "absent"
    penalty = case.requested.max_penalty(offence.conduct)
    return "below" if penalty is not None and penalty < minimum else "ok"


def _standing(case: Case, index: int, offence: OffenceFacts, minimum: int) -> _Standing:
    """The offence's standing in both States."""
    penalty = offence.max_penalty_months
    return _Standing(
        index=index,
        offence=offence,
        requesting_below=penalty is not None and penalty < minimum,
        requesting_unknown=penalty is None,
        requested=_requested_standing(case, offence, minimum),
    )


def extradition_threshold(case: Case) -> Iterator[Finding]:
    """EXTRADITION_PENALTY_BELOW_THRESHOLD for extradition and provisional arrest."""
    if case.rtype.code not in EXTRADITION_TYPES:
        return
    minimum = case.threshold("extradition_min_months", 12)
    requested = case.requested.code
    standings = [_standing(case, i, o, minimum) for i, o in enumerate(case.offences)]
    # An accessory rides along only with an offence that qualifies on its own (R-THR-03).
    carrier = next((s for s in standings if s.qualifies and not s.offence.accessory), None)
    # Under a profile where the requested State may extradite for conduct its own law does
    # not punish (D29), it may also extradite below its own threshold: the requested side
    # becomes that State's call. The requesting State's own penalty is never waivable.
    waivable = bool(case.flag("extradition_dc_waivable", False))
    spec = EXTRADITION_PENALTY_BELOW_THRESHOLD
    for s in standings:
        offence_path = f"offences[{s.index}].max_penalty_months"
        table_path = f"states.{requested}.penalties.{s.offence.conduct}"
        if s.requesting_unknown:
            yield spec.finding(
                Severity.WARNING,
                f"Offence {s.index + 1} ({s.offence.conduct}) has no maximum penalty stated; "
                f"the {minimum}-month extradition threshold cannot be checked.",
                [offence_path],
            )
        below_paths = ([offence_path] if s.requesting_below else []) + (
            [table_path] if s.requested == "below" else []
        )
        if not below_paths:
            continue
        where = _where_below(s, requested, case.requesting.code)
        if s.offence.accessory and carrier is not None:
            yield spec.finding(
                Severity.INFO,
                f"Offence {s.index + 1} ({s.offence.conduct}) is below the {minimum}-month "
                f"threshold {where} but is accessory to offence {carrier.index + 1}, which "
                "qualifies: it may be added to the request.",
                [*below_paths, f"offences[{s.index}].accessory"],
                legal_basis=_ACCESSORY_BASIS,
            )
        elif s.requesting_below or not waivable:
            yield spec.finding(
                Severity.BLOCKING,
                f"Offence {s.index + 1} ({s.offence.conduct}) is punishable by less than "
                f"{minimum} months {where}; extradition needs at least {minimum} months in "
                "both States.",
                below_paths,
            )
        else:
            yield spec.finding(
                Severity.WARNING,
                f"Offence {s.index + 1} ({s.offence.conduct}) is punishable by less than "
                f"{minimum} months in {requested}; {requested} may still extradite where its "
                "own law allows, at its discretion.",
                below_paths,
                legal_basis=_WAIVER_BASIS,
            )
    if case.offences and any(s.requested == "unknown" for s in standings):
        yield spec.finding(
            Severity.WARNING,
            f"The penalties of {requested} are not known for every offence; its "
            f"{minimum}-month extradition threshold cannot be checked until its officer "
            "states the maximum penalty of the equivalent offence.",
            [f"states.{requested}.penalties"],
        )
    yield from _enforcement_threshold(case)


def _where_below(standing: _Standing, requested: str, requesting: str) -> str:
    """In which State(s) the offence falls below the threshold, in words."""
    if standing.requesting_below and standing.requested == "below":
        return f"in both {requesting} and {requested}"
    return f"in {requesting}" if standing.requesting_below else f"in {requested}"


def _enforcement_threshold(case: Case) -> Iterator[Finding]:
    """R-THR-02: extradition to enforce a sentence needs a sentence of a minimum length."""
    if case.fields.get("extradition_purpose") != "enforcement_of_sentence":
        return
    imposed = case.fields.get("sentence_imposed_months")
    # Fields come from JSON: anything but a whole number is left to form validation.
    if not isinstance(imposed, int) or isinstance(imposed, bool):
        return
    minimum = case.threshold("extradition_enforcement_min_months", 4)
    if imposed < minimum:
        yield EXTRADITION_PENALTY_BELOW_THRESHOLD.finding(
            Severity.BLOCKING,
            f"The sentence imposed ({imposed} months) is shorter than the {minimum} months "
            "extradition for the enforcement of a sentence needs.",
            ["fields.extradition_purpose", "fields.sentence_imposed_months"],
            legal_basis=_ENFORCEMENT_BASIS,
        )


def _limited(case: Case, offence: OffenceFacts) -> tuple[bool, tuple[str, ...]]:
    """Whether the profile limits cooperation for the offence to serious crime, and why."""
    if offence.in_convention:
        # D03: the statement filters its own offences too; the UN and Budapest texts do not.
        return bool(case.flag("serious_filter_for_convention_offences", False)), ("Statement Q2",)
    scope = case.flag("non_convention_scope", "serious_crime_only")
    # D02: the statement's ``conditional`` scope still excludes petty offences (Q2), and an
    # unknown scope is read the strict way rather than opening cooperation wider.
    basis = ("Statement Q2",) if scope == "conditional" else _UNCC_SERIOUS_BASIS
    return scope not in UNLIMITED_NON_CONVENTION_SCOPES, basis


def serious_offence(case: Case) -> Iterator[Finding]:
    """NOT_SERIOUS_OFFENCE and EXCEPTIONAL_JUSTIFICATION_REQUIRED for non-extradition
    cooperation under a profile that limits it to serious crime."""
    if case.rtype.code in SERIOUS_FILTER_EXEMPT:
        return
    minimum = case.threshold("serious_crime_months", 48)
    override = bool(case.flag("exceptional_override", False))
    below: list[str] = []
    for index, offence in enumerate(case.offences):
        limited, basis = _limited(case, offence)
        if not limited:
            continue
        path = f"offences[{index}].max_penalty_months"
        penalty = offence.max_penalty_months
        if penalty is None:
            yield NOT_SERIOUS_OFFENCE.finding(
                Severity.WARNING,
                f"Offence {index + 1} ({offence.conduct}) has no maximum penalty stated; "
                f"whether it reaches the {minimum}-month serious-crime threshold cannot be "
                "checked.",
                [path],
                legal_basis=basis,
            )
            continue
        if penalty >= minimum:
            continue
        below.append(path)
        if override:
            yield NOT_SERIOUS_OFFENCE.finding(
                Severity.WARNING,
                f"Offence {index + 1} ({offence.conduct}) is punishable by {penalty} months, "
                f"below the {minimum}-month serious-crime threshold; the request may go only "
                "as an exceptional case, which the requested State decides.",
                [path],
                legal_basis=basis,
            )
        else:
            yield NOT_SERIOUS_OFFENCE.finding(
                Severity.BLOCKING,
                f"Offence {index + 1} ({offence.conduct}) is punishable by {penalty} months, "
                f"below the {minimum}-month serious-crime threshold; this framework gives no "
                "cooperation of this kind for it.",
                [path],
                legal_basis=basis,
            )
    if below and override:
        yield _exceptional_justification(case, below)


def _exceptional_justification(case: Case, below: list[str]) -> Finding:
    """R-THR-11: the justification and the weighing must be in the request itself."""
    needed = ("exceptional_justification", "impact_if_refused")
    missing = [name for name in needed if not _text(case.fields.get(name))]
    paths = [*below, *(f"fields.{name}" for name in needed)]
    spec = EXCEPTIONAL_JUSTIFICATION_REQUIRED
    if missing:
        return spec.finding(
            Severity.BLOCKING,
            "An offence is below the serious-crime threshold: the request must say why "
            "assistance is needed all the same and what refusing it would cost; missing: "
            f"{', '.join(missing)}.",
            paths,
            needs=tuple(missing),
        )
    return spec.finding(
        Severity.INFO,
        "An offence is below the serious-crime threshold and the request gives an exceptional "
        "justification and the impact of a refusal: the requested State weighs them and "
        "decides.",
        paths,
        needs=("exceptional_case_decision",),
    )


def _text(value: object) -> bool:
    """True if ``value`` is a string with something in it (fields come from JSON)."""
    return isinstance(value, str) and bool(value.strip())


def outside_convention(case: Case) -> Iterator[Finding]:
    """OFFENCE_OUTSIDE_CONVENTION for each offence the convention does not establish."""
    for index, offence in enumerate(case.offences):
        if offence.in_convention:
            continue
        yield OFFENCE_OUTSIDE_CONVENTION.finding(
            Severity.WARNING,
            f"Offence {index + 1} ({offence.conduct}) is not one of the convention's offences; "
            "check that the framework covers it, or rely on a treaty or domestic law.",
            [f"offences[{index}].conduct", f"offences[{index}].convention_offence"],
        )


RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = (
    extradition_threshold,
    serious_offence,
    outside_convention,
)
