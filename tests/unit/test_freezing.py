"""The freezing and seizure life cycle, its review clock and the lift comment window (type card
T21; UNCAC 55(7), 55(8); issue 8). Every date below is worked out by hand; all instants are
aware UTC datetimes."""

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
from comity.domain.practice import freezing as fz
from comity.domain.practice.forms import ClockFacts
from comity.domain.practice.lifecycle import SYSTEM_ACTOR, PracticeRecord, StepSide, begin, take

pytestmark = pytest.mark.unit

DAY = timedelta(days=1)
PROFILE = packaged_catalogue().default_profile
DURATIONS = PROFILE.durations
REMINDERS = PROFILE.reminders
ORDERED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
RECORDED_AT = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
# 5 January + 90 days: 26 to 31 January, 28 in February (54), 31 in March (85), 5 in April.
FIRST_REVIEW = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)
# 14 days before 5 April: 22 March.
FIRST_REMINDER = datetime(2026, 3, 22, 9, 0, tzinfo=UTC)
REVIEWED_AT = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
# 1 April + 90 days: 29 to 30 April, 31 in May (60), 30 in June (90): 30 June.
SECOND_REVIEW = datetime(2026, 6, 30, 10, 0, tzinfo=UTC)
NOTICE_AT = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
# 4 May + 14 days = 18 May.
WINDOW_CLOSES = datetime(2026, 5, 18, 8, 0, tzinfo=UTC)

RQD, RQG, SYS = StepSide.REQUESTED, StepSide.REQUESTING, StepSide.SYSTEM
ORDER = {
    "order_ref": "FRZ-2026-9",
    "measure": "freeze",
    "assets": "Account 0012-88412 at Example Bank",
    "ordered_at": ORDERED_AT.isoformat(),
}


def step(
    record: PracticeRecord, code: str, at: datetime, side: StepSide = RQD, /, **values: str
) -> PracticeRecord:
    return take(record, fz.FREEZING, code, side=side, actor_id="officer", at=at, values=values)


def ordered() -> PracticeRecord:
    return step(begin(fz.FREEZING), "order", RECORDED_AT, **ORDER)


def notified() -> PracticeRecord:
    return step(ordered(), "intend_lift", NOTICE_AT, reason="No evidence received in 4 months")


def facts(
    now: datetime, durations: object = DURATIONS, reminders: object = REMINDERS
) -> ClockFacts:
    return ClockFacts(now=now, durations=durations, reminders=reminders)  # type: ignore[arg-type]


def test_every_profile_reviews_every_90_days_and_hears_for_14() -> None:
    for profile in packaged_catalogue().profiles.values():
        assert profile.durations[fz.REVIEW] == 90 * DAY
        assert profile.durations[fz.COMMENT_WINDOW] == 14 * DAY
        assert profile.reminders[fz.REVIEW] == (14 * DAY,)


def test_the_review_runs_from_the_order_with_a_reminder_and_an_alarm() -> None:
    record = begin(fz.FREEZING)
    assert fz.review_due(record, DURATIONS) is None
    assert fz.FORM.read_clock(record, facts(FIRST_REVIEW)).deadlines == ()
    record = ordered()
    assert record.state == fz.IN_FORCE
    assert fz.ordered_at(record) == ORDERED_AT
    assert fz.review_due(record, DURATIONS) == FIRST_REVIEW
    reading = fz.FORM.read_clock(record, facts(RECORDED_AT))
    assert reading.ends_at is None and reading.alarms == ()
    assert reading.reminders == ((FIRST_REMINDER, "Freezing review due in 14 days"),)
    assert [(d.code, d.kind, d.at) for d in reading.deadlines] == [
        ("freezing.review", "deadline", FIRST_REVIEW),
        ("freezing.review.reminder", "reminder", FIRST_REMINDER),
    ]
    # Past the reminder it is no longer ahead, but stays a deadline of the record.
    later = fz.FORM.read_clock(record, facts(FIRST_REMINDER + DAY))
    assert later.reminders == () and len(later.deadlines) == 2
    # A second before the review date: no alarm; at it, the warning.
    assert fz.alarms(record, now=FIRST_REVIEW - timedelta(seconds=1), durations=DURATIONS) == []
    (alarm,) = fz.FORM.read_clock(record, facts(FIRST_REVIEW)).alarms
    assert (alarm.code, alarm.level, alarm.due_at) == (
        "freezing.review_overdue",
        "warning",
        FIRST_REVIEW,
    )
    assert alarm.text.startswith("The measure has not been reviewed in 90 days")
    # The review clock takes no step of its own.
    assert fz.FORM.due_steps(record, facts(FIRST_REVIEW + 30 * DAY)) == []


