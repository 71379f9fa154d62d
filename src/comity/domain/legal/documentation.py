"""The reference of every finding code, as Markdown (``docs/legal-findings.md`` is this text;
a test keeps the file equal to it, so the documentation cannot drift from the code)."""

from __future__ import annotations

from collections.abc import Mapping

from comity.domain.legal.findings import FindingSpec

HEADER = """# Legal findings

Every code the legal engine can return (`POST /api/v1/assessments`, and the checks run when a
draft is submitted and when a request arrives). Severity depends on the case and the framework
profile; the citations are those of `../shared/reference/legal.md` (see its confidence
markers). Generated from the code: `comity legal findings --markdown > docs/legal-findings.md`.

| code | what it means | refusal ground | legal basis |
|---|---|---|---|
"""


def findings_markdown(specs: Mapping[str, FindingSpec]) -> str:
    """One table row per finding code, in code order."""
    rows = []
    for code in sorted(specs):
        spec = specs[code]
        ground = spec.ground or ""
        if spec.ground and spec.discretionary:
            ground += " (discretionary)"
        basis = "; ".join(spec.legal_basis)
        title = spec.title.replace("|", "\\|")
        rows.append(f"| `{code}` | {title} | {ground} | {basis} |")
    return HEADER + "\n".join(rows) + "\n"
