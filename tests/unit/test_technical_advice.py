"""Technical advice between 24/7 points of contact (legal.md §5, N247-09; BC 35(1)(a), UNCC
41(3)(a)) and its answer clock. Every date below is worked out by hand; all instants are aware
UTC datetimes."""

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
from comity.domain.practice import technical_advice as ta
from comity.domain.practice.forms import ClockDeadline, ClockFacts, ClockReading
from comity.domain.practice.lifecycle import PracticeRecord, StepSide, Value, begin, take

pytestmark = pytest.mark.unit

HOUR = timedelta(hours=1)
DURATIONS = packaged_catalogue().default_profile.durations
RQG, RQD = StepSide.REQUESTING, StepSide.REQUESTED
# Acknowledged late on 30 March 2025 (UTC).
ACKNOWLEDGED_AT = datetime(2025, 3, 30, 22, 0, tzinfo=UTC)
# 30 March 22:00 + 24 hours = 31 March 22:00.
DUE = datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
# Answered the next morning, 31 March 08:30, inside the 24 hours.
ANSWERED_AT = datetime(2025, 3, 31, 8, 30, tzinfo=UTC)
# A follow-up on 2 April 14:15; its answer is due 24 hours later, 3 April 14:15.
FOLLOW_UP_AT = datetime(2025, 4, 2, 14, 15, tzinfo=UTC)
FOLLOW_UP_DUE = datetime(2025, 4, 3, 14, 15, tzinfo=UTC)


def step(record: PracticeRecord, code: str, at: datetime, **values: Value) -> PracticeRecord:
    side = RQG if code in {"follow_up", "close", "withdraw"} else RQD
    return take(record, ta.TECHNICAL_ADVICE, code, side=side, actor_id="duty", at=at, values=values)


def acknowledged() -> PracticeRecord:
    return step(begin(ta.TECHNICAL_ADVICE), "acknowledge", ACKNOWLEDGED_AT)


def facts(now: datetime, **reminders: tuple[timedelta, ...]) -> ClockFacts:
    return ClockFacts(now=now, durations=DURATIONS, reminders=reminders)


def test_every_profile_gives_24_hours_and_a_profile_without_the_key_too() -> None:
    for profile in packaged_catalogue().profiles.values():
        assert profile.durations[ta.DURATION] == 24 * HOUR
    assert ta.answer_time({}) == 24 * HOUR
    assert ta.answer_time({ta.DURATION: 2 * HOUR}) == 2 * HOUR


def test_the_clock_runs_from_the_acknowledgement() -> None:
    record = begin(ta.TECHNICAL_ADVICE)
    assert record.state == ta.ASKED
    # Nothing waits before the duty officer takes the question.
    assert ta.asked_at(record) is None
    assert ta.answer_due(record, DURATIONS) is None
    assert ta.FORM.read_clock(record, facts(DUE)) == ClockReading()
    record = acknowledged()
    assert record.state == ta.ACKNOWLEDGED
    assert ta.asked_at(record) == ACKNOWLEDGED_AT
    assert ta.answer_due(record, DURATIONS) == DUE
    reading = ta.FORM.read_clock(record, facts(DUE - HOUR))
    assert reading.ends_at == DUE and reading.alarms == ()
    assert reading.deadlines == (
        ClockDeadline(
            "technical_advice.answer", "Technical advice: answer due", "deadline", DUE, ta.BASIS
        ),
    )


def test_an_unanswered_question_raises_a_warning_at_24_hours() -> None:
    record = acknowledged()
    assert ta.alarms(record, now=DUE - timedelta(seconds=1), durations=DURATIONS) == []
    raised = ta.alarms(record, now=DUE, durations=DURATIONS)
    assert [(a.code, a.level, a.due_at) for a in raised] == [
        ("technical_advice.answer", "warning", DUE)
    ]
    assert raised[0].text == (
        "The technical advice has not been answered within 24 hours (24/7 network, BC 35(1)(a))."
    )
    assert ta.FORM.read_clock(record, facts(DUE + HOUR)).alarms == tuple(raised)
    # No system step: an overdue answer is a warning, not a legal limit.
    assert ta.FORM.due_steps(record, facts(DUE + 100 * HOUR)) == []
    assert ta.FORM.clock_side is None
    # Answered late: the alarm is gone.
    answered = step(record, "answer", DUE + 2 * HOUR, answer="Use the provider's LE portal.")
    assert ta.alarms(answered, now=DUE + 3 * HOUR, durations=DURATIONS) == []


def test_a_follow_up_restarts_the_clock_and_the_exchange_closes() -> None:
    answered = step(
        acknowledged(),
        "answer",
        ANSWERED_AT,
        answer="Subscriber data are kept 12 months.",
        references="Telecoms Act s. 12",
    )
    assert answered.state == ta.ANSWERED
    assert answered.steps[-1].value("references") == "Telecoms Act s. 12"
    assert ta.answer_due(answered, DURATIONS) is None
    assert ta.FORM.read_clock(answered, facts(DUE + HOUR)).alarms == ()
    again = step(answered, "follow_up", FOLLOW_UP_AT, question="And IP logs?")
    assert again.state == ta.FOLLOW_UP
    assert ta.answer_due(again, DURATIONS) == FOLLOW_UP_DUE
    assert [a.due_at for a in ta.alarms(again, now=FOLLOW_UP_DUE, durations=DURATIONS)] == [
        FOLLOW_UP_DUE
    ]
    answered_again = step(again, "answer", FOLLOW_UP_AT + HOUR, answer="Six months.")
    assert answered_again.state == ta.ANSWERED
    assert answered_again.steps[-1].value("references") is None
    closed = step(answered_again, "close", FOLLOW_UP_AT + 2 * HOUR)
    assert closed.state == ta.CLOSED and ta.TECHNICAL_ADVICE.is_final(ta.CLOSED)
    assert ta.FORM.read_clock(closed, facts(FOLLOW_UP_DUE)) == ClockReading()


