"""MLA grounds and the duties around a refusal (legal.md §2.2, statement Q14): each code fires
where it should and stays silent where it must; the profiles' MLA grounds (D09) change the
outcome; findings do not depend on the order of the fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.domain.legal.case import Case, RequestedSideFacts
from comity.domain.legal.findings import Severity
from comity.domain.legal.rules import mla
from tests.legal_builders import a_case, an_offence, side, with_flags
from tests.legal_builders import grounds_findings as run
from tests.legal_builders import grounds_of as of

SEED, UNCC, BC = "ahc-2022-proposal", "uncc-2024", "budapest"


def fiscal(type_code: str = "mla", profile: str = SEED) -> Case:
    """A case whose second offence also involves fiscal matters."""
    return a_case(
        type_code, profile, offences=(an_offence(), an_offence("laundering", fiscal=True))
    )


ESSENTIAL = side(essential_interests_prejudiced=True)
DISTURBED = side(own_investigation_disturbed=True)

Build = Callable[[], Case]

FIRES: list[tuple[str, Build, Severity]] = [
    ("ESSENTIAL_INTERESTS", lambda: a_case("mla", requested_side=ESSENTIAL), Severity.WARNING),
    (
        "ESSENTIAL_INTERESTS",
        lambda: a_case("preservation", BC, requested_side=ESSENTIAL),
        Severity.WARNING,
    ),
    (
        "ESSENTIAL_INTERESTS",
        lambda: with_flags(a_case("stored_data", requested_side=ESSENTIAL), mla_grounds=[]),
        Severity.INFO,
    ),
    (
        "DISCRIMINATION_GROUNDS",
        lambda: a_case("mla", UNCC, requested_side=side(discrimination_concerns=True)),
        Severity.WARNING,
    ),
    (
        "DISCRIMINATION_GROUNDS",
        lambda: a_case("mla", requested_side=side(discrimination_concerns=True)),
        Severity.INFO,
    ),
    ("FISCAL_NOT_A_GROUND", lambda: fiscal(), Severity.INFO),
    ("FISCAL_NOT_A_GROUND", lambda: fiscal("extradition", UNCC), Severity.INFO),
    (
        "BANK_SECRECY_NOT_A_GROUND",
        lambda: a_case("freezing", fields={"financial_records_requested": True}),
        Severity.INFO,
    ),
    (
        "BANK_SECRECY_NOT_A_GROUND",
        lambda: a_case(
            "mla", UNCC, fields={"measures": ["take_evidence_statements", "provide_records"]}
        ),
        Severity.INFO,
    ),
    (
        "BANK_SECRECY_NOT_A_GROUND",
        lambda: a_case("freezing", BC, fields={"assets": ["a note", {"kind": "bank_account"}]}),
        Severity.INFO,
    ),
    (
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
        lambda: a_case("mla", requested_side=ESSENTIAL),
        Severity.INFO,
    ),
    (
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
        lambda: a_case("mla", BC, requested_side=DISTURBED),
        Severity.INFO,
    ),
    (
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
        lambda: a_case("extradition", UNCC, requested_side=side(prior_proceedings="pending")),
        Severity.INFO,
    ),
    (
        "POSTPONEMENT_INSTEAD_OF_REFUSAL",
        lambda: a_case("mla", requested_side=DISTURBED),
        Severity.INFO,
    ),
    (
        "POSTPONEMENT_INSTEAD_OF_REFUSAL",
        lambda: a_case("stored_data", UNCC, requested_side=DISTURBED),
        Severity.INFO,
    ),
]

SILENT: list[tuple[str, Build]] = [
    ("ESSENTIAL_INTERESTS", lambda: a_case("mla")),
    (
        "ESSENTIAL_INTERESTS",
        lambda: a_case("mla", requested_side=side(essential_interests_prejudiced=False)),
    ),
    ("ESSENTIAL_INTERESTS", lambda: a_case("le_cooperation", requested_side=ESSENTIAL)),
    ("DISCRIMINATION_GROUNDS", lambda: a_case("mla", UNCC)),
    (
        "DISCRIMINATION_GROUNDS",
        lambda: a_case("mla", UNCC, requested_side=side(discrimination_concerns=False)),
    ),
    ("FISCAL_NOT_A_GROUND", lambda: a_case("mla")),
    ("FISCAL_NOT_A_GROUND", lambda: fiscal("le_cooperation")),
    (
        "BANK_SECRECY_NOT_A_GROUND",
        lambda: a_case("mla", fields={"measures": ["take_evidence_statements"]}),
    ),
    (
        "BANK_SECRECY_NOT_A_GROUND",
        lambda: a_case(
            "freezing",
            fields={
                "measures": "provide_records",
                "financial_records_requested": "yes",
                "assets": [{"kind": "vehicle"}],
            },
        ),
    ),
    (
        "BANK_SECRECY_NOT_A_GROUND",
        lambda: a_case("extradition", fields={"financial_records_requested": True}),
    ),
    ("CONSULTATION_REQUIRED_BEFORE_REFUSAL", lambda: a_case("mla")),
    (
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
        lambda: a_case(
            "mla", requested_side=side(essential_interests_prejudiced=True, consulted=True)
        ),
    ),
    # Budapest's extradition article has no consultation clause.
    (
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
        lambda: a_case("extradition", BC, requested_side=side(prior_proceedings="pending")),
    ),
    # Under the UN model essential interests are no extradition ground (information only).
    (
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
        lambda: a_case("extradition", UNCC, requested_side=ESSENTIAL),
    ),
    (
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
        lambda: a_case("le_cooperation", requested_side=ESSENTIAL),
    ),
    ("POSTPONEMENT_INSTEAD_OF_REFUSAL", lambda: a_case("mla")),
    (
        "POSTPONEMENT_INSTEAD_OF_REFUSAL",
        lambda: a_case("mla", requested_side=side(own_investigation_disturbed=False)),
    ),
    ("POSTPONEMENT_INSTEAD_OF_REFUSAL", lambda: a_case("extradition", requested_side=DISTURBED)),
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


def test_every_rule_code_has_two_cases_each_way() -> None:
    rule_codes = {
        "ESSENTIAL_INTERESTS",
        "DISCRIMINATION_GROUNDS",
        "FISCAL_NOT_A_GROUND",
        "BANK_SECRECY_NOT_A_GROUND",
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
        "POSTPONEMENT_INSTEAD_OF_REFUSAL",
    }
    for code in rule_codes:
        assert sum(c == code for c, _, _ in FIRES) >= 2, code
        assert sum(c == code for c, _ in SILENT) >= 2, code


def test_essential_interests_cite_the_grounds_of_the_type() -> None:
    (preservation,) = of(
        a_case("preservation", BC, requested_side=ESSENTIAL), "ESSENTIAL_INTERESTS"
    )
    assert "BC art. 29(5)(b)" in preservation.legal_basis
    (general,) = of(a_case("mla", requested_side=ESSENTIAL), "ESSENTIAL_INTERESTS")
    assert "Statement Q14" in general.legal_basis
    assert general.needs == ("essential_interests_assessment",)


def test_fiscal_points_at_the_offence_and_cites_the_family() -> None:
    (assistance,) = of(fiscal(), "FISCAL_NOT_A_GROUND")
    assert assistance.paths == ("offences[1].fiscal",)
    assert "UNTOC art. 18(22)" in assistance.legal_basis
    (surrender,) = of(fiscal("extradition"), "FISCAL_NOT_A_GROUND")
    assert "UNTOC art. 16(15)" in surrender.legal_basis


def test_bank_secrecy_names_every_path_that_makes_the_request_financial() -> None:
    case = a_case(
        "freezing",
        fields={
            "financial_records_requested": True,
            "measures": ["trace_proceeds"],
            "assets": [{"kind": "vehicle"}, {"kind": "securities"}],
        },
    )
    (found,) = of(case, "BANK_SECRECY_NOT_A_GROUND")
    assert found.paths == (
        "fields.financial_records_requested",
        "fields.measures",
        "fields.assets[1].kind",
    )


def test_consultation_is_required_under_the_un_model_and_advised_under_budapest() -> None:
    (required,) = of(
        a_case("mla", requested_side=ESSENTIAL), "CONSULTATION_REQUIRED_BEFORE_REFUSAL"
    )
    assert "must consult" in required.message
    assert required.legal_basis == ("UNTOC art. 18(26)", "UNCAC art. 46(26)")
    (advised,) = of(
        a_case("mla", BC, requested_side=ESSENTIAL), "CONSULTATION_REQUIRED_BEFORE_REFUSAL"
    )
    assert "where appropriate" in advised.message
    assert advised.legal_basis == ("BC art. 27(6)",)
    (surrender,) = of(
        a_case("extradition", UNCC, requested_side=side(time_barred=True)),
        "CONSULTATION_REQUIRED_BEFORE_REFUSAL",
    )
    assert surrender.legal_basis == ("UNTOC art. 16(16)", "UNCAC art. 44(17)", "UNCC art. 37(17)")


def test_postponement_says_what_the_decision_needs() -> None:
    (found,) = of(a_case("mla", requested_side=DISTURBED), "POSTPONEMENT_INSTEAD_OF_REFUSAL")
    assert found.needs == ("postponement_reasons", "resume_review_at")
    assert "UNTOC art. 18(25)" in found.legal_basis


def test_d09_discrimination_is_an_mla_ground_only_where_the_profile_lists_it() -> None:
    concerns = side(discrimination_concerns=True)
    outcome = {
        p: {
            f.severity
            for f in of(a_case("mla", p, requested_side=concerns), "DISCRIMINATION_GROUNDS")
        }
        for p in (SEED, UNCC, BC)
    }
    assert outcome == {SEED: {Severity.INFO}, UNCC: {Severity.WARNING}, BC: {Severity.INFO}}


def test_the_mla_specs_document_every_code_check_refusal_produces() -> None:
    documented = {spec.code for spec in mla.SPECS}
    assert {"REFUSAL_GROUND_NOT_AVAILABLE", "REASONS_REQUIRED"} <= documented
    for spec in mla.SPECS:
        assert spec.title and spec.explanation and spec.legal_basis
        assert not any("[" in citation for citation in spec.legal_basis)


FIELDS = {
    "purpose": "Criminal investigation",
    "measures": ["provide_records", "take_evidence_statements"],
    "financial_records_requested": True,
    "assets": [{"kind": "bank_account"}, {"kind": "vehicle"}],
    "death_penalty_assurance": "Note verbale",
}


@given(
    order=st.permutations(sorted(FIELDS)),
    type_code=st.sampled_from(["mla", "freezing", "extradition", "preservation"]),
    profile=st.sampled_from([SEED, UNCC, BC]),
    facts=st.fixed_dictionaries(
        {
            "essential_interests_prejudiced": st.sampled_from([None, True, False]),
            "discrimination_concerns": st.sampled_from([None, True, False]),
            "own_investigation_disturbed": st.sampled_from([None, True, False]),
            "prior_proceedings": st.sampled_from(["none", "pending", "final_judgment"]),
        }
    ),
)
def test_findings_do_not_depend_on_the_order_of_the_fields(
    order: list[str], type_code: str, profile: str, facts: dict[str, Any]
) -> None:
    requested_side = RequestedSideFacts(**facts)
    ordered = a_case(type_code, profile, fields=dict(FIELDS), requested_side=requested_side)
    shuffled = a_case(
        type_code, profile, fields={k: FIELDS[k] for k in order}, requested_side=requested_side
    )
    assert run(ordered) == run(shuffled)
