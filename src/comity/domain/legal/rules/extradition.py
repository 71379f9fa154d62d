"""Rules: grounds for refusing extradition (legal.md §2.1, statement Q13, Q15, Q16).

These rules apply to extradition and to provisional arrest pending extradition, since a ground
that would defeat the extradition also defeats the arrest that prepares it. They surface what
the requested State could invoke; discretionary grounds name what its decision needs and are
never decided here. Which grounds the profile knows is read from its flags
(``extradition_grounds_source``, ``political_offence_exception``,
``death_penalty_assurance_rule``, ``aut_dedere_on_nationality_refusal``) through
``refusal.refusal_grounds``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from comity.domain.legal.case import Case
from comity.domain.legal.findings import Finding, FindingSpec, Severity
from comity.domain.legal.grounds import EXTRADITION_TYPES
from comity.domain.legal.refusal import (
    POLITICAL_OFFENCE_EXCLUDED,
    cite,
    refusal_grounds,
)

# Roles of a person whose surrender is sought.
SOUGHT_ROLES = frozenset({"accused", "sought", "sentenced", "suspect"})

NATIONAL_NOT_EXTRADITED = FindingSpec(
    code="NATIONAL_NOT_EXTRADITED",
    title="The person sought is a national of a requested State that does not extradite them",
    legal_basis=(
        "Statement Q13",
        "ECE art. 6(1)(a)",
        "ECE art. 6(2)",
        "UNTOC art. 16(10)",
        "UNCAC art. 44(11)",
        "UNCC art. 37(11)",
        "BC art. 24(6)",
    ),
    explanation=(
        "The requested State declared that it does not extradite its nationals and may refuse; "
        "if it does, it must on request submit the case to its own prosecutors without undue "
        "delay (aut dedere aut judicare). Nationality is assessed at the time of the decision."
    ),
    ground="nationality",
    discretionary=True,
)

DEATH_PENALTY_ASSURANCE_REQUIRED = FindingSpec(
    code="DEATH_PENALTY_ASSURANCE_REQUIRED",
    title="The offence is punishable by death: an assurance is required",
    legal_basis=("Statement Q13", "ECE art. 11"),
    explanation=(
        "Where the profile has the death-penalty rule, a request for an offence punishable by "
        "death must carry an assurance that the death penalty will not be imposed or carried "
        "out; the requested State decides whether the assurance is sufficient."
    ),
    ground="death_penalty",
    discretionary=True,
)

NE_BIS_IN_IDEM = FindingSpec(
    code="NE_BIS_IN_IDEM",
    title="The requested State has given a final judgment for the same offence",
    legal_basis=("Statement Q13", "ECE art. 9"),
    explanation="Extradition is barred where the requested State has finally judged the person.",
    ground="ne_bis_in_idem",
)

LIS_PENDENS = FindingSpec(
    code="LIS_PENDENS",
    title="The requested State is prosecuting the person for the same offence",
    legal_basis=("Statement Q13", "ECE art. 8"),
    explanation="The requested State may refuse while its own proceedings are pending.",
    ground="lis_pendens",
    discretionary=True,
)

DISCRIMINATION_GROUNDS = FindingSpec(
    code="DISCRIMINATION_GROUNDS",
    title="The request may aim at prosecution on discriminatory grounds",
    legal_basis=(
        "Statement Q13",
        "UNTOC art. 16(14)",
        "UNCAC art. 44(15)",
        "UNCC art. 37(15)",
        "UNCC art. 40(22)",
        "ECE art. 3(2)",
    ),
    explanation=(
        "Substantial grounds for believing the request aims to prosecute or punish a person on "
        "account of sex, race, language, religion, nationality, ethnic origin or political "
        "opinions; a person assesses the evidence."
    ),
    ground="discrimination",
    discretionary=True,
)

ESSENTIAL_INTERESTS = FindingSpec(
    code="ESSENTIAL_INTERESTS",
    title="The requested State considers its essential interests prejudiced",
    legal_basis=(
        "Statement Q13",
        "Statement Q14",
        "UNTOC art. 18(21)(b)",
        "UNCC art. 40(21)(b)",
        "BC art. 27(4)(b)",
    ),
    explanation=(
        "Sovereignty, security, public order or other essential interests: a ground for "
        "refusing assistance in every profile, and for refusing extradition where the profile "
        "lists it (statement Q13); elsewhere only the requested State's law or a treaty "
        "provides for it."
    ),
    ground="essential_interests",
    discretionary=True,
)

OFFENCE_IN_REQUESTED_TERRITORY = FindingSpec(
    code="OFFENCE_IN_REQUESTED_TERRITORY",
    title="The offence was committed in the requested State's territory",
    legal_basis=("Statement Q13", "ECE art. 7(1)", "BC art. 24(6)"),
    explanation=(
        "The requested State may refuse an offence committed in whole or in part in its "
        "territory; it is then expected to prosecute it itself."
    ),
    ground="territoriality",
    discretionary=True,
)

TIME_BARRED = FindingSpec(
    code="TIME_BARRED",
    title="Prosecution or punishment is barred by lapse of time",
    legal_basis=("ECE art. 10",),
    explanation="Extradition is barred once prosecution or punishment is time-barred.",
    ground="time_barred",
)

SPECIALITY_RULE = FindingSpec(
    code="SPECIALITY_RULE",
    title="Rule of speciality",
    legal_basis=("ECE art. 14",),
    explanation=(
        "A person extradited may be prosecuted, sentenced or detained only for the offences for "
        "which extradition was granted, unless the requested State consents or the person "
        "stays after release."
    ),
)

SPECS: tuple[FindingSpec, ...] = (
    NATIONAL_NOT_EXTRADITED,
    DEATH_PENALTY_ASSURANCE_REQUIRED,
    NE_BIS_IN_IDEM,
    LIS_PENDENS,
    DISCRIMINATION_GROUNDS,
    ESSENTIAL_INTERESTS,
    OFFENCE_IN_REQUESTED_TERRITORY,
    TIME_BARRED,
    POLITICAL_OFFENCE_EXCLUDED,
    SPECIALITY_RULE,
)

_AUT_DEDERE = (
    ("SEED", "Statement Q13"),
    ("ECE", "ECE art. 6(1)(a)"),
    ("ECE", "ECE art. 6(2)"),
    ("UNTOC", "UNTOC art. 16(10)"),
    ("UNCAC", "UNCAC art. 44(11)"),
    ("UNCC", "UNCC art. 37(11)"),
    ("BC", "BC art. 24(6)"),
)

_DISCRIMINATION = (
    ("SEED", "Statement Q13"),
    ("UNTOC", "UNTOC art. 16(14)"),
    ("UNCAC", "UNCAC art. 44(15)"),
    ("UNCC", "UNCC art. 37(15)"),
    ("ECE", "ECE art. 3(2)"),
)


def _applies(case: Case) -> bool:
    return case.rtype.code in EXTRADITION_TYPES


def _ground_available(case: Case, code: str) -> bool:
    return any(ground.code == code for ground in refusal_grounds(case))


def national_not_extradited(case: Case) -> Iterator[Finding]:
    """A person sought who is a national of a requested State that declared it does not
    extradite nationals; names the extradite-or-prosecute follow-up where the profile has it."""
    if not _applies(case) or case.requested.declarations.extradites_nationals:
        return
    state = case.requested.code
    for index, person in enumerate(case.persons):
        if person.role not in SOUGHT_ROLES or state not in person.nationalities:
            continue
        message = (
            f"The person sought is a national of {state}, which declared that it does not "
            "extradite its nationals: it may refuse on that ground."
        )
        if case.flag("aut_dedere_on_nationality_refusal", False):
            message += (
                f" If it refuses, {state} must, when asked, submit the case without undue delay "
                "to its own prosecutors (aut dedere aut judicare): ask for that in the request "
                "and provide the evidence."
            )
        yield NATIONAL_NOT_EXTRADITED.finding(
            Severity.WARNING,
            message,
            (
                f"persons[{index}].nationalities",
                "requested.declarations.extradites_nationals",
            ),
            needs=("nationality_at_decision",),
            legal_basis=cite(case, _AUT_DEDERE, NATIONAL_NOT_EXTRADITED.legal_basis),
        )


def death_penalty_assurance(case: Case) -> Iterator[Finding]:
    """Under a profile with the death-penalty rule (D08), an offence punishable by death needs
    an assurance in the request; with one, the requested State judges its sufficiency."""
    if not _applies(case) or not case.flag("death_penalty_assurance_rule", False):
        return
    assured = case.has("death_penalty_assurance")
    for index, offence in enumerate(case.offences):
        if not offence.death_penalty_possible:
            continue
        paths = (f"offences[{index}].death_penalty_possible", "fields.death_penalty_assurance")
        if assured:
            yield DEATH_PENALTY_ASSURANCE_REQUIRED.finding(
                Severity.INFO,
                "The offence is punishable by death; the assurance given will be weighed by "
                "the requested State, which decides whether it is sufficient.",
                paths,
                needs=("assurance_sufficient",),
            )
        else:
            yield DEATH_PENALTY_ASSURANCE_REQUIRED.finding(
                Severity.BLOCKING,
                "The offence is punishable by death: the request must give an assurance that "
                "the death penalty will not be imposed or carried out.",
                paths,
            )


def prior_proceedings(case: Case) -> Iterator[Finding]:
    """The requested State's own proceedings for the same offence: a final judgment bars
    extradition; pending proceedings allow a refusal."""
    if not _applies(case):
        return
    status = case.requested_side.prior_proceedings
    paths = ("requested_side.prior_proceedings",)
    if status == "final_judgment":
        yield NE_BIS_IN_IDEM.finding(
            Severity.BLOCKING,
            "The requested State has given a final judgment for the same offence: extradition "
            "is barred.",
            paths,
        )
    elif status == "pending":
        yield LIS_PENDENS.finding(
            Severity.WARNING,
            "The requested State is prosecuting the person for the same offence and may refuse "
            "while its proceedings are pending.",
            paths,
            needs=("domestic_proceedings",),
        )


def discrimination(case: Case) -> Iterator[Finding]:
    """Concerns that the request aims at prosecution on discriminatory grounds."""
    if not _applies(case) or case.requested_side.discrimination_concerns is not True:
        return
    yield DISCRIMINATION_GROUNDS.finding(
        Severity.WARNING,
        "The requested State has concerns that the request aims to prosecute or punish the "
        "person on discriminatory grounds or is politically motivated; it decides on a "
        "human-rights assessment.",
        ("requested_side.discrimination_concerns",),
        needs=("hr_assessment",),
        legal_basis=cite(case, _DISCRIMINATION, DISCRIMINATION_GROUNDS.legal_basis),
    )


def essential_interests(case: Case) -> Iterator[Finding]:
    """Prejudice to essential interests: a ground the requested State weighs where the profile
    lists it for extradition (D06); otherwise a matter for its law or a treaty."""
    if not _applies(case) or case.requested_side.essential_interests_prejudiced is not True:
        return
    paths = ("requested_side.essential_interests_prejudiced",)
    if _ground_available(case, "essential_interests"):
        yield ESSENTIAL_INTERESTS.finding(
            Severity.WARNING,
            "The requested State considers that extradition would prejudice its sovereignty, "
            "security, public order or other essential interests, and may refuse.",
            paths,
            needs=("essential_interests_assessment",),
            legal_basis=("Statement Q13",),
        )
    else:
        yield ESSENTIAL_INTERESTS.finding(
            Severity.INFO,
            "Essential interests are not a convention ground for refusing extradition under "
            "this profile; a refusal would have to rest on the requested State's law or an "
            "applicable treaty.",
            paths,
            needs=("essential_interests_assessment",),
            legal_basis=cite(
                case,
                (
                    ("UNTOC", "UNTOC art. 16(7)"),
                    ("UNCC", "UNCC art. 37(8)"),
                    ("BC", "BC art. 24(5)"),
                ),
                ("Statement Q15",),
            ),
        )


def offence_in_requested_territory(case: Case) -> Iterator[Finding]:
    """An offence committed in whole or in part in the requested State."""
    if not _applies(case):
        return
    for index, offence in enumerate(case.offences):
        if offence.committed_in_requested_state:
            yield OFFENCE_IN_REQUESTED_TERRITORY.finding(
                Severity.WARNING,
                "The offence was committed in whole or in part in the requested State, which "
                "may refuse and prosecute it itself; it must then, when asked, submit the case "
                "to its prosecutors.",
                (f"offences[{index}].committed_in_requested_state",),
                needs=("jurisdiction_assessment",),
            )


def time_barred(case: Case) -> Iterator[Finding]:
    """Prosecution or punishment barred by lapse of time."""
    if _applies(case) and case.requested_side.time_barred is True:
        yield TIME_BARRED.finding(
            Severity.BLOCKING,
            "Prosecution or punishment is time-barred: extradition is barred.",
            ("requested_side.time_barred",),
        )


def political_offence(case: Case) -> Iterator[Finding]:
    """Under a profile excluding the exception (D07, Q16) each convention offence is never a
    political offence; elsewhere the exception may apply where the requested State has one."""
    if not _applies(case):
        return
    if case.flag("political_offence_exception") == "excluded_for_convention_offences":
        for index, offence in enumerate(case.offences):
            if offence.in_convention:
                yield POLITICAL_OFFENCE_EXCLUDED.finding(
                    Severity.INFO,
                    "A convention offence is never regarded as a political offence: "
                    "extradition cannot be refused on that ground.",
                    (f"offences[{index}].conduct",),
                    legal_basis=("Statement Q16", "UNCAC art. 44(4)"),
                )
        return
    if not case.requested.declarations.political_offence_exception:
        return
    yield POLITICAL_OFFENCE_EXCLUDED.finding(
        Severity.INFO,
        "The political-offence exception may apply: the requested State may refuse if it "
        "regards the offence as political under its law or an applicable treaty.",
        ("requested.declarations.political_offence_exception",),
        needs=("offence_political_assessment",),
        legal_basis=cite(
            case,
            (
                ("ECE", "ECE art. 3(1)"),
                ("BC", "BC art. 24(5)"),
                ("UNTOC", "UNTOC art. 16(7)"),
                ("UNCC", "UNCC art. 37(4)"),
                ("UNCC", "UNCC art. 37(8)"),
            ),
            POLITICAL_OFFENCE_EXCLUDED.legal_basis,
        ),
    )


def speciality(case: Case) -> Iterator[Finding]:
    """Every extradition: the person may only be tried for the offences granted."""
    if case.rtype.code == "extradition":
        yield SPECIALITY_RULE.finding(
            Severity.INFO,
            "If extradition is granted, the person may only be prosecuted, sentenced or "
            "detained for the offences for which it was granted.",
            ("offences",),
        )


RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = (
    national_not_extradited,
    death_penalty_assurance,
    prior_proceedings,
    discrimination,
    essential_interests,
    offence_in_requested_territory,
    time_barred,
    political_offence,
    speciality,
)
