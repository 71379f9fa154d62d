"""Audit leaves: canonical one-line text, read back exactly, anything else refused (L-11)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from comity.domain.errors import AuditIntegrityError, UnknownLogError
from comity.domain.events import Event, RequestDrafted
from comity.domain.ledger.leaves import Leaf, leaf_for, parse_leaf
from comity.domain.ledger.origins import log_origin, state_of_origin, witness_name

AT = datetime(2026, 11, 28, 18, 0, 0, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class _Odd(Event):
    """An event whose details hold every kind of value an event may carry."""

    text: str
    many: tuple[str, ...]
    count: int
    ratio: float
    flag: bool
    nothing: None
    when: datetime
    tag = "test:odd:happened"


def test_an_event_becomes_a_leaf_with_its_details_and_request() -> None:
    event = RequestDrafted("user-1", AT, "request-1", "mla")
    leaf = leaf_for(event, index=7, request_id="request-1")
    assert (leaf.index, leaf.tag, leaf.actor_id, leaf.object_id) == (
        7,
        "request:draft:created",
        "user-1",
        "request-1",
    )
    assert leaf.request_id == "request-1"
    assert leaf.details == {"type_code": "mla"}
    assert parse_leaf(leaf.text()) == leaf


def test_an_events_own_request_id_wins_and_details_are_plain_values() -> None:
    event = _Odd(
        "system",
        AT,
        "package-1",
        "a",
        ("x", "y"),
        3,
        0.5,
        True,
        None,
        AT,
        request_id="request-9",
    )
    leaf = leaf_for(event, index=0, request_id=None)
    assert leaf.request_id == "request-9"
    assert leaf.details == {
        "text": "a",
        "many": ["x", "y"],
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "nothing": None,
        "when": str(AT),
    }
    assert parse_leaf(leaf.text()) == leaf


@pytest.mark.parametrize(
    "hostile",
    ["line\nbreak", "carriage\rreturn", "\x1b[31mred", '{"json":1}', "sep\u2028arator", "é中"],
)
def test_one_leaf_is_one_ascii_line_whatever_a_value_holds(hostile: str) -> None:
    event = _Odd("u", AT, "o", hostile, (), 0, 0.0, False, None, AT)
    text = leaf_for(event, index=1, request_id=None).text()
    assert text.isascii() and "\n" not in text and "\r" not in text and "\x1b" not in text
    assert parse_leaf(text).details["text"] == hostile


def test_times_are_written_in_utc() -> None:
    paris = AT.astimezone(timezone(timedelta(hours=1)))
    leaf = Leaf(0, paris, "t:a:g", "a", "o", None, {})
    assert '"at":"2026-11-28T18:00:00.123456+00:00"' in leaf.text()


def _canonical(**changes: object) -> str:
    raw = json.loads(Leaf(3, AT, "t:a:g", "a", "o", "r", {"k": 1}).text())
    raw.update(changes)
    return json.dumps(raw, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        _canonical(i="3"),
        _canonical(i=True),
        _canonical(tag=5),
        _canonical(request=7),
        _canonical(details=[1]),
        _canonical(at="yesterday"),
        _canonical(v=2),
        _canonical(extra="field"),
        Leaf(3, AT, "t:a:g", "a", "o", "r", {"k": 1}).text().replace(",", ", ", 1),
        json.dumps({"i": 1}),
    ],
)
def test_anything_but_a_canonical_leaf_is_refused(text: str) -> None:
    with pytest.raises(AuditIntegrityError):
        parse_leaf(text)


def test_origins_name_a_states_log_and_witness() -> None:
    assert log_origin("XA") == "comity/XA/audit"
    assert witness_name("XB") == "comity/XB/witness"
    assert state_of_origin("comity/XC/audit") == "XC"
    for origin in ("comity/xa/audit", "comity/XA/witness", "example.com/log", "comity/XAA/audit"):
        with pytest.raises(UnknownLogError):
            state_of_origin(origin)
