"""The transfer-of-sentenced-persons life cycle, its gates and its clock (type card T19; TSP
3, 7, 9). Every date below is worked out by hand; all instants are aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comity.catalogue.loader import packaged_catalogue
from comity.domain.errors import (
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.practice import transfer_sentenced as ts
from comity.domain.practice.forms import ClockFacts, ClockReading
from comity.domain.practice.lifecycle import (
    SYSTEM_ACTOR,
    PracticeRecord,
    StepSide,
    Value,
    begin,
    take,
)

pytestmark = pytest.mark.unit

DAY = timedelta(days=1)
DURATIONS = packaged_catalogue().default_profile.durations
RQG, RQD, SYS = StepSide.REQUESTING, StepSide.REQUESTED, StepSide.SYSTEM
RECEIVED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
# 3 March 2025 + 183 days: 28 to 31 March, 30 to 30 April, 31 to 31 May, 30 to 30 June,
# 31 to 31 July, 31 to 31 August (181), two more: 2 September 2025.
SIX_MONTHS_LEFT = datetime(2025, 9, 2, 9, 0, tzinfo=UTC)
ONE_DAY_SHORT = SIX_MONTHS_LEFT - DAY
CONSENTED_AT = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
TRANSFER_AT = datetime(2025, 5, 15, 7, 0, tzinfo=UTC)


def step(
    record: PracticeRecord, code: str, side: StepSide, at: datetime, **values: Value
) -> PracticeRecord:
    return take(
        record, ts.TRANSFER_SENTENCED, code, side=side, actor_id="officer", at=at, values=values
    )


def clock(record: PracticeRecord, durations: dict[str, timedelta] | None = None) -> PracticeRecord:
    """The record after the steps its clock takes."""
    for due in ts.FORM.due_steps(record, facts(record.steps[-1].at, durations)):
        record = take(
            record, ts.TRANSFER_SENTENCED, due.code, side=SYS, actor_id=SYSTEM_ACTOR, at=due.at
        )
    return record


def facts(now: datetime, durations: dict[str, timedelta] | None = None) -> ClockFacts:
    return ClockFacts(now=now, durations=DURATIONS if durations is None else durations)


def received(end: datetime = SIX_MONTHS_LEFT, **extra: Value) -> PracticeRecord:
    values: dict[str, Value] = {
        "received_at": RECEIVED_AT.isoformat(),
        "sentence_end": end.isoformat(),
        "consular_verification": False,
    }
    return step(begin(ts.TRANSFER_SENTENCED), "receive", RQD, RECEIVED_AT + DAY, **(values | extra))


def consented(record: PracticeRecord, side: StepSide = RQG) -> PracticeRecord:
    return step(record, "record_consent", side, CONSENTED_AT,
                given_at=CONSENTED_AT.isoformat(), by="person")  # fmt: skip


def agreeing() -> PracticeRecord:
    return clock(consented(received()))


def agreed() -> PracticeRecord:
    record = step(
        agreeing(), "set_enforcement", RQD, CONSENTED_AT + DAY, enforcement_mode="continue"
    )
    record = step(record, "agree_requested", RQD, CONSENTED_AT + 2 * DAY, agreement_ref="XB-1")
    return clock(
        step(record, "agree_requesting", RQG, CONSENTED_AT + 3 * DAY, agreement_ref="XA-1")
    )


def test_every_profile_asks_for_six_months_left() -> None:
    for profile in packaged_catalogue().profiles.values():
        assert profile.durations[ts.MINIMUM_REMAINING] == 183 * DAY


def test_the_time_left_is_counted_from_the_receipt() -> None:
    assert ts.remaining_at_receipt(begin(ts.TRANSFER_SENTENCED)) is None
    assert ts.remaining_at_receipt(received()) == 183 * DAY
    assert ts.eligible(received(), DURATIONS)
    assert not ts.eligible(received(ONE_DAY_SHORT), DURATIONS)
    # A profile without the duration uses the six months of TSP 3(1)(c).
    assert ts.eligible(received(), {})
    assert not ts.eligible(received(ONE_DAY_SHORT), {})
    assert not ts.eligible(begin(ts.TRANSFER_SENTENCED), DURATIONS)


def test_an_indeterminate_sentence_always_has_enough_left() -> None:
    record = received(RECEIVED_AT + DAY, indeterminate=True)
    assert ts.remaining_at_receipt(record) is None
    assert ts.eligible(record, DURATIONS)


def test_consent_opens_the_agreement_when_enough_is_left() -> None:
    record = received()
    assert ts.FORM.due_steps(record, facts(RECEIVED_AT)) == []  # no consent yet
    record = consented(record)
    due = ts.FORM.due_steps(record, facts(CONSENTED_AT + 5 * DAY))
    # Dated at the consent that made it due, not at the sweep.
    assert [(s.code, s.side, s.at) for s in due] == [("conditions_met", SYS, CONSENTED_AT)]
    assert clock(record).state == ts.AGREEING


def test_consent_can_be_given_by_the_legal_representative_on_either_side() -> None:
    record = step(received(), "record_consent", RQD, CONSENTED_AT,
                  given_at=CONSENTED_AT.isoformat(), by="legal_representative")  # fmt: skip
    assert record.steps[-1].side is RQD
    with pytest.raises(InvalidFieldsError):
        step(received(), "record_consent", RQD, CONSENTED_AT, given_at="yesterday", by="friend")
    with pytest.raises(PermissionDeniedError):
        consented(received(), SYS)


def test_too_little_left_makes_the_request_ineligible_until_an_exception() -> None:
    record = clock(consented(received(ONE_DAY_SHORT)))
    assert record.state == ts.INELIGIBLE
    assert record.steps[-1].code == "ineligible"
    with pytest.raises(IllegalTransitionError):
        step(record, "agree_requested", RQD, CONSENTED_AT + DAY, agreement_ref="XB-1")
    # The States agree to the transfer all the same (TSP 3(2)).
    record = step(record, "agree_exception", RQG, CONSENTED_AT + DAY, exception_ref="XA-EX-1")
    assert record.state == ts.RECEIVED
    assert clock(record).state == ts.AGREEING


def test_an_exception_agreed_at_receipt_needs_no_further_step() -> None:
    record = clock(consented(received(ONE_DAY_SHORT, exception_agreed=True)))
    assert record.state == ts.AGREEING


def test_the_consul_verifies_the_consent_where_the_receipt_asks() -> None:
    record = clock(consented(received(consular_verification=True)))
    assert record.state == ts.RECEIVED
    assert not ts.consent_complete(record)
    record = step(record, "verify_consent", RQD, CONSENTED_AT + DAY,
                  verified_at=(CONSENTED_AT + DAY).isoformat(), consul="Consul of XB")  # fmt: skip
    assert ts.consent_complete(record)
    assert clock(record).state == ts.AGREEING


def test_a_verification_before_a_new_consent_does_not_count() -> None:
    record = received(consular_verification=True)
    record = step(record, "verify_consent", RQD, CONSENTED_AT - DAY,
                  verified_at=(CONSENTED_AT - DAY).isoformat(), consul="c")  # fmt: skip
    record = consented(record)
    assert not ts.consent_complete(record)
    assert ts.FORM.due_steps(record, facts(CONSENTED_AT)) == []


def test_no_verification_without_a_receipt() -> None:
    assert not ts.consent_complete(begin(ts.TRANSFER_SENTENCED))


def test_agreement_needs_both_states_and_the_enforcement_mode_in_either_order() -> None:
    record = step(agreeing(), "agree_requesting", RQG, CONSENTED_AT + DAY, agreement_ref="XA-1")
    assert clock(record).state == ts.AGREEING  # the requested State has not agreed
    record = step(record, "agree_requested", RQD, CONSENTED_AT + 2 * DAY, agreement_ref="XB-1")
    assert not ts.both_agreed(record)  # no enforcement mode yet
    assert ts.FORM.due_steps(record, facts(CONSENTED_AT + 2 * DAY)) == []
    record = step(record, "set_enforcement", RQD, CONSENTED_AT + 3 * DAY,
                  enforcement_mode="convert", adapted_sentence="3 years")  # fmt: skip
    assert clock(record).state == ts.AGREED
    assert agreed().state == ts.AGREED


def test_each_state_records_only_its_own_agreement() -> None:
    with pytest.raises(PermissionDeniedError):
        step(agreeing(), "agree_requested", RQG, CONSENTED_AT + DAY, agreement_ref="XA-1")
    with pytest.raises(IllegalTransitionError):
        step(received(), "agree_requesting", RQG, CONSENTED_AT + DAY, agreement_ref="XA-1")


def test_the_enforcement_mode_is_a_choice() -> None:
    with pytest.raises(InvalidFieldsError):
        step(agreeing(), "set_enforcement", RQD, CONSENTED_AT + DAY, enforcement_mode="aggravate")


def test_the_transfer_is_scheduled_then_carried_out() -> None:
    record = step(agreed(), "schedule_transfer", RQD, CONSENTED_AT + 4 * DAY,
                  transfer_at=TRANSFER_AT.isoformat(), place="Airport of XB")  # fmt: skip
    assert record.state == ts.SCHEDULED
    assert ts.transfer_at(record) == TRANSFER_AT
    before = ts.FORM.read_clock(record, facts(TRANSFER_AT - DAY))
    assert before.ends_at == TRANSFER_AT
    assert before.alarms == ()
    assert [(d.code, d.kind, d.at) for d in before.deadlines] == [
        ("transfer_sentenced.transfer", "deadline", TRANSFER_AT)
    ]
    record = step(record, "transfer", RQG, TRANSFER_AT)
    assert record.state == ts.TRANSFERRED
    assert ts.FORM.lifecycle.is_final(record.state)
    assert ts.FORM.read_clock(record, facts(TRANSFER_AT)) == ClockReading()
    assert ts.FORM.due_steps(record, facts(TRANSFER_AT)) == []


def test_a_date_passed_without_the_transfer_raises_a_warning_until_rescheduled() -> None:
    record = step(agreed(), "schedule_transfer", RQD, CONSENTED_AT + 4 * DAY,
                  transfer_at=TRANSFER_AT.isoformat(), place="Airport")  # fmt: skip
    late = ts.FORM.read_clock(record, facts(TRANSFER_AT))
    assert [(a.code, a.level, a.due_at) for a in late.alarms] == [
        ("transfer_sentenced.transfer_overdue", "warning", TRANSFER_AT)
    ]
    later = TRANSFER_AT + 7 * DAY
    record = step(record, "schedule_transfer", RQG, TRANSFER_AT + DAY,
                  transfer_at=later.isoformat(), place="Airport")  # fmt: skip
    assert ts.FORM.read_clock(record, facts(TRANSFER_AT + DAY)).alarms == ()


def test_no_transfer_before_a_date_is_set() -> None:
    with pytest.raises(IllegalTransitionError):
        step(agreed(), "transfer", RQD, TRANSFER_AT)
    assert ts.transfer_at(agreed()) is None


def test_refusal_and_withdrawal_are_reasoned_and_final() -> None:
    refused = step(agreeing(), "refuse", RQD, CONSENTED_AT + DAY, reason="dual criminality")
    assert refused.state == ts.REFUSED
    assert ts.FORM.lifecycle.is_final(refused.state)
    withdrawn = step(begin(ts.TRANSFER_SENTENCED), "withdraw", RQG, RECEIVED_AT, reason="pardon")
    assert withdrawn.state == ts.WITHDRAWN
    with pytest.raises(ReasonRequiredError):
        step(agreeing(), "refuse", RQD, CONSENTED_AT + DAY)
    with pytest.raises(PermissionDeniedError):
        step(agreeing(), "withdraw", RQD, CONSENTED_AT + DAY, reason="r")
    with pytest.raises(IllegalTransitionError):
        step(refused, "withdraw", RQG, CONSENTED_AT + 2 * DAY, reason="r")


def test_the_receipt_needs_its_dates_and_the_verification_flag() -> None:
    with pytest.raises(InvalidFieldsError) as caught:
        step(begin(ts.TRANSFER_SENTENCED), "receive", RQD, RECEIVED_AT, indeterminate="yes")
    assert {issue.path for issue in caught.value.issues} == {
        "values.received_at",
        "values.sentence_end",
        "values.consular_verification",
        "values.indeterminate",
    }
    with pytest.raises(PermissionDeniedError):
        step(begin(ts.TRANSFER_SENTENCED), "receive", RQG, RECEIVED_AT,
             received_at=RECEIVED_AT.isoformat(), sentence_end=SIX_MONTHS_LEFT.isoformat(),
             consular_verification=False)  # fmt: skip


def test_the_gates_are_the_clocks_own_steps() -> None:
    with pytest.raises(PermissionDeniedError):
        step(consented(received()), "conditions_met", RQD, CONSENTED_AT)


def test_the_form_is_registered_for_its_type() -> None:
    from comity.domain.practice.registry import BY_TYPE, CLOCK_SIDE

    assert BY_TYPE["transfer_sentenced"] is ts.FORM
    assert CLOCK_SIDE["transfer_sentenced"] is StepSide.REQUESTED
