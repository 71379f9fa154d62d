"""The spontaneous-information life cycle (type card T13; BC 26, ECMA2P 11, UNTOC 18(4)-(5)):
information sent unasked by XA (the requesting side), with conditions that bind XB once it
accepts them, and exculpatory disclosure after notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comity.domain.errors import (
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.practice import spontaneous as sp
from comity.domain.practice.lifecycle import PracticeRecord, StepSide, Value, begin, take

pytestmark = pytest.mark.unit

AT = datetime(2025, 5, 5, 9, 0, tzinfo=UTC)
RQG, RQD = StepSide.REQUESTING, StepSide.REQUESTED
FIELDS = {"conditions": {"confidential": True, "use_restrictions": "Intelligence only."}}


def step(
    record: PracticeRecord, code: str, side: StepSide, hours: int = 1, **values: Value
) -> PracticeRecord:
    return take(
        record,
        sp.SPONTANEOUS_INFORMATION,
        code,
        side=side,
        actor_id="officer",
        at=AT + timedelta(hours=hours),
        values=values,
    )


def offered() -> PracticeRecord:
    return begin(sp.SPONTANEOUS_INFORMATION)


def test_accepted_conditions_from_the_request_bind_the_receiver() -> None:
    record = offered()
    assert record.state == sp.OFFERED
    # Asked for in the request, not yet binding: XB has not answered.
    assert sp.asked_conditions(record, FIELDS) == sp.Conditions(True, "Intelligence only.")
    assert sp.binding_conditions(record, FIELDS) is None
    bound = step(record, "accept_conditions", RQD)
    assert bound.state == sp.BOUND
    assert sp.binding_conditions(bound, FIELDS) == sp.Conditions(True, "Intelligence only.")
    used = step(bound, "report_use", RQD, 2, use="Opened investigation INV-9.")
    assert used.state == sp.BOUND and used.steps[-1].value("use") == "Opened investigation INV-9."
    closed = step(used, "close", RQD, 3)
    assert closed.state == sp.CLOSED
    assert sp.SPONTANEOUS_INFORMATION.is_final(sp.CLOSED)
    # The conditions still bind after the record is closed (BC 26(2) sets no end).
    assert sp.binding_conditions(closed, FIELDS) == sp.Conditions(True, "Intelligence only.")


def test_conditions_stated_by_the_first_step_replace_those_of_the_fields() -> None:
    record = step(offered(), "set_conditions", RQG, confidential=False, use_restrictions="No")
    assert record.state == sp.OFFERED
    assert sp.asked_conditions(record, FIELDS) == sp.Conditions(False, "No")
    only_flag = step(offered(), "set_conditions", RQG, confidential=True)
    assert sp.asked_conditions(only_flag) == sp.Conditions(True, "")
    bound = step(only_flag, "accept_conditions", RQD, 2)
    assert sp.binding_conditions(bound, FIELDS) == sp.Conditions(True, "")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (None, None),
        ({}, None),
        ({"conditions": "confidential"}, None),
        ({"conditions": {"confidential": False, "use_restrictions": "  "}}, None),
        ({"conditions": {"confidential": "yes"}}, None),
        ({"conditions": {"use_restrictions": " Court. "}}, sp.Conditions(False, "Court.")),
        ({"conditions": {"confidential": True}}, sp.Conditions(True, "")),
    ],
)  # fmt: skip
def test_conditions_read_from_the_request_fields(
    fields: dict[str, object] | None, expected: sp.Conditions | None
) -> None:
    assert sp.asked_conditions(offered(), fields) == expected
    bound = step(offered(), "accept_conditions", RQD)
    assert sp.binding_conditions(bound, fields) == expected


def test_a_receiver_that_cannot_comply_says_why_and_the_sender_decides() -> None:
    with pytest.raises(ReasonRequiredError):
        step(offered(), "cannot_comply", RQD)
    refused = step(offered(), "cannot_comply", RQD, reason="Our courts must see all evidence.")
    assert refused.state == sp.CANNOT_COMPLY
    # Sent anyway: the information is provided, the refused conditions do not bind.
    sent = step(refused, "send_anyway_without_conditions", RQG, 2)
    assert sent.state == sp.PROVIDED
    assert sp.binding_conditions(sent, FIELDS) is None
    assert step(sent, "report_use", RQD, 3, use="Lead passed to police").state == sp.PROVIDED
    # Either State closes; a system step never does.
    assert step(sent, "close", RQG, 3).state == sp.CLOSED
    with pytest.raises(PermissionDeniedError):
        step(sent, "close", StepSide.SYSTEM, 3)
    # Or the sender withdraws it, with reasons.
    with pytest.raises(ReasonRequiredError):
        step(refused, "withdraw", RQG, 2)
    withdrawn = step(refused, "withdraw", RQG, 2, reason="Conditions are essential.")
    assert withdrawn.state == sp.WITHDRAWN
    assert sp.binding_conditions(withdrawn, FIELDS) is None
    assert step(offered(), "withdraw", RQG, reason="Sent in error").state == sp.WITHDRAWN


def test_exculpatory_material_is_disclosed_after_notice_and_consultation() -> None:
    bound = step(offered(), "accept_conditions", RQD)
    notified = step(
        bound,
        "notify_exculpatory_disclosure",
        RQD,
        2,
        material="Log excerpt showing the accused was abroad",
        proceedings="Trial of A. Example, District Court",
    )
    assert notified.state == sp.BOUND
    assert notified.steps[-1].value("material") == "Log excerpt showing the accused was abroad"
    consulted = step(notified, "request_consultation", RQG, 3, points="Redact the source names.")
    assert consulted.state == sp.BOUND
    assert [s.code for s in consulted.steps] == [
        "accept_conditions",
        "notify_exculpatory_disclosure",
        "request_consultation",
    ]


def test_wrong_sides_and_missing_values_are_refused() -> None:
    with pytest.raises(PermissionDeniedError):
        step(offered(), "accept_conditions", RQG)
    with pytest.raises(PermissionDeniedError):
        step(offered(), "set_conditions", RQD, confidential=True)
    with pytest.raises(InvalidFieldsError) as missing:
        step(offered(), "set_conditions", RQG)
    assert [i.path for i in missing.value.issues] == ["values.confidential"]
    with pytest.raises(InvalidFieldsError) as wrong:
        step(offered(), "set_conditions", RQG, confidential="yes")
    assert wrong.value.issues[0].kind == "invalid"
    bound = step(offered(), "accept_conditions", RQD)
    with pytest.raises(InvalidFieldsError) as incomplete:
        step(bound, "notify_exculpatory_disclosure", RQD, 2, material="x")
    assert [i.path for i in incomplete.value.issues] == ["values.proceedings"]
    with pytest.raises(InvalidFieldsError):
        step(bound, "report_use", RQD, 2)
    with pytest.raises(PermissionDeniedError):
        step(bound, "notify_exculpatory_disclosure", RQG, 2, material="x", proceedings="y")


LEGAL = {
    sp.OFFERED: {"set_conditions", "accept_conditions", "cannot_comply", "withdraw"},
    sp.BOUND: {"notify_exculpatory_disclosure", "request_consultation", "report_use", "close"},
    sp.CANNOT_COMPLY: {"send_anyway_without_conditions", "withdraw"},
    sp.PROVIDED: {"report_use", "close"},
    sp.WITHDRAWN: set(),
    sp.CLOSED: set(),
}
SIDES = {
    "set_conditions": RQG,
    "accept_conditions": RQD,
    "cannot_comply": RQD,
    "send_anyway_without_conditions": RQG,
    "withdraw": RQG,
    "notify_exculpatory_disclosure": RQD,
    "request_consultation": RQG,
    "report_use": RQD,
    "close": RQD,
}
VALUES: dict[str, dict[str, Value]] = {
    "set_conditions": {"confidential": True},
    "cannot_comply": {"reason": "r"},
    "withdraw": {"reason": "r"},
    "notify_exculpatory_disclosure": {"material": "m", "proceedings": "p"},
    "request_consultation": {"points": "p"},
    "report_use": {"use": "u"},
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(SIDES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(sp.SPONTANEOUS_INFORMATION.states)
    assert set(SIDES) == {rule.code for rule in sp.SPONTANEOUS_INFORMATION.steps}
    record = PracticeRecord("spontaneous_information", state)
    values = VALUES.get(code, {})
    if code in LEGAL[state]:
        after = step(record, code, SIDES[code], **values)
        assert after.state in sp.SPONTANEOUS_INFORMATION.states
    else:
        with pytest.raises(
            IllegalTransitionError, match=f"{code!r} cannot be taken in state {state!r}"
        ):
            step(record, code, SIDES[code], **values)


def test_the_form_has_no_clock() -> None:
    assert sp.FORM.type_codes == ("spontaneous_information",)
    assert sp.FORM.clock_side is None
    assert all(rule.side is not StepSide.SYSTEM for rule in sp.SPONTANEOUS_INFORMATION.steps)
