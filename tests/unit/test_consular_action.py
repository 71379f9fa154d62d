"""The consular-action life cycle: the requesting State's consulate serves documents on, or
questions, its own national in the host State, with the host informed where the profile
requires (type card T17, consular route; VCCR 5(j); statement Q23)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comity.domain.errors import (
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.practice import consular_action as ca
from comity.domain.practice.forms import ClockFacts
from comity.domain.practice.lifecycle import (
    SYSTEM_ACTOR,
    PracticeRecord,
    StepSide,
    Value,
    begin,
    take,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RQD, RQG, SYS = StepSide.REQUESTED, StepSide.REQUESTING, StepSide.SYSTEM
DIGEST = "ab" * 32
VALUES: dict[str, dict[str, Value]] = {
    "open": {"addressee_nationality": "XA", "requesting_state": "XA", "host_notice_required": True},
    "refuse_non_national": {},
    "require_notice": {},
    "clear": {},
    "notify_host": {"notice_ref": "NV-2026-31", "scheduled_at": "2026-10-20T10:00:00+02:00"},
    "acknowledge": {},
    "object": {"reason": "Questioning a suspect needs a court order here"},
    "record_voluntary_participation": {"consented_at": "2026-10-19T15:00:00+02:00"},
    "decline_participation": {"reason": "The national will not attend"},
    "serve": {"served_at": "2026-10-20T10:30:00+02:00", "proof_of_service_ref": "POS-1"},
    "interview": {"held_at": "2026-10-20T11:00:00+02:00", "record_sha256": DIGEST,
                  "mode": "video"},
    "report": {"report": "Summons served; the national was questioned for 40 minutes."},
    "withdraw": {"reason": "The case was closed"},
}  # fmt: skip
SIDES = dict.fromkeys(VALUES, RQG) | {
    "refuse_non_national": SYS,
    "require_notice": SYS,
    "clear": SYS,
    "acknowledge": RQD,
    "object": RQD,
}


def step(
    record: PracticeRecord, code: str, at: datetime = T0, /, **values: Value
) -> PracticeRecord:
    return take(
        record, ca.CONSULAR_ACTION, code, side=SIDES[code], actor_id="consul", at=at,
        values={**VALUES[code], **values},
    )  # fmt: skip


def routed(record: PracticeRecord) -> PracticeRecord:
    """``record`` after the requesting State's clock took the step due."""
    (due,) = ca.FORM.due_steps(record, ClockFacts(now=T0 + DAY, durations={}))
    assert (due.side, due.actor_id, due.at) == (SYS, SYSTEM_ACTOR, record.steps[-1].at)
    return take(record, ca.CONSULAR_ACTION, due.code, side=SYS, actor_id=SYSTEM_ACTOR, at=due.at)


def opened(**values: Value) -> PracticeRecord:
    return step(begin(ca.CONSULAR_ACTION), "open", T0, **values)


def test_where_notice_is_required_the_host_is_told_and_acknowledges_before_the_consul_acts() -> (
    None
):
    record = opened()
    assert ca.is_own_national(record) is True and ca.host_notice_required(record) is True
    record = routed(record)
    assert record.state == ca.NOTICE_DUE
    # Acting before the notice is refused by the table.
    with pytest.raises(IllegalTransitionError):
        step(record, "record_voluntary_participation", T0)
    record = step(record, "notify_host", T0 + DAY)
    assert record.state == ca.HOST_NOTIFIED
    with pytest.raises(IllegalTransitionError):
        step(record, "serve", T0 + DAY)
    with pytest.raises(PermissionDeniedError):
        take(record, ca.CONSULAR_ACTION, "acknowledge", side=RQG, actor_id="x", at=T0 + DAY)
    record = step(record, "acknowledge", T0 + 2 * DAY)
    record = step(record, "record_voluntary_participation", T0 + 3 * DAY)
    assert record.state == ca.CONSENTED
    record = step(record, "serve", T0 + 15 * DAY)
    record = step(record, "interview", T0 + 15 * DAY)
    assert record.state == ca.ACTED
    done = step(record, "report", T0 + 16 * DAY)
    assert done.state == ca.COMPLETED and ca.CONSULAR_ACTION.is_final(ca.COMPLETED)
    assert ca.FORM.due_steps(done, ClockFacts(now=T0 + 20 * DAY, durations={})) == []


