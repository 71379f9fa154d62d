"""Assistance in civil and administrative proceedings linked to ICT offences (type card T27;
Statement Q2, Q4; UNTOC 18(2); BC 12(3); ECMA 1(3)): admitted or declined, executed, the
result returned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comity.domain.errors import (
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.practice import civil_admin as ca
from comity.domain.practice.lifecycle import PracticeRecord, StepSide, Value, begin, take

pytestmark = pytest.mark.unit

AT = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
RQG, RQD = StepSide.REQUESTING, StepSide.REQUESTED
ADMISSION: dict[str, Value] = {
    "proceedings_kind": "administrative",
    "offence_link": "Fine against the operator of the botnet's hosting service",
    "legal_person_liability": True,
}


def step(
    record: PracticeRecord, code: str, side: StepSide = RQD, hours: int = 1, **values: Value
) -> PracticeRecord:
    return take(
        record,
        ca.CIVIL_ADMIN,
        code,
        side=side,
        actor_id="officer",
        at=AT + timedelta(hours=hours),
        values=values,
    )


def test_an_admitted_case_is_executed_and_its_result_returned() -> None:
    record = begin(ca.CIVIL_ADMIN)
    assert record.state == ca.REQUESTED
    assert ca.legal_person_case(record) is None
    admitted = step(record, "confirm_admissible", **ADMISSION)
    assert admitted.state == ca.ADMITTED
    assert ca.legal_person_case(admitted) is True
    executed = step(admitted, "execute", hours=48, measures_taken="Company records obtained")
    assert executed.state == ca.EXECUTED
    completed = step(executed, "return_result", hours=72, result="Records sent by courier")
    assert completed.state == ca.COMPLETED
    assert completed.steps[-1].value("result_ref") is None
    assert ca.CIVIL_ADMIN.is_final(ca.COMPLETED)
    with_ref = step(executed, "return_result", hours=72, result="Sent", result_ref="OUT-1")
    assert with_ref.steps[-1].value("result_ref") == "OUT-1"


def test_a_civil_case_without_a_legal_person_is_recorded_as_such() -> None:
    admitted = step(
        begin(ca.CIVIL_ADMIN),
        "confirm_admissible",
        proceedings_kind="civil",
        offence_link="Damages for a ransomware attack",
        legal_person_liability=False,
    )
    assert ca.legal_person_case(admitted) is False
    assert admitted.steps[-1].value("proceedings_kind") == "civil"


def test_declining_and_withdrawing_need_reasons() -> None:
    with pytest.raises(ReasonRequiredError):
        step(begin(ca.CIVIL_ADMIN), "decline")
    declined = step(begin(ca.CIVIL_ADMIN), "decline", reason="Not a proceeding our law knows.")
    assert declined.state == ca.DECLINED
    with pytest.raises(ReasonRequiredError):
        step(begin(ca.CIVIL_ADMIN), "withdraw", RQG)
    admitted = step(begin(ca.CIVIL_ADMIN), "confirm_admissible", **ADMISSION)
    withdrawn = step(admitted, "withdraw", RQG, 2, reason="The case was settled.")
    assert withdrawn.state == ca.WITHDRAWN


def test_wrong_sides_and_bad_values_are_refused() -> None:
    with pytest.raises(PermissionDeniedError):
        step(begin(ca.CIVIL_ADMIN), "confirm_admissible", RQG, **ADMISSION)
    with pytest.raises(PermissionDeniedError):
        step(begin(ca.CIVIL_ADMIN), "withdraw", RQD, reason="r")
    with pytest.raises(InvalidFieldsError) as missing:
        step(begin(ca.CIVIL_ADMIN), "confirm_admissible")
    assert sorted(i.path for i in missing.value.issues) == [
        "values.legal_person_liability",
        "values.offence_link",
        "values.proceedings_kind",
    ]
    with pytest.raises(InvalidFieldsError) as wrong:
        step(
            begin(ca.CIVIL_ADMIN),
            "confirm_admissible",
            **{**ADMISSION, "proceedings_kind": "criminal"},
        )
    assert wrong.value.issues[0].message == "one of civil, administrative"
    admitted = step(begin(ca.CIVIL_ADMIN), "confirm_admissible", **ADMISSION)
    with pytest.raises(InvalidFieldsError):
        step(admitted, "execute", hours=2)


LEGAL = {
    ca.REQUESTED: {"confirm_admissible", "decline", "withdraw"},
    ca.ADMITTED: {"execute", "withdraw"},
    ca.DECLINED: set(),
    ca.EXECUTED: {"return_result"},
    ca.COMPLETED: set(),
    ca.WITHDRAWN: set(),
}
SIDES = {
    "confirm_admissible": RQD,
    "decline": RQD,
    "execute": RQD,
    "return_result": RQD,
    "withdraw": RQG,
}
VALUES: dict[str, dict[str, Value]] = {
    "confirm_admissible": ADMISSION,
    "decline": {"reason": "r"},
    "execute": {"measures_taken": "m"},
    "return_result": {"result": "r"},
    "withdraw": {"reason": "r"},
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(SIDES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(ca.CIVIL_ADMIN.states)
    assert set(SIDES) == {rule.code for rule in ca.CIVIL_ADMIN.steps}
    record = PracticeRecord("civil_admin_assistance", state)
    if code in LEGAL[state]:
        assert step(record, code, SIDES[code], **VALUES[code]).state in ca.CIVIL_ADMIN.states
    else:
        with pytest.raises(
            IllegalTransitionError, match=f"{code!r} cannot be taken in state {state!r}"
        ):
            step(record, code, SIDES[code], **VALUES[code])


def test_the_form_has_no_clock() -> None:
    assert ca.FORM.type_codes == ("civil_admin_assistance",)
    assert ca.FORM.clock_side is None
