"""Findings: what the engine tells officers, each with a stable code and its legal basis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How much a finding weighs: ``blocking`` stops approval unless overridden in writing."""

    BLOCKING = "blocking"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER = {Severity.BLOCKING: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class FindingSpec:
    """The documentation of one finding code (``docs/legal-findings.md`` is built from these).

    ``ground`` names the refusal ground the requested State may invoke when the finding is
    about one (e.g. ``dual_criminality``); ``discretionary`` says the engine only surfaces it
    and a person decides.
    """

    code: str
    title: str
    legal_basis: tuple[str, ...]
    explanation: str
    ground: str | None = None
    discretionary: bool = False

    def finding(
        self,
        severity: Severity,
        message: str,
        paths: Sequence[str] = (),
        *,
        needs: Sequence[str] = (),
        legal_basis: Sequence[str] | None = None,
    ) -> Finding:
        """A finding of this code."""
        return Finding(
            code=self.code,
            severity=severity,
            legal_basis=tuple(legal_basis) if legal_basis is not None else self.legal_basis,
            message=message,
            paths=tuple(paths),
            needs=tuple(needs),
            ground=self.ground,
        )


@dataclass(frozen=True)
class Finding:
    """One result of the engine: a stable code, its weight, citations, a plain message, the
    input paths it used, and for a discretionary ground what input the decision needs."""

    code: str
    severity: Severity
    legal_basis: tuple[str, ...]
    message: str
    paths: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    ground: str | None = None

    @property
    def blocking(self) -> bool:
        """True if the finding stops approval unless overridden in writing."""
        return self.severity is Severity.BLOCKING
