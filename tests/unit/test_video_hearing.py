"""The life cycle of a hearing by video or telephone (type card T16; ECMA2P 9-10; 2AP 11;
issue 8): acceptance and equipment, scheduling across time zones, consent, the hearing and its
minutes signed by both sides, and the clock before the hearing. Every local time and date below
is worked out by hand in its comment; all instants are aware UTC datetimes.
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
from comity.domain.practice import video_hearing as vh
from comity.domain.practice.forms import ClockFacts
from comity.domain.practice.lifecycle import PracticeRecord, StepSide, Value, begin, take

pytestmark = pytest.mark.unit

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
REQ = StepSide.REQUESTING
RQD = StepSide.REQUESTED
LC = vh.VIDEO_HEARING

ACCEPTED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
# 20 March 2025, 13:00 UTC. New York has been on daylight time (UTC-4) since 9 March: 09:00.
# Tokyo keeps UTC+9 all year: 22:00, outside working hours there.
HEARING = datetime(2025, 3, 20, 13, 0, tzinfo=UTC)
NEW_YORK, TOKYO = "America/New_York", "Asia/Tokyo"
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

ACCEPT: dict[str, Value] = {
    "equipment_provided_by": "requested",
    "presiding_authority": "Investigating judge, XA Regional Court",
    "interpreter": True,
    "interpreter_language": "ja",
    "hearing_role": "witness",
    "medium": "video",
}


def step(
    record: PracticeRecord, code: str, side: StepSide, at: datetime, **values: Value
) -> PracticeRecord:
    return vh.FORM.take(record, code, side=side, actor_id=f"{side}-officer", at=at, values=values)


def accepted(**changes: Value) -> PracticeRecord:
    return step(begin(LC), "accept", RQD, ACCEPTED_AT, **{**ACCEPT, **changes})


def scheduled(**changes: Value) -> PracticeRecord:
    return step(
        accepted(**changes),
        "schedule",
        RQD,
        ACCEPTED_AT + DAY,
        scheduled_at=HEARING.isoformat(),
        requesting_time_zone=NEW_YORK,
        requested_time_zone=TOKYO,
    )


def facts(now: datetime, **reminders: tuple[timedelta, ...]) -> ClockFacts:
    return ClockFacts(now=now, durations={}, reminders=reminders)


def test_every_profile_reminds_a_day_and_two_hours_before_the_hearing() -> None:
    for profile in packaged_catalogue().profiles.values():
        assert profile.reminders[vh.REMINDERS] == (DAY, 2 * HOUR) == vh.DEFAULT_REMINDERS


def test_local_times_in_tokyo_and_new_york_warn_outside_working_hours() -> None:
    times = vh.local_times(HEARING, NEW_YORK, TOKYO)
    assert (times.requesting.hour, times.requesting.utcoffset()) == (9, -4 * HOUR)
    assert (times.requested.hour, times.requested.utcoffset()) == (22, 9 * HOUR)
    assert times.warnings == (
        "The hearing is at 22:00 in the requested State (Asia/Tokyo), outside 08:00-18:00 "
        "local time.",
    )
    # 5 March, before the change to daylight time: 12:59 UTC is 07:59 in New York (UTC-5),
    # one minute too early; 21:59 in Tokyo.
    early = vh.local_times(datetime(2025, 3, 5, 12, 59, tzinfo=UTC), NEW_YORK, TOKYO)
    assert [w.split(" in the ")[1][:10] for w in early.warnings] == ["requesting", "requested "]
    # 20 March 00:30 UTC: 09:30 on the 20th in Tokyo; 20:30 on the 19th in New York.
    late = vh.local_times(datetime(2025, 3, 20, 0, 30, tzinfo=UTC), NEW_YORK, TOKYO)
    assert (late.requesting.day, late.requesting.hour, late.requested.hour) == (19, 20, 9)
    assert len(late.warnings) == 1 and "requesting State (America/New_York)" in late.warnings[0]
    # 10 June 16:00 UTC: 18:00 in Paris (CEST, UTC+2), the last minute inside; 17:00 in
    # Lisbon (WEST, UTC+1). A minute later Paris is outside.
    june = datetime(2025, 6, 10, 16, 0, tzinfo=UTC)
    assert vh.local_times(june, "Europe/Paris", "Europe/Lisbon").warnings == ()
    after = vh.local_times(june + timedelta(minutes=1), "Europe/Paris", "Europe/Lisbon")
    assert after.warnings[0].startswith("The hearing is at 18:01 in the requesting State")
    with pytest.raises(ValueError, match="no time zone 'Mars/Olympus'"):
        vh.local_times(HEARING, "Mars/Olympus", TOKYO)
    assert vh.zone(" Asia/Tokyo ") is not None
    assert vh.zone("Mars/Olympus") is None and vh.zone("../etc/passwd") is None


def test_the_requested_state_accepts_and_provides_the_equipment_unless_it_lacks_the_means() -> None:
    record = accepted()
    assert record.state == vh.ACCEPTED
    with pytest.raises(PermissionDeniedError):
        step(begin(LC), "accept", REQ, ACCEPTED_AT, **ACCEPT)
    with pytest.raises(InvalidFieldsError) as refused:
        accepted(equipment_provided_by="requesting")
    assert [issue.path for issue in refused.value.issues] == ["values.equipment_provided_by"]
    with pytest.raises(InvalidFieldsError):
        accepted(equipment_provided_by="requesting", requested_lacks_means=False)
    lent = accepted(equipment_provided_by="requesting", requested_lacks_means=True)
    assert lent.steps[-1].value("equipment_provided_by") == "requesting"
    with pytest.raises(InvalidFieldsError) as no_language:
        step(begin(LC), "accept", RQD, ACCEPTED_AT, **{**ACCEPT, "interpreter_language": ""})
    assert [issue.path for issue in no_language.value.issues] == ["values.interpreter_language"]
    assert accepted(interpreter=False, interpreter_language="").state == vh.ACCEPTED
    with pytest.raises(InvalidFieldsError):
        accepted(hearing_role="bystander")


def test_a_refusal_names_its_ground_and_reasons_and_the_requesting_state_may_withdraw() -> None:
    with pytest.raises(ReasonRequiredError):
        step(begin(LC), "refuse", RQD, ACCEPTED_AT, ground="no_technical_means")
    with pytest.raises(InvalidFieldsError):
        step(begin(LC), "refuse", RQD, ACCEPTED_AT, ground="busy", reason="r")
    refused = step(
        begin(LC), "refuse", RQD, ACCEPTED_AT, ground="fundamental_principles", reason="No"
    )
    assert refused.state == vh.REFUSED and LC.is_final(vh.REFUSED)
    withdrawn = step(scheduled(), "withdraw", REQ, ACCEPTED_AT + DAY, reason="Witness travels")
    assert withdrawn.state == vh.WITHDRAWN
    assert vh.FORM.read_clock(withdrawn, facts(HEARING)).deadlines == ()


def test_scheduling_records_both_zones_and_rescheduling_keeps_them() -> None:
    assert vh.schedule(accepted()) is None and vh.hearing_times(accepted()) is None
    with pytest.raises(InvalidFieldsError) as bad:
        step(accepted(), "schedule", RQD, ACCEPTED_AT, scheduled_at=HEARING.isoformat(),
             requesting_time_zone="EST5EDT-ish", requested_time_zone="Tokyo")  # fmt: skip
    assert [i.path for i in bad.value.issues] == [
        "values.requesting_time_zone",
        "values.requested_time_zone",
    ]
    with pytest.raises(PermissionDeniedError):
        step(accepted(), "schedule", REQ, ACCEPTED_AT, scheduled_at=HEARING.isoformat(),
             requesting_time_zone=NEW_YORK, requested_time_zone=TOKYO)  # fmt: skip
    record = scheduled()
    assert record.state == vh.SCHEDULED
    assert vh.schedule(record) == (HEARING, NEW_YORK, TOKYO)
    times = vh.hearing_times(record)
    assert times is not None and times.requested.hour == 22
    with pytest.raises(ReasonRequiredError):
        step(record, "reschedule", RQD, ACCEPTED_AT + DAY, scheduled_at=HEARING.isoformat())
    # Moved to 23:30 UTC: 08:30 on 21 March in Tokyo, 19:30 on 20 March in New York.
    moved_to = datetime(2025, 3, 20, 23, 30, tzinfo=UTC)
    moved = step(record, "reschedule", RQD, ACCEPTED_AT + 2 * DAY,
                 scheduled_at=moved_to.isoformat(), reason="Tokyo evening too late")  # fmt: skip
    assert moved.state == vh.SCHEDULED
    assert vh.schedule(moved) == (moved_to, NEW_YORK, TOKYO)
    times = vh.hearing_times(moved)
    assert times is not None
    assert (times.requested.day, times.requested.hour, times.requested.minute) == (21, 8, 30)
    assert (times.requesting.hour, len(times.warnings)) == (19, 1)
    # A rescheduling may change a zone (the requesting judge now sits in Los Angeles).
    la = step(moved, "reschedule", RQD, ACCEPTED_AT + 3 * DAY, scheduled_at=HEARING.isoformat(),
              requesting_time_zone="America/Los_Angeles", reason="Judge moved")  # fmt: skip
    assert vh.schedule(la) == (HEARING, "America/Los_Angeles", TOKYO)


def test_consent_is_needed_for_suspects_and_telephone_hearings_before_holding() -> None:
    assert not vh.consent_needed(begin(LC))
    assert not vh.consent_needed(accepted())
    assert vh.consent_needed(accepted(hearing_role="accused"))
    assert vh.consent_needed(accepted(medium="telephone"))
    record = scheduled(hearing_role="suspect")
    with pytest.raises(IllegalTransitionError, match="must consent"):
        step(record, "conduct", RQD, HEARING, held_at=HEARING.isoformat())
    refused = step(record, "record_consent", RQD, HEARING - DAY, consent_given=False,
                   consented_at=(HEARING - DAY).isoformat())  # fmt: skip
    assert refused.state == vh.SCHEDULED and not vh.consent_recorded(refused)
    with pytest.raises(IllegalTransitionError):
        step(refused, "conduct", RQD, HEARING, held_at=HEARING.isoformat())
    given_ = step(refused, "record_consent", RQD, HEARING - HOUR, consent_given=True,
                  consented_at=(HEARING - HOUR).isoformat(), verified_by="Judge XB")  # fmt: skip
    assert vh.consent_recorded(given_)
    assert step(given_, "conduct", RQD, HEARING, held_at=HEARING.isoformat()).state == vh.CONDUCTED
    with pytest.raises(PermissionDeniedError):
        step(given_, "record_consent", REQ, HEARING, consent_given=True,
             consented_at=HEARING.isoformat())  # fmt: skip


def test_the_minutes_are_recorded_by_the_requested_state_and_countersigned_on_the_same_digest() -> (
    None
):
    held = step(scheduled(), "conduct", RQD, HEARING + HOUR, held_at=HEARING.isoformat())
    assert vh.minutes_digest(held) is None
    minutes: dict[str, Value] = {"persons_present": "Judge XB; witness; interpreter",
                                 "oaths": "Witness sworn under XB law"}  # fmt: skip
    for wrong in ("abc", DIGEST.upper(), DIGEST + "0"):
        with pytest.raises(InvalidFieldsError) as refused:
            step(held, "record_minutes", RQD, HEARING + HOUR, minutes_sha256=wrong, **minutes)
        assert refused.value.issues[0].path == "values.minutes_sha256"
    with pytest.raises(PermissionDeniedError):
        step(held, "record_minutes", REQ, HEARING + HOUR, minutes_sha256=DIGEST, **minutes)
    recorded = step(held, "record_minutes", RQD, HEARING + HOUR, minutes_sha256=DIGEST, **minutes)
    assert recorded.state == vh.MINUTES_RECORDED and vh.minutes_digest(recorded) == DIGEST
    with pytest.raises(InvalidFieldsError) as other:
        step(recorded, "countersign_minutes", REQ, HEARING + DAY, minutes_sha256="0" * 64)
    assert other.value.issues[0].path == "values.minutes_sha256"
    with pytest.raises(PermissionDeniedError):
        step(recorded, "countersign_minutes", RQD, HEARING + DAY, minutes_sha256=DIGEST)
    # The requesting State may ask for corrected minutes instead; the new digest counts.
    corrected = step(recorded, "request_correction", REQ, HEARING + DAY, reason="Name misspelt")
    assert corrected.state == vh.CONDUCTED
    corrected = step(corrected, "record_minutes", RQD, HEARING + DAY, minutes_sha256="1" * 64,
                     **minutes)  # fmt: skip
    with pytest.raises(InvalidFieldsError):
        step(corrected, "countersign_minutes", REQ, HEARING + 2 * DAY, minutes_sha256=DIGEST)
    done = step(corrected, "countersign_minutes", REQ, HEARING + 2 * DAY, minutes_sha256="1" * 64)
    assert done.state == vh.COMPLETED and LC.is_final(vh.COMPLETED)
    with pytest.raises(IllegalTransitionError):
        vh.FORM.take(done, "conduct", side=RQD, actor_id="x", at=HEARING + 3 * DAY,
                     values={"held_at": HEARING.isoformat()})  # fmt: skip


def test_the_clock_reminds_before_the_hearing_and_warns_when_it_was_not_held() -> None:
    assert vh.FORM.read_clock(accepted(), facts(HEARING)).ends_at is None
    assert vh.reminders(accepted(), vh.DEFAULT_REMINDERS) == []
    assert vh.alarms(accepted(), now=HEARING + DAY) == []
    assert vh.FORM.due_steps(scheduled(), facts(HEARING + DAY)) == []
    record = scheduled()
    reading = vh.FORM.read_clock(record, facts(ACCEPTED_AT + DAY))
    assert reading.ends_at == HEARING and reading.alarms == ()
    # A day before: 19 March 13:00 UTC; two hours before: 20 March 11:00 UTC.
    assert [(d.code, d.kind, d.at) for d in reading.deadlines] == [
        ("video_hearing.scheduled", "deadline", HEARING),
        ("video_hearing.scheduled.reminder", "reminder", datetime(2025, 3, 19, 13, tzinfo=UTC)),
        ("video_hearing.scheduled.reminder", "reminder", datetime(2025, 3, 20, 11, tzinfo=UTC)),
    ]
    assert [text for _, text in reading.reminders] == [
        "The hearing is in 1 day, at 2025-03-20T13:00:00+00:00",
        "The hearing is in 2 hours, at 2025-03-20T13:00:00+00:00",
    ]
    # At noon on the 20th only the hearing itself is ahead.
    assert vh.FORM.read_clock(record, facts(HEARING - HOUR)).reminders == ()
    custom = vh.FORM.read_clock(record, facts(ACCEPTED_AT, hearing=(HOUR, 2 * DAY)))
    assert [text.split(",")[0] for _, text in custom.reminders] == [
        "The hearing is in 2 days",
        "The hearing is in 1 hour",
    ]
    assert vh.alarms(record, now=HEARING - timedelta(seconds=1)) == []
    late = vh.FORM.read_clock(record, facts(HEARING + HOUR))
    assert [(a.code, a.level, a.due_at) for a in late.alarms] == [
        ("video_hearing.not_held", "warning", HEARING)
    ]
    held = step(record, "conduct", RQD, HEARING + HOUR, held_at=HEARING.isoformat())
    assert vh.FORM.read_clock(held, facts(HEARING + HOUR)) == vh.FORM.read_clock(
        accepted(), facts(HEARING)
    )


LEGAL = {
    vh.REQUESTED: {"accept", "refuse", "withdraw"},
    vh.ACCEPTED: {"schedule", "record_consent", "withdraw"},
    vh.REFUSED: set(),
    vh.WITHDRAWN: set(),
    vh.SCHEDULED: {"reschedule", "record_consent", "conduct", "withdraw"},
    vh.CONDUCTED: {"record_minutes"},
    vh.MINUTES_RECORDED: {"request_correction", "countersign_minutes"},
    vh.COMPLETED: set(),
}
SIDES = {
    "accept": RQD, "refuse": RQD, "withdraw": REQ, "schedule": RQD, "reschedule": RQD,
    "record_consent": RQD, "conduct": RQD, "record_minutes": RQD, "request_correction": REQ,
    "countersign_minutes": REQ,
}  # fmt: skip
VALUES: dict[str, dict[str, Value]] = {
    "accept": ACCEPT,
    "refuse": {"ground": "other", "reason": "r"},
    "withdraw": {"reason": "r"},
    "schedule": {"scheduled_at": HEARING.isoformat(), "requesting_time_zone": NEW_YORK,
                 "requested_time_zone": TOKYO},
    "reschedule": {"scheduled_at": HEARING.isoformat(), "reason": "r"},
    "record_consent": {"consent_given": True, "consented_at": HEARING.isoformat()},
    "conduct": {"held_at": HEARING.isoformat()},
    "record_minutes": {"minutes_sha256": DIGEST, "persons_present": "p", "oaths": "o"},
    "request_correction": {"reason": "r"},
    "countersign_minutes": {"minutes_sha256": DIGEST},
}  # fmt: skip


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(SIDES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(LC.states)
    assert set(SIDES) == {rule.code for rule in LC.steps}
    record = PracticeRecord("video_hearing", state)
    values = VALUES.get(code)
    if code in LEGAL[state]:
        after = take(record, LC, code, side=SIDES[code], actor_id="a", at=HEARING, values=values)
        assert after.state in LC.states
    else:
        with pytest.raises(IllegalTransitionError, match=f"{code!r} cannot be taken in state"):
            take(record, LC, code, side=SIDES[code], actor_id="a", at=HEARING, values=values)


@given(st.lists(st.tuples(st.sampled_from(sorted(SIDES)), st.integers(0, 48)), max_size=12))
def test_a_random_guarded_walk_stays_in_the_table_and_never_mutates_its_input(
    moves: list[tuple[str, int]],
) -> None:
    record = begin(LC)
    at = ACCEPTED_AT
    for code, hours in moves:
        at += timedelta(hours=hours)
        if code not in LEGAL[record.state]:
            continue
        before = copy.deepcopy(record)
        after = vh.FORM.take(
            record, code, side=SIDES[code], actor_id="a", at=at, values=VALUES.get(code)
        )
        assert record == before
        assert after.state in LC.states
        # The hearing's clock runs exactly while it is scheduled.
        assert (vh.FORM.read_clock(after, facts(at)).ends_at is not None) == (
            after.state == vh.SCHEDULED
        )
        record = after
