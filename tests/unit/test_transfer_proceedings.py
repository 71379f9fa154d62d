"""The transfer-of-proceedings life cycle and its dates (type card T18; TPCM 14, 16, 21, 22,
24(2)). Every date below is worked out by hand; all instants are aware UTC datetimes."""

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
from comity.domain.practice import transfer_proceedings as tp
from comity.domain.practice.forms import ClockFacts, ClockReading
from comity.domain.practice.lifecycle import PracticeRecord, StepSide, Value, begin, take

pytestmark = pytest.mark.unit

DAY = timedelta(days=1)
DURATIONS = packaged_catalogue().default_profile.durations
RQG, RQD = StepSide.REQUESTING, StepSide.REQUESTED
SENT_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LIMITATION = datetime(2026, 1, 31, 0, 0, tzinfo=UTC)
# 31 January 2026 + 183 days: 28 to 28 February, 31 to 31 March, 30 to 30 April, 31 to 31 May,
# 30 to 30 June, 31 to 31 July; 28+31+30+31+30+31 = 181, two more: 2 August 2026.
EXTENDED = datetime(2026, 8, 2, 0, 0, tzinfo=UTC)
ANSWER_BY = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
NOTIFIED = datetime(2025, 5, 20, 10, 0, tzinfo=UTC)
# 20 May + 30 days: 11 days to 31 May, 19 more to 19 June.
OBJECTION_ENDS = datetime(2025, 6, 19, 10, 0, tzinfo=UTC)


def step(
    record: PracticeRecord, code: str, side: StepSide, at: datetime, **values: Value
) -> PracticeRecord:
    return take(
        record, tp.TRANSFER_PROCEEDINGS, code, side=side, actor_id="officer", at=at, values=values
    )


def transmitted() -> PracticeRecord:
    return step(
        begin(tp.TRANSFER_PROCEEDINGS),
        "transmit_file",
        RQG,
        SENT_AT,
        file_ref="XA-FILE-7",
        documents=12,
        digest="ab" * 32,
        limitation_ends_at=LIMITATION.isoformat(),
    )


def accepted() -> PracticeRecord:
    return step(transmitted(), "accept", RQD, SENT_AT + 10 * DAY, decision_ref="XB-DEC-1")


def facts(now: datetime, durations: dict[str, timedelta] | None = None) -> ClockFacts:
    return ClockFacts(now=now, durations=DURATIONS if durations is None else durations)


def test_every_profile_prolongs_by_six_months_and_gives_one_month_to_object() -> None:
    for profile in packaged_catalogue().profiles.values():
        assert profile.durations[tp.LIMITATION_EXTENSION] == 183 * DAY
        assert profile.durations[tp.COMPLAINT_OBJECTION] == 30 * DAY


def test_the_file_is_sent_with_its_count_and_limitation_date() -> None:
    record = transmitted()
    assert record.state == tp.TRANSMITTED
    assert record.steps[-1].value("documents") == 12
    assert tp.prosecution_right(record) == tp.RIGHT_KEPT
    assert tp.limitation_extended_to(record, DURATIONS) == EXTENDED


def test_nothing_is_computed_before_the_file() -> None:
    record = begin(tp.TRANSFER_PROCEEDINGS)
    assert tp.limitation_extended_to(record, DURATIONS) is None
    assert tp.complaint_objection_ends(record, DURATIONS) is None
    assert tp.information_due(record) is None
    assert tp.FORM.read_clock(record, facts(SENT_AT)).deadlines == ()
    assert tp.FORM.due_steps(record, facts(SENT_AT)) == []


def test_the_file_needs_its_reference_count_and_a_valid_limitation_date() -> None:
    with pytest.raises(InvalidFieldsError) as caught:
        step(
            begin(tp.TRANSFER_PROCEEDINGS),
            "transmit_file",
            RQG,
            SENT_AT,
            documents=-1,
            limitation_ends_at="31 January",
        )
    fields = {issue.path for issue in caught.value.issues}
    assert fields == {"values.file_ref", "values.documents", "values.limitation_ends_at"}


def test_only_the_requesting_state_sends_the_file() -> None:
    with pytest.raises(PermissionDeniedError):
        step(
            begin(tp.TRANSFER_PROCEEDINGS),
            "transmit_file",
            RQD,
            SENT_AT,
            file_ref="F",
            documents=1,
            limitation_ends_at=LIMITATION.isoformat(),
        )


def test_supplementary_information_has_a_time_limit_then_comes_back() -> None:
    asked = step(
        transmitted(), "ask_information", RQD, SENT_AT + DAY,
        questions="Witness statements?", answer_by=ANSWER_BY.isoformat(),
    )  # fmt: skip
    assert asked.state == tp.INFORMATION_REQUESTED
    assert tp.information_due(asked) == ANSWER_BY
    reading = tp.FORM.read_clock(asked, facts(SENT_AT + DAY))
    assert [(d.code, d.at) for d in reading.deadlines] == [
        ("transfer_proceedings.information", ANSWER_BY),
        ("transfer_proceedings.limitation", EXTENDED),
    ]
    with pytest.raises(IllegalTransitionError):
        step(
            asked,
            "ask_information",
            RQD,
            SENT_AT + DAY,
            questions="q",
            answer_by=ANSWER_BY.isoformat(),
        )
    supplied = step(asked, "supply_information", RQG, SENT_AT + 5 * DAY, supplement_ref="XA-S-1")
    assert supplied.state == tp.TRANSMITTED
    assert tp.information_due(supplied) is None


