"""Refusal grounds and the validation of a refusal (legal.md §2, R-EXT-*, R-MLA-*): which grounds
each type has under each profile (D06, D07, D09, D29), and which refusals are invalid."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.domain.legal.case import Case, RequestedSideFacts
from comity.domain.legal.findings import Severity
from comity.domain.legal.grounds import GroundKind
from comity.domain.legal.refusal import check_refusal, refusal_grounds
from tests.legal_builders import a_case, a_state, an_offence, with_flags

SEED, UNCC, BC = "ahc-2022-proposal", "uncc-2024", "budapest"
D, M, P = GroundKind.DISCRETIONARY, GroundKind.MANDATORY_BAR, GroundKind.PROHIBITED
CONSULTED = RequestedSideFacts(consulted=True)


def grounds(case: Case) -> dict[str, GroundKind]:
    """The case's refusal grounds, code → kind."""
    return {ground.code: ground.kind for ground in refusal_grounds(case)}


GROUND_TABLE: list[tuple[str, str, dict[str, GroundKind]]] = [
    # D06, D07, D29: the statement's own list; DC not waivable; political offence excluded.
    (
        "extradition",
        SEED,
        {
            "lis_pendens": D,
            "ne_bis_in_idem": M,
            "discrimination": D,
            "essential_interests": D,
            "death_penalty": D,
            "territoriality": D,
            "nationality": D,
            "time_barred": M,
            "extradition_treaty": D,
            "dual_criminality": M,
            "political_offence": P,
            "fiscal": P,
        },
    ),
    # The UN model: domestic law and treaties; DC waivable; political offence per domestic law.
    (
        "extradition",
        UNCC,
        {
            "discrimination": D,
            "nationality": D,
            "domestic_treaty": D,
            "dual_criminality": D,
            "political_offence": D,
            "fiscal": P,
        },
    ),
    # Budapest with the ECE: the ECE's grounds, its political-offence bar.
    (
        "provisional_arrest",
        BC,
        {
            "discrimination": D,
            "nationality": D,
            "domestic_treaty": D,
            "lis_pendens": D,
            "ne_bis_in_idem": M,
            "time_barred": M,
            "territoriality": D,
            "death_penalty": D,
            "dual_criminality": M,
            "political_offence": M,
            "fiscal": P,
        },
    ),
    # D09: essential interests only, dual criminality for coercive measures.
    (
        "mla",
        SEED,
        {
            "essential_interests": D,
            "dual_criminality": D,
            "political_offence": P,
            "fiscal": P,
            "bank_secrecy": P,
        },
    ),
    (
        "mla",
        UNCC,
        {
            "form": D,
            "essential_interests": D,
            "domestic_prohibition": D,
            "legal_system": D,
            "discrimination": D,
            "dual_criminality": D,
            "fiscal": P,
            "bank_secrecy": P,
        },
    ),
    (
        "mla",
        BC,
        {
            "essential_interests": D,
            "domestic_treaty": D,
            "dual_criminality": D,
            "political_offence": D,
            "fiscal": P,
            "bank_secrecy": P,
        },
    ),
    # Non-coercive assistance: no dual-criminality ground (UNCAC 46(9)(b)).
    (
        "subscriber_info",
        UNCC,
        {
            "form": D,
            "essential_interests": D,
            "domestic_prohibition": D,
            "legal_system": D,
            "discrimination": D,
            "fiscal": P,
            "bank_secrecy": P,
        },
    ),
    # R-MLA-PRES-LIMIT: only the BC 29(5)/30(2) grounds.
    (
        "preservation",
        SEED,
        {"essential_interests": D, "political_offence": P, "fiscal": P, "bank_secrecy": P},
    ),
    ("preservation", UNCC, {"essential_interests": D, "fiscal": P, "bank_secrecy": P}),
    (
        "traffic_disclosure",
        BC,
        {"essential_interests": D, "political_offence": D, "fiscal": P, "bank_secrecy": P},
    ),
    (
        "freezing",
        SEED,
        {
            "essential_interests": D,
            "dual_criminality": D,
            "insufficient_evidence": D,
            "political_offence": P,
            "fiscal": P,
            "bank_secrecy": P,
        },
    ),
    ("transfer_sentenced", UNCC, {"domestic_treaty": D}),
]


@pytest.mark.parametrize(("type_code", "profile", "expected"), GROUND_TABLE)
def test_the_grounds_of_each_type_under_each_profile(
    type_code: str, profile: str, expected: dict[str, GroundKind]
) -> None:
    assert grounds(a_case(type_code, profile)) == expected


