"""Catalogue conditions: paths, operators, combinators, descriptions."""

from __future__ import annotations

import pytest

from comity.domain.conditions import (
    AllOf,
    AnyOf,
    Not,
    Predicate,
    describe,
    is_blank,
    parse_condition,
    resolve,
)
from comity.domain.errors import CatalogueError

CONTEXT = {
    "urgency": "emergency",
    "fields": {
        "kind": "b",
        "empty": "  ",
        "targets": [{"cats": ["traffic"], "ip": "1"}, {"cats": ["subscriber"]}, "odd"],
        "offences": [{"death": True}, {"death": False}],
    },
}


def test_blank_values() -> None:
    assert all(is_blank(value) for value in (None, "", " ", [], {}, ()))
    assert not any(is_blank(value) for value in (0, False, "x", [0]))


def test_resolve_walks_lists_and_skips_blanks() -> None:
    assert resolve("fields.targets[].cats", CONTEXT) == [["traffic"], ["subscriber"]]
    assert resolve("fields.empty", CONTEXT) == []
    assert resolve("fields.kind.deeper", CONTEXT) == []
    assert resolve("fields.kind[]", CONTEXT) == []
    assert resolve("@.ip", CONTEXT, {"ip": "1"}) == ["1"]
    assert resolve("@.ip", CONTEXT) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"path": "urgency", "equals": "emergency"}, True),
        ({"path": "urgency", "not_equals": "emergency"}, False),
        ({"path": "urgency", "in": ["urgent", "emergency"]}, True),
        ({"path": "fields.targets", "in": ["x"]}, False),
        ({"path": "fields.kind", "present": True}, True),
        ({"path": "fields.empty", "present": True}, False),
        ({"path": "fields.empty", "absent": True}, True),
        ({"path": "fields.targets[].cats", "contains": "traffic"}, True),
        ({"path": "fields.targets[].cats", "contains_any": ["content", "subscriber"]}, True),
        ({"path": "fields.targets[].cats", "contains_any": ["content"]}, False),
        ({"path": "fields.offences[].death", "equals": True}, True),
        (
            {
                "all": [
                    {"path": "urgency", "equals": "emergency"},
                    {"path": "fields.kind", "equals": "a"},
                ]
            },
            False,
        ),
        (
            {
                "any": [
                    {"path": "urgency", "equals": "routine"},
                    {"path": "fields.kind", "equals": "b"},
                ]
            },
            True,
        ),
        ({"not": {"path": "fields.kind", "equals": "b"}}, False),
    ],
)
def test_operators(raw: dict[str, object], expected: bool) -> None:
    assert parse_condition(raw).holds(CONTEXT) is expected


def test_a_condition_needs_exactly_one_operator() -> None:
    with pytest.raises(CatalogueError):
        parse_condition({"path": "urgency"})
    with pytest.raises(CatalogueError):
        parse_condition({"path": "urgency", "equals": 1, "in": [1]})


def test_descriptions_read_like_sentences() -> None:
    condition = AllOf(
        (
            Predicate("urgency", "in", ("urgent", "emergency")),
            AnyOf((Predicate("fields.x", "present"), Not(Predicate("fields.y", "equals", "z")))),
        )
    )
    assert describe(condition) == (
        "urgency in urgent, emergency and fields.x is present or not (fields.y equals z)"
    )
