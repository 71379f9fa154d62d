"""Field checks: structure at save time, completeness at submission time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from comity.domain.catalogue import FieldSpec, FieldType, ProfileBasis, RequestType
from comity.domain.conditions import Predicate
from comity.domain.fields import completeness_issues, parse_instant, structural_issues
from comity.domain.values import Availability, Channel, Urgency
from tests.builders import catalogue, example_mla_fields, example_preservation_fields

F = FieldType


def spec(name: str, kind: FieldType, **options: Any) -> FieldSpec:
    return FieldSpec(name=name, type=kind, label=name.replace("_", " "), **options)


SPECS = (
    spec("s", F.STRING, max_length=5),
    spec("t", F.TEXT),
    spec("i", F.INTEGER, minimum=0),
    spec("n", F.NUMBER),
    spec("b", F.BOOLEAN),
    spec("d", F.DATE),
    spec("dt", F.DATETIME),
    spec("p", F.DURATION),
    spec("e", F.ENUM, values=("a", "b")),
    spec("st", F.STATE),
    spec("lang", F.LANGUAGE),
    spec("h", F.SHA256),
    spec("o", F.OBJECT, fields=(spec("x", F.STRING),)),
    spec("l", F.LIST, items=spec("item", F.INTEGER)),
)

GOOD = {
    "s": "abc",
    "t": "long text",
    "i": 3,
    "n": 2.5,
    "b": False,
    "d": "2026-01-31",
    "dt": "2026-01-31T10:00:00+01:00",
    "p": "P6M",
    "e": "a",
    "st": "XB",
    "lang": "fr",
    "h": "a" * 64,
    "o": {"x": "y"},
    "l": [1, 2.0],
}

BAD = {
    "s": ["abcdef", 5],
    "t": [7, "x" * 20_001],
    "i": [True, 1.5, "3", -1],
    "n": [False, "2"],
    "b": ["yes", 1],
    "d": ["31/01/2026", "2026-02-30", "2026-01-31T00:00:00", 20260131],
    "dt": ["2026-01-31T10:00:00", "tomorrow"],
    "p": ["6 months", "P", "PT"],
    "e": ["c", 1],
    "st": ["xb", "XBB"],
    "lang": ["EN", "english"],
    "h": ["A" * 64, "a" * 63],
    "o": [["x"], "x"],
    "l": [{"a": 1}, list(range(1001))],
}


def test_values_of_the_right_type_pass() -> None:
    assert structural_issues(SPECS, GOOD) == []
    assert structural_issues(SPECS, dict.fromkeys(GOOD)) == []


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, values in BAD.items() for v in values])
def test_values_of_the_wrong_type_or_format_are_invalid(name: str, value: Any) -> None:
    issues = structural_issues(SPECS, {name: value})
    assert [(issue.path, issue.kind) for issue in issues] == [(f"fields.{name}", "invalid")]


def test_nested_problems_carry_their_full_path() -> None:
    issues = structural_issues(SPECS, {"o": {"x": 1, "y": 2}, "l": [1, None, "z"], "zz": 0})
    assert [(issue.path, issue.kind) for issue in issues] == [
        ("fields.o.x", "invalid"),
        ("fields.o.y", "unknown"),
        ("fields.l[1]", "invalid"),
        ("fields.l[2]", "invalid"),
        ("fields.zz", "unknown"),
    ]


def _type(*fields: FieldSpec, availability: Availability = Availability.AVAILABLE) -> RequestType:
    return RequestType(
        code="t",
        ref="T99",
        title="Test",
        summary="A test type",
        description="A type for tests only.",
        coercive=False,
        channels=(Channel.CENTRAL_AUTHORITY, Channel.POLICE),
        urgencies=(Urgency.ROUTINE,),
        default_channel=Channel.CENTRAL_AUTHORITY,
        default_urgency=Urgency.ROUTINE,
        fields=fields,
        legal_basis={
            "p": ProfileBasis(availability, ("X art. 1",), channels=(Channel.CENTRAL_AUTHORITY,))
        },
    )


def _context(fields: dict[str, Any], **header: str) -> dict[str, Any]:
    return {"channel": "central_authority", "urgency": "routine", "fields": fields, **header}


def test_channel_and_urgency_must_be_allowed_under_the_profile() -> None:
    rtype = _type()
    assert completeness_issues(rtype, "p", _context({})) == []
    issues = completeness_issues(rtype, "p", _context({}, channel="police", urgency="emergency"))
    assert [(issue.path, issue.kind) for issue in issues] == [
        ("channel", "invalid"),
        ("urgency", "invalid"),
    ]


def test_a_treaty_only_form_must_cite_its_treaty() -> None:
    rtype = _type(
        spec("legal_basis", F.LIST, items=spec("c", F.STRING)),
        availability=Availability.TREATY_ONLY,
    )
    assert [i.path for i in completeness_issues(rtype, "p", _context({}))] == ["fields.legal_basis"]
    assert completeness_issues(rtype, "p", _context({"legal_basis": ["MLAT XA-XB art. 3"]})) == []


def test_conditional_requirements_constants_ordering_and_list_sizes() -> None:
    rtype = _type(
        spec("kind", F.ENUM, values=("a", "b")),
        spec("why", F.TEXT, required_when=Predicate("fields.kind", "equals", "b")),
        spec("promise", F.BOOLEAN, required=True, const=True),
        spec(
            "period",
            F.OBJECT,
            ordered=("from_", "to"),
            fields=(spec("from_", F.DATE), spec("to", F.DATETIME)),
        ),
        spec(
            "targets",
            F.LIST,
            min_items=2,
            items=spec(
                "target",
                F.OBJECT,
                fields=(
                    spec("ip", F.STRING),
                    spec("at", F.DATETIME, required_when=Predicate("@.ip", "present")),
                ),
            ),
        ),
    )
    fields = {
        "kind": "b",
        "promise": False,
        "period": {"from_": "2026-02-01", "to": "2026-01-31T23:00:00+00:00"},
        "targets": [{"ip": "192.0.2.1"}],
    }
    issues = completeness_issues(rtype, "p", _context(fields))
    assert [(issue.path, issue.kind) for issue in issues] == [
        ("fields.why", "missing"),
        ("fields.promise", "invalid"),
        ("fields.period.to", "invalid"),
        ("fields.targets", "missing"),
        ("fields.targets[0].at", "missing"),
    ]
    assert "required when fields.kind equals b" in issues[0].message
    fields.update(
        why="because",
        promise=True,
        period={"from_": "2026-01-01", "to": "2026-01-31T23:00:00+00:00"},
        targets=[{"ip": "192.0.2.1", "at": "2026-01-02T00:00:00Z"}, {}],
    )
    issues = completeness_issues(rtype, "p", _context(fields))
    assert [(issue.path, issue.kind) for issue in issues] == [("fields.targets[1]", "missing")]


def test_lists_of_scalars_are_checked_item_by_item() -> None:
    rtype = _type(spec("codes", F.LIST, items=spec("c", F.STRING, const="x")))
    issues = completeness_issues(rtype, "p", _context({"codes": ["x", "y", ""]}))
    assert [(issue.path, issue.kind) for issue in issues] == [
        ("fields.codes[1]", "invalid"),
        ("fields.codes[2]", "missing"),
    ]


def test_the_examples_are_complete_for_their_types() -> None:
    cat = catalogue()
    mla = cat.type("mla")
    context = {"channel": "central_authority", "urgency": "routine", "fields": example_mla_fields()}
    assert completeness_issues(mla, "ahc-2022-proposal", context) == []
    preservation = cat.type("preservation")
    context = {
        "channel": "network_24_7",
        "urgency": "urgent",
        "fields": example_preservation_fields(),
    }
    assert completeness_issues(preservation, "ahc-2022-proposal", context) == []


def test_emergency_urgency_requires_the_facts_and_their_link_to_the_request() -> None:
    mla = catalogue().type("mla")
    context = {
        "channel": "central_authority",
        "urgency": "emergency",
        "fields": example_mla_fields(),
    }
    paths = {issue.path for issue in completeness_issues(mla, "ahc-2022-proposal", context)}
    assert paths == {"fields.urgency_reasons", "fields.emergency_facts", "fields.emergency_nexus"}


def test_death_penalty_requires_an_assurance_for_extradition() -> None:
    extradition = catalogue().type("extradition")
    fields = {"offences": [{"death_penalty_possible": True}]}
    context = {"channel": "central_authority", "urgency": "routine", "fields": fields}
    paths = {issue.path for issue in completeness_issues(extradition, "ahc-2022-proposal", context)}
    assert "fields.death_penalty_assurance" in paths
    fields["offences"][0]["death_penalty_possible"] = False
    paths = {issue.path for issue in completeness_issues(extradition, "ahc-2022-proposal", context)}
    assert "fields.death_penalty_assurance" not in paths


def test_parse_instant_reads_dates_and_aware_datetimes_only() -> None:
    assert parse_instant("2026-01-31") == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_instant("2026-01-31T10:00:00Z") == datetime(2026, 1, 31, 10, tzinfo=UTC)
    assert parse_instant("2026-01-31T10:00:00") is None
    assert parse_instant("soon") is None
    assert parse_instant(None) is None


def test_top_level_periods_must_be_in_order() -> None:
    realtime = catalogue().type("realtime_traffic")
    fields = {"collection_start": "2026-05-02T00:00:00Z", "collection_end": "2026-05-01T00:00:00Z"}
    context = {"channel": "central_authority", "urgency": "routine", "fields": fields}
    issues = completeness_issues(realtime, "ahc-2022-proposal", context)
    assert ("fields.collection_end", "invalid") in {(i.path, i.kind) for i in issues}


def test_a_list_without_an_item_schema_only_counts_its_items() -> None:
    rtype = _type(spec("free", F.LIST, min_items=1))
    assert completeness_issues(rtype, "p", _context({"free": [1, "two"]})) == []


def test_text_that_cannot_be_stored_is_invalid_wherever_it_comes_from() -> None:
    issues = structural_issues(SPECS, {"s": "a\x00", "t": "\ud800", "\udc00": 1})
    assert [(issue.path, issue.kind) for issue in issues] == [
        ("fields.s", "invalid"),
        ("fields.t", "invalid"),
        ("fields.\\udc00", "unknown"),
    ]
    assert structural_issues(SPECS, {"t": "emoji 😀 and 中文"}) == []