def test_reminders_before_the_answer_is_due_when_a_profile_sets_them() -> None:
    # Reminders 6 and 1 hours before 31 March 22:00: 16:00 and 21:00.
    reading = ta.FORM.read_clock(
        acknowledged(), facts(DUE - 3 * HOUR, **{ta.DURATION: (6 * HOUR, HOUR)})
    )
    at_16 = datetime(2025, 3, 31, 16, 0, tzinfo=UTC)
    at_21 = datetime(2025, 3, 31, 21, 0, tzinfo=UTC)
    # Only the reminder still ahead of 19:00 is listed; both are deadlines.
    assert [at for at, _ in reading.reminders] == [at_21]
    assert ta.hours_text(6 * HOUR) == "6 hours" and ta.hours_text(HOUR / 2) == "0.5 hours"
    assert reading.reminders[0][1] == (
        "Technical advice due in 1 hour on 2025-03-31T22:00:00+00:00"
    )
    assert [(d.code, d.kind, d.at) for d in reading.deadlines] == [
        ("technical_advice.answer", "deadline", DUE),
        ("technical_advice.answer.reminder", "reminder", at_16),
        ("technical_advice.answer.reminder", "reminder", at_21),
    ]  # fmt: skip


def test_declines_and_withdrawals_need_reasons() -> None:
    with pytest.raises(ReasonRequiredError):
        step(acknowledged(), "decline", DUE)
    declined = step(acknowledged(), "decline", DUE, reason="Our law lets only a court advise.")
    assert declined.state == ta.DECLINED
    assert ta.alarms(declined, now=DUE, durations=DURATIONS) == []
    with pytest.raises(ReasonRequiredError):
        step(begin(ta.TECHNICAL_ADVICE), "withdraw", DUE)
    withdrawn = step(begin(ta.TECHNICAL_ADVICE), "withdraw", DUE, reason="Solved locally.")
    assert withdrawn.state == ta.WITHDRAWN


def test_wrong_sides_and_missing_values_are_refused() -> None:
    with pytest.raises(PermissionDeniedError):
        take(
            begin(ta.TECHNICAL_ADVICE),
            ta.TECHNICAL_ADVICE,
            "acknowledge",
            side=RQG,
            actor_id="drafter",
            at=ACKNOWLEDGED_AT,
        )
    with pytest.raises(PermissionDeniedError):
        take(
            acknowledged(),
            ta.TECHNICAL_ADVICE,
            "answer",
            side=RQG,
            actor_id="drafter",
            at=DUE,
            values={"answer": "x"},
        )
    with pytest.raises(InvalidFieldsError) as missing:
        step(acknowledged(), "answer", DUE)
    assert [i.path for i in missing.value.issues] == ["values.answer"]
    answered = step(acknowledged(), "answer", ANSWERED_AT, answer="a")
    with pytest.raises(InvalidFieldsError):
        step(answered, "follow_up", FOLLOW_UP_AT, question=" ")
    # An answer before the acknowledgement is not in the table.
    with pytest.raises(IllegalTransitionError):
        step(begin(ta.TECHNICAL_ADVICE), "answer", DUE, answer="a")


LEGAL = {
    ta.ASKED: {"acknowledge", "decline", "withdraw"},
    ta.ACKNOWLEDGED: {"answer", "decline", "withdraw"},
    ta.ANSWERED: {"follow_up", "close"},
    ta.FOLLOW_UP: {"answer", "decline", "withdraw"},
    ta.CLOSED: set(),
    ta.DECLINED: set(),
    ta.WITHDRAWN: set(),
}
VALUES: dict[str, dict[str, Value]] = {
    "acknowledge": {},
    "answer": {"answer": "a"},
    "follow_up": {"question": "q"},
    "close": {},
    "decline": {"reason": "r"},
    "withdraw": {"reason": "r"},
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(VALUES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(ta.TECHNICAL_ADVICE.states)
    assert set(VALUES) == {rule.code for rule in ta.TECHNICAL_ADVICE.steps}
    record = PracticeRecord("technical_advice", state)
    if code in LEGAL[state]:
        assert step(record, code, DUE, **VALUES[code]).state in ta.TECHNICAL_ADVICE.states
    else:
        with pytest.raises(
            IllegalTransitionError, match=f"{code!r} cannot be taken in state {state!r}"
        ):
            step(record, code, DUE, **VALUES[code])


def test_a_waiting_record_without_its_start_step_reads_no_clock() -> None:
    # A record built by hand in a waiting state, with no step: no instant to run from.
    record = PracticeRecord("technical_advice", ta.ACKNOWLEDGED)
    assert ta.asked_at(record) is None and ta.answer_due(record, DURATIONS) is None
