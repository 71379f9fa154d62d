"""The data-protection rules of a request: purpose, bounded scope, declared transfer
restrictions and onward transfer (statement Q7; legal.md §4, §7 D10).

Each table gives cases where a code fires and cases where it must not; the rules of this module
run alone so a finding of another subject cannot hide or fake one of these.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.domain.directory import TransferRestriction
from comity.domain.legal.case import Case, StateFacts
from comity.domain.legal.engine import specs
from comity.domain.legal.findings import Finding, Severity
from comity.domain.legal.rules import data_protection
from tests.builders import catalogue
from tests.legal_builders import a_case, a_state, with_flags

STATEMENT = "ahc-2022-proposal"
UNCC = "uncc-2024"
BUDAPEST = "budapest"


def target(**changes: Any) -> dict[str, Any]:
    """A bounded data target."""
    item: dict[str, Any] = {
        "description": "Account used to host the phishing pages",
        "identifiers": ["user@example.org"],
        "data_categories": ["subscriber"],
        "date_from": "2026-01-01",
        "date_to": "2026-02-01",
        "nexus_to_offence": "Hosted the pages",
    }
    item.update(changes)
    return {key: value for key, value in item.items() if value is not None}


def run(case: Case) -> list[Finding]:
    """Every finding of this module's rules for ``case``."""
    return [found for rule in data_protection.RULES for found in rule(case)]


def of(case: Case, code: str) -> list[Finding]:
    """The findings with ``code``."""
    return [found for found in run(case) if found.code == code]


def without_personal_data(case: Case) -> Case:
    """``case`` naming no person and seeking no data."""
    return replace(case, persons=())


def restricting(code: str, to: str, ground: str = "state_security") -> StateFacts:
    """A State that declared a restriction on transfers to ``to``."""
    restriction = TransferRestriction(to=to, ground=ground)
    return a_state(code, declarations={"cross_border_transfer_restrictions": (restriction,)})


# -- PURPOSE_NOT_STATED -------------------------------------------------------------------------

PURPOSE_FIRES = [
    pytest.param({"purpose": None}, ("fields.purpose",), "no purpose", id="no-purpose"),
    pytest.param({"purpose": "   "}, ("fields.purpose",), "no purpose", id="blank-purpose"),
    pytest.param({"purpose": 42}, ("fields.purpose",), "no purpose", id="purpose-not-text"),
    pytest.param({"purpose_code": None}, ("fields.purpose_code",), "no kind", id="no-purpose-code"),
    pytest.param(
        {"purpose_code": "marketing"},
        ("fields.purpose_code",),
        "'marketing' is not a purpose",
        id="purpose-outside-dp-s7",
    ),
    pytest.param(
        {"purpose": None, "purpose_code": ["criminal_proc"]},
        ("fields.purpose", "fields.purpose_code"),
        "no kind",
        id="both-missing",
    ),
]


@pytest.mark.parametrize(("fields", "paths", "says"), PURPOSE_FIRES)
def test_purpose_not_stated(fields: dict[str, Any], paths: tuple[str, ...], says: str) -> None:
    # None removes the builder's value for that field.
    case = a_case(fields=fields)
    case = replace(case, fields={k: v for k, v in case.fields.items() if v is not None})
    (found,) = of(case, "PURPOSE_NOT_STATED")
    assert found.severity is Severity.BLOCKING
    assert found.paths == paths
    assert found.needs == paths
    assert says in found.message
    assert "Statement Q7" in found.legal_basis


@pytest.mark.parametrize("code", data_protection.PURPOSE_CODES)
def test_every_dp_s7_purpose_is_accepted(code: str) -> None:
    assert of(a_case(fields={"purpose_code": code}), "PURPOSE_NOT_STATED") == []


def test_a_type_without_a_purpose_field_is_left_alone() -> None:
    case = a_case("asset_return", fields={"purpose": None})
    rtype = replace(case.rtype, fields=tuple(f for f in case.rtype.fields if f.name != "purpose"))
    assert of(replace(case, rtype=rtype), "PURPOSE_NOT_STATED") == []


def test_purpose_codes_are_the_catalogue_enum() -> None:
    for rtype in catalogue().types.values():
        spec = rtype.field("purpose_code")
        assert spec is not None, rtype.code
        assert spec.values == data_protection.PURPOSE_CODES, rtype.code


# -- DATA_SCOPE_UNBOUNDED -----------------------------------------------------------------------

SCOPE_FIRES = [
    pytest.param(
        {"data_targets": [target(date_to=None)]},
        [("fields.data_targets[0].date_to",)],
        id="no-end-date",
    ),
    pytest.param(
        {"data_targets": [target(), target(data_categories=[], date_from=7)]},
        [("fields.data_targets[1].date_from", "fields.data_targets[1].data_categories")],
        id="second-target-no-start-no-categories",
    ),
    pytest.param(
        {"data_targets": [target(data_categories=["traffic", "All"])]},
        [("fields.data_targets[0].data_categories",)],
        id="wildcard-in-target",
    ),
    pytest.param(
        {"data_categories": ["all"], "data_targets": [target()]},
        [("fields.data_categories",)],
        id="wildcard-at-top",
    ),
    pytest.param(
        {"data_categories": ["traffic"]},
        [("fields.data_categories", "fields.data_targets")],
        id="categories-without-targets",
    ),
    pytest.param(
        {"data_targets": ["everything", target(date_from="", date_to=None)]},
        [
            ("fields.data_targets[0]",),
            ("fields.data_targets[1].date_from", "fields.data_targets[1].date_to"),
        ],
        id="target-not-an-object",
    ),
]


