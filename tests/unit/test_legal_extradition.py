"""Extradition grounds (legal.md §2.1, statement Q13, Q16): each code fires where it should and
stays silent where it must, and the profiles' differences (D06-D08, D30) change the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from comity.domain.legal.case import Case, PersonFacts
from comity.domain.legal.findings import Severity
from comity.domain.legal.rules import extradition
from tests.legal_builders import a_case, a_state, an_offence, side, with_flags
from tests.legal_builders import grounds_of as of

SEED, UNCC, BC = "ahc-2022-proposal", "uncc-2024", "budapest"


def national(type_code: str = "extradition", profile: str = SEED, **changes: Any) -> Case:
    """A case whose accused is a national of the requested State XB."""
    return a_case(
        type_code,
        profile,
        persons=(PersonFacts(role="accused", nationalities=("XA", "XB")),),
        **changes,
    )


def death(type_code: str = "extradition", profile: str = SEED, **changes: Any) -> Case:
    """A case with one offence punishable by death, beside one that is not."""
    return a_case(
        type_code,
        profile,
        offences=(an_offence("laundering"), an_offence(death_penalty_possible=True)),
        **changes,
    )


def in_territory(type_code: str = "extradition", profile: str = SEED) -> Case:
    """A case with a second offence committed in the requested State."""
    return a_case(
        type_code,
        profile,
        offences=(an_offence(), an_offence("illegal_access", committed_in_requested_state=True)),
    )


Build = Callable[[], Case]

# (code, case, severity expected of every finding of the code)
FIRES: list[tuple[str, Build, Severity]] = [
    ("NATIONAL_NOT_EXTRADITED", lambda: national(), Severity.WARNING),
    ("NATIONAL_NOT_EXTRADITED", lambda: national("provisional_arrest", UNCC), Severity.WARNING),
    ("NATIONAL_NOT_EXTRADITED", lambda: national(profile=BC), Severity.WARNING),
    ("DEATH_PENALTY_ASSURANCE_REQUIRED", lambda: death(), Severity.BLOCKING),
    ("DEATH_PENALTY_ASSURANCE_REQUIRED", lambda: death("provisional_arrest"), Severity.BLOCKING),
    (
        "DEATH_PENALTY_ASSURANCE_REQUIRED",
        lambda: death(fields={"death_penalty_assurance": "Note verbale 12/2026"}),
        Severity.INFO,
    ),
    (
        "NE_BIS_IN_IDEM",
        lambda: a_case("extradition", requested_side=side(prior_proceedings="final_judgment")),
        Severity.BLOCKING,
    ),
    (
        "NE_BIS_IN_IDEM",
        lambda: a_case(
            "provisional_arrest", UNCC, requested_side=side(prior_proceedings="final_judgment")
        ),
        Severity.BLOCKING,
    ),
    (
        "LIS_PENDENS",
        lambda: a_case("extradition", requested_side=side(prior_proceedings="pending")),
        Severity.WARNING,
    ),
    (
        "LIS_PENDENS",
        lambda: a_case("extradition", BC, requested_side=side(prior_proceedings="pending")),
        Severity.WARNING,
    ),
    (
        "DISCRIMINATION_GROUNDS",
        lambda: a_case("extradition", requested_side=side(discrimination_concerns=True)),
        Severity.WARNING,
    ),
    (
        "DISCRIMINATION_GROUNDS",
        lambda: a_case("extradition", UNCC, requested_side=side(discrimination_concerns=True)),
        Severity.WARNING,
    ),
    (
        "ESSENTIAL_INTERESTS",
        lambda: a_case("extradition", requested_side=side(essential_interests_prejudiced=True)),
        Severity.WARNING,
    ),
    (
        "ESSENTIAL_INTERESTS",
        lambda: a_case(
            "extradition", UNCC, requested_side=side(essential_interests_prejudiced=True)
        ),
        Severity.INFO,
    ),
    (
        "ESSENTIAL_INTERESTS",
        lambda: a_case("extradition", BC, requested_side=side(essential_interests_prejudiced=True)),
        Severity.INFO,
    ),
    ("OFFENCE_IN_REQUESTED_TERRITORY", lambda: in_territory(), Severity.WARNING),
    (
        "OFFENCE_IN_REQUESTED_TERRITORY",
        lambda: in_territory("provisional_arrest", BC),
        Severity.WARNING,
    ),
    (
        "TIME_BARRED",
        lambda: a_case("extradition", requested_side=side(time_barred=True)),
        Severity.BLOCKING,
    ),
    (
        "TIME_BARRED",
        lambda: a_case("provisional_arrest", BC, requested_side=side(time_barred=True)),
        Severity.BLOCKING,
    ),
    ("POLITICAL_OFFENCE_EXCLUDED", lambda: a_case("extradition"), Severity.INFO),
    ("POLITICAL_OFFENCE_EXCLUDED", lambda: a_case("extradition", UNCC), Severity.INFO),
    ("POLITICAL_OFFENCE_EXCLUDED", lambda: a_case("provisional_arrest", BC), Severity.INFO),
    ("SPECIALITY_RULE", lambda: a_case("extradition"), Severity.INFO),
    ("SPECIALITY_RULE", lambda: a_case("extradition", BC), Severity.INFO),
]

SILENT: list[tuple[str, Build]] = [
    ("NATIONAL_NOT_EXTRADITED", lambda: a_case("extradition")),
    (
        "NATIONAL_NOT_EXTRADITED",
        lambda: national(requested=a_state("XB", declarations={"extradites_nationals": True})),
    ),
    (
        "NATIONAL_NOT_EXTRADITED",
        lambda: a_case(
            "extradition", persons=(PersonFacts(role="witness", nationalities=("XB",)),)
        ),
    ),
    ("NATIONAL_NOT_EXTRADITED", lambda: national("mla")),
    ("DEATH_PENALTY_ASSURANCE_REQUIRED", lambda: a_case("extradition")),
    ("DEATH_PENALTY_ASSURANCE_REQUIRED", lambda: death(profile=UNCC)),
    ("DEATH_PENALTY_ASSURANCE_REQUIRED", lambda: death(profile=BC)),
    ("DEATH_PENALTY_ASSURANCE_REQUIRED", lambda: death("mla")),
    ("NE_BIS_IN_IDEM", lambda: a_case("extradition")),
    (
        "NE_BIS_IN_IDEM",
        lambda: a_case("extradition", requested_side=side(prior_proceedings="pending")),
    ),
    (
        "NE_BIS_IN_IDEM",
        lambda: a_case("mla", requested_side=side(prior_proceedings="final_judgment")),
    ),
    ("LIS_PENDENS", lambda: a_case("extradition")),
    (
        "LIS_PENDENS",
        lambda: a_case("extradition", requested_side=side(prior_proceedings="final_judgment")),
    ),
    ("LIS_PENDENS", lambda: a_case("mla", requested_side=side(prior_proceedings="pending"))),
    ("DISCRIMINATION_GROUNDS", lambda: a_case("extradition")),
    (
        "DISCRIMINATION_GROUNDS",
        lambda: a_case("extradition", requested_side=side(discrimination_concerns=False)),
    ),
    (
        "DISCRIMINATION_GROUNDS",
        lambda: a_case("le_cooperation", requested_side=side(discrimination_concerns=True)),
    ),
    ("ESSENTIAL_INTERESTS", lambda: a_case("extradition")),
    (
        "ESSENTIAL_INTERESTS",
        lambda: a_case("extradition", requested_side=side(essential_interests_prejudiced=False)),
    ),
    (
        "ESSENTIAL_INTERESTS",
        lambda: a_case(
            "transfer_sentenced", requested_side=side(essential_interests_prejudiced=True)
        ),
    ),
    ("OFFENCE_IN_REQUESTED_TERRITORY", lambda: a_case("extradition")),
    ("OFFENCE_IN_REQUESTED_TERRITORY", lambda: in_territory("mla")),
    ("TIME_BARRED", lambda: a_case("extradition")),
    ("TIME_BARRED", lambda: a_case("extradition", requested_side=side(time_barred=False))),
    ("TIME_BARRED", lambda: a_case("mla", requested_side=side(time_barred=True))),
    ("POLITICAL_OFFENCE_EXCLUDED", lambda: a_case("extradition", offences=(an_offence("other"),))),
    (
        "POLITICAL_OFFENCE_EXCLUDED",
        lambda: a_case(
            "extradition",
            BC,
            requested=a_state("XB", declarations={"political_offence_exception": False}),
        ),
    ),
    ("POLITICAL_OFFENCE_EXCLUDED", lambda: a_case("mla")),
    ("SPECIALITY_RULE", lambda: a_case("provisional_arrest")),
    ("SPECIALITY_RULE", lambda: a_case("mla")),
]


@pytest.mark.parametrize(("code", "build", "severity"), FIRES)
def test_the_code_fires(code: str, build: Build, severity: Severity) -> None:
    found = of(build(), code)
    assert found
    assert {f.severity for f in found} == {severity}
    for f in found:
        assert f.paths
        assert f.legal_basis
        assert not any("[" in citation for citation in f.legal_basis)


@pytest.mark.parametrize(("code", "build"), SILENT)
def test_the_code_stays_silent(code: str, build: Build) -> None:
    assert of(build(), code) == []


def test_every_code_has_two_cases_each_way() -> None:
    for spec in extradition.SPECS:
        assert sum(code == spec.code for code, _, _ in FIRES) >= 2, spec.code
        assert sum(code == spec.code for code, _ in SILENT) >= 2, spec.code


def test_a_national_names_the_extradite_or_prosecute_follow_up_where_the_profile_has_it() -> None:
    (with_follow_up,) = of(national(), "NATIONAL_NOT_EXTRADITED")
    assert "aut dedere aut judicare" in with_follow_up.message
    assert with_follow_up.paths == (
        "persons[0].nationalities",
        "requested.declarations.extradites_nationals",
    )
    assert with_follow_up.needs == ("nationality_at_decision",)
    assert with_follow_up.ground == "nationality"
    (without,) = of(
        with_flags(national(), aut_dedere_on_nationality_refusal=False), "NATIONAL_NOT_EXTRADITED"
    )
    assert "aut dedere" not in without.message


@pytest.mark.parametrize(
    ("profile", "cited", "not_cited"),
    [
        (SEED, "Statement Q13", "BC art. 24(6)"),
        (UNCC, "UNCC art. 37(11)", "Statement Q13"),
        (BC, "BC art. 24(6)", "UNCC art. 37(11)"),
    ],
)
def test_a_national_cites_the_profiles_own_instruments(
    profile: str, cited: str, not_cited: str
) -> None:
    (found,) = of(national(profile=profile), "NATIONAL_NOT_EXTRADITED")
    assert cited in found.legal_basis
    assert not_cited not in found.legal_basis


def test_a_profile_with_none_of_the_instruments_falls_back_to_every_citation() -> None:
    case = national()
    case = replace(case, profile=replace(case.profile, instruments=()))
    (found,) = of(case, "NATIONAL_NOT_EXTRADITED")
    assert found.legal_basis == extradition.NATIONAL_NOT_EXTRADITED.legal_basis


def test_the_death_penalty_finding_names_the_offence_and_what_the_decision_needs() -> None:
    (blocking,) = of(death(), "DEATH_PENALTY_ASSURANCE_REQUIRED")
    assert blocking.paths == (
        "offences[1].death_penalty_possible",
        "fields.death_penalty_assurance",
    )
    assured = death(fields={"death_penalty_assurance": "Note verbale 12/2026"})
    (info,) = of(assured, "DEATH_PENALTY_ASSURANCE_REQUIRED")
    assert info.needs == ("assurance_sufficient",)


def test_an_offence_in_the_requested_territory_points_at_that_offence() -> None:
    (found,) = of(in_territory(), "OFFENCE_IN_REQUESTED_TERRITORY")
    assert found.paths == ("offences[1].committed_in_requested_state",)
    assert found.needs == ("jurisdiction_assessment",)


def test_discretionary_grounds_say_what_the_decision_needs() -> None:
    pending = a_case("extradition", requested_side=side(prior_proceedings="pending"))
    assert of(pending, "LIS_PENDENS")[0].needs == ("domestic_proceedings",)
    concerns = a_case("extradition", requested_side=side(discrimination_concerns=True))
    assert of(concerns, "DISCRIMINATION_GROUNDS")[0].needs == ("hr_assessment",)


# D06, D07, D08: the same case under the three profiles.
PROFILE_OUTCOMES = [
    # D08: the assurance rule is the statement's alone.
    (
        lambda p: death(profile=p),
        "DEATH_PENALTY_ASSURANCE_REQUIRED",
        {SEED: {Severity.BLOCKING}, UNCC: set(), BC: set()},
    ),
    # D06: essential interests are a convention ground for extradition only in the statement.
    (
        lambda p: a_case(
            "extradition", p, requested_side=side(essential_interests_prejudiced=True)
        ),
        "ESSENTIAL_INTERESTS",
        {SEED: {Severity.WARNING}, UNCC: {Severity.INFO}, BC: {Severity.INFO}},
    ),
]


@pytest.mark.parametrize(("build", "code", "by_profile"), PROFILE_OUTCOMES)
def test_profiles_give_different_outcomes(
    build: Callable[[str], Case], code: str, by_profile: dict[str, set[Severity]]
) -> None:
    for profile, severities in by_profile.items():
        assert {f.severity for f in of(build(profile), code)} == severities, profile


def test_d07_convention_offences_are_never_political_only_under_the_statement() -> None:
    (seed,) = of(a_case("extradition"), "POLITICAL_OFFENCE_EXCLUDED")
    assert "never" in seed.message
    assert seed.legal_basis == ("Statement Q16", "UNCAC art. 44(4)")
    assert seed.paths == ("offences[0].conduct",)
    (uncc,) = of(a_case("extradition", UNCC), "POLITICAL_OFFENCE_EXCLUDED")
    assert "may apply" in uncc.message
    assert "UNCC art. 37(4)" in uncc.legal_basis
    assert uncc.needs == ("offence_political_assessment",)
    (budapest,) = of(a_case("extradition", BC), "POLITICAL_OFFENCE_EXCLUDED")
    assert "ECE art. 3(1)" in budapest.legal_basis


def test_every_extradition_spec_is_documented_without_confidence_markers() -> None:
    for spec in extradition.SPECS:
        assert spec.title and spec.explanation and spec.legal_basis
        assert not any("[" in citation for citation in spec.legal_basis)
        if spec.discretionary:
            assert spec.ground is not None
