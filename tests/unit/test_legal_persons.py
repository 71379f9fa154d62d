"""Transfer of sentenced persons: the prisoner's consent and the sentence left to serve
(legal.md T19, R-THR-09)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from comity.domain.legal.case import Case
from comity.domain.legal.engine import assess
from comity.domain.legal.findings import Severity
from tests.legal_builders import a_case, finding

B, W = Severity.BLOCKING, Severity.WARNING
CONSENT, TOO_SHORT = "PRISONER_CONSENT_REQUIRED", "REMAINING_SENTENCE_TOO_SHORT"


def severities(case: Case, code: str) -> list[Severity]:
    """The severities of every finding with ``code``, most serious first."""
    return [f.severity for f in assess(case) if f.code == code]


def transfer(profile: str = "ahc-2022-proposal", **fields: Any) -> Case:
    """A transfer of a sentenced person with ``fields`` (consent and 30 months by default)."""
    merged = {"prisoner_consent": True, "remaining_sentence_months": 30, **fields}
    return a_case("transfer_sentenced", profile, fields=merged)


def without(case: Case, name: str) -> Case:
    return replace(case, fields={k: v for k, v in case.fields.items() if k != name})


CONSENT_TABLE = [
    ("consent given", transfer(), []),
    ("consent given under budapest", transfer("budapest"), []),
    ("consent refused", transfer(prisoner_consent=False), [B]),
    ("consent not recorded", without(transfer(), "prisoner_consent"), [B]),
    ("'yes' is not a recorded consent", transfer(prisoner_consent="yes"), [B]),
    ("1 is not a recorded consent", transfer(prisoner_consent=1), [B]),
    ("other types need no prisoner consent", a_case("extradition"), []),
    ("temporary transfer is not this rule", a_case("temporary_transfer"), []),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in CONSENT_TABLE],
)
def test_prisoner_consent(case: Case, expected: list[Severity]) -> None:
    assert severities(case, CONSENT) == expected


def test_a_refusal_and_a_missing_consent_say_different_things() -> None:
    refused = finding(transfer(prisoner_consent=False), CONSENT)
    missing = finding(without(transfer(), "prisoner_consent"), CONSENT)
    assert "does not consent" in refused.message
    assert "does not record" in missing.message
    assert missing.needs == ("prisoner_consent",)
    assert refused.paths == missing.paths == ("fields.prisoner_consent",)


REMAINING_TABLE = [
    ("5 months", transfer(remaining_sentence_months=5), [B]),
    ("6 months", transfer(remaining_sentence_months=6), []),
    ("0 months", transfer(remaining_sentence_months=0), [B]),
    ("30 months", transfer(), []),
    ("not stated", without(transfer(), "remaining_sentence_months"), [W]),
    ("a boolean is not a number of months", transfer(remaining_sentence_months=True), [W]),
    ("a string is not a number of months", transfer(remaining_sentence_months="5"), [W]),
    (
        "indeterminate sentence",
        transfer(remaining_sentence_months=2, sentence={"indeterminate": True}),
        [],
    ),
    (
        "determinate sentence object",
        transfer(remaining_sentence_months=2, sentence={"indeterminate": False}),
        [B],
    ),
    ("sentence not an object", transfer(remaining_sentence_months=2, sentence="life"), [B]),
    (
        "other types",
        a_case("temporary_transfer", fields={"remaining_sentence_months": 1}),
        [],
    ),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in REMAINING_TABLE],
)
def test_remaining_sentence(case: Case, expected: list[Severity]) -> None:
    assert severities(case, TOO_SHORT) == expected


def test_the_minimum_is_read_from_the_profile() -> None:
    case = transfer(remaining_sentence_months=8)
    longer = replace(
        case.profile,
        thresholds={**case.profile.thresholds, "sentenced_transfer_min_remaining_months": 12},
    )
    assert severities(case, TOO_SHORT) == []
    found = finding(replace(case, profile=longer), TOO_SHORT)
    assert found.severity is B
    assert "at least 12" in found.message
    assert found.legal_basis == ("TSP art. 3(1)(c)", "TSP art. 3(2)")
