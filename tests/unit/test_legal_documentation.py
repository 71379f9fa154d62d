"""docs/legal-findings.md is generated from the engine's finding specs and must match them."""

from __future__ import annotations

from pathlib import Path

from comity.domain.legal.documentation import findings_markdown
from comity.domain.legal.engine import specs
from comity.domain.legal.findings import FindingSpec

DOCS = Path(__file__).parents[2] / "docs" / "legal-findings.md"


def test_the_findings_reference_is_up_to_date() -> None:
    expected = findings_markdown(specs())
    assert DOCS.read_text("utf-8") == expected, (
        "docs/legal-findings.md is stale: run "
        "`.venv/bin/comity legal findings --markdown > docs/legal-findings.md`"
    )


def test_every_code_has_a_title_and_citations() -> None:
    for code, spec in specs().items():
        assert spec.title and spec.explanation, code
        assert spec.legal_basis, code


def test_a_row_names_the_ground_and_whether_it_is_discretionary() -> None:
    spec = FindingSpec(
        code="X_CODE",
        title="A | B",
        legal_basis=("UNCC art. 37(1)", "Statement Q13"),
        explanation="…",
        ground="nationality",
        discretionary=True,
    )
    row = findings_markdown({"X_CODE": spec}).splitlines()[-1]
    assert row == (
        "| `X_CODE` | A \\| B | nationality (discretionary) | UNCC art. 37(1); Statement Q13 |"
    )
