"""The preservation life cycle and its clock (type card T05; BC 29(7); UNCC 42; issue 8 item 2).

Every date below is worked out by hand in its comment; all instants are aware UTC datetimes.
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
from comity.domain.practice import preservation as p
from comity.domain.practice.lifecycle import SYSTEM_ACTOR, PracticeRecord, StepSide, begin, take

pytestmark = pytest.mark.unit

DAY = timedelta(days=1)
ORDERED_AT = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
# The provider confirms an hour after the order: the clock starts here.
PRESERVED_AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
# 1 March + 60 days: 30 days to 31 March, 30 more to 30 April.
EXPIRES = datetime(2025, 4, 30, 10, 0, tzinfo=UTC)

PROFILE = packaged_catalogue().default_profile
DURATIONS = PROFILE.durations
OFFSETS = PROFILE.reminders["preservation"]

REQ = StepSide.REQUESTING
RQD = StepSide.REQUESTED
SYS = StepSide.SYSTEM


def step(
    record: PracticeRecord, code: str, side: StepSide, at: datetime, **values: str
) -> PracticeRecord:
    return take(record, p.PRESERVATION, code, side=side, actor_id="officer", at=at, values=values)


def preserved() -> PracticeRecord:
    record = step(
        begin(p.PRESERVATION), "order", RQD, ORDERED_AT, provider="ExampleMail", order_ref="PO-1"
    )
    return step(record, "confirm", RQD, PRESERVED_AT, confirmation_ref="CONF-1")


def test_the_profiles_preserve_60_days_with_reminders_at_14_7_and_2_days() -> None:
    for profile in packaged_catalogue().profiles.values():
        assert p.period(profile.durations) == 60 * DAY
        assert profile.reminders["preservation"] == (14 * DAY, 7 * DAY, 2 * DAY)


def test_a_shorter_profile_period_is_raised_to_the_60_days_of_bc_29_7() -> None:
    assert p.period({"preservation": 30 * DAY}) == 60 * DAY
    assert p.period({}) == 60 * DAY
    assert p.period({"preservation": 90 * DAY}) == 90 * DAY


def test_nothing_counts_before_the_providers_confirmation() -> None:
    record = begin(p.PRESERVATION)
    assert p.expiry(record, DURATIONS) is None
    record = step(record, "order", RQD, ORDERED_AT, provider="ExampleMail", order_ref="PO-1")
    assert record.state == p.ORDERED
    assert p.expiry(record, DURATIONS) is None
    assert p.reminders(record, DURATIONS, OFFSETS) == []
    assert (
        p.due_steps(record, now=EXPIRES + DAY, follow_up_pending=False, durations=DURATIONS) == []
    )


def test_preservation_expires_exactly_60_days_after_the_confirmation() -> None:
    record = preserved()
    assert record.state == p.PRESERVED
    assert p.expiry(record, DURATIONS) == EXPIRES
    # One second before the expiry nothing is due; at the expiry the data are released.
    before = p.due_steps(
        record, now=EXPIRES - timedelta(seconds=1), follow_up_pending=False, durations=DURATIONS
    )
    assert before == []
    due = p.due_steps(record, now=EXPIRES, follow_up_pending=False, durations=DURATIONS)
    assert [(s.code, s.side, s.actor_id, s.at) for s in due] == [
        ("expire", SYS, SYSTEM_ACTOR, EXPIRES)
    ]
    released = take(record, p.PRESERVATION, "expire", side=SYS, actor_id=SYSTEM_ACTOR, at=due[0].at)
    assert released.state == p.RELEASED
    assert p.release_reason(released) == "expired"
    assert p.expiry(released, DURATIONS) is None
    assert (
        p.due_steps(released, now=EXPIRES + DAY, follow_up_pending=True, durations=DURATIONS) == []
    )


def test_a_late_run_releases_at_the_expiry_unless_a_later_step_was_recorded() -> None:
    record = preserved()
    due = p.due_steps(record, now=EXPIRES + 5 * DAY, follow_up_pending=False, durations=DURATIONS)
    assert due[0].at == EXPIRES
    # A traffic path recorded after the expiry (before the run): the release follows it.
    late = step(
        record, "disclose_path", RQD, EXPIRES + DAY, provider_name="Relay", provider_country="XC"
    )
    assert late.state == p.PRESERVED
    due = p.due_steps(late, now=EXPIRES + 5 * DAY, follow_up_pending=False, durations=DURATIONS)
    assert due[0].at == EXPIRES + DAY


def test_reminders_go_to_the_requesting_state_14_7_and_2_days_before_the_expiry() -> None:
    shown = p.reminders(preserved(), DURATIONS, OFFSETS)
    # 30 April minus 14, 7 and 2 days: 16, 23 and 28 April, at 10:00 UTC.
    assert [at for at, _ in shown] == [
        datetime(2025, 4, 16, 10, 0, tzinfo=UTC),
        datetime(2025, 4, 23, 10, 0, tzinfo=UTC),
        datetime(2025, 4, 28, 10, 0, tzinfo=UTC),
    ]
    assert shown[0][1] == "Preservation expires in 14 days on 2025-04-30T10:00:00+00:00"
    assert shown[2][1].startswith("Preservation expires in 2 days")
    # A zero or negative offset is no reminder; a single day is said in the singular.
    assert [label for _, label in p.reminders(preserved(), DURATIONS, (DAY, timedelta(0)))] == [
        "Preservation expires in 1 day on 2025-04-30T10:00:00+00:00"
    ]


def test_an_extension_requested_and_granted_adds_the_profiles_period() -> None:
    record = step(
        preserved(), "request_extension", REQ, PRESERVED_AT + 50 * DAY, reason="analysis continues"
    )
    assert record.state == p.EXTENSION_REQUESTED
    # The clock still runs while the extension is asked for.
    assert p.expiry(record, DURATIONS) == EXPIRES
    record = step(record, "grant_extension", RQD, PRESERVED_AT + 52 * DAY)
    assert record.state == p.EXTENDED
    # 30 April + 60 days: 31 to 31 May, 29 more to 29 June.
    assert p.expiry(record, DURATIONS) == datetime(2025, 6, 29, 10, 0, tzinfo=UTC)
    assert p.reminders(record, DURATIONS, OFFSETS)[0][0] == datetime(2025, 6, 15, 10, 0, tzinfo=UTC)
    # A second extension may be asked; a refusal leaves the expiry as it was.
    again = step(record, "request_extension", REQ, PRESERVED_AT + 100 * DAY, reason="more time")
    refused = step(
        again, "refuse_extension", RQD, PRESERVED_AT + 101 * DAY, reason="no longer needed"
    )
    assert refused.state == p.PRESERVED
    assert p.expiry(refused, DURATIONS) == datetime(2025, 6, 29, 10, 0, tzinfo=UTC)


def test_a_pending_follow_up_holds_the_data_with_no_expiry() -> None:
    record = preserved()
    # Day 40 (10 April): the follow-up request for disclosure arrives and is pending.
    hold_at = datetime(2025, 4, 10, 10, 0, tzinfo=UTC)
    due = p.due_steps(record, now=hold_at, follow_up_pending=True, durations=DURATIONS)
    assert [(s.code, s.at) for s in due] == [("hold", hold_at)]
    held = take(record, p.PRESERVATION, "hold", side=SYS, actor_id=SYSTEM_ACTOR, at=hold_at)
    assert held.state == p.HELD
    assert p.expiry(held, DURATIONS) is None
    assert p.reminders(held, DURATIONS, OFFSETS) == []
    # Long past the original expiry nothing is due while the follow-up is pending.
    far = datetime(2025, 9, 1, tzinfo=UTC)
    assert p.due_steps(held, now=far, follow_up_pending=True, durations=DURATIONS) == []


def test_a_follow_up_ending_without_disclosure_resumes_the_days_that_were_left() -> None:
    hold_at = datetime(2025, 4, 10, 10, 0, tzinfo=UTC)
    held = take(preserved(), p.PRESERVATION, "hold", side=SYS, actor_id=SYSTEM_ACTOR, at=hold_at)
    # 20 May: the follow-up is refused after 40 days held; 20 days were left at the hold.
    ended = datetime(2025, 5, 20, 10, 0, tzinfo=UTC)
    due = p.due_steps(held, now=ended, follow_up_pending=False, durations=DURATIONS)
    assert [(s.code, s.at) for s in due] == [("resume", ended)]
    resumed = take(held, p.PRESERVATION, "resume", side=SYS, actor_id=SYSTEM_ACTOR, at=ended)
    assert resumed.state == p.PRESERVED
    # 30 April + 40 held days: 1 to 31 May, 9 more to 9 June (= 20 May + 20 days).
    assert p.expiry(resumed, DURATIONS) == datetime(2025, 6, 9, 10, 0, tzinfo=UTC)


def test_a_late_hold_past_the_expiry_resumes_and_expires_in_one_run() -> None:
    # The hold was only recorded on 2 May, after the 30 April expiry; released when it ends.
    held = take(
        preserved(), p.PRESERVATION, "hold", side=SYS, actor_id=SYSTEM_ACTOR, at=EXPIRES + 2 * DAY
    )
    ended = EXPIRES + 5 * DAY
    due = p.due_steps(held, now=ended, follow_up_pending=False, durations=DURATIONS)
    # Expiry after resuming: 30 April + 3 held days = 3 May, before the 5 May run: dated at the run.
    assert [(s.code, s.at) for s in due] == [("resume", ended), ("expire", ended)]


def test_a_follow_up_ending_with_disclosure_releases_the_data() -> None:
    hold_at = datetime(2025, 4, 10, 10, 0, tzinfo=UTC)
    held = take(preserved(), p.PRESERVATION, "hold", side=SYS, actor_id=SYSTEM_ACTOR, at=hold_at)
    done_at = datetime(2025, 6, 1, tzinfo=UTC)
    due = p.due_steps(
        held, now=done_at, follow_up_pending=False, follow_up_done=True, durations=DURATIONS
    )
    assert [s.code for s in due] == ["complete"]
    released = take(held, p.PRESERVATION, "complete", side=SYS, actor_id=SYSTEM_ACTOR, at=done_at)
    assert p.release_reason(released) == "follow_up_done"


def test_the_requesting_state_may_withdraw_with_reasons_at_any_stage() -> None:
    for record in (begin(p.PRESERVATION), preserved()):
        with pytest.raises(ReasonRequiredError):
            step(record, "withdraw", REQ, PRESERVED_AT)
        withdrawn = step(
            record, "withdraw", REQ, PRESERVED_AT, reason="suspect identified otherwise"
        )
        assert withdrawn.state == p.RELEASED
        assert p.release_reason(withdrawn) == "withdrawn"
    assert p.release_reason(preserved()) is None


def test_the_released_state_says_nothing_without_a_releasing_step() -> None:
    # A record read back from elsewhere with no releasing step has no reason to show.
    assert p.release_reason(PracticeRecord("preservation", p.RELEASED)) is None


LEGAL = {
    p.REQUESTED: {"order", "withdraw"},
    p.ORDERED: {"confirm", "withdraw"},
    p.PRESERVED: {"disclose_path", "request_extension", "hold", "expire", "withdraw"},
    p.EXTENSION_REQUESTED: {
        "disclose_path",
        "grant_extension",
        "refuse_extension",
        "hold",
        "expire",
        "withdraw",
    },
    p.EXTENDED: {"disclose_path", "request_extension", "hold", "expire", "withdraw"},
    p.HELD: {"disclose_path", "resume", "complete", "withdraw"},
    p.RELEASED: set(),
}

SIDES = {
    "order": RQD,
    "confirm": RQD,
    "disclose_path": RQD,
    "request_extension": REQ,
    "grant_extension": RQD,
    "refuse_extension": RQD,
    "hold": SYS,
    "resume": SYS,
    "complete": SYS,
    "expire": SYS,
    "withdraw": REQ,
}

VALUES: dict[str, dict[str, str]] = {
    "order": {"provider": "ExampleMail", "order_ref": "PO-1"},
    "confirm": {"confirmation_ref": "CONF-1"},
    "disclose_path": {"provider_name": "Relay", "provider_country": "XC"},
    "request_extension": {"reason": "r"},
    "refuse_extension": {"reason": "r"},
    "withdraw": {"reason": "r"},
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(SIDES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    record = PracticeRecord("preservation", state)
    kwargs = {"side": SIDES[code], "actor_id": "a", "at": PRESERVED_AT, "values": VALUES.get(code)}
    if code in LEGAL[state]:
        after = take(record, p.PRESERVATION, code, **kwargs)  # type: ignore[arg-type]
        assert after.state in p.PRESERVATION.states
    else:
        with pytest.raises(
            IllegalTransitionError, match=f"{code!r} cannot be taken in state {state!r}"
        ):
            take(record, p.PRESERVATION, code, **kwargs)  # type: ignore[arg-type]
    assert set(LEGAL) == set(p.PRESERVATION.states)


def test_the_wrong_side_and_missing_values_are_refused() -> None:
    with pytest.raises(PermissionDeniedError):
        step(begin(p.PRESERVATION), "order", REQ, ORDERED_AT, provider="x", order_ref="y")
    with pytest.raises(PermissionDeniedError):
        step(
            PracticeRecord("preservation", p.EXTENSION_REQUESTED),
            "grant_extension",
            REQ,
            PRESERVED_AT,
        )
    with pytest.raises(PermissionDeniedError):
        step(preserved(), "expire", RQD, EXPIRES)
    with pytest.raises(InvalidFieldsError) as refused:
        step(begin(p.PRESERVATION), "order", RQD, ORDERED_AT, provider="x")
    assert [issue.path for issue in refused.value.issues] == ["values.order_ref"]


@given(
    st.lists(st.tuples(st.sampled_from(sorted(SIDES)), st.integers(0, 30 * 24)), max_size=15),
    st.booleans(),
)
def test_a_random_legal_walk_never_leaves_the_table_and_never_mutates_its_input(
    moves: list[tuple[str, int]], pending: bool
) -> None:
    record = begin(p.PRESERVATION)
    at = ORDERED_AT
    for code, hours in moves:
        at += timedelta(hours=hours)
        if code not in LEGAL[record.state]:
            continue
        before = copy.deepcopy(record)
        after = take(
            record,
            p.PRESERVATION,
            code,
            side=SIDES[code],
            actor_id="a",
            at=at,
            values=VALUES.get(code),
        )
        assert record == before
        assert after.state in p.PRESERVATION.states
        record = after
        due = p.due_steps(record, now=at, follow_up_pending=pending, durations=DURATIONS)
        assert record == before or record == after
        for found in due:
            assert found.code in LEGAL[record.state]
            record = take(
                record,
                p.PRESERVATION,
                found.code,
                side=found.side,
                actor_id=found.actor_id,
                at=found.at,
            )
        expires = p.expiry(record, DURATIONS)
        assert (expires is not None) == (record.state in p.COUNTING)
        at = max(at, record.steps[-1].at)
