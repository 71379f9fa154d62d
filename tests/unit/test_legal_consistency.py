"""Contradictory facts name the contradiction instead of crashing, and properties of the
threshold, dual-criminality, persons and consistency rules: adding a blocking fact never
clears a case, and the order of the fields never matters."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.domain.legal.case import Case, PersonFacts
from comity.domain.legal.engine import assess
from comity.domain.legal.findings import Finding, Severity
from comity.domain.legal.rules import consistency, dual_criminality, persons, thresholds
from tests.legal_builders import FULL_TABLE, a_case, a_state, an_offence, finding

B, W = Severity.BLOCKING, Severity.WARNING
CONTRADICTION = "CONTRADICTORY_FACTS"


def severities(case: Case) -> list[Severity]:
    """The severities of every CONTRADICTORY_FACTS finding, most serious first."""
    return [f.severity for f in assess(case) if f.code == CONTRADICTION]


def target(date_from: Any, date_to: Any) -> dict[str, Any]:
    return {
        "description": "Login records",
        "identifiers": ["user@example.org"],
        "data_categories": ["traffic"],
        "date_from": date_from,
        "date_to": date_to,
    }


TABLE = [
    # No offence where the catalogue says the type always has one.
    ("extradition with no offence", a_case("extradition", offences=()), [B]),
    ("provisional arrest with no offence", a_case("provisional_arrest", offences=()), [B]),
    ("MLA with no offence", a_case("mla", offences=()), [B]),
    (
        "spontaneous information needs no offence",
        a_case("spontaneous_information", offences=()),
        [],
    ),
    (
        "supplementary information needs no offence",
        a_case("supplementary_information", offences=()),
        [],
    ),
    ("extradition with an offence", a_case("extradition"), []),
    # The example: a death penalty with no offence.
    (
        "death-penalty assurance with no offence",
        a_case("spontaneous_information", offences=(), fields={"death_penalty_assurance": "No."}),
        [B],
    ),
    (
        "death penalty flagged with no offence",
        a_case("spontaneous_information", offences=(), fields={"death_penalty_possible": True}),
        [B],
    ),
    (
        "death penalty flagged, no offence carries it",
        a_case("extradition", fields={"death_penalty_possible": True}),
        [B],
    ),
    (
        "death penalty flagged and carried",
        a_case(
            "extradition",
            fields={"death_penalty_possible": True, "death_penalty_assurance": "Not imposed."},
            offences=(an_offence(death_penalty_possible=True),),
        ),
        [],
    ),
    (
        "an assurance with offences is no contradiction",
        a_case("extradition", fields={"death_penalty_assurance": "x"}),
        [],
    ),
    (
        "an empty assurance is not an assurance",
        a_case("spontaneous_information", offences=(), fields={"death_penalty_assurance": ""}),
        [],
    ),
    (
        "'yes' is not the flag",
        a_case("spontaneous_information", offences=(), fields={"death_penalty_possible": "yes"}),
        [],
    ),
    # Penalties and sentences.
    ("negative maximum penalty", a_case("mla", offences=(an_offence(max_penalty_months=-1),)), [B]),
    (
        "zero maximum penalty",
        a_case("video_hearing", offences=(an_offence(max_penalty_months=0),)),
        [],
    ),
    ("negative remaining sentence", a_case("mla", fields={"remaining_sentence_months": -1}), [B]),
    (
        "remaining sentence longer than imposed",
        a_case("mla", fields={"remaining_sentence_months": 30, "sentence": {"length_months": 24}}),
        [B],
    ),
    (
        "remaining sentence equal to imposed",
        a_case("mla", fields={"remaining_sentence_months": 24, "sentence": {"length_months": 24}}),
        [],
    ),
    (
        "odd remaining sentence",
        a_case("mla", fields={"remaining_sentence_months": "-1", "sentence": "long"}),
        [],
    ),
    (
        "odd sentence length",
        a_case(
            "mla", fields={"remaining_sentence_months": 30, "sentence": {"length_months": "24"}}
        ),
        [],
    ),
    (
        "more left than imposed (extradition for enforcement)",
        a_case(
            "extradition", fields={"sentence_remaining_months": 10, "sentence_imposed_months": 8}
        ),
        [B],
    ),
    (
        "less left than imposed",
        a_case(
            "extradition", fields={"sentence_remaining_months": 8, "sentence_imposed_months": 10}
        ),
        [],
    ),
    # Periods.
    (
        "data target ending before it starts",
        a_case("mla", fields={"data_targets": [target("2026-02-01", "2026-01-01")]}),
        [B],
    ),
    (
        "data target of one day",
        a_case("mla", fields={"data_targets": [target("2026-01-01", "2026-01-01")]}),
        [],
    ),
    (
        "date-time with an offset against a date",
        a_case(
            "stored_data",
            fields={"data_targets": [target("2026-01-02T10:00:00+02:00", "2026-01-01")]},
        ),
        [B],
    ),
    (
        "unreadable dates",
        a_case("mla", fields={"data_targets": [target("yesterday", 20260101)]}),
        [],
    ),
    (
        "data targets not a list",
        a_case("mla", fields={"data_targets": {"date_from": "2026-02-01"}}),
        [],
    ),
    ("a data target not an object", a_case("mla", fields={"data_targets": ["2026-02-01"]}), []),
    (
        "data_targets checked whatever the type",
        a_case("extradition", fields={"data_targets": [target("2026-02-01", "2026-01-01")]}),
        [B],
    ),
    (
        "second target of two",
        a_case(
            "mla",
            fields={
                "data_targets": [
                    target("2026-01-01", "2026-02-01"),
                    target("2026-03-01", "2026-02-01"),
                ]
            },
        ),
        [B],
    ),
    (
        "data to preserve (catalogue)",
        a_case("preservation", fields={"data_to_preserve": [target("2026-02-01", "2026-01-01")]}),
        [B],
    ),
    (
        "collection window (catalogue, top level)",
        a_case(
            "interception",
            fields={"collection_start": "2026-03-01", "collection_end": "2026-02-01"},
        ),
        [B],
    ),
    (
        "collection window in order",
        a_case(
            "interception",
            fields={"collection_start": "2026-01-01", "collection_end": "2026-02-01"},
        ),
        [],
    ),
    # Nationality of the person sought.
    (
        "accused without nationality",
        a_case("extradition", persons=(PersonFacts(role="accused"),)),
        [W],
    ),
    (
        "suspect without nationality",
        a_case("provisional_arrest", persons=(PersonFacts(role="suspect"),)),
        [W],
    ),
    (
        "nationality given in the fields",
        a_case(
            "extradition",
            persons=(PersonFacts(role="accused"),),
            fields={"person": {"nationalities": ["XB"]}},
        ),
        [],
    ),
    (
        "odd person field",
        a_case(
            "extradition",
            persons=(PersonFacts(role="accused"),),
            fields={"person": {"nationalities": "XB"}},
        ),
        [W],
    ),
    (
        "a witness's nationality does not matter",
        a_case("extradition", persons=(PersonFacts(role="witness"),)),
        [],
    ),
    ("MLA does not ask", a_case("mla", persons=(PersonFacts(role="accused"),)), []),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name) for name, case, expected in TABLE],
)
def test_contradictory_facts(case: Case, expected: list[Severity]) -> None:
    assert severities(case) == expected


def test_the_finding_names_the_contradiction_and_its_paths() -> None:
    case = a_case("mla", fields={"data_targets": [target("2026-02-01", "2026-01-01")]})
    found = finding(case, CONTRADICTION)
    assert "date_from (2026-02-01) is after date_to (2026-01-01)" in found.message
    assert found.paths == ("fields.data_targets[0].date_from", "fields.data_targets[0].date_to")
    death = finding(
        a_case("spontaneous_information", offences=(), fields={"death_penalty_possible": True}),
        CONTRADICTION,
    )
    assert "death penalty" in death.message
    assert "no offence" in death.message


# Properties, over the rules of these four modules only, so that another subject's rules
# cannot make them pass or fail.
MODULES = (consistency, thresholds, dual_criminality, persons)
TYPES = (
    "extradition",
    "provisional_arrest",
    "mla",
    "preservation",
    "subscriber_info",
    "transfer_proceedings",
    "transfer_sentenced",
    "spontaneous_information",
)
PROFILES = ("ahc-2022-proposal", "uncc-2024", "budapest")
CONDUCTS = ("computer_fraud", "illegal_access", "csam", "other")


def run(case: Case) -> tuple[Finding, ...]:
    """The findings of the four modules, in a stable order."""
    found = {f for module in MODULES for rule in module.RULES for f in rule(case)}
    return tuple(sorted(found, key=lambda f: (f.code, f.paths, f.message, f.severity)))


def blocked(case: Case) -> bool:
    """True if one of the four modules blocks the case."""
    return any(f.blocking for f in run(case))


months = st.one_of(st.none(), st.integers(min_value=0, max_value=120))
offence = st.builds(
    lambda conduct, penalty, accessory, convention: an_offence(
        conduct, max_penalty_months=penalty, accessory=accessory, convention_offence=convention
    ),
    st.sampled_from(CONDUCTS),
    months,
    st.booleans(),
    st.sampled_from((None, True, False)),
)
table = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(CONDUCTS[:3]), st.integers(min_value=0, max_value=120)),
)
field_values = st.fixed_dictionaries(
    {},
    optional={
        "exceptional_justification": st.sampled_from(("Needed.", "", None)),
        "impact_if_refused": st.sampled_from(("The case closes.", "")),
        "prisoner_consent": st.sampled_from((True, False, "yes", None)),
        "remaining_sentence_months": st.one_of(
            st.integers(min_value=-3, max_value=40), st.text(max_size=2)
        ),
        "sentence": st.sampled_from(({"indeterminate": True}, {"length_months": 12}, "x")),
        "requesting_state_role": st.sampled_from(("administering_state", "sentencing_state")),
        "extradition_purpose": st.sampled_from(("enforcement_of_sentence", "prosecution")),
        "sentence_imposed_months": st.one_of(st.integers(min_value=0, max_value=12), st.booleans()),
        "death_penalty_possible": st.booleans(),
        "data_targets": st.lists(
            st.builds(
                target,
                st.sampled_from(("2026-01-01", "2026-02-01", "bad")),
                st.sampled_from(("2026-01-15", None)),
            ),
            max_size=2,
        ),
    },
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    return a_case(
        draw(st.sampled_from(TYPES)),
        draw(st.sampled_from(PROFILES)),
        offences=tuple(draw(st.lists(offence, max_size=3))),
        requested=a_state("XB", penalties=draw(table)),
        requesting=a_state("XA", penalties=draw(table)),
        fields=draw(field_values),
    )


def lower_penalty(case: Case, index: int, amount: int) -> Case:
    """The offence ``index`` punished less in the requesting State."""
    if not case.offences:
        return case
    index %= len(case.offences)
    old = case.offences[index].max_penalty_months
    changed = replace(
        case.offences[index],
        max_penalty_months=max(0, (old or 0) - amount) if old is not None else None,
    )
    return replace(case, offences=(*case.offences[:index], changed, *case.offences[index + 1 :]))


def lower_requested(case: Case, index: int, amount: int) -> Case:
    """The conduct of offence ``index`` punished less in the requested State (where listed)."""
    penalties = case.requested.penalties
    if not case.offences or penalties is None:
        return case
    conduct = str(case.offences[index % len(case.offences)].conduct)
    if conduct not in penalties:
        return case
    lowered = {**penalties, conduct: max(0, penalties[conduct] - amount)}
    return replace(case, requested=replace(case.requested, penalties=lowered))


def decriminalise(case: Case, index: int, amount: int) -> Case:
    """The conduct of offence ``index`` no longer punished in the requested State."""
    penalties = case.requested.penalties
    if not case.offences or penalties is None:
        return case
    conduct = str(case.offences[index % len(case.offences)].conduct)
    remaining = {k: v for k, v in penalties.items() if k != conduct}
    return replace(case, requested=replace(case.requested, penalties=remaining))


def drop_field(name: str) -> Any:
    def worsen(case: Case, index: int, amount: int) -> Case:
        return replace(case, fields={k: v for k, v in case.fields.items() if k != name})

    return worsen


def refuse_consent(case: Case, index: int, amount: int) -> Case:
    return replace(case, fields={**case.fields, "prisoner_consent": False})


def shorten_sentence(case: Case, index: int, amount: int) -> Case:
    remaining = case.fields.get("remaining_sentence_months")
    if not isinstance(remaining, int) or isinstance(remaining, bool):
        return case
    if "CONTRADICTORY_FACTS" in {f.code for f in run(case)}:
        # Shortening a remaining sentence longer than the one imposed resolves a
        # contradiction: that is a correction, not a worsening.
        return case
    return replace(case, fields={**case.fields, "remaining_sentence_months": remaining - amount})


WORSENINGS = (
    lower_penalty,
    lower_requested,
    decriminalise,
    drop_field("exceptional_justification"),
    drop_field("impact_if_refused"),
    refuse_consent,
    shorten_sentence,
)


@settings(max_examples=300, deadline=None)
@given(
    cases(),
    st.sampled_from(WORSENINGS),
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=0, max_value=60),
)
def test_adding_a_blocking_fact_never_clears_a_blocked_case(
    case: Case, worsen: Any, index: int, amount: int
) -> None:
    if blocked(case):
        assert blocked(worsen(case, index, amount))


@settings(max_examples=200, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_the_order_of_the_fields_does_not_matter(case: Case, random: Any) -> None:
    items = list(case.fields.items())
    random.shuffle(items)
    shuffled = replace(case, fields=dict(items))
    assert run(shuffled) == run(case)
    assert assess(shuffled) == assess(case)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=8,
)
READ = (
    "death_penalty_possible",
    "death_penalty_assurance",
    "remaining_sentence_months",
    "sentence",
    "sentence_remaining_months",
    "sentence_imposed_months",
    "data_targets",
    "data_to_preserve",
    "collection_start",
    "collection_end",
    "person",
    "prisoner_consent",
    "requesting_state_role",
    "extradition_purpose",
    "exceptional_justification",
    "impact_if_refused",
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from((*TYPES, "interception")),
    st.dictionaries(st.sampled_from(READ), JSON),
)
def test_odd_fields_never_crash(type_code: str, fields: dict[str, Any]) -> None:
    # Anything JSON can hold, in any field these rules read: findings, never an exception.
    run(a_case(type_code, fields=fields))


def test_a_case_with_every_conduct_punished_is_clear_of_these_rules() -> None:
    for type_code in TYPES:
        case = a_case(
            type_code,
            requested=a_state("XB", penalties=dict(FULL_TABLE)),
            fields={"prisoner_consent": True, "remaining_sentence_months": 30},
        )
        assert not blocked(case), type_code
