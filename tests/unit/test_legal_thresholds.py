"""Penalty thresholds and scope: extradition's year in both States, the serious-crime filter,
the statement's exceptional override and offences outside the convention (legal.md §3, §7)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from comity.domain.legal.case import Case
from comity.domain.legal.engine import assess
from comity.domain.legal.findings import Severity
from tests.legal_builders import FULL_TABLE, a_case, a_state, an_offence, codes, finding

# Blocking, warning, notice (information).
B, W, N = Severity.BLOCKING, Severity.WARNING, Severity.INFO
SEED, UNCC, BC = "ahc-2022-proposal", "uncc-2024", "budapest"


def severities(case: Case, code: str) -> list[Severity]:
    """The severities of every finding with ``code``, most serious first."""
    return [f.severity for f in assess(case) if f.code == code]


def requested_with(**penalties: int) -> Any:
    """XB with the full table, some penalties changed."""
    return a_state("XB", penalties={**FULL_TABLE, **penalties})


def offences(*items: Any) -> dict[str, Any]:
    """``offences=`` for a_case."""
    return {"offences": tuple(items)}


def extradition(profile: str = SEED, **changes: Any) -> Case:
    return a_case("extradition", profile, **changes)


EXTRADITION_TABLE = [
    ("12 months in both States", extradition(**offences(an_offence(max_penalty_months=12))), []),
    (
        "11 months in the requesting State",
        extradition(**offences(an_offence(max_penalty_months=11))),
        [B],
    ),
    (
        "11 months in the requested State",
        extradition(requested=requested_with(computer_fraud=11)),
        [B],
    ),
    (
        "12 months in the requested State",
        extradition(requested=requested_with(computer_fraud=12)),
        [],
    ),
    (
        "below in both States: one finding",
        extradition(
            requested=requested_with(computer_fraud=6),
            **offences(an_offence(max_penalty_months=6)),
        ),
        [B],
    ),
    (
        "provisional arrest, 6 months",
        a_case("provisional_arrest", **offences(an_offence(max_penalty_months=6))),
        [B],
    ),
    (
        "MLA for a 6-month offence is not extradition",
        a_case("mla", **offences(an_offence(max_penalty_months=6))),
        [],
    ),
    (
        "requested State may waive under uncc-2024",
        extradition(UNCC, requested=requested_with(computer_fraud=6)),
        [W],
    ),
    (
        "requesting State's own penalty is never waived",
        extradition(UNCC, **offences(an_offence(max_penalty_months=6))),
        [B],
    ),
    (
        "accessory rides along with a qualifying offence",
        extradition(
            **offences(
                an_offence(), an_offence("illegal_access", max_penalty_months=6, accessory=True)
            )
        ),
        [N],
    ),
    (
        "accessory alone does not ride",
        extradition(**offences(an_offence(max_penalty_months=6, accessory=True))),
        [B],
    ),
    (
        "accessory needs a non-accessory carrier",
        extradition(
            **offences(
                an_offence(accessory=True),
                an_offence("illegal_access", max_penalty_months=6, accessory=True),
            )
        ),
        [B],
    ),
    (
        "carrier below the threshold carries nothing",
        extradition(
            **offences(
                an_offence(max_penalty_months=11),
                an_offence("illegal_access", max_penalty_months=6, accessory=True),
            )
        ),
        [B, B],
    ),
    (
        "accessory below in the requested State rides along",
        extradition(
            requested=requested_with(illegal_access=3),
            **offences(an_offence(), an_offence("illegal_access", accessory=True)),
        ),
        [N],
    ),
    ("requested table unknown", extradition(requested=a_state("XB", penalties=None)), [W]),
    ("conduct 'other' cannot be looked up", extradition(**offences(an_offence("other"))), [W]),
    (
        "requesting penalty not stated",
        extradition(**offences(an_offence(max_penalty_months=None))),
        [W],
    ),
    (
        "not an offence in the requested State is dual criminality's business",
        extradition(requested=a_state("XB", penalties={"csam": 60})),
        [],
    ),
    ("no offence at all", extradition(offences=()), []),
    (
        "enforcement: 3-month sentence",
        extradition(
            fields={"extradition_purpose": "enforcement_of_sentence", "sentence_imposed_months": 3}
        ),
        [B],
    ),
    (
        "enforcement: 4-month sentence",
        extradition(
            fields={"extradition_purpose": "enforcement_of_sentence", "sentence_imposed_months": 4}
        ),
        [],
    ),
    (
        "enforcement: unreadable sentence left to form validation",
        extradition(
            fields={
                "extradition_purpose": "enforcement_of_sentence",
                "sentence_imposed_months": True,
            }
        ),
        [],
    ),
    (
        "prosecution: the sentence does not count",
        extradition(fields={"extradition_purpose": "prosecution", "sentence_imposed_months": 1}),
        [],
    ),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in EXTRADITION_TABLE],
)
def test_extradition_threshold(case: Case, expected: list[Severity]) -> None:
    assert severities(case, "EXTRADITION_PENALTY_BELOW_THRESHOLD") == expected


def test_a_below_threshold_finding_names_the_inputs_it_used() -> None:
    case = extradition(
        requested=requested_with(computer_fraud=6),
        **offences(an_offence(max_penalty_months=6)),
    )
    found = finding(case, "EXTRADITION_PENALTY_BELOW_THRESHOLD")
    assert found.paths == ("offences[0].max_penalty_months", "states.XB.penalties.computer_fraud")
    assert "both XA and XB" in found.message
    assert "UNCC art. 37(1)" in found.legal_basis


def test_the_threshold_is_read_from_the_profile() -> None:
    case = extradition(**offences(an_offence(max_penalty_months=20)))
    stricter = replace(
        case.profile, thresholds={**case.profile.thresholds, "extradition_min_months": 24}
    )
    assert "EXTRADITION_PENALTY_BELOW_THRESHOLD" not in codes(case)
    assert severities(replace(case, profile=stricter), "EXTRADITION_PENALTY_BELOW_THRESHOLD") == [B]


def mla(
    profile: str = SEED, months: int | None = 60, conduct: str = "computer_fraud", **kw: Any
) -> Case:
    convention = kw.pop("convention_offence", None)
    offence = an_offence(conduct, max_penalty_months=months, convention_offence=convention)
    return a_case(kw.pop("type_code", "mla"), profile, offences=(offence,), **kw)


JUSTIFIED = {
    "exceptional_justification": "Victims are minors; no other lead.",
    "impact_if_refused": "The case closes.",
}

SERIOUS_TABLE = [
    ("statement: 47 months", mla(SEED, 47), [W]),
    ("statement: 48 months", mla(SEED, 48), []),
    ("statement: preservation is filtered too", mla(SEED, 6, type_code="preservation"), [W]),
    (
        "statement: subscriber information is filtered too",
        mla(SEED, 6, type_code="subscriber_info"),
        [W],
    ),
    ("statement: non-convention offence", mla(SEED, 24, "other"), [W]),
    ("statement: penalty not stated", mla(SEED, None), [W]),
    ("statement: extradition has its own threshold", mla(SEED, 24, type_code="extradition"), []),
    (
        "statement: transfer of sentenced persons too",
        mla(SEED, 24, type_code="transfer_sentenced"),
        [],
    ),
    (
        "statement: spontaneous information asks nothing",
        mla(SEED, 6, type_code="spontaneous_information"),
        [],
    ),
    ("uncc: convention offence, no threshold", mla(UNCC, 6), []),
    ("uncc: non-convention offence, 47 months", mla(UNCC, 47, "other"), [B]),
    ("uncc: non-convention offence, 48 months", mla(UNCC, 48, "other"), []),
    ("uncc: declared outside the convention", mla(UNCC, 12, convention_offence=False), [B]),
    ("uncc: non-convention, penalty not stated", mla(UNCC, None, "other"), [W]),
    ("budapest: any criminal offence", mla(BC, 6, "other"), []),
    ("budapest: convention offence", mla(BC, 6), []),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in SERIOUS_TABLE],
)
def test_not_serious_offence(case: Case, expected: list[Severity]) -> None:
    assert severities(case, "NOT_SERIOUS_OFFENCE") == expected


EXCEPTIONAL_TABLE = [
    ("statement: 47 months, nothing given", mla(SEED, 47), [B]),
    ("statement: 47 months, both given", mla(SEED, 47, fields=JUSTIFIED), [N]),
    (
        "statement: justification without impact",
        mla(SEED, 47, fields={"exceptional_justification": "Needed."}),
        [B],
    ),
    (
        "statement: blank strings are not given",
        mla(SEED, 47, fields=dict.fromkeys(JUSTIFIED, "  ")),
        [B],
    ),
    ("statement: not a string", mla(SEED, 47, fields=dict.fromkeys(JUSTIFIED, 7)), [B]),
    ("statement: 48 months", mla(SEED, 48), []),
    ("statement: penalty unknown, nothing to justify yet", mla(SEED, None), []),
    ("uncc: no override mechanism", mla(UNCC, 47, "other"), []),
    ("budapest: no threshold", mla(BC, 6), []),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in EXCEPTIONAL_TABLE],
)
def test_exceptional_justification(case: Case, expected: list[Severity]) -> None:
    assert severities(case, "EXCEPTIONAL_JUSTIFICATION_REQUIRED") == expected


def test_a_missing_justification_says_what_is_missing() -> None:
    found = finding(
        mla(SEED, 6, fields={"impact_if_refused": "The case closes."}),
        "EXCEPTIONAL_JUSTIFICATION_REQUIRED",
    )
    assert found.needs == ("exceptional_justification",)
    assert "exceptional_justification" in found.message
    assert found.paths == (
        "offences[0].max_penalty_months",
        "fields.exceptional_justification",
        "fields.impact_if_refused",
    )
    assert found.legal_basis == ("Statement Q2",)


# legal.md §7: the same request under each profile.
PROFILE_DIFFERENCES = [
    # D03: a convention offence of two years.
    ("D03", mla(SEED, 24), {"NOT_SERIOUS_OFFENCE": [W], "EXCEPTIONAL_JUSTIFICATION_REQUIRED": [B]}),
    ("D03", mla(UNCC, 24), {"NOT_SERIOUS_OFFENCE": [], "EXCEPTIONAL_JUSTIFICATION_REQUIRED": []}),
    ("D03", mla(BC, 24), {"NOT_SERIOUS_OFFENCE": [], "EXCEPTIONAL_JUSTIFICATION_REQUIRED": []}),
    # D02: an offence outside the convention, two years.
    (
        "D02",
        mla(SEED, 24, "other"),
        {"NOT_SERIOUS_OFFENCE": [W], "EXCEPTIONAL_JUSTIFICATION_REQUIRED": [B]},
    ),
    (
        "D02",
        mla(UNCC, 24, "other"),
        {"NOT_SERIOUS_OFFENCE": [B], "EXCEPTIONAL_JUSTIFICATION_REQUIRED": []},
    ),
    (
        "D02",
        mla(BC, 24, "other"),
        {"NOT_SERIOUS_OFFENCE": [], "EXCEPTIONAL_JUSTIFICATION_REQUIRED": []},
    ),
    # D03 with the override used: clear under the statement only because it was justified.
    (
        "D03",
        mla(SEED, 24, fields=JUSTIFIED),
        {"NOT_SERIOUS_OFFENCE": [W], "EXCEPTIONAL_JUSTIFICATION_REQUIRED": [N]},
    ),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(case, expected, id=f"{diff}-{case.profile.code}-{case.offences[0].conduct}")
        for diff, case, expected in PROFILE_DIFFERENCES
    ],
)
def test_profile_differences(case: Case, expected: dict[str, list[Severity]]) -> None:
    assert {code: severities(case, code) for code in expected} == expected


OUTSIDE_TABLE = [
    ("conduct 'other'", mla(SEED, 60, "other"), [W]),
    ("declared outside the convention", mla(BC, 60, convention_offence=False), [W]),
    ("a convention offence", mla(SEED, 60), []),
    ("'other' declared a convention offence", mla(UNCC, 60, "other", convention_offence=True), []),
    ("extradition for an offence outside it", mla(BC, 60, "other", type_code="extradition"), [W]),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in OUTSIDE_TABLE],
)
def test_offence_outside_convention(case: Case, expected: list[Severity]) -> None:
    assert severities(case, "OFFENCE_OUTSIDE_CONVENTION") == expected