def test_a_review_continues_the_measure_and_restarts_the_period() -> None:
    record = step(ordered(), "review", REVIEWED_AT, outcome="continue")
    assert record.state == fz.IN_FORCE
    assert fz.review_due(record, DURATIONS) == SECOND_REVIEW
    assert fz.alarms(record, now=FIRST_REVIEW, durations=DURATIONS) == []
    with pytest.raises(InvalidFieldsError) as refused:
        step(ordered(), "review", REVIEWED_AT, outcome="lift")
    assert refused.value.issues[0].path == "values.outcome"


def test_a_profile_without_the_keys_uses_the_legal_defaults() -> None:
    record = ordered()
    reading = fz.FORM.read_clock(record, facts(RECORDED_AT, durations={}, reminders={}))
    assert reading.deadlines[0].at == FIRST_REVIEW
    assert reading.reminders == ((FIRST_REMINDER, "Freezing review due in 14 days"),)
    assert fz.window_closes(notified(), {}) == WINDOW_CLOSES


def test_lifting_waits_for_the_comment_window_to_close() -> None:
    record = notified()
    assert record.state == fz.LIFT_NOTIFIED
    assert fz.window_closes(ordered(), DURATIONS) is None
    assert fz.window_closes(record, DURATIONS) == WINDOW_CLOSES
    reading = fz.FORM.read_clock(record, facts(NOTICE_AT))
    assert reading.ends_at == WINDOW_CLOSES
    assert ("freezing.lift_comment_window", WINDOW_CLOSES) in [
        (d.code, d.at) for d in reading.deadlines
    ]
    # Lifting inside the window is refused by the table.
    with pytest.raises(IllegalTransitionError, match="'lift' cannot be taken in state"):
        step(record, "lift", NOTICE_AT + DAY, reason="de minimis")
    assert fz.FORM.due_steps(record, facts(WINDOW_CLOSES - timedelta(seconds=1))) == []
    (closing,) = fz.FORM.due_steps(record, facts(WINDOW_CLOSES + 3 * DAY))
    assert (closing.code, closing.side, closing.actor_id, closing.at) == (
        "close_comment_window",
        SYS,
        SYSTEM_ACTOR,
        WINDOW_CLOSES,
    )
    record = take(
        record, fz.FREEZING, "close_comment_window", side=SYS, actor_id=SYSTEM_ACTOR,
        at=closing.at,
    )  # fmt: skip
    assert record.state == fz.LIFT_OPEN
    assert fz.FORM.due_steps(record, facts(WINDOW_CLOSES + 3 * DAY)) == []
    # Too late to argue now.
    with pytest.raises(IllegalTransitionError):
        step(record, "argue_continuation", WINDOW_CLOSES + DAY, RQG, arguments="x")
    with pytest.raises(ReasonRequiredError):
        step(record, "lift", WINDOW_CLOSES + DAY)
    lifted = step(record, "lift", WINDOW_CLOSES + DAY, reason="No evidence; de minimis")
    assert lifted.state == fz.LIFTED and fz.FREEZING.is_final(fz.LIFTED)
    assert fz.FORM.read_clock(lifted, facts(WINDOW_CLOSES + DAY)).deadlines == ()


def test_a_late_run_dates_the_closing_when_the_window_closed() -> None:
    # The sweep runs three days late: the step is still dated 18 May, when the window closed.
    (closing,) = fz.due_steps(notified(), now=WINDOW_CLOSES + 3 * DAY, durations=DURATIONS)
    assert closing.at == WINDOW_CLOSES


def test_an_answered_argument_opens_the_lifting_before_the_window_ends() -> None:
    argued = step(
        notified(), "argue_continuation", NOTICE_AT + DAY, RQG, arguments="Evidence follows."
    )
    assert argued.state == fz.CONTINUATION_ARGUED
    # Once argued, the clock has nothing to close.
    assert fz.FORM.due_steps(argued, facts(WINDOW_CLOSES + DAY)) == []
    assert fz.FORM.read_clock(argued, facts(NOTICE_AT)).ends_at is None
    with pytest.raises(IllegalTransitionError):
        step(argued, "lift", NOTICE_AT + 2 * DAY, reason="r")
    answered = step(argued, "answer_argument", NOTICE_AT + 2 * DAY, answer="Not convinced.")
    assert answered.state == fz.LIFT_OPEN
    # Lifted on day 3, before the 14 days ran out: the argument was heard and answered.
    lifted = step(answered, "lift", NOTICE_AT + 3 * DAY, reason="Evidence insufficient")
    assert lifted.state == fz.LIFTED


