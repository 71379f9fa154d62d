"""The provisional-arrest life cycle and its 18- and 40-day clocks (type card T02; ECE 16(4);
issue 8 item 3). Every date below is worked out by hand; all instants are aware UTC datetimes.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.catalogue.loader import packaged_catalogue
from comity.domain.errors import (
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.practice import provisional_arrest as pa
from comity.domain.practice.lifecycle import SYSTEM_ACTOR, PracticeRecord, StepSide, begin, take

pytestmark = pytest.mark.unit

DAY = timedelta(days=1)
DURATIONS = packaged_catalogue().default_profile.durations
ARRESTED_AT = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
# Recorded two hours after the arrest; the clocks run from the arrest itself.
RECORDED_AT = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
# 3 March + 18 days = 21 March.
REVIEW = datetime(2025, 3, 21, 6, 0, tzinfo=UTC)
# 3 March + 40 days: 28 days to 31 March, 12 more to 12 April.
LIMIT = datetime(2025, 4, 12, 6, 0, tzinfo=UTC)

RQD = StepSide.REQUESTED


def arrested() -> PracticeRecord:
    return take(
        begin(pa.PROVISIONAL_ARREST),
        pa.PROVISIONAL_ARREST,
        "arrest",
        side=RQD,
        actor_id="officer",
        at=RECORDED_AT,
        values={"arrested_at": ARRESTED_AT.isoformat()},
    )


def step(record: PracticeRecord, code: str, at: datetime, **values: str) -> PracticeRecord:
    return take(
        record, pa.PROVISIONAL_ARREST, code, side=RQD, actor_id="officer", at=at, values=values
    )


def test_every_profile_reviews_at_18_days_and_releases_at_40() -> None:
    for profile in packaged_catalogue().profiles.values():
        assert profile.durations[pa.REVIEW] == 18 * DAY
        assert profile.durations[pa.LIMIT] == 40 * DAY


def test_the_clocks_run_from_the_recorded_arrest() -> None:
    record = begin(pa.PROVISIONAL_ARREST)
    assert pa.arrested_at(record) is None
    assert pa.clocks(record, DURATIONS) is None
    assert pa.alarms(record, now=LIMIT, durations=DURATIONS) == []
    assert pa.due_steps(record, now=LIMIT, durations=DURATIONS) == []
    record = arrested()
    assert record.state == pa.ARRESTED
    assert pa.arrested_at(record) == ARRESTED_AT
    assert pa.clocks(record, DURATIONS) == (REVIEW, LIMIT)


def test_the_18_day_alarm_is_raised_if_the_request_has_not_arrived() -> None:
    record = arrested()
    assert pa.alarms(record, now=REVIEW - timedelta(seconds=1), durations=DURATIONS) == []
    raised = pa.alarms(record, now=REVIEW, durations=DURATIONS)
    assert [(a.code, a.level, a.due_at) for a in raised] == [
        ("provisional_arrest.review", pa.Level.WARNING, REVIEW)
    ]
    assert raised[0].text == (
        "No extradition request 18 days after the arrest: the person may be released (ECE 16(4))."
    )
    assert pa.due_steps(record, now=REVIEW, durations=DURATIONS) == []


def test_release_is_due_at_the_40_day_limit() -> None:
    record = arrested()
    assert pa.due_steps(record, now=LIMIT - timedelta(seconds=1), durations=DURATIONS) == []
    raised = pa.alarms(record, now=LIMIT, durations=DURATIONS)
    assert [(a.code, a.level, a.due_at) for a in raised] == [
        ("provisional_arrest.review", pa.Level.WARNING, REVIEW),
        ("provisional_arrest.limit", pa.Level.CRITICAL, LIMIT),
    ]
    assert raised[1].text.startswith("40 days since the arrest")
    due = pa.due_steps(record, now=LIMIT + DAY, durations=DURATIONS)
    assert [(s.code, s.side, s.actor_id, s.at) for s in due] == [
        ("release_due", StepSide.SYSTEM, SYSTEM_ACTOR, LIMIT)
    ]
    record = take(
        record,
        pa.PROVISIONAL_ARREST,
        "release_due",
        side=StepSide.SYSTEM,
        actor_id=SYSTEM_ACTOR,
        at=LIMIT,
    )
    assert record.state == pa.RELEASE_DUE
    # The critical alarm stays until the release is recorded, and nothing more is due.
    assert pa.alarms(record, now=LIMIT + DAY, durations=DURATIONS)[-1].level is pa.Level.CRITICAL
    assert pa.due_steps(record, now=LIMIT + DAY, durations=DURATIONS) == []
    # The request arriving now is too late: the release is mandatory (ECE 16(4)).
    with pytest.raises(
        IllegalTransitionError, match="'receive_request' cannot be taken in state 'release_due'"
    ):
        step(record, "receive_request", LIMIT + DAY, extradition_request_ref="EXT-1")
    with pytest.raises(ReasonRequiredError):
        step(record, "release", LIMIT + DAY)
    released = step(
        record, "release", LIMIT + DAY, reason="40 days without the extradition request"
    )
    assert released.state == pa.RELEASED
    assert pa.alarms(released, now=LIMIT + DAY, durations=DURATIONS) == []


def test_a_late_run_dates_release_due_after_a_step_recorded_past_the_limit() -> None:
    # Recorded late: the arrest itself is entered after the 40 days had passed.
    record = take(
        begin(pa.PROVISIONAL_ARREST),
        pa.PROVISIONAL_ARREST,
        "arrest",
        side=RQD,
        actor_id="officer",
        at=LIMIT + DAY,
        values={"arrested_at": ARRESTED_AT.isoformat()},
    )
    assert pa.due_steps(record, now=LIMIT + 2 * DAY, durations=DURATIONS)[0].at == LIMIT + DAY


def test_the_requests_arrival_stops_both_clocks() -> None:
    # 1 April, day 29: after the review mark, before the limit.
    arrival = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
    record = step(arrested(), "receive_request", arrival, extradition_request_ref="EXT-1")
    assert record.state == pa.REQUEST_RECEIVED
    assert pa.clocks(record, DURATIONS) is None
    assert pa.alarms(record, now=LIMIT + 10 * DAY, durations=DURATIONS) == []
    assert pa.due_steps(record, now=LIMIT + 10 * DAY, durations=DURATIONS) == []
    kept = step(record, "keep", arrival + DAY, decision_ref="COURT-7")
    assert kept.state == pa.KEPT
    assert pa.PROVISIONAL_ARREST.is_final(pa.KEPT)
    released = step(record, "release", arrival + DAY, reason="extradition refused")
    assert released.state == pa.RELEASED


def test_the_requested_state_may_release_before_the_limit_or_decline_to_arrest() -> None:
    assert (
        step(arrested(), "release", REVIEW, reason="no request after 18 days").state == pa.RELEASED
    )
    declined = step(begin(pa.PROVISIONAL_ARREST), "decline", RECORDED_AT, reason="person not found")
    assert declined.state == pa.DECLINED


def test_the_wrong_side_a_missing_arrest_time_and_a_naive_one_are_refused() -> None:
    with pytest.raises(PermissionDeniedError):
        take(
            begin(pa.PROVISIONAL_ARREST),
            pa.PROVISIONAL_ARREST,
            "arrest",
            side=StepSide.REQUESTING,
            actor_id="x",
            at=RECORDED_AT,
            values={"arrested_at": ARRESTED_AT.isoformat()},
        )
    with pytest.raises(PermissionDeniedError):
        step(arrested(), "release_due", LIMIT)
    with pytest.raises(InvalidFieldsError) as refused:
        step(begin(pa.PROVISIONAL_ARREST), "arrest", RECORDED_AT)
    assert refused.value.issues[0].path == "values.arrested_at"
    with pytest.raises(InvalidFieldsError):
        step(begin(pa.PROVISIONAL_ARREST), "arrest", RECORDED_AT, arrested_at="2025-03-03T06:00:00")


LEGAL = {
    pa.REQUESTED: {"arrest", "decline"},
    pa.ARRESTED: {"receive_request", "release_due", "release"},
    pa.RELEASE_DUE: {"release"},
    pa.REQUEST_RECEIVED: {"release", "keep"},
    pa.KEPT: set(),
    pa.RELEASED: set(),
    pa.DECLINED: set(),
}
SIDES = {
    "arrest": RQD,
    "decline": RQD,
    "receive_request": RQD,
    "release_due": StepSide.SYSTEM,
    "release": RQD,
    "keep": RQD,
}
VALUES: dict[str, dict[str, str]] = {
    "arrest": {"arrested_at": ARRESTED_AT.isoformat()},
    "decline": {"reason": "r"},
    "receive_request": {"extradition_request_ref": "EXT-1"},
    "release": {"reason": "r"},
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(SIDES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(pa.PROVISIONAL_ARREST.states)
    record = PracticeRecord("provisional_arrest", state)
    values = VALUES.get(code)
    if code in LEGAL[state]:
        after = take(
            record,
            pa.PROVISIONAL_ARREST,
            code,
            side=SIDES[code],
            actor_id="a",
            at=RECORDED_AT,
            values=values,
        )
        assert after.state in pa.PROVISIONAL_ARREST.states
    else:
        with pytest.raises(
            IllegalTransitionError, match=f"{code!r} cannot be taken in state {state!r}"
        ):
            take(
                record,
                pa.PROVISIONAL_ARREST,
                code,
                side=SIDES[code],
                actor_id="a",
                at=RECORDED_AT,
                values=values,
            )


@given(st.lists(st.tuples(st.sampled_from(sorted(SIDES)), st.integers(0, 10 * 24)), max_size=10))
def test_a_random_legal_walk_never_leaves_the_table_and_never_mutates_its_input(
    moves: list[tuple[str, int]],
) -> None:
    record = begin(pa.PROVISIONAL_ARREST)
    at = RECORDED_AT
    for code, hours in moves:
        at += timedelta(hours=hours)
        for found in pa.due_steps(record, now=at, durations=DURATIONS):
            record = take(
                record,
                pa.PROVISIONAL_ARREST,
                found.code,
                side=found.side,
                actor_id=found.actor_id,
                at=found.at,
            )
        if code not in LEGAL[record.state]:
            continue
        before = copy.deepcopy(record)
        after = take(
            record,
            pa.PROVISIONAL_ARREST,
            code,
            side=SIDES[code],
            actor_id="a",
            at=at,
            values=VALUES.get(code),
        )
        assert record == before
        assert after.state in pa.PROVISIONAL_ARREST.states
        # The clocks run exactly while the person is held without the request.
        assert (pa.clocks(after, DURATIONS) is not None) == (
            after.state in {pa.ARRESTED, pa.RELEASE_DUE}
        )
        record = after