def test_the_requested_state_may_decide_without_the_information() -> None:
    asked = step(
        transmitted(), "ask_information", RQD, SENT_AT + DAY,
        questions="q", answer_by=ANSWER_BY.isoformat(),
    )  # fmt: skip
    record = step(asked, "accept", RQD, ANSWER_BY + DAY, decision_ref="XB-DEC-1")
    assert record.state == tp.ACCEPTED


def test_acceptance_suspends_the_right_to_prosecute() -> None:
    record = accepted()
    assert tp.prosecution_right(record) == tp.RIGHT_SUSPENDED
    with pytest.raises(IllegalTransitionError):
        step(record, "withdraw_request", RQG, SENT_AT + 11 * DAY, reason="too late")


def test_the_complainant_has_one_month_to_object() -> None:
    record = step(accepted(), "notify_complainant", RQD, NOTIFIED, notified_at=NOTIFIED.isoformat())
    assert record.state == tp.ACCEPTED
    assert tp.complaint_objection_ends(record, DURATIONS) == OBJECTION_ENDS
    reading = tp.FORM.read_clock(record, facts(NOTIFIED))
    assert [(d.code, d.kind, d.at) for d in reading.deadlines] == [
        ("transfer_proceedings.complaint_objection", "deadline", OBJECTION_ENDS),
        ("transfer_proceedings.limitation", "deadline", EXTENDED),
    ]
    assert reading.alarms == ()
    assert reading.ends_at is None


def test_a_profile_without_the_durations_uses_the_legal_ones() -> None:
    record = step(accepted(), "notify_complainant", RQD, NOTIFIED, notified_at=NOTIFIED.isoformat())
    assert tp.limitation_extended_to(record, {}) == EXTENDED
    assert tp.complaint_objection_ends(record, {}) == OBJECTION_ENDS
    # A profile that says otherwise is followed: 31 January + 200 days = 19 August 2026.
    other = {tp.LIMITATION_EXTENSION: 200 * DAY}
    assert tp.limitation_extended_to(record, other) == datetime(2026, 8, 19, tzinfo=UTC)


@pytest.mark.parametrize("ground", [*tp.MUST_NOT_ACT, *tp.MAY_REFUSE])
def test_a_refusal_names_a_ground_of_article_10_or_11_and_the_right_reverts(ground: str) -> None:
    record = step(transmitted(), "refuse", RQD, SENT_AT + DAY, ground=ground, reason="see file")
    assert record.state == tp.REFUSED
    assert tp.prosecution_right(record) == tp.RIGHT_REVERTED
    assert tp.FORM.lifecycle.is_final(record.state)
    # The prolonged limitation still matters to the State whose right reverted.
    deadlines = tp.FORM.read_clock(record, facts(SENT_AT + DAY)).deadlines
    assert [d.code for d in deadlines] == ["transfer_proceedings.limitation"]


def test_a_refusal_needs_reasons_and_a_known_ground() -> None:
    with pytest.raises(ReasonRequiredError):
        step(transmitted(), "refuse", RQD, SENT_AT + DAY, ground="ne_bis_in_idem")
    with pytest.raises(InvalidFieldsError):
        step(transmitted(), "refuse", RQD, SENT_AT + DAY, ground="dislike", reason="r")


def test_the_request_may_be_withdrawn_before_the_decision() -> None:
    record = step(transmitted(), "withdraw_request", RQG, SENT_AT + DAY, reason="suspect found")
    assert record.state == tp.WITHDRAWN
    assert tp.prosecution_right(record) == tp.RIGHT_REVERTED
    early = step(begin(tp.TRANSFER_PROCEEDINGS), "withdraw_request", RQG, SENT_AT, reason="r")
    assert early.state == tp.WITHDRAWN


def test_withdrawing_the_acceptance_gives_the_right_back() -> None:
    record = step(accepted(), "withdraw_acceptance", RQD, SENT_AT + 20 * DAY, reason="new facts")
    assert record.state == tp.ACCEPTANCE_WITHDRAWN
    assert tp.prosecution_right(record) == tp.RIGHT_REVERTED
    with pytest.raises(PermissionDeniedError):
        step(accepted(), "withdraw_acceptance", RQG, SENT_AT + 20 * DAY, reason="r")


@pytest.mark.parametrize(
    ("outcome", "right"),
    [
        ("convicted", tp.RIGHT_SUSPENDED),
        ("acquitted", tp.RIGHT_SUSPENDED),
        ("not_instituted", tp.RIGHT_REVERTED),
        ("discontinued", tp.RIGHT_REVERTED),
    ],
)
def test_the_outcome_ends_the_record(outcome: str, right: str) -> None:
    record = step(accepted(), "notify_outcome", RQD, SENT_AT + 90 * DAY,
                  outcome=outcome, decision_ref="XB-J-9")  # fmt: skip
    assert record.state == tp.CONCLUDED
    assert tp.FORM.lifecycle.is_final(record.state)
    assert tp.prosecution_right(record) == right
    assert tp.FORM.read_clock(record, facts(SENT_AT + 90 * DAY)) == ClockReading()


def test_no_outcome_before_acceptance() -> None:
    with pytest.raises(IllegalTransitionError):
        step(transmitted(), "notify_outcome", RQD, SENT_AT + DAY, outcome="convicted",
             decision_ref="d")  # fmt: skip
    with pytest.raises(IllegalTransitionError):
        step(transmitted(), "notify_complainant", RQD, SENT_AT + DAY,
             notified_at=NOTIFIED.isoformat())  # fmt: skip


def test_the_form_is_registered_for_its_type() -> None:
    from comity.domain.practice.registry import BY_TYPE, CLOCK_SIDE

    assert BY_TYPE["transfer_proceedings"] is tp.FORM
    assert CLOCK_SIDE["transfer_proceedings"] is StepSide.REQUESTED