def test_the_requested_state_may_maintain_the_measure_after_hearing() -> None:
    argued = step(notified(), "argue_continuation", NOTICE_AT + DAY, RQG, arguments="a")
    for record in (notified(), argued):
        kept = step(record, "maintain", NOTICE_AT + 2 * DAY)
        assert kept.state == fz.IN_FORCE
        # Maintaining is not a review: the review date still runs from the order.
        assert fz.review_due(kept, DURATIONS) == FIRST_REVIEW
    # The review alarm still rings while a lifting is pending.
    assert fz.alarms(argued, now=FIRST_REVIEW + 60 * DAY, durations=DURATIONS) != []


def test_a_confiscation_request_supersedes_the_measure() -> None:
    for record in (ordered(), notified()):
        done = step(
            record, "convert_to_confiscation", NOTICE_AT + DAY, RQG, confiscation_ref="CONF-1"
        )
        assert done.state == fz.SUPERSEDED and fz.FREEZING.is_final(fz.SUPERSEDED)
        assert fz.review_due(done, DURATIONS) is None
    with pytest.raises(PermissionDeniedError):
        step(ordered(), "convert_to_confiscation", NOTICE_AT, RQD, confiscation_ref="C")
    with pytest.raises(InvalidFieldsError):
        step(ordered(), "convert_to_confiscation", NOTICE_AT, RQG)


def test_declining_and_the_order_values_are_checked() -> None:
    declined = step(begin(fz.FREEZING), "decline", RECORDED_AT, reason="No dual criminality")
    assert declined.state == fz.DECLINED
    with pytest.raises(InvalidFieldsError) as refused:
        step(begin(fz.FREEZING), "order", RECORDED_AT, **{**ORDER, "measure": "confiscate",
                                                          "ordered_at": "5 January"})  # fmt: skip
    assert [i.path for i in refused.value.issues] == ["values.measure", "values.ordered_at"]
    with pytest.raises(InvalidFieldsError) as missing:
        step(begin(fz.FREEZING), "order", RECORDED_AT)
    assert len(missing.value.issues) == 4
    with pytest.raises(PermissionDeniedError):
        step(begin(fz.FREEZING), "order", RECORDED_AT, RQG, **ORDER)
    with pytest.raises(PermissionDeniedError):
        step(notified(), "close_comment_window", WINDOW_CLOSES)


LEGAL = {
    fz.REQUESTED: {"order", "decline"},
    fz.IN_FORCE: {"review", "intend_lift", "convert_to_confiscation"},
    fz.LIFT_NOTIFIED: {
        "argue_continuation", "close_comment_window", "maintain", "convert_to_confiscation",
    },
    fz.CONTINUATION_ARGUED: {"answer_argument", "maintain", "convert_to_confiscation"},
    fz.LIFT_OPEN: {"lift", "maintain", "convert_to_confiscation"},
    fz.LIFTED: set(),
    fz.SUPERSEDED: set(),
    fz.DECLINED: set(),
}  # fmt: skip
SIDES = {
    "order": RQD,
    "decline": RQD,
    "review": RQD,
    "intend_lift": RQD,
    "argue_continuation": RQG,
    "close_comment_window": SYS,
    "answer_argument": RQD,
    "maintain": RQD,
    "lift": RQD,
    "convert_to_confiscation": RQG,
}
VALUES: dict[str, dict[str, str]] = {
    "order": ORDER,
    "decline": {"reason": "r"},
    "review": {"outcome": "continue"},
    "intend_lift": {"reason": "r"},
    "argue_continuation": {"arguments": "a"},
    "answer_argument": {"answer": "a"},
    "lift": {"reason": "r"},
    "convert_to_confiscation": {"confiscation_ref": "C"},
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(SIDES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(fz.FREEZING.states)
    assert set(SIDES) == {rule.code for rule in fz.FREEZING.steps}
    record = PracticeRecord("freezing", state)
    values = VALUES.get(code)
    if code in LEGAL[state]:
        after = take(
            record, fz.FREEZING, code, side=SIDES[code], actor_id="a", at=RECORDED_AT,
            values=values,
        )  # fmt: skip
        assert after.state in fz.FREEZING.states
    else:
        with pytest.raises(IllegalTransitionError, match=f"{code!r} cannot be taken"):
            take(
                record, fz.FREEZING, code, side=SIDES[code], actor_id="a", at=RECORDED_AT,
                values=values,
            )  # fmt: skip
