"""The generic step machine practice life cycles are written in (issue 8)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.domain.errors import (
    CatalogueError,
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.practice.lifecycle import (
    SYSTEM_ACTOR,
    LifeCycle,
    PracticeRecord,
    Step,
    StepRule,
    StepSide,
    ValueKind,
    ValueRule,
    begin,
    clock_step,
    instant_value,
    take,
)
from comity.domain.values import Side

pytestmark = pytest.mark.unit

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

# A toy life cycle: open → working → done, with a note that changes nothing, a clock-driven
# lapse and a reasoned cancellation.
TOY = LifeCycle(
    code="toy",
    states=("open", "working", "done", "lapsed", "cancelled"),
    initial="open",
    steps=(
        StepRule(
            "start",
            frozenset({"open"}),
            "working",
            StepSide.REQUESTED,
            values=(
                ValueRule("order_ref"),
                ValueRule("started_at", ValueKind.INSTANT),
                ValueRule("urgent", ValueKind.FLAG, required=False),
                ValueRule("copies", ValueKind.COUNT, required=False),
                ValueRule("channel", ValueKind.CHOICE, required=False, choices=("post", "mail")),
            ),
        ),
        StepRule("note", frozenset({"working"}), None, StepSide.REQUESTING),
        StepRule("finish", frozenset({"working"}), "done", StepSide.REQUESTED),
        StepRule("lapse", frozenset({"open", "working"}), "lapsed", StepSide.SYSTEM),
        StepRule(
            "cancel",
            frozenset({"open", "working"}),
            "cancelled",
            StepSide.REQUESTING,
            reasoned=True,
        ),
    ),
)

START = {"order_ref": "ORD-1", "started_at": "2025-03-01T08:00:00+00:00"}


def started() -> PracticeRecord:
    return take(begin(TOY), TOY, "start", side=Side.REQUESTED, actor_id="u1", at=T0, values=START)


def test_a_record_begins_in_the_initial_state_and_moves_only_by_its_table() -> None:
    record = begin(TOY)
    assert (record.lifecycle, record.state, record.steps) == ("toy", "open", ())
    assert record.last() is None
    record = started()
    assert record.state == "working"
    noted = take(record, TOY, "note", side=StepSide.REQUESTING, actor_id="u2", at=T0)
    # A note records without moving the record.
    assert noted.state == "working"
    done = take(noted, TOY, "finish", side="requested", actor_id="u1", at=T0 + timedelta(days=1))
    assert done.state == "done"
    assert [step.code for step in done.steps] == ["start", "note", "finish"]
    assert done.last("start", "note") == noted.steps[1]
    assert done.last("lapse") is None
    assert TOY.is_final("done") and not TOY.is_final("working")
    assert [rule.code for rule in TOY.available("open")] == ["start", "lapse", "cancel"]


def test_a_step_the_table_does_not_allow_names_the_state_and_the_step() -> None:
    with pytest.raises(IllegalTransitionError, match="'finish' cannot be taken in state 'open'"):
        take(begin(TOY), TOY, "finish", side=StepSide.REQUESTED, actor_id="u1", at=T0)
    with pytest.raises(IllegalTransitionError, match="no step 'fly'"):
        take(begin(TOY), TOY, "fly", side=StepSide.REQUESTED, actor_id="u1", at=T0)
    other = PracticeRecord("other", "open")
    with pytest.raises(IllegalTransitionError, match="other record"):
        take(other, TOY, "lapse", side=StepSide.SYSTEM, actor_id=SYSTEM_ACTOR, at=T0)


def test_a_step_taken_by_the_wrong_side_is_refused() -> None:
    with pytest.raises(PermissionDeniedError, match="requested side, not the requesting"):
        take(begin(TOY), TOY, "start", side=Side.REQUESTING, actor_id="u1", at=T0, values=START)
    with pytest.raises(PermissionDeniedError):
        take(begin(TOY), TOY, "lapse", side=StepSide.REQUESTED, actor_id="u1", at=T0)


def test_a_step_either_state_may_take_is_recorded_with_the_side_that_took_it() -> None:
    shared = LifeCycle(
        code="shared",
        states=("open",),
        initial="open",
        steps=(StepRule("add_note", frozenset({"open"}), None, StepSide.EITHER),),
    )
    record = begin(shared)
    for side in (Side.REQUESTING, Side.REQUESTED):
        record = take(record, shared, "add_note", side=side, actor_id="u1", at=T0)
    assert [step.side for step in record.steps] == [StepSide.REQUESTING, StepSide.REQUESTED]
    # The clock is not a State: it cannot take a step meant for the officers of either.
    with pytest.raises(PermissionDeniedError):
        take(record, shared, "add_note", side=StepSide.SYSTEM, actor_id=SYSTEM_ACTOR, at=T0)
    # A step taken is always one side's: "either" is a table's word, never a taker's.
    with pytest.raises(PermissionDeniedError, match="one side"):
        take(record, shared, "add_note", side=StepSide.EITHER, actor_id="u1", at=T0)


def test_a_reasoned_step_needs_reasons() -> None:
    with pytest.raises(ReasonRequiredError):
        take(begin(TOY), TOY, "cancel", side=StepSide.REQUESTING, actor_id="u", at=T0)
    with pytest.raises(ReasonRequiredError):
        take(
            begin(TOY),
            TOY,
            "cancel",
            side=StepSide.REQUESTING,
            actor_id="u",
            at=T0,
            values={"reason": "  "},
        )
    cancelled = take(
        begin(TOY),
        TOY,
        "cancel",
        side=StepSide.REQUESTING,
        actor_id="u",
        at=T0,
        values={"reason": "case closed at home"},
    )
    assert cancelled.state == "cancelled"
    assert cancelled.steps[-1].value("reason") == "case closed at home"


def test_missing_unknown_and_malformed_values_are_refused_all_at_once() -> None:
    values = {
        "order_ref": " ",
        "started_at": "2025-03-01T08:00:00",  # no offset
        "urgent": "yes",
        "copies": -1,
        "channel": "pigeon",
        "colour": "blue",
    }
    with pytest.raises(InvalidFieldsError) as refused:
        take(begin(TOY), TOY, "start", side=Side.REQUESTED, actor_id=" ", at=T0, values=values)
    found = {(issue.path, issue.kind) for issue in refused.value.issues}
    assert found == {
        ("values.colour", "unknown"),
        ("values.order_ref", "missing"),
        ("values.started_at", "invalid"),
        ("values.urgent", "invalid"),
        ("values.copies", "invalid"),
        ("values.channel", "invalid"),
        ("actor_id", "missing"),
    }
    # Booleans are not counts, text is not an instant, and a number is not text.
    for name, value in (("copies", True), ("started_at", "tomorrow"), ("order_ref", 7)):
        with pytest.raises(InvalidFieldsError):
            take(
                begin(TOY),
                TOY,
                "start",
                side="requested",
                actor_id="u",
                at=T0,
                values={**START, name: value},
            )
    good = {**START, "urgent": False, "copies": 0, "channel": "mail"}
    record = take(begin(TOY), TOY, "start", side="requested", actor_id="u", at=T0, values=good)
    assert record.steps[0].values == tuple(sorted(good.items()))


def test_time_must_be_aware_and_never_go_back() -> None:
    with pytest.raises(InvalidFieldsError) as refused:
        take(
            begin(TOY),
            TOY,
            "start",
            side="requested",
            actor_id="u",
            at=datetime(2025, 3, 1),
            values=START,
        )
    assert refused.value.issues[0].path == "at"
    record = started()
    with pytest.raises(InvalidFieldsError, match="field") as refused:
        take(record, TOY, "note", side="requesting", actor_id="u", at=T0 - timedelta(seconds=1))
    assert refused.value.issues[0].message == "a step cannot precede the last one"
    # The same instant is fine, and another offset is kept as the same instant in UTC.
    plus3 = timezone(timedelta(hours=3))
    same = take(record, TOY, "note", side="requesting", actor_id="u", at=T0.astimezone(plus3))
    assert same.steps[-1].at == T0 and same.steps[-1].at.tzinfo is UTC


def test_steps_and_records_serialise_to_json_and_back() -> None:
    record = started()
    text = json.dumps(record.to_dict(), sort_keys=True)
    data = json.loads(text)
    assert data["state"] == "working"
    step = Step.from_dict(data["steps"][0])
    assert step == record.steps[0]
    assert instant_value(step, "started_at") == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    assert instant_value(step, "order_ref") is None
    assert instant_value(None, "started_at") is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"code": "x", "side": "nobody", "actor_id": "u", "at": T0.isoformat(), "values": {}},
        {"code": "x", "side": "system", "actor_id": "u", "at": "2025-03-01", "values": {}},
        {"code": "x", "side": "system", "actor_id": "u", "at": 5, "values": {}},
        {"code": "x", "side": "system", "actor_id": "u", "at": T0.isoformat(), "values": []},
        {
            "code": "x",
            "side": "system",
            "actor_id": "u",
            "at": T0.isoformat(),
            "values": {"a": [1]},
        },
        {"code": "x", "side": "system", "actor_id": "u", "at": "not a date", "values": {}},
    ],
)
def test_anything_but_a_step_is_not_read_as_one(data: dict[str, object]) -> None:
    with pytest.raises(InvalidFieldsError):
        Step.from_dict(data)


def test_a_table_naming_undeclared_states_or_a_step_twice_is_refused() -> None:
    with pytest.raises(CatalogueError, match="initial state 'nowhere'"):
        LifeCycle("bad", ("a",), "nowhere", ())
    with pytest.raises(CatalogueError, match="state 'b' of step 'go'"):
        LifeCycle("bad", ("a",), "a", (StepRule("go", frozenset({"a"}), "b", StepSide.SYSTEM),))
    twice = StepRule("go", frozenset({"a"}), None, StepSide.SYSTEM)
    with pytest.raises(CatalogueError, match="step 'go' twice"):
        LifeCycle("bad", ("a",), "a", (twice, twice))


SIDES = {
    "requesting": StepSide.REQUESTING,
    "requested": StepSide.REQUESTED,
    "system": StepSide.SYSTEM,
}
VALUES = {"start": START, "cancel": {"reason": "no longer needed"}}


@given(
    st.lists(
        st.tuples(
            st.sampled_from([r.code for r in TOY.steps]),
            st.sampled_from(list(SIDES)),
            st.integers(0, 5),
        ),
        max_size=12,
    )
)
def test_a_random_walk_stays_in_declared_states_and_never_mutates_its_input(
    moves: list[tuple[str, str, int]],
) -> None:
    record = begin(TOY)
    at = T0
    for code, side, hours in moves:
        at = at + timedelta(hours=hours)
        before = copy.deepcopy(record)
        try:
            after = take(
                record, TOY, code, side=SIDES[side], actor_id="u", at=at, values=VALUES.get(code)
            )
        except (IllegalTransitionError, PermissionDeniedError):
            assert record == before
            continue
        assert record == before
        rule = TOY.rule(code)
        assert record.state in rule.sources and rule.side is SIDES[side]
        assert after.state in TOY.states
        assert after.steps[:-1] == record.steps and len(after.steps) == len(record.steps) + 1
        record = after


def test_a_clock_step_keeps_the_records_order_when_the_clock_passes_late() -> None:
    # On a fresh record the step is dated when the clock says.
    lapsed = clock_step(begin(TOY), TOY, "lapse", at=T0)
    assert (lapsed.state, lapsed.steps[0].at, lapsed.steps[0].actor_id) == (
        "lapsed",
        T0,
        SYSTEM_ACTOR,
    )
    # After a step recorded later than the instant, the clock's step follows it.
    record = started()
    noted = take(
        record, TOY, "note", side=StepSide.REQUESTING, actor_id="u2", at=T0 + timedelta(days=2)
    )
    late = clock_step(noted, TOY, "lapse", at=T0 + timedelta(days=1))
    assert late.steps[-1].at == T0 + timedelta(days=2) and late.steps[-1].side is StepSide.SYSTEM
