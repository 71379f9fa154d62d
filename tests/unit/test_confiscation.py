"""The confiscation life cycle: the requested State's own order (route a) or effect given to
the requesting State's final order (route b), then the execution and the value realised (type
card T22; UNTOC 13(1); UNCAC 55(1), 55(3)(b))."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from comity.domain.errors import (
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.practice import confiscation as cf
from comity.domain.practice.asset_register import Money
from comity.domain.practice.lifecycle import PracticeRecord, Step, StepSide, Value, begin, take

pytestmark = pytest.mark.unit

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RQD, RQG = StepSide.REQUESTED, StepSide.REQUESTING
GIVE_EFFECT: dict[str, Value] = {
    "foreign_order_ref": "XA-COURT-2026-17",
    "decision_ref": "EXEQ-2026-3",
    "ordered_at": "2026-06-10T12:00:00+02:00",
    "order_finality": "final",
    "third_parties": "notified",
}
EXECUTE: dict[str, Value] = {
    "value_realised_cents": 123456789,
    "currency": "EUR",
    "executed_at": "2026-07-01T10:00:00+00:00",
}


def step(
    record: PracticeRecord, code: str, at: datetime, side: StepSide = RQD, /, **values: Value
) -> PracticeRecord:
    return take(
        record, cf.CONFISCATION, code, side=side, actor_id="officer", at=at,
        values=values,
    )  # fmt: skip


def test_route_a_seeks_obtains_and_executes_a_domestic_order() -> None:
    record = begin(cf.CONFISCATION)
    assert cf.route(record) is None and cf.ordered_at(record) is None
    record = step(record, "seek_order", T0, proceedings_ref="DC-2026-44")
    assert record.state == cf.ORDER_SOUGHT and cf.route(record) == "obtain_domestic_order"
    with pytest.raises(IllegalTransitionError):
        step(record, "execute", T0 + DAY, **EXECUTE)
    record = step(
        record, "obtain_order", T0 + 9 * DAY, order_ref="DC-ORD-9", ordered_at=T0.isoformat()
    )
    assert record.state == cf.ORDER_MADE
    assert cf.ordered_at(record) == "2026-06-01T09:00:00+00:00"
    assert cf.value_realised(record) is None
    done = step(record, "execute", T0 + 30 * DAY, **EXECUTE)
    assert done.state == cf.EXECUTED and cf.CONFISCATION.is_final(cf.EXECUTED)
    # 123456789 cents are 1,234,567.89 euros.
    assert cf.value_realised(done) == Money(Decimal("1234567.89"), "EUR")


def test_route_b_gives_effect_only_to_a_final_order_with_third_parties_notified() -> None:
    record = step(begin(cf.CONFISCATION), "give_effect", T0, **GIVE_EFFECT)
    assert record.state == cf.ORDER_MADE and cf.route(record) == "execute_foreign_order"
    # 12:00 at +02:00 is 10:00 UTC.
    assert cf.ordered_at(record) == "2026-06-10T10:00:00+00:00"
    with pytest.raises(InvalidFieldsError) as refused:
        step(
            begin(cf.CONFISCATION), "give_effect", T0,
            **{**GIVE_EFFECT, "order_finality": "appealed", "third_parties": "not_notified"},
        )  # fmt: skip
    assert [i.path for i in refused.value.issues] == ["values.order_finality",
                                                      "values.third_parties"]  # fmt: skip
    # Once an order exists the request is no longer refused: it is executed.
    with pytest.raises(IllegalTransitionError):
        step(record, "refuse", T0 + DAY, reason="r")


def test_refusal_needs_reasons_and_is_final() -> None:
    with pytest.raises(ReasonRequiredError):
        step(begin(cf.CONFISCATION), "refuse", T0)
    for record in (
        begin(cf.CONFISCATION),
        step(begin(cf.CONFISCATION), "seek_order", T0, proceedings_ref="P"),
    ):
        refused = step(record, "refuse", T0 + DAY, reason="De minimis value (UNCAC 55(7))")
        assert refused.state == cf.REFUSED and cf.CONFISCATION.is_final(cf.REFUSED)


def test_the_execution_values_are_typed_and_the_steps_belong_to_the_requested_state() -> None:
    made = step(begin(cf.CONFISCATION), "give_effect", T0, **GIVE_EFFECT)
    with pytest.raises(InvalidFieldsError) as refused:
        step(made, "execute", T0, **{**EXECUTE, "value_realised_cents": "1234.56"})
    assert refused.value.issues[0].path == "values.value_realised_cents"
    with pytest.raises(InvalidFieldsError):
        step(made, "execute", T0, **{**EXECUTE, "value_realised_cents": -1})
    with pytest.raises(InvalidFieldsError) as missing:
        step(made, "execute", T0)
    assert len(missing.value.issues) == 3
    with pytest.raises(PermissionDeniedError):
        step(begin(cf.CONFISCATION), "seek_order", T0, RQG, proceedings_ref="P")
    # A currency that is not an ISO 4217 code gives no amount rather than a wrong one.
    euro = step(made, "execute", T0, **{**EXECUTE, "currency": "euro"})
    assert cf.value_realised(euro) is None
    odd = PracticeRecord(
        "confiscation", cf.EXECUTED, (Step("execute", RQD, "a", T0, (("currency", "EUR"),)),)
    )
    assert cf.value_realised(odd) is None


def test_the_form_has_no_clock() -> None:
    assert cf.FORM.type_codes == ("confiscation",) and cf.FORM.clock_side is None


LEGAL = {
    cf.REQUESTED: {"seek_order", "give_effect", "refuse"},
    cf.ORDER_SOUGHT: {"obtain_order", "refuse"},
    cf.ORDER_MADE: {"execute"},
    cf.EXECUTED: set(),
    cf.REFUSED: set(),
}
VALUES: dict[str, dict[str, Value]] = {
    "seek_order": {"proceedings_ref": "P"},
    "obtain_order": {"order_ref": "O", "ordered_at": T0.isoformat()},
    "give_effect": GIVE_EFFECT,
    "refuse": {"reason": "r"},
    "execute": EXECUTE,
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(VALUES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(cf.CONFISCATION.states)
    assert set(VALUES) == {rule.code for rule in cf.CONFISCATION.steps}
    record = PracticeRecord("confiscation", state)
    if code in LEGAL[state]:
        assert step(record, code, T0, **VALUES[code]).state in cf.CONFISCATION.states
    else:
        with pytest.raises(IllegalTransitionError, match=f"{code!r} cannot be taken"):
            step(record, code, T0, **VALUES[code])
