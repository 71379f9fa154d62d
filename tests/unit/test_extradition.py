"""The extradition life cycle (type card T01; issue 8): documents, the decision per offence,
surrender and its 15- and 30-day clock (ECE 18(4)), postponed and temporary surrender (ECE 19),
the speciality rule and its 45-day lapse (ECE 14), and extradite-or-prosecute with its
report-back (UNTOC 16(10); BC 24(6)). Every date below is worked out by hand in UTC.
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
from comity.domain.practice import extradition as ex
from comity.domain.practice.forms import ClockFacts
from comity.domain.practice.lifecycle import (
    SYSTEM_ACTOR,
    PracticeRecord,
    StepSide,
    Value,
    begin,
    take,
)
from comity.domain.practice.registry import form_for

pytestmark = pytest.mark.unit

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
DURATIONS = packaged_catalogue().default_profile.durations
RQD, RQG, SYS = StepSide.REQUESTED, StepSide.REQUESTING, StepSide.SYSTEM

RECEIVED_AT = datetime(2025, 5, 5, 9, 0, tzinfo=UTC)
# The appointed date of surrender; 2 June + 15 days = 17 June; 2 June + 30 days: 28 days to
# 30 June, 2 more to 2 July.
SURRENDER_DATE = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
MAY_RELEASE = datetime(2025, 6, 17, 10, 0, tzinfo=UTC)
MUST_RELEASE = datetime(2025, 7, 2, 10, 0, tzinfo=UTC)
# Final discharge on 20 January 2026; + 45 days: 11 days to 31 January, 28 in February (2026
# is not a leap year) makes 39, 6 more to 6 March.
DISCHARGED_AT = datetime(2026, 1, 20, 0, 0, tzinfo=UTC)
LAPSE = datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
# Referred on 10 June 2025; + 180 days: 20 to 30 June, 31 July (51), 31 August (82),
# 30 September (112), 31 October (143), 30 November (173), 7 more to 7 December.
REFERRED_AT = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
REPORT_DUE = datetime(2025, 12, 7, 12, 0, tzinfo=UTC)


def step(
    record: PracticeRecord, code: str, at: datetime, side: StepSide = RQD, **values: Value
) -> PracticeRecord:
    return take(record, ex.EXTRADITION, code, side=side, actor_id="officer", at=at, values=values)


def deciding() -> PracticeRecord:
    return step(begin(ex.EXTRADITION), "examine", RECEIVED_AT, court="Court of Appeal")


def granted() -> PracticeRecord:
    record = step(deciding(), "grant_offence", RECEIVED_AT + DAY, offence="Computer fraud")
    record = step(
        record,
        "refuse_offence",
        RECEIVED_AT + DAY,
        offence="Money laundering",
        ground="time_barred",
        reason="Prosecution barred by lapse of time in the requested State",
    )
    return step(record, "grant", RECEIVED_AT + 2 * DAY, decision_ref="CA-2025-17")


def planned(date: datetime = SURRENDER_DATE) -> PracticeRecord:
    return step(
        granted(),
        "plan_surrender",
        RECEIVED_AT + 3 * DAY,
        date=date.isoformat(),
        place="Airport of XB, gate 4",
        escorts="Two officers of XA's police",
        days_detained=21,
    )


def surrendered() -> PracticeRecord:
    return step(planned(), "surrender", SURRENDER_DATE, surrendered_at=SURRENDER_DATE.isoformat())


def discharged() -> PracticeRecord:
    return step(
        surrendered(),
        "discharge",
        DISCHARGED_AT + DAY,
        side=RQG,
        discharged_at=DISCHARGED_AT.isoformat(),
    )


def referred() -> PracticeRecord:
    return step(
        deciding(),
        "refuse_nationality",
        REFERRED_AT,
        prosecutors="Prosecutor General of XB",
        consulted=True,
        reason="The person is a national of XB",
    )


def test_the_profiles_carry_the_durations_and_their_legal_defaults() -> None:
    for profile in packaged_catalogue().profiles.values():
        for name, default in ex.DEFAULTS.items():
            assert ex.duration(profile.durations, name) == default
    assert ex.duration({}, ex.SPECIALITY_LAPSE) == 45 * DAY
    assert ex.duration({ex.SPECIALITY_LAPSE: 60 * DAY}, ex.SPECIALITY_LAPSE) == 60 * DAY
    assert form_for("extradition") is ex.FORM
    assert ex.FORM.clock_side is StepSide.REQUESTED


def test_supplementary_documents_have_a_time_limit_then_the_file_is_decided() -> None:
    deadline = datetime(2025, 6, 4, 17, 0, tzinfo=UTC)
    asked = step(
        begin(ex.EXTRADITION),
        "request_documents",
        RECEIVED_AT,
        documents="A certified copy of the judgment",
        deadline=deadline.isoformat(),
    )
    assert asked.state == ex.DOCUMENTS_REQUESTED
    assert ex.documents_deadline(asked) == deadline
    before = ex.FORM.read_clock(asked, ClockFacts(now=deadline - SECOND, durations=DURATIONS))
    assert before.ends_at == deadline and before.alarms == ()
    assert [(d.code, d.kind, d.at) for d in before.deadlines] == [
        ("extradition.documents", "deadline", deadline)
    ]
    late = ex.FORM.read_clock(asked, ClockFacts(now=deadline, durations=DURATIONS))
    assert [(a.code, a.level, a.due_at) for a in late.alarms] == [
        ("extradition.documents", "warning", deadline)
    ]
    # Supplied by the requesting State, or decided on the file once the time-limit passed.
    supplied = step(asked, "supply_documents", deadline - DAY, side=RQG, documents="Judgment")
    assert supplied.state == ex.UNDER_DECISION and ex.documents_deadline(supplied) is None
    assert step(asked, "examine", deadline + DAY).state == ex.UNDER_DECISION
    # More may be asked during the examination, too.
    again = step(
        supplied,
        "request_documents",
        deadline,
        documents="Statement",
        deadline=deadline.isoformat(),
    )
    assert again.state == ex.DOCUMENTS_REQUESTED
    with pytest.raises(InvalidFieldsError) as refused:
        step(begin(ex.EXTRADITION), "request_documents", RECEIVED_AT, documents="x")
    assert [i.path for i in refused.value.issues] == ["values.deadline"]


def test_each_offence_is_decided_and_a_grant_needs_one_granted() -> None:
    record = deciding()
    assert record.state == ex.UNDER_DECISION
    with pytest.raises(IllegalTransitionError, match="'grant' cannot be taken in state"):
        step(record, "grant", RECEIVED_AT + DAY)
    # A refused offence needs reasons and leaves the examination where it was.
    with pytest.raises(ReasonRequiredError):
        step(record, "refuse_offence", RECEIVED_AT + DAY, offence="Fraud")
    refused = step(record, "refuse_offence", RECEIVED_AT + DAY, offence="Fraud", reason="r")
    assert refused.state == ex.UNDER_DECISION
    with pytest.raises(IllegalTransitionError):
        step(refused, "grant", RECEIVED_AT + DAY)
    record = granted()
    assert record.state == ex.GRANTED
    assert ex.offence_decisions(record) == {
        "Computer fraud": "granted",
        "Money laundering": "refused",
    }
    with pytest.raises(InvalidFieldsError) as wrong:
        step(deciding(), "refuse_offence", RECEIVED_AT, offence="F", ground="fiscal", reason="r")
    assert wrong.value.issues[0].path == "values.ground"


def test_a_refusal_names_its_ground_and_whether_the_requesting_state_was_consulted() -> None:
    with pytest.raises(InvalidFieldsError) as missing:
        step(deciding(), "refuse", RECEIVED_AT, reason="r")
    assert [i.path for i in missing.value.issues] == ["values.ground", "values.consulted"]
    with pytest.raises(InvalidFieldsError):
        step(deciding(), "refuse", RECEIVED_AT, reason="r", ground="nationality", consulted=True)
    record = step(
        deciding(), "refuse", RECEIVED_AT, reason="Dual criminality is lacking",
        ground="dual_criminality", consulted=False,
    )  # fmt: skip
    assert record.state == ex.REFUSED and ex.EXTRADITION.is_final(ex.REFUSED)
    assert (
        ex.FORM.read_clock(record, ClockFacts(now=REPORT_DUE, durations=DURATIONS)).ends_at is None
    )


def test_refusing_a_national_refers_the_case_with_a_report_back_at_180_days() -> None:
    record = referred()
    assert record.state == ex.REFERRED
    assert ex.report_back_due(record, DURATIONS) == REPORT_DUE
    before = ex.FORM.read_clock(record, ClockFacts(now=REPORT_DUE - SECOND, durations=DURATIONS))
    assert before.alarms == () and before.ends_at == REPORT_DUE
    assert [(d.code, d.at) for d in before.deadlines] == [("extradition.report_back", REPORT_DUE)]
    alarm = ex.alarms(record, now=REPORT_DUE, durations=DURATIONS)
    assert [(a.code, a.level, a.due_at) for a in alarm] == [
        ("extradition.report_back", "warning", REPORT_DUE)
    ]
    assert alarm[0].text == (
        "No report on the domestic proceedings 180 days after the referral "
        "(UNTOC 16(10); BC 24(6))."
    )
    # The clock takes no step: the report is the requested State's to make.
    assert ex.due_steps(record, now=REPORT_DUE + DAY, durations=DURATIONS) == []
    record = step(record, "supply_evidence", REFERRED_AT + DAY, side=RQG, evidence="Bank records")
    assert record.state == ex.REFERRED
    with pytest.raises(InvalidFieldsError):
        step(record, "report_back", REPORT_DUE, outcome="pending", details="x")
    done = step(record, "report_back", REPORT_DUE + DAY, outcome="convicted", details="4 years")
    assert done.state == ex.REPORTED and ex.EXTRADITION.is_final(ex.REPORTED)
    assert ex.alarms(done, now=REPORT_DUE + DAY, durations=DURATIONS) == []
    # A profile without the duration reads the default 180 days.
    assert ex.report_back_due(referred(), {}) == REPORT_DUE


def test_a_missed_surrender_warns_at_15_days_and_falls_due_for_release_at_30() -> None:
    record = planned()
    assert record.state == ex.SURRENDER_PLANNED
    assert ex.surrender_clock(record, DURATIONS) == (SURRENDER_DATE, MAY_RELEASE, MUST_RELEASE)
    clock = ex.FORM.read_clock(record, ClockFacts(now=SURRENDER_DATE, durations=DURATIONS))
    assert clock.ends_at == MUST_RELEASE and clock.alarms == ()
    assert [(d.code, d.kind, d.at) for d in clock.deadlines] == [
        ("extradition.surrender", "deadline", SURRENDER_DATE),
        ("extradition.surrender_release", "reminder", MAY_RELEASE),
        ("extradition.surrender_limit", "deadline", MUST_RELEASE),
    ]
    assert ex.alarms(record, now=MAY_RELEASE - SECOND, durations=DURATIONS) == []
    warned = ex.alarms(record, now=MAY_RELEASE, durations=DURATIONS)
    assert [(a.code, a.level, a.due_at) for a in warned] == [
        ("extradition.surrender_release", "warning", MAY_RELEASE)
    ]
    assert warned[0].text == (
        "The person was not taken over 15 days after the appointed date: the person may be "
        "released (ECE 18(4))."
    )
    assert ex.due_steps(record, now=MUST_RELEASE - SECOND, durations=DURATIONS) == []
    due = ex.FORM.due_steps(record, ClockFacts(now=MUST_RELEASE + DAY, durations=DURATIONS))
    assert [(s.code, s.side, s.actor_id, s.at) for s in due] == [
        ("release_due", SYS, SYSTEM_ACTOR, MUST_RELEASE)
    ]
    record = take(record, ex.EXTRADITION, "release_due", side=SYS, actor_id=SYSTEM_ACTOR,
                  at=MUST_RELEASE)  # fmt: skip
    assert record.state == ex.RELEASE_DUE
    loud = ex.alarms(record, now=MUST_RELEASE + DAY, durations=DURATIONS)
    assert [(a.code, a.level) for a in loud] == [
        ("extradition.surrender_release", "warning"),
        ("extradition.surrender_limit", "critical"),
    ]
    assert ex.due_steps(record, now=MUST_RELEASE + DAY, durations=DURATIONS) == []
    with pytest.raises(IllegalTransitionError):
        step(record, "surrender", MUST_RELEASE + DAY, surrendered_at=MUST_RELEASE.isoformat())
    released = step(record, "release", MUST_RELEASE + DAY, reason="Not taken over in 30 days")
    assert released.state == ex.RELEASED and ex.surrender_clock(released, DURATIONS) is None
    # Between 15 and 30 days the requested State may release, with reasons.
    assert step(planned(), "release", MAY_RELEASE, reason="r").state == ex.RELEASED


def test_a_new_date_restarts_the_surrender_clock_and_a_late_run_keeps_the_order() -> None:
    later = SURRENDER_DATE + 10 * DAY
    record = step(
        planned(), "plan_surrender", SURRENDER_DATE + DAY, date=later.isoformat(),
        place="Border post", escorts="XA police",
    )  # fmt: skip
    assert ex.surrender_clock(record, DURATIONS) == (later, later + 15 * DAY, later + 30 * DAY)
    # Recorded after the limit had passed: release_due follows the last step.
    late = step(planned(), "plan_surrender", MUST_RELEASE + DAY, date=SURRENDER_DATE.isoformat(),
                place="p", escorts="e")  # fmt: skip
    assert ex.due_steps(late, now=MUST_RELEASE + 2 * DAY, durations=DURATIONS)[0].at == (
        MUST_RELEASE + DAY
    )


def test_surrender_may_be_postponed_or_temporary_and_is_planned_again() -> None:
    with pytest.raises(ReasonRequiredError):
        step(granted(), "postpone_surrender", RECEIVED_AT + 3 * DAY, purpose="prosecution")
    postponed = step(
        planned(), "postpone_surrender", RECEIVED_AT + 4 * DAY, purpose="sentence",
        reason="Serving a sentence in XB until September",
    )  # fmt: skip
    assert postponed.state == ex.POSTPONED and ex.surrender_clock(postponed, DURATIONS) is None
    return_by = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
    away = step(
        postponed, "temporary_surrender", RECEIVED_AT + 5 * DAY, return_by=return_by.isoformat(),
        conditions="Kept in custody; returned after the trial",
    )  # fmt: skip
    assert away.state == ex.TEMPORARILY_SURRENDERED and ex.return_due(away) == return_by
    clock = ex.FORM.read_clock(away, ClockFacts(now=return_by, durations=DURATIONS))
    assert clock.ends_at == return_by
    assert [(a.code, a.level, a.due_at) for a in clock.alarms] == [
        ("extradition.return", "warning", return_by)
    ]
    assert ex.alarms(away, now=return_by - SECOND, durations=DURATIONS) == []
    with pytest.raises(PermissionDeniedError):
        step(away, "return_person", return_by, returned_at=return_by.isoformat())
    back = step(away, "return_person", return_by, side=RQG, returned_at=return_by.isoformat())
    assert back.state == ex.POSTPONED and ex.return_due(back) is None
    again = step(back, "plan_surrender", return_by + DAY, date=(return_by + 30 * DAY).isoformat(),
                 place="p", escorts="e")  # fmt: skip
    assert again.state == ex.SURRENDER_PLANNED
    instead = step(granted(), "temporary_surrender", RECEIVED_AT + 3 * DAY,
                   return_by=return_by.isoformat(), conditions="c")  # fmt: skip
    assert instead.state == ex.TEMPORARILY_SURRENDERED


def test_speciality_consents_then_the_45_day_lapse_after_final_discharge() -> None:
    record = surrendered()
    assert record.state == ex.SURRENDERED
    assert ex.FORM.read_clock(record, ClockFacts(now=LAPSE, durations=DURATIONS)).ends_at is None
    record = step(record, "request_consent", SURRENDER_DATE + DAY, side=RQG,
                  offence="Theft in 2024", purpose="prosecution")  # fmt: skip
    record = step(record, "request_consent", SURRENDER_DATE + DAY, side=RQG,
                  offence="Fraud in 2023", purpose="re_extradition", third_state="XC")  # fmt: skip
    assert ex.pending_consents(record) == ["Theft in 2024", "Fraud in 2023"]
    record = step(record, "grant_consent", SURRENDER_DATE + 2 * DAY, offence="Theft in 2024")
    assert ex.pending_consents(record) == ["Fraud in 2023"]
    with pytest.raises(ReasonRequiredError):
        step(record, "refuse_consent", SURRENDER_DATE + 2 * DAY, offence="Fraud in 2023")
    record = step(record, "refuse_consent", SURRENDER_DATE + 2 * DAY, offence="Fraud in 2023",
                  reason="XC would not guarantee a fair trial")  # fmt: skip
    assert ex.pending_consents(record) == [] and record.state == ex.SURRENDERED
    # An answer for an offence never asked about leaves the list as it was.
    assert ex.pending_consents(step(record, "grant_consent", DISCHARGED_AT, offence="x")) == []
    record = step(record, "discharge", DISCHARGED_AT + DAY, side=RQG,
                  discharged_at=DISCHARGED_AT.isoformat())  # fmt: skip
    assert record.state == ex.DISCHARGED
    assert ex.speciality_lapse(record, DURATIONS) == LAPSE
    # Consent may still be asked while the protection runs.
    asked = step(record, "request_consent", DISCHARGED_AT + DAY, side=RQG, offence="o",
                 purpose="sentence")  # fmt: skip
    assert asked.state == ex.DISCHARGED
    clock = ex.FORM.read_clock(record, ClockFacts(now=LAPSE - SECOND, durations=DURATIONS))
    assert clock.ends_at == LAPSE and clock.alarms == ()
    assert [(d.code, d.at) for d in clock.deadlines] == [("extradition.speciality", LAPSE)]
    assert ex.due_steps(record, now=LAPSE - SECOND, durations=DURATIONS) == []
    due = ex.due_steps(record, now=LAPSE + DAY, durations=DURATIONS)
    assert [(s.code, s.side, s.at) for s in due] == [("speciality_lapsed", SYS, LAPSE)]
    ended = take(record, ex.EXTRADITION, "speciality_lapsed", side=SYS, actor_id=SYSTEM_ACTOR,
                 at=LAPSE)  # fmt: skip
    assert ended.state == ex.SPECIALITY_ENDED and ex.EXTRADITION.is_final(ex.SPECIALITY_ENDED)
    assert ex.speciality_lapse(ended, DURATIONS) is None
    assert ex.due_steps(ended, now=LAPSE + DAY, durations=DURATIONS) == []


def test_leaving_the_territory_within_45_days_closes_the_speciality_obligation() -> None:
    left_at = DISCHARGED_AT + 10 * DAY
    with pytest.raises(PermissionDeniedError):
        step(discharged(), "left_territory", left_at, left_at=left_at.isoformat())
    ended = step(discharged(), "left_territory", left_at, side=RQG, left_at=left_at.isoformat())
    assert ended.state == ex.SPECIALITY_ENDED
    assert ex.due_steps(ended, now=LAPSE, durations=DURATIONS) == []


def test_the_requesting_state_may_withdraw_before_the_surrender_only() -> None:
    with pytest.raises(ReasonRequiredError):
        step(planned(), "withdraw", SURRENDER_DATE, side=RQG)
    assert step(planned(), "withdraw", SURRENDER_DATE, side=RQG, reason="r").state == ex.WITHDRAWN
    with pytest.raises(IllegalTransitionError):
        step(surrendered(), "withdraw", SURRENDER_DATE, side=RQG, reason="r")


def test_the_wrong_side_and_malformed_values_are_refused() -> None:
    with pytest.raises(PermissionDeniedError):
        step(deciding(), "grant_offence", RECEIVED_AT, side=RQG, offence="Fraud")
    with pytest.raises(PermissionDeniedError):
        step(surrendered(), "discharge", DISCHARGED_AT, discharged_at=DISCHARGED_AT.isoformat())
    with pytest.raises(PermissionDeniedError):
        step(planned(), "release_due", MUST_RELEASE)
    with pytest.raises(InvalidFieldsError) as refused:
        step(granted(), "plan_surrender", RECEIVED_AT + 3 * DAY, date="2 June", place="p")
    assert [i.path for i in refused.value.issues] == ["values.date", "values.escorts"]
    with pytest.raises(InvalidFieldsError):
        step(granted(), "plan_surrender", RECEIVED_AT + 3 * DAY, date=SURRENDER_DATE.isoformat(),
             place="p", escorts="e", days_detained=-1)  # fmt: skip


LEGAL = {
    ex.RECEIVED: {"request_documents", "examine"},
    ex.DOCUMENTS_REQUESTED: {"supply_documents", "examine"},
    ex.UNDER_DECISION: {"request_documents", "grant_offence", "refuse_offence", "refuse",
                        "refuse_nationality"},
    ex.OFFENCE_GRANTED: {"grant_offence", "refuse_offence", "grant", "refuse",
                         "refuse_nationality"},
    ex.GRANTED: {"plan_surrender", "postpone_surrender", "temporary_surrender"},
    ex.REFUSED: set(),
    ex.REFERRED: {"supply_evidence", "report_back"},
    ex.REPORTED: set(),
    ex.WITHDRAWN: set(),
    ex.SURRENDER_PLANNED: {"plan_surrender", "postpone_surrender", "temporary_surrender",
                           "surrender", "release_due", "release"},
    ex.POSTPONED: {"plan_surrender", "temporary_surrender"},
    ex.TEMPORARILY_SURRENDERED: {"return_person"},
    ex.RELEASE_DUE: {"release"},
    ex.RELEASED: set(),
    ex.SURRENDERED: {"request_consent", "grant_consent", "refuse_consent", "discharge"},
    ex.DISCHARGED: {"request_consent", "grant_consent", "refuse_consent", "left_territory",
                    "speciality_lapsed"},
    ex.SPECIALITY_ENDED: set(),
}  # fmt: skip
for _state in ex._BEFORE_SURRENDER:
    LEGAL[_state] = LEGAL[_state] | {"withdraw"}

SIDES = {
    "request_documents": RQD,
    "supply_documents": RQG,
    "examine": RQD,
    "grant_offence": RQD,
    "refuse_offence": RQD,
    "grant": RQD,
    "refuse": RQD,
    "refuse_nationality": RQD,
    "supply_evidence": RQG,
    "report_back": RQD,
    "withdraw": RQG,
    "plan_surrender": RQD,
    "postpone_surrender": RQD,
    "temporary_surrender": RQD,
    "return_person": RQG,
    "surrender": RQD,
    "release_due": SYS,
    "release": RQD,
    "request_consent": RQG,
    "grant_consent": RQD,
    "refuse_consent": RQD,
    "discharge": RQG,
    "left_territory": RQG,
    "speciality_lapsed": SYS,
}
AT = RECEIVED_AT.isoformat()
VALUES: dict[str, dict[str, Value]] = {
    "request_documents": {"documents": "d", "deadline": AT},
    "supply_documents": {"documents": "d"},
    "grant_offence": {"offence": "o"},
    "refuse_offence": {"offence": "o", "reason": "r"},
    "refuse": {"ground": "lis_pendens", "consulted": True, "reason": "r"},
    "refuse_nationality": {"prosecutors": "p", "consulted": True, "reason": "r"},
    "supply_evidence": {"evidence": "e"},
    "report_back": {"outcome": "acquitted", "details": "d"},
    "withdraw": {"reason": "r"},
    "plan_surrender": {"date": AT, "place": "p", "escorts": "e"},
    "postpone_surrender": {"purpose": "prosecution", "reason": "r"},
    "temporary_surrender": {"return_by": AT, "conditions": "c"},
    "return_person": {"returned_at": AT},
    "surrender": {"surrendered_at": AT},
    "release": {"reason": "r"},
    "request_consent": {"offence": "o", "purpose": "prosecution"},
    "grant_consent": {"offence": "o"},
    "refuse_consent": {"offence": "o", "reason": "r"},
    "discharge": {"discharged_at": AT},
    "left_territory": {"left_at": AT},
}


def test_the_table_lists_every_state_and_step() -> None:
    assert set(LEGAL) == set(ex.EXTRADITION.states)
    assert set(SIDES) == {rule.code for rule in ex.EXTRADITION.steps}
    assert all(rule.side is SIDES[rule.code] for rule in ex.EXTRADITION.steps)


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(SIDES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    record = PracticeRecord("extradition", state)
    values = VALUES.get(code)
    if code in LEGAL[state]:
        after = take(
            record, ex.EXTRADITION, code, side=SIDES[code], actor_id="a", at=RECEIVED_AT,
            values=values,
        )  # fmt: skip
        assert after.state in ex.EXTRADITION.states
    else:
        with pytest.raises(
            IllegalTransitionError, match=f"{code!r} cannot be taken in state {state!r}"
        ):
            take(
                record, ex.EXTRADITION, code, side=SIDES[code], actor_id="a", at=RECEIVED_AT,
                values=values,
            )  # fmt: skip


@given(st.lists(st.tuples(st.sampled_from(sorted(SIDES)), st.integers(0, 20 * 24)), max_size=14))
def test_a_random_legal_walk_never_leaves_the_table_and_never_mutates_its_input(
    moves: list[tuple[str, int]],
) -> None:
    record = begin(ex.EXTRADITION)
    at = RECEIVED_AT
    for code, hours in moves:
        at += timedelta(hours=hours)
        for found in ex.due_steps(record, now=at, durations=DURATIONS):
            record = take(record, ex.EXTRADITION, found.code, side=found.side,
                          actor_id=found.actor_id, at=found.at)  # fmt: skip
        if code not in LEGAL[record.state] or SIDES[code] is SYS:
            continue
        before = copy.deepcopy(record)
        after = take(record, ex.EXTRADITION, code, side=SIDES[code], actor_id="a", at=at,
                     values=VALUES.get(code))  # fmt: skip
        assert record == before
        assert after.state in ex.EXTRADITION.states
        # The surrender clock runs exactly while a surrender is planned or release is due.
        assert (ex.surrender_clock(after, DURATIONS) is not None) == (
            after.state in {ex.SURRENDER_PLANNED, ex.RELEASE_DUE}
        )
        # A grant always has an offence granted behind it.
        if after.state == ex.GRANTED:
            assert "granted" in ex.offence_decisions(after).values()
        record = after