def test_every_ground_has_a_title_and_citations_without_confidence_markers() -> None:
    for type_code, profile, _ in GROUND_TABLE:
        for ground in refusal_grounds(a_case(type_code, profile)):
            assert ground.title and ground.legal_basis, (type_code, profile, ground.code)
            assert not any("[" in citation for citation in ground.legal_basis)


def test_other_forms_of_cooperation_cite_their_own_legal_basis() -> None:
    case = a_case("transfer_sentenced", UNCC)
    (ground,) = refusal_grounds(case)
    assert ground.legal_basis == case.rtype.basis_under(UNCC).citations


def test_an_offence_outside_the_convention_adds_grounds_for_preservation_and_confiscation() -> None:
    outside = (an_offence(), an_offence("other"))
    assert "dual_criminality" in grounds(a_case("preservation", BC, offences=outside))
    assert "dual_criminality" not in grounds(a_case("traffic_disclosure", BC, offences=outside))
    assert "offence_outside_convention" in grounds(a_case("confiscation", offences=outside))
    assert "offence_outside_convention" not in grounds(a_case("confiscation"))


def test_a_requested_state_without_the_political_exception_has_no_such_ground() -> None:
    declared = a_state("XB", declarations={"political_offence_exception": False})
    for type_code in ("extradition", "mla", "preservation"):
        assert "political_offence" not in grounds(a_case(type_code, BC, requested=declared))
    # The statement's exclusion stands whatever the State declared.
    assert grounds(a_case("mla", requested=declared))["political_offence"] is P


def test_unknown_mla_grounds_in_a_profile_are_ignored() -> None:
    case = with_flags(a_case("mla"), mla_grounds=["essential_interests", "not_a_ground"])
    assert "not_a_ground" not in grounds(case)


# (type, profile, requested side, grounds, reasons, expected codes)
REFUSALS: list[tuple[str, str, RequestedSideFacts, list[str], str, set[str]]] = [
    ("extradition", SEED, CONSULTED, ["nationality"], "National of XB.", set()),
    (
        "extradition",
        SEED,
        RequestedSideFacts(),
        ["nationality"],
        "National.",
        {"CONSULTATION_REQUIRED_BEFORE_REFUSAL"},
    ),
    # A mandatory bar cannot be lifted by conditions: no consultation needed.
    ("extradition", SEED, RequestedSideFacts(), ["ne_bis_in_idem"], "Judged 2025.", set()),
    (
        "extradition",
        SEED,
        CONSULTED,
        ["domestic_treaty"],
        "Our law.",
        {"REFUSAL_GROUND_NOT_AVAILABLE"},
    ),
    ("extradition", UNCC, CONSULTED, ["domestic_treaty"], "Our law.", set()),
    ("extradition", UNCC, CONSULTED, ["fiscal"], "Tax.", {"FISCAL_NOT_A_GROUND"}),
    ("extradition", UNCC, CONSULTED, ["fiscal", "domestic_treaty"], "Tax and our law.", set()),
    (
        "extradition",
        SEED,
        CONSULTED,
        ["political_offence"],
        "Political.",
        {"POLITICAL_OFFENCE_EXCLUDED"},
    ),
    ("extradition", BC, RequestedSideFacts(), ["political_offence"], "Political.", set()),
    # Budapest's extradition article has no consultation clause.
    ("extradition", BC, RequestedSideFacts(), ["nationality"], "National.", set()),
    ("mla", SEED, CONSULTED, ["essential_interests"], "Security.", set()),
    ("mla", SEED, CONSULTED, ["form"], "Form.", {"REFUSAL_GROUND_NOT_AVAILABLE"}),
    ("mla", UNCC, CONSULTED, ["form"], "Form.", set()),
    (
        "mla",
        UNCC,
        RequestedSideFacts(),
        ["form"],
        "Form.",
        {"CONSULTATION_REQUIRED_BEFORE_REFUSAL"},
    ),
    ("mla", SEED, CONSULTED, ["bank_secrecy"], "Secret.", {"BANK_SECRECY_NOT_A_GROUND"}),
    (
        "mla",
        SEED,
        CONSULTED,
        ["bank_secrecy", "fiscal"],
        "Secret.",
        {"BANK_SECRECY_NOT_A_GROUND", "FISCAL_NOT_A_GROUND"},
    ),
    (
        "mla",
        SEED,
        CONSULTED,
        ["bank_secrecy", "nonsense"],
        "Secret.",
        {"BANK_SECRECY_NOT_A_GROUND", "REFUSAL_GROUND_NOT_AVAILABLE"},
    ),
    # BC 27(6) advises consultation "where appropriate" only.
    ("mla", BC, RequestedSideFacts(), ["essential_interests"], "Security.", set()),
    ("mla", SEED, CONSULTED, ["dual_criminality"], "Not an offence.", set()),
    (
        "preservation",
        SEED,
        CONSULTED,
        ["dual_criminality"],
        "Not an offence.",
        {"REFUSAL_GROUND_NOT_AVAILABLE"},
    ),
    ("preservation", UNCC, CONSULTED, ["form"], "Form.", {"REFUSAL_GROUND_NOT_AVAILABLE"}),
    ("mla", SEED, CONSULTED, [], "Security.", {"REFUSAL_GROUND_NOT_AVAILABLE"}),
    ("mla", SEED, CONSULTED, ["essential_interests"], "  \n", {"REASONS_REQUIRED"}),
    ("transfer_sentenced", UNCC, RequestedSideFacts(), ["domestic_treaty"], "No agreement.", set()),
    (
        "mla",
        UNCC,
        RequestedSideFacts(),
        ["nonsense"],
        "",
        {"REFUSAL_GROUND_NOT_AVAILABLE", "REASONS_REQUIRED"},
    ),
]