@pytest.mark.parametrize(("fields", "paths"), SCOPE_FIRES)
def test_data_scope_unbounded(fields: dict[str, Any], paths: list[tuple[str, ...]]) -> None:
    found = of(a_case("stored_data", fields=fields), "DATA_SCOPE_UNBOUNDED")
    assert [f.paths for f in found] == paths
    assert all(f.severity is Severity.BLOCKING for f in found)


SCOPE_SILENT = [
    pytest.param({"data_targets": [target(), target(data_categories=["traffic"])]}, id="bounded"),
    pytest.param({}, id="no-data-sought"),
    pytest.param(
        {"data_categories": ["content"], "data_targets": [target()]}, id="top-and-targets"
    ),
    pytest.param({"data_targets": "all", "data_categories": "all"}, id="not-lists"),
]


@pytest.mark.parametrize("fields", SCOPE_SILENT)
def test_data_scope_bounded(fields: dict[str, Any]) -> None:
    assert of(a_case("stored_data", fields=fields), "DATA_SCOPE_UNBOUNDED") == []


# -- TRANSFER_RESTRICTED_BY_STATE ---------------------------------------------------------------

RESTRICTION_FIRES = [
    pytest.param(
        a_case(requesting=restricting("XA", "XB")),
        Severity.BLOCKING,
        ("states.XA.declarations.cross_border_transfer_restrictions", "profile"),
        "state_security",
        id="sender-restricts",
    ),
    pytest.param(
        a_case(requested=restricting("XB", "XA", "economic_interests")),
        Severity.WARNING,
        ("states.XB.declarations.cross_border_transfer_restrictions", "profile"),
        "economic_interests",
        id="answerer-restricts",
    ),
    pytest.param(
        a_case(persons=(), fields={"data_targets": [target()]}, requesting=restricting("XA", "XB")),
        Severity.BLOCKING,
        ("states.XA.declarations.cross_border_transfer_restrictions", "profile"),
        "cannot be sent",
        id="data-sought-is-personal-data",
    ),
]


@pytest.mark.parametrize(("case", "severity", "paths", "says"), RESTRICTION_FIRES)
def test_transfer_restricted_by_state(
    case: Case, severity: Severity, paths: tuple[str, ...], says: str
) -> None:
    (found,) = of(case, "TRANSFER_RESTRICTED_BY_STATE")
    assert found.severity is severity
    assert found.paths == paths
    assert says in found.message
    assert found.legal_basis == ("Statement Q7",)


def test_both_directions_restricted_give_both_findings() -> None:
    case = a_case(requesting=restricting("XA", "XB"), requested=restricting("XB", "XA"))
    found = of(case, "TRANSFER_RESTRICTED_BY_STATE")
    assert sorted(f.severity for f in found) == [Severity.BLOCKING, Severity.WARNING]


RESTRICTION_SILENT = [
    pytest.param(a_case(), id="no-restriction"),
    pytest.param(a_case(requesting=restricting("XA", "XC")), id="restriction-to-another-state"),
    pytest.param(
        without_personal_data(a_case(requesting=restricting("XA", "XB"))), id="no-personal-data"
    ),
]


@pytest.mark.parametrize("case", RESTRICTION_SILENT)
def test_transfer_not_restricted(case: Case) -> None:
    assert of(case, "TRANSFER_RESTRICTED_BY_STATE") == []


@pytest.mark.parametrize(
    ("profile", "basis", "says"),
    [
        (STATEMENT, ("Statement Q7",), "constitutional order"),
        (UNCC, ("Statement Q7", "UNCC art. 36"), "data-protection law"),
        (BUDAPEST, ("Statement Q7", "2AP art. 14(15)"), "suspension procedure"),
    ],
)
def test_what_a_restriction_rests_on_depends_on_the_profile(
    profile: str, basis: tuple[str, ...], says: str
) -> None:
    (found,) = of(
        a_case(profile=profile, requesting=restricting("XA", "XB")), "TRANSFER_RESTRICTED_BY_STATE"
    )
    assert found.legal_basis == basis
    assert says in found.message


def test_an_unknown_restriction_rule_reads_as_the_statements() -> None:
    case = with_flags(a_case(requesting=restricting("XA", "XB")), transfer_restriction_grounds=3)
    (found,) = of(case, "TRANSFER_RESTRICTED_BY_STATE")
    assert found.legal_basis == ("Statement Q7",)


# -- ONWARD_TRANSFER_PROHIBITED -----------------------------------------------------------------

