"""Rules: persons (filled in by its module's author)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from comity.domain.legal.case import Case
from comity.domain.legal.findings import Finding, FindingSpec

SPECS: tuple[FindingSpec, ...] = ()
RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = ()
