"""The 24/7 point's clock of a received request: arrival → acknowledgement → first answer,
the answer being this State's own step after the acknowledgement (a workflow move or a step
of the form's life cycle), never a step mirrored from the other State or taken by the
clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comity.domain.emergency_clock import emergency_clock
from comity.domain.practice import preservation
from comity.domain.practice.lifecycle import SYSTEM_ACTOR, StepSide, begin, take
from comity.domain.values import Side
from comity.domain.workflow import Status
from tests.builders import T0, a_request

pytestmark = pytest.mark.unit

MINUTE = timedelta(minutes=1)


def test_nothing_runs_past_arrival_before_the_acknowledgement() -> None:
    request = a_request(incoming=True)
    timing = emergency_clock(request)
    assert (timing.arrived_at, timing.acknowledged_at, timing.answered_at) == (T0, None, None)
    assert timing.to_acknowledge is None and timing.to_answer is None
    # A request this State sent has no such clock here: its own side is the requesting one.
    sent = a_request()
    sent.acknowledged_at = T0 + MINUTE
    assert sent.side is Side.REQUESTING and emergency_clock(sent).answered_at is None


def test_the_first_own_move_after_the_acknowledgement_answers() -> None:
    request = a_request(incoming=True)
    request.acknowledge(actor_id="duty", now=T0 + 7 * MINUTE)
    timing = emergency_clock(request)
    assert timing.to_acknowledge == 7 * MINUTE and timing.answered_at is None
    # A step mirrored from the requesting State is not an answer.
    request.move(to=Status.REGISTERED, actor_id="state:XB", now=T0 + 8 * MINUTE,
                 detail={"mirrored": True})  # fmt: skip
    assert emergency_clock(request).answered_at is None
    request.move(to=Status.UNDER_ASSESSMENT, actor_id="duty", now=T0 + 20 * MINUTE)
    request.move(to=Status.ACCEPTED, actor_id="duty", now=T0 + 30 * MINUTE)
    timing = emergency_clock(request)
    assert timing.answered_at == T0 + 20 * MINUTE and timing.to_answer == 13 * MINUTE


def test_a_practice_step_of_this_state_answers_the_clocks_own_does_not() -> None:
    request = a_request("preservation", incoming=True, fields={})
    request.acknowledge(actor_id="duty", now=T0 + 2 * MINUTE)
    record = begin(preservation.PRESERVATION)
    # Withdrawn by the requesting State at once, then nothing: no answer from this State.
    withdrawn = take(record, preservation.PRESERVATION, "withdraw", side=StepSide.REQUESTING,
                     actor_id="state:XB", at=T0 + 3 * MINUTE, values={"reason": "r"})  # fmt: skip
    assert emergency_clock(request, withdrawn).answered_at is None
    ordered = take(record, preservation.PRESERVATION, "order", side=StepSide.REQUESTED,
                   actor_id="duty", at=T0 + 5 * MINUTE,
                   values={"provider": "P", "order_ref": "PO-1"})  # fmt: skip
    timing = emergency_clock(request, ordered)
    assert timing.answered_at == T0 + 5 * MINUTE and timing.to_answer == 3 * MINUTE
    confirmed = take(ordered, preservation.PRESERVATION, "confirm", side=StepSide.REQUESTED,
                     actor_id="duty", at=T0 + 6 * MINUTE,
                     values={"confirmation_ref": "C"})  # fmt: skip
    expired = take(confirmed, preservation.PRESERVATION, "expire", side=StepSide.SYSTEM,
                   actor_id=SYSTEM_ACTOR, at=T0 + 90 * timedelta(days=1))  # fmt: skip
    assert emergency_clock(request, expired).answered_at == T0 + 5 * MINUTE