ONWARD_FIRES = [
    pytest.param(
        STATEMENT, "may not be passed on to any third State", ("Statement Q7",), id="statement"
    ),
    pytest.param(UNCC, "prior authorisation", ("UNCC art. 36",), id="uncc"),
    pytest.param(BUDAPEST, "prior authorisation", ("2AP art. 14(10)",), id="budapest"),
]


@pytest.mark.parametrize(("profile", "says", "basis"), ONWARD_FIRES)
def test_onward_transfer(profile: str, says: str, basis: tuple[str, ...]) -> None:
    (found,) = of(a_case(profile=profile), "ONWARD_TRANSFER_PROHIBITED")
    assert found.severity is Severity.INFO
    assert says in found.message
    assert found.legal_basis == basis
    assert found.paths == ("profile",)


def test_prior_written_authorisation_is_named() -> None:
    case = with_flags(a_case(profile=UNCC), onward_transfer_mode="prior_written_authorisation")
    (found,) = of(case, "ONWARD_TRANSFER_PROHIBITED")
    assert "prior written authorisation" in found.message


def test_an_authorisation_rule_without_known_instruments_cites_the_spec() -> None:
    case = a_case(profile=UNCC)
    case = replace(case, profile=replace(case.profile, instruments=("UNTOC",)))
    (found,) = of(case, "ONWARD_TRANSFER_PROHIBITED")
    assert found.legal_basis == data_protection.ONWARD_TRANSFER_PROHIBITED.legal_basis


ONWARD_SILENT = [
    pytest.param(without_personal_data(a_case()), id="no-personal-data"),
    pytest.param(with_flags(a_case(), onward_transfer_mode=None), id="profile-silent"),
    pytest.param(with_flags(a_case(), onward_transfer_mode=["prohibited"]), id="flag-malformed"),
    pytest.param(with_flags(a_case(), onward_transfer_mode="free"), id="unknown-mode"),
]


@pytest.mark.parametrize("case", ONWARD_SILENT)
def test_no_onward_transfer_notice(case: Case) -> None:
    assert of(case, "ONWARD_TRANSFER_PROHIBITED") == []


@pytest.mark.parametrize(
    "fields",
    [
        {"persons": [{"role": "witness", "names": "J. Doe"}]},
        {"data_targets": [target()]},
        {"data_categories": ["subscriber"]},
    ],
)
def test_persons_or_data_sought_in_the_fields_carry_personal_data(fields: dict[str, Any]) -> None:
    assert data_protection.carries_personal_data(a_case(persons=(), fields=fields))


@pytest.mark.parametrize(
    "fields", [{}, {"persons": "J. Doe", "data_targets": {}, "data_categories": [" ", 3]}]
)
def test_nothing_personal_carries_no_personal_data(fields: dict[str, Any]) -> None:
    assert not data_protection.carries_personal_data(a_case(persons=(), fields=fields))


# -- profile differences (legal.md §7 D10) ------------------------------------------------------


def test_d10_onward_transfer_differs_by_profile() -> None:
    case = a_case("stored_data", fields={"data_targets": [target()]})
    messages = {
        profile: of(
            replace(case, profile=catalogue().profile(profile)), "ONWARD_TRANSFER_PROHIBITED"
        )[0].message
        for profile in (STATEMENT, UNCC, BUDAPEST)
    }
    assert "may not be passed on to any" in messages[STATEMENT]
    assert "prior authorisation" in messages[UNCC]
    assert "prior authorisation" in messages[BUDAPEST]
    assert messages[STATEMENT] != messages[UNCC]


def test_every_code_is_known_to_the_engine() -> None:
    known = specs()
    for spec in data_protection.SPECS:
        assert known[spec.code] is spec
        assert spec.legal_basis and all("[" not in citation for citation in spec.legal_basis)


# -- malformed fields ---------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "purpose",
        "purpose_code",
        "data_targets",
        "data_categories",
        "date_from",
        "date_to",
        "persons",
    ]
) | st.text(max_size=5)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["criminal_proc", "all", "traffic", "2026-01-01", " "])
    | st.text(max_size=8)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(KEYS, JSON, max_size=8),
    profile=st.sampled_from([STATEMENT, UNCC, BUDAPEST]),
    restricted=st.booleans(),
)
def test_malformed_fields_never_crash_and_order_does_not_matter(
    fields: dict[str, Any], profile: str, restricted: bool
) -> None:
    case = a_case("stored_data", profile)
    if restricted:
        case = replace(case, requesting=restricting("XA", "XB"))
    case = replace(case, fields=fields)
    reordered = replace(case, fields=dict(reversed(list(fields.items()))))
    found = run(case)
    assert sorted(map(repr, found)) == sorted(map(repr, run(reordered)))
    assert {f.code for f in found} <= {spec.code for spec in data_protection.SPECS}


def test_fields_that_are_not_an_object_count_as_empty() -> None:
    case = replace(a_case(), fields="purpose")  # type: ignore[arg-type]
    assert {f.code for f in run(case)} == {"PURPOSE_NOT_STATED", "ONWARD_TRANSFER_PROHIBITED"}
