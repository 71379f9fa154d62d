"""The engine as a whole: deterministic, order-independent, and never crashing on odd input."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from comity.domain.legal.engine import assess, is_clear, specs
from comity.domain.values import Channel, Urgency
from tests.builders import catalogue
from tests.legal_builders import a_case

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 100) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=10,
)
FIELD_NAMES = st.sampled_from(
    [
        "purpose",
        "purpose_code",
        "language",
        "data_categories",
        "data_targets",
        "judicial_authorisation",
        "emergency_facts",
        "emergency_nexus",
        "exceptional_justification",
        "impact_if_refused",
        "death_penalty_assurance",
        "prisoner_consent",
        "remaining_sentence_months",
        "copy_sent_via",
        "access_method",
        "offences",
        "persons",
    ]
)
TYPES = st.sampled_from(sorted(t.code for t in catalogue().types.values()))
PROFILES = st.sampled_from(["ahc-2022-proposal", "uncc-2024", "budapest"])


@settings(max_examples=300, deadline=None)
@given(
    TYPES,
    PROFILES,
    st.dictionaries(FIELD_NAMES, JSON, max_size=8),
    st.sampled_from(list(Channel)),
    st.sampled_from(list(Urgency)),
)
def test_any_input_gives_findings_never_an_exception(
    type_code: str, profile: str, fields: dict[str, Any], channel: Channel, urgency: Urgency
) -> None:
    case = a_case(type_code, profile, fields=fields, channel=channel, urgency=urgency)
    findings = assess(case)
    known = specs()
    assert all(finding.code in known for finding in findings)
    # Deterministic: the same case gives the same findings, in any field order.
    shuffled = replace(case, fields=dict(reversed(list(case.fields.items()))))
    assert assess(shuffled) == findings
    assert is_clear(findings) == (not any(f.blocking for f in findings))


def test_the_clear_baseline_case_is_clear_for_every_mla_like_type() -> None:
    for type_code in ("mla", "stored_data", "preservation"):
        assert is_clear(assess(a_case(type_code))), type_code