def test_without_a_notice_requirement_the_action_is_cleared_and_notice_is_a_courtesy() -> None:
    record = routed(opened(host_notice_required=False))
    assert record.state == ca.CLEARED
    consented = step(record, "record_voluntary_participation", T0 + DAY)
    assert consented.state == ca.CONSENTED
    assert step(record, "notify_host", T0 + DAY).state == ca.HOST_NOTIFIED


def test_serving_a_non_national_is_refused() -> None:
    # Codes compare without case or blanks: " xa " is XA's national.
    assert ca.is_own_national(opened(addressee_nationality=" xa ")) is True
    record = opened(addressee_nationality="XB")
    assert ca.is_own_national(record) is False
    refused = routed(record)
    assert refused.state == ca.REFUSED and refused.steps[-1].code == "refuse_non_national"
    assert ca.CONSULAR_ACTION.is_final(ca.REFUSED)
    with pytest.raises(IllegalTransitionError):
        step(refused, "serve", T0)


def test_nothing_is_known_before_the_action_is_opened() -> None:
    record = begin(ca.CONSULAR_ACTION)
    assert ca.is_own_national(record) is None and ca.host_notice_required(record) is None
    assert ca.due_steps(record) == []
    assert ca.FORM.read_clock(record, ClockFacts(now=T0, durations={})).deadlines == ()


def test_the_host_may_object_and_the_national_may_decline() -> None:
    notified = step(routed(opened()), "notify_host", T0 + DAY)
    with pytest.raises(ReasonRequiredError):
        step(notified, "object", T0 + DAY, reason="")
    assert step(notified, "object", T0 + DAY).state == ca.OBJECTED
    declined = step(routed(opened(host_notice_required=False)), "decline_participation")
    assert declined.state == ca.DECLINED


def test_the_values_are_typed_and_a_withdrawal_is_reasoned() -> None:
    with pytest.raises(InvalidFieldsError) as refused:
        opened(host_notice_required="yes", requesting_state="")
    assert [i.path for i in refused.value.issues] == [
        "values.requesting_state",
        "values.host_notice_required",
    ]
    consented = step(routed(opened(host_notice_required=False)), "record_voluntary_participation")
    with pytest.raises(InvalidFieldsError) as bad:
        step(consented, "interview", T0, mode="letter", held_at="tomorrow")
    assert [i.path for i in bad.value.issues] == ["values.held_at", "values.mode"]
    with pytest.raises(ReasonRequiredError):
        step(consented, "withdraw", T0, reason="")
    assert step(consented, "withdraw").state == ca.WITHDRAWN
    assert ca.FORM.clock_side is RQG


LEGAL = {
    ca.REQUESTED: {"open", "withdraw"},
    ca.OPENED: {"refuse_non_national", "require_notice", "clear", "withdraw"},
    ca.NOTICE_DUE: {"notify_host", "withdraw"},
    ca.CLEARED: {"notify_host", "record_voluntary_participation", "decline_participation",
                 "withdraw"},
    ca.HOST_NOTIFIED: {"acknowledge", "object", "withdraw"},
    ca.ACKNOWLEDGED: {"record_voluntary_participation", "decline_participation", "withdraw"},
    ca.CONSENTED: {"serve", "interview", "withdraw"},
    ca.ACTED: {"serve", "interview", "report"},
    ca.COMPLETED: set(),
    ca.OBJECTED: set(),
    ca.DECLINED: set(),
    ca.REFUSED: set(),
    ca.WITHDRAWN: set(),
}  # fmt: skip


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(VALUES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(ca.CONSULAR_ACTION.states)
    assert set(VALUES) == {rule.code for rule in ca.CONSULAR_ACTION.steps}
    record = PracticeRecord("consular_action", state)
    if code in LEGAL[state]:
        assert step(record, code).state in ca.CONSULAR_ACTION.states
    else:
        with pytest.raises(IllegalTransitionError, match=f"{code!r} cannot be taken"):
            step(record, code)
