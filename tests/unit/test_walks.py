"""The demo walks (``comity demo scenario --all``) are data: each must name a form with a
practice life cycle, steps that form has, and end in one of its final states, so that the
scenario walks every life cycle to its end."""

from __future__ import annotations

import pytest

from comity.cli.walks import all_walks
from comity.cli.walks.walk import REQUESTED, REQUESTING, Walk
from comity.domain.practice.lifecycle import StepSide
from comity.domain.practice.registry import FORMS, form_for

pytestmark = pytest.mark.unit

WALKS = all_walks()


def test_every_life_cycle_has_a_walk_and_every_walk_one_form() -> None:
    walked = {form_for(walk.type_code) for walk in WALKS}
    assert None not in walked
    assert {form.lifecycle.code for form in FORMS} == {
        form.lifecycle.code for form in walked if form is not None
    }
    assert len({walk.title for walk in WALKS}) == len(WALKS)


@pytest.mark.parametrize("walk", WALKS, ids=[walk.type_code for walk in WALKS])
def test_a_walk_takes_its_forms_steps_by_the_right_side_and_ends_in_a_final_state(
    walk: Walk,
) -> None:
    form = form_for(walk.type_code)
    assert form is not None
    lifecycle = form.lifecycle
    for move in walk.moves:
        assert move.state in (REQUESTING, REQUESTED)
        if not move.step:
            assert move.advance is not None and move.alarm is not None
            continue
        rule = lifecycle.rule(move.step)
        if move.clock:
            assert rule.side is StepSide.SYSTEM and form.clock_side is not None
        else:
            side = StepSide.REQUESTING if move.state == REQUESTING else StepSide.REQUESTED
            assert rule.side in (side, StepSide.EITHER), move.step
        if move.expect is not None:
            assert move.expect in lifecycle.states
    last = walk.moves[-1]
    assert last.expect is not None and lifecycle.is_final(last.expect), walk.type_code
    assert walk.fields(REQUESTING), walk.type_code
