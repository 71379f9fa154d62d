"""Dual criminality by form of cooperation: a condition, a discretionary ground, or not
required at all (legal.md §3.2, R-DC-01, §7 D29)."""

from __future__ import annotations

from typing import Any

import pytest

from comity.domain.legal.case import Case
from comity.domain.legal.engine import assess
from comity.domain.legal.findings import Severity
from tests.legal_builders import FULL_TABLE, a_case, a_state, an_offence, finding

# Blocking, warning, notice (information).
B, W, N = Severity.BLOCKING, Severity.WARNING, Severity.INFO
SEED, UNCC, BC = "ahc-2022-proposal", "uncc-2024", "budapest"
NOT_MET, NOT_REQUIRED = "DUAL_CRIMINALITY_NOT_MET", "DUAL_CRIMINALITY_NOT_REQUIRED"

# XB does not punish computer fraud; everything else as usual.
WITHOUT_FRAUD = {k: v for k, v in FULL_TABLE.items() if k != "computer_fraud"}


def severities(case: Case, code: str) -> list[Severity]:
    """The severities of every finding with ``code``, most serious first."""
    return [f.severity for f in assess(case) if f.code == code]


def gap(type_code: str, profile: str = SEED, **changes: Any) -> Case:
    """A case whose offence (computer fraud) is not punished in the requested State."""
    return a_case(type_code, profile, requested=a_state("XB", penalties=WITHOUT_FRAUD), **changes)


NOT_MET_TABLE = [
    ("extradition", gap("extradition"), [B]),
    ("provisional arrest", gap("provisional_arrest"), [B]),
    ("transfer of proceedings (non-coercive, still required)", gap("transfer_proceedings"), [B]),
    ("transfer of sentenced persons", gap("transfer_sentenced"), [B]),
    ("coercive MLA: discretionary", gap("mla"), [W]),
    ("stored data: discretionary", gap("stored_data"), [W]),
    ("interception: discretionary", gap("interception"), [W]),
    ("subscriber information is not coercive", gap("subscriber_info"), []),
    ("video hearing is not coercive", gap("video_hearing"), []),
    ("preservation never", gap("preservation"), []),
    ("traffic path disclosure never", gap("traffic_disclosure"), []),
    ("extradition, conduct punished there", a_case("extradition"), []),
    ("MLA, conduct punished there", a_case("mla"), []),
    (
        "extradition, table unknown",
        a_case("extradition", requested=a_state("XB", penalties=None)),
        [W],
    ),
    ("MLA, table unknown", a_case("mla", requested=a_state("XB", penalties=None)), [W]),
    (
        "subscriber info, table unknown",
        a_case("subscriber_info", requested=a_state("XB", penalties=None)),
        [],
    ),
    (
        "preservation, table unknown",
        a_case("preservation", requested=a_state("XB", penalties=None)),
        [],
    ),
    (
        "conduct 'other' is never looked up",
        a_case("extradition", offences=(an_offence("other"),)),
        [W],
    ),
    (
        "administering State asks: its own law is tested",
        a_case(
            "transfer_sentenced",
            requesting=a_state("XA", penalties=WITHOUT_FRAUD),
            fields={"requesting_state_role": "administering_state"},
        ),
        [B],
    ),
    (
        "administering State asks: the sentencing State's gap does not matter",
        gap("transfer_sentenced", fields={"requesting_state_role": "administering_state"}),
        [],
    ),
    (
        "sentencing State asks: the requested State is tested",
        gap("transfer_sentenced", fields={"requesting_state_role": "sentencing_state"}),
        [B],
    ),
    (
        "one finding per offence",
        gap(
            "extradition",
            offences=(an_offence(), an_offence("illegal_access"), an_offence(accessory=True)),
        ),
        [B, B],
    ),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in NOT_MET_TABLE],
)
def test_dual_criminality_not_met(case: Case, expected: list[Severity]) -> None:
    assert severities(case, NOT_MET) == expected


def test_the_finding_asks_for_the_equivalent_provision_and_names_its_inputs() -> None:
    found = finding(gap("extradition"), NOT_MET)
    assert found.needs == ("requested_state_equivalent",)
    assert found.paths == ("offences[0].conduct", "states.XB.penalties.computer_fraud")
    assert "BC art. 25(5)" in found.legal_basis
    assert found.ground == "dual_criminality"


def test_the_administering_state_s_table_is_the_one_cited() -> None:
    case = a_case(
        "transfer_sentenced",
        requesting=a_state("XA", penalties=WITHOUT_FRAUD),
        fields={"requesting_state_role": "administering_state"},
    )
    assert finding(case, NOT_MET).paths == (
        "offences[0].conduct",
        "states.XA.penalties.computer_fraud",
    )
    assert "TSP art. 3(1)(e)" in finding(case, NOT_MET).legal_basis


# D29: waivable under uncc-2024 only, for extradition and the arrest pending it.
D29 = [
    (SEED, "extradition", [B]),
    (UNCC, "extradition", [W]),
    (BC, "extradition", [B]),
    (SEED, "provisional_arrest", [B]),
    (UNCC, "provisional_arrest", [W]),
    (UNCC, "transfer_proceedings", [B]),
    (UNCC, "transfer_sentenced", [B]),
]


@pytest.mark.parametrize(("profile", "type_code", "expected"), D29)
def test_d29_dual_criminality_waivable(
    profile: str, type_code: str, expected: list[Severity]
) -> None:
    assert severities(gap(type_code, profile), NOT_MET) == expected


def test_a_waivable_gap_cites_the_waiver() -> None:
    found = finding(gap("extradition", UNCC), NOT_MET)
    assert "UNCC art. 37(2)" in found.legal_basis
    assert "may still extradite" in found.message


NOT_REQUIRED_TABLE = [
    ("preservation", gap("preservation"), [N]),
    ("preservation, conduct punished anyway", a_case("preservation", UNCC), [N]),
    ("traffic path disclosure", a_case("traffic_disclosure", BC), [N]),
    ("MLA", gap("mla"), []),
    ("extradition", a_case("extradition"), []),
    ("subscriber information", a_case("subscriber_info"), []),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in NOT_REQUIRED_TABLE],
)
def test_dual_criminality_not_required(case: Case, expected: list[Severity]) -> None:
    assert severities(case, NOT_REQUIRED) == expected


def test_not_required_cites_the_preservation_articles() -> None:
    assert finding(a_case("preservation"), NOT_REQUIRED).legal_basis[:2] == (
        "BC art. 29(3)",
        "UNCC art. 42(4)",
    )


def test_a_state_without_a_known_penalty_table_has_no_known_maximum() -> None:
    from comity.domain.legal.case import StateFacts
    from comity.domain.values import ConductCategory

    unknown = StateFacts("XQ")
    assert unknown.max_penalty(ConductCategory.COMPUTER_FRAUD) is None
    assert unknown.criminalises(ConductCategory.COMPUTER_FRAUD) is None
