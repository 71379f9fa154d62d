"""Runs every rule over a case and returns the findings in a stable order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from comity.domain.legal.case import Case
from comity.domain.legal.findings import SEVERITY_ORDER, Finding, FindingSpec
from comity.domain.legal.rules import (
    channels,
    consistency,
    data_protection,
    dual_criminality,
    extradition,
    mla,
    persons,
    thresholds,
)

Rule = Callable[[Case], Iterable[Finding]]

_MODULES = (
    consistency,
    thresholds,
    dual_criminality,
    extradition,
    mla,
    channels,
    persons,
    data_protection,
)

RULES: tuple[Rule, ...] = tuple(rule for module in _MODULES for rule in module.RULES)


def specs() -> Mapping[str, FindingSpec]:
    """Every finding code the engine can produce, with its documentation, by code."""
    found: dict[str, FindingSpec] = {}
    for module in _MODULES:
        for spec in module.SPECS:
            # One code may be produced by two subjects (ESSENTIAL_INTERESTS: extradition and
            # MLA); its documentation is the first module's.
            found.setdefault(spec.code, spec)
    return dict(sorted(found.items()))


def assess(case: Case) -> tuple[Finding, ...]:
    """Every finding for ``case``: blocking first, then warnings, then information; the same
    case always gives the same findings in the same order."""
    findings = {
        (finding.code, finding.paths, finding.message): finding
        for rule in RULES
        for finding in rule(case)
    }
    return tuple(
        sorted(
            findings.values(),
            key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.paths, f.message),
        )
    )


def is_clear(findings: Iterable[Finding]) -> bool:
    """True if no finding blocks."""
    return not any(finding.blocking for finding in findings)
