"""Builders for legal-engine cases: a complete, clear case per type, changed by keywords."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from comity.domain.directory import Declarations
from comity.domain.legal.case import (
    Case,
    OffenceFacts,
    PersonFacts,
    RequestedSideFacts,
    StateFacts,
)
from comity.domain.legal.engine import assess
from comity.domain.legal.findings import Finding
from comity.domain.legal.rules import extradition, mla
from comity.domain.values import Channel, ConductCategory, Urgency
from tests.builders import catalogue

# Both States criminalise every convention offence with five years at most.
FULL_TABLE = {str(c): 60 for c in ConductCategory if c is not ConductCategory.OTHER}


def a_state(code: str, **changes: Any) -> StateFacts:
    """A State that criminalises every convention offence (60 months), speaks English and
    declared nothing unusual."""
    state = StateFacts(code=code, penalties=dict(FULL_TABLE), languages=("en",))
    declarations = changes.pop("declarations", None)
    if declarations is not None:
        state = replace(state, declarations=Declarations(**declarations))
    return replace(state, **changes)


def an_offence(conduct: str = "computer_fraud", **changes: Any) -> OffenceFacts:
    """A convention offence punishable by 60 months in the requesting State."""
    return replace(OffenceFacts(conduct=ConductCategory(conduct), max_penalty_months=60), **changes)


def a_case(type_code: str = "mla", profile: str = "ahc-2022-proposal", **changes: Any) -> Case:
    """A case the engine should find nothing blocking in (unless ``changes`` say otherwise).

    ``fields`` are merged into a minimal set that states a purpose and bounded data targets.
    """
    cat = catalogue()
    fields: dict[str, Any] = {
        "purpose": "Criminal investigation of a phishing fraud (case 2026/17)",
        "purpose_code": "criminal_proc",
        "language": "en",
        "facts_summary": "Phishing pages hosted in the requested State defrauded 200 people.",
    }
    fields.update(changes.pop("fields", {}))
    case = Case(
        profile=cat.profile(profile),
        rtype=cat.type(type_code),
        requesting=a_state("XA"),
        requested=a_state("XB"),
        urgency=Urgency.ROUTINE,
        channel=Channel.CENTRAL_AUTHORITY,
        fields=fields,
        offences=(an_offence(),),
        persons=(PersonFacts(role="accused", nationalities=("XA",)),),
        requested_side=RequestedSideFacts(),
    )
    return replace(case, **changes)


def codes(case: Case) -> set[str]:
    """The finding codes the engine returns for ``case``."""
    return {finding.code for finding in assess(case)}


def finding(case: Case, code: str) -> Finding:
    """The one finding with ``code`` (fails if there is none or several)."""
    (found,) = [f for f in assess(case) if f.code == code]
    return found


def with_flags(case: Case, **flags: Any) -> Case:
    """``case`` under its profile with ``flags`` changed (None removes one)."""
    merged = {**case.profile.flags, **flags}
    profile = replace(case.profile, flags={k: v for k, v in merged.items() if v is not None})
    return replace(case, profile=profile)


def side(**facts: Any) -> RequestedSideFacts:
    """What the requested State knows, changed by ``facts``."""
    return RequestedSideFacts(**facts)


def grounds_findings(case: Case) -> list[Finding]:
    """The findings of the extradition and MLA rules for ``case``."""
    return [found for rule in (*extradition.RULES, *mla.RULES) for found in rule(case)]


def grounds_of(case: Case, code: str) -> list[Finding]:
    """The extradition and MLA findings with ``code``."""
    return [found for found in grounds_findings(case) if found.code == code]