@pytest.mark.parametrize(
    ("type_code", "profile", "facts", "named", "reasons", "expected"), REFUSALS
)
def test_check_refusal(
    type_code: str,
    profile: str,
    facts: RequestedSideFacts,
    named: list[str],
    reasons: str,
    expected: set[str],
) -> None:
    case = a_case(type_code, profile, requested_side=facts)
    findings = check_refusal(case, named, reasons=reasons)
    assert {f.code for f in findings} == expected
    assert all(f.severity is Severity.BLOCKING for f in findings)
    assert list(findings) == sorted(findings, key=lambda f: (f.code, f.paths, f.message))


def test_an_unavailable_ground_is_named_with_the_available_ones() -> None:
    (found,) = check_refusal(a_case("mla", requested_side=CONSULTED), ["form"], reasons="Form.")
    assert "'form'" in found.message
    assert "essential_interests" in found.message
    assert found.paths == ("decision.grounds",)


def test_a_prohibited_ground_cites_its_own_family() -> None:
    (found,) = check_refusal(
        a_case("extradition", UNCC, requested_side=CONSULTED), ["fiscal"], reasons="Tax."
    )
    assert "UNCC art. 37(16)" in found.legal_basis
    (mla,) = check_refusal(
        a_case("mla", UNCC, requested_side=CONSULTED), ["fiscal"], reasons="Tax."
    )
    assert "UNCC art. 40(23)" in mla.legal_basis


def test_a_missing_consultation_cites_the_profiles_clauses() -> None:
    (found,) = check_refusal(a_case("mla", UNCC), ["form"], reasons="Form.")
    assert found.legal_basis == ("UNTOC art. 18(26)", "UNCAC art. 46(26)", "UNCC art. 40(27)")


TYPES = ["extradition", "provisional_arrest", "mla", "stored_data", "preservation", "freezing"]


@given(
    type_code=st.sampled_from(TYPES),
    profile=st.sampled_from([SEED, UNCC, BC]),
    data=st.data(),
)
def test_prohibited_grounds_alone_never_make_a_refusal_valid(
    type_code: str, profile: str, data: st.DataObject
) -> None:
    case = a_case(type_code, profile, requested_side=CONSULTED)
    available = refusal_grounds(case)
    prohibited = sorted(g.code for g in available if g.kind is P)
    allowed = sorted(g.code for g in available if g.kind is not P)
    valid = data.draw(st.lists(st.sampled_from(allowed), min_size=1, unique=True))
    extra = data.draw(st.lists(st.sampled_from(prohibited), min_size=1, unique=True))
    # A refusal valid for some grounds…
    assert check_refusal(case, valid, reasons="Reasons.") == ()
    # …stays valid with a prohibited ground beside them, but never on prohibited grounds alone.
    assert check_refusal(case, valid + extra, reasons="Reasons.") == ()
    assert check_refusal(case, extra, reasons="Reasons.") != ()


@given(
    type_code=st.sampled_from(TYPES),
    profile=st.sampled_from([SEED, UNCC, BC]),
    named=st.lists(
        st.sampled_from(
            ["nationality", "essential_interests", "fiscal", "bank_secrecy", "form", "x"]
        ),
        max_size=4,
    ),
    consulted=st.booleans(),
    data=st.data(),
)
def test_check_refusal_does_not_depend_on_the_order_of_the_grounds(
    type_code: str, profile: str, named: list[str], consulted: bool, data: st.DataObject
) -> None:
    case = a_case(type_code, profile, requested_side=RequestedSideFacts(consulted=consulted))
    shuffled = data.draw(st.permutations(named))
    assert check_refusal(case, named, reasons="R.") == check_refusal(case, shuffled, reasons="R.")
