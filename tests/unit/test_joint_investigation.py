"""The joint investigation team's life cycle (type card T15; ECMA2P 20; 2AP 12; issue 8): the
agreement, both signatures, the shared case space, the extension by mutual consent and the end
of the period by the clock. Every date below is worked out by hand; all instants are aware UTC.
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
from comity.domain.practice import joint_investigation as jit
from comity.domain.practice.forms import ClockFacts
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
REQ = StepSide.REQUESTING
RQD = StepSide.REQUESTED
SYS = StepSide.SYSTEM
LC = jit.JOINT_INVESTIGATION

AGREED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STARTS = datetime(2026, 1, 12, 0, 0, tzinfo=UTC)
ENDS = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
# 30 days before 30 June is 31 May (June has 30 days); 7 days before is 23 June.
REMINDER_30 = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
REMINDER_7 = datetime(2026, 6, 23, 12, 0, tzinfo=UTC)
# Extended to 30 September: 30 days before is 31 August; 7 days before is 23 September.
NEW_END = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)

TERMS: dict[str, Value] = {
    "purpose": "Dismantle the ransomware group attacking hospitals in both States",
    "starts_at": STARTS.isoformat(),
    "ends_at": ENDS.isoformat(),
    "leader_requesting": "Prosecutor A. Example (XA)",
    "leader_requested": "Investigating judge B. Example (XB)",
    "members": "A. Analyst (XA police); B. Officer (XB police)\nC. Expert (XB cybercrime unit)",
    "state_of_operation": "XB",
    "use_terms": "ecma2p_20_10",
    "confidentiality": "Restricted to team members; no disclosure without both leaders.",
}


def step(
    record: PracticeRecord, code: str, side: StepSide, at: datetime, **values: Value
) -> PracticeRecord:
    return jit.FORM.take(record, code, side=side, actor_id=f"{side}-officer", at=at, values=values)


def agreed(**changes: Value) -> PracticeRecord:
    return step(begin(LC), "agree", RQD, AGREED_AT, **{**TERMS, **changes})


def active() -> PracticeRecord:
    record = step(agreed(), "sign_agreement", REQ, AGREED_AT + DAY, signatory="Minister of XA")
    return step(record, "countersign_agreement", RQD, AGREED_AT + 2 * DAY, signatory="XB CA")


def facts(now: datetime, **reminders: tuple[timedelta, ...]) -> ClockFacts:
    return ClockFacts(now=now, durations={}, reminders=reminders)


def test_every_profile_reminds_30_and_7_days_before_the_end() -> None:
    for profile in packaged_catalogue().profiles.values():
        assert profile.reminders[jit.REMINDERS] == (30 * DAY, 7 * DAY) == jit.DEFAULT_REMINDERS


def test_the_requested_state_proposes_changes_and_then_agrees_on_recorded_terms() -> None:
    record = begin(LC)
    assert jit.agreement(record) is None and jit.period_end(record) is None
    assert jit.FORM.read_clock(record, facts(ENDS)).ends_at is None
    assert jit.FORM.due_steps(record, facts(ENDS)) == []
    with pytest.raises(ReasonRequiredError):
        step(record, "propose_changes", RQD, AGREED_AT, changes="Operate in XB")
    record = step(
        record, "propose_changes", RQD, AGREED_AT, changes="Operate in XB", reason="Servers in XB"
    )
    assert record.state == jit.CHANGES_PROPOSED
    record = step(record, "revise_proposal", REQ, AGREED_AT, changes="State of operation XB")
    assert record.state == jit.PROPOSED
    record = step(record, "agree", RQD, AGREED_AT, **TERMS)
    assert record.state == jit.AGREED
    terms = jit.agreement(record)
    assert terms is not None
    assert (terms.starts_at, terms.ends_at, terms.state_of_operation) == (STARTS, ENDS, "XB")
    assert terms.leaders == {
        "requesting": "Prosecutor A. Example (XA)",
        "requested": "Investigating judge B. Example (XB)",
    }
    assert terms.members == (
        "A. Analyst (XA police)",
        "B. Officer (XB police)",
        "C. Expert (XB cybercrime unit)",
    )
    assert (terms.use_terms, terms.use_terms_detail) == ("ecma2p_20_10", "")
    assert jit.period_end(record) == ENDS
    # Agreed but not yet signed: the team does not work and its clock does not run.
    assert jit.reminders(record, jit.DEFAULT_REMINDERS) == []
    assert jit.due_steps(record, now=ENDS + DAY) == []


def test_the_agreement_needs_its_terms_an_end_after_its_start_and_detail_for_own_use_terms() -> (
    None
):
    with pytest.raises(PermissionDeniedError):
        step(begin(LC), "agree", REQ, AGREED_AT, **TERMS)
    with pytest.raises(InvalidFieldsError) as missing:
        step(begin(LC), "agree", RQD, AGREED_AT, purpose="p")
    assert "values.ends_at" in [issue.path for issue in missing.value.issues]
    with pytest.raises(InvalidFieldsError) as backwards:
        agreed(ends_at=(STARTS - DAY).isoformat())
    assert [issue.path for issue in backwards.value.issues] == ["values.ends_at"]
    with pytest.raises(InvalidFieldsError) as bare:
        agreed(use_terms="as_agreed")
    assert [issue.path for issue in bare.value.issues] == ["values.use_terms_detail"]
    with pytest.raises(InvalidFieldsError):
        agreed(use_terms="anything")
    # A malformed instant is the table's issue, not the guard's.
    with pytest.raises(InvalidFieldsError) as malformed:
        agreed(starts_at="next Monday")
    assert [issue.path for issue in malformed.value.issues] == ["values.starts_at"]
    own = agreed(use_terms="as_agreed", use_terms_detail="Also for asset recovery in XA")
    terms = jit.agreement(own)
    assert terms is not None and terms.use_terms_detail == "Also for asset recovery in XA"


def test_each_state_signs_once_and_the_team_is_active_at_the_second_signature() -> None:
    record = step(agreed(), "sign_agreement", REQ, AGREED_AT + DAY, signatory="Minister of XA")
    assert record.state == jit.SIGNED_ONCE
    with pytest.raises(PermissionDeniedError, match="requesting side has already signed"):
        step(record, "countersign_agreement", REQ, AGREED_AT + DAY, signatory="Minister again")
    with pytest.raises(PermissionDeniedError):
        step(record, "countersign_agreement", SYS, AGREED_AT + DAY, signatory="the clock")
    record = step(record, "countersign_agreement", RQD, AGREED_AT + 2 * DAY, signatory="XB CA")
    assert record.state == jit.ACTIVE
    assert [(s.code, s.side) for s in record.steps[1:]] == [
        ("sign_agreement", REQ),
        ("countersign_agreement", RQD),
    ]
    # A third signature has no place in the table.
    with pytest.raises(IllegalTransitionError, match="'sign_agreement' cannot be taken"):
        step(record, "sign_agreement", RQD, AGREED_AT + 3 * DAY, signatory="again")
    # Either State may sign first.
    first = step(agreed(), "sign_agreement", RQD, AGREED_AT + DAY, signatory="XB CA")
    with pytest.raises(PermissionDeniedError, match="requested side has already signed"):
        step(first, "countersign_agreement", RQD, AGREED_AT + DAY, signatory="XB CA")
    assert step(first, "countersign_agreement", REQ, AGREED_AT + DAY, signatory="XA").state == (
        jit.ACTIVE
    )


def test_notes_and_tasks_from_both_states_make_one_shared_space() -> None:
    at = AGREED_AT + 3 * DAY
    record = step(active(), "add_note", REQ, at, text="Seized server images received")
    record = step(record, "add_note", RQD, at + DAY, text="Decryption key found")
    record = step(
        record,
        "add_task",
        RQD,
        at + DAY,
        title="Image the servers",
        assigned_state="requested",
        due_at=(at + 10 * DAY).isoformat(),
    )
    record = step(
        record, "add_task", REQ, at + DAY, title="Trace payments", assigned_state="requesting"
    )
    record = step(
        record, "add_task", REQ, at + DAY, title="Interview admin", assigned_state="requested"
    )
    with pytest.raises(InvalidFieldsError):
        step(record, "add_task", REQ, at + DAY, title="x", assigned_state="interpol")
    record = step(record, "complete_task", RQD, at + 2 * DAY, task="1", outcome="4 images")
    record = step(record, "complete_task", REQ, at + 2 * DAY, task=" trace PAYMENTS ")
    space = jit.shared_space(record)
    assert [(n.side, n.text) for n in space.notes] == [
        ("requesting", "Seized server images received"),
        ("requested", "Decryption key found"),
    ]
    assert [(t.number, t.title, t.assigned_state, t.added_by, t.is_open) for t in space.tasks] == [
        (1, "Image the servers", "requested", "requested", False),
        (2, "Trace payments", "requesting", "requesting", False),
        (3, "Interview admin", "requested", "requesting", True),
    ]
    assert space.tasks[0].due_at == at + 10 * DAY and space.tasks[1].due_at is None
    assert (space.tasks[0].done_at, space.tasks[0].outcome) == (at + 2 * DAY, "4 images")
    # A finished task, an unknown number or title, are refused by the guard.
    for ref in ("1", "Trace payments", "9", "Arrest everybody"):
        with pytest.raises(InvalidFieldsError) as refused:
            step(record, "complete_task", REQ, at + 3 * DAY, task=ref)
        assert refused.value.issues[0].path == "values.task"
    # Taken without the guard (a record from elsewhere), an unknown task changes nothing.
    unguarded = take(record, LC, "complete_task", side=REQ, actor_id="x", at=at + 3 * DAY,
                     values={"task": "Arrest everybody"})  # fmt: skip
    assert jit.shared_space(unguarded).tasks == space.tasks
    # Before the team is active there is no shared space to write in.
    with pytest.raises(IllegalTransitionError):
        step(agreed(), "add_note", REQ, at, text="too early")


def test_packages_carry_the_use_terms_and_other_use_needs_the_other_states_consent() -> None:
    at = AGREED_AT + 3 * DAY
    record = step(active(), "share_package", RQD, at, package_id="PKG-1", description="Images")
    record = step(
        record,
        "share_package",
        REQ,
        at,
        package_id="PKG-2",
        description="Bank records",
        use_purpose="public_security",
    )
    with pytest.raises(InvalidFieldsError):
        step(record, "share_package", REQ, at, package_id="P", description="d", use_purpose="any")
    # XA asks to use XB's images for another offence (ECMA2P 20(10)(b)).
    record = step(record, "request_other_use", REQ, at, package_id="PKG-1", offence="Extortion")
    with pytest.raises(InvalidFieldsError) as own:
        step(record, "consent_other_use", REQ, at, package_id="PKG-1")
    assert own.value.issues[0].message == "a package the other State asked to use"
    with pytest.raises(InvalidFieldsError) as unknown:
        step(record, "request_other_use", REQ, at, package_id="PKG-9", offence="Fraud")
    assert unknown.value.issues[0].message == "a package shared in the team"
    with pytest.raises(ReasonRequiredError):
        step(record, "refuse_other_use", RQD, at, package_id="PKG-1")
    record = step(record, "consent_other_use", RQD, at, package_id="PKG-1")
    record = step(record, "request_other_use", RQD, at, package_id="PKG-2", offence="Fraud")
    record = step(
        record, "refuse_other_use", REQ, at, package_id="PKG-2", reason="Would endanger our case"
    )
    # Nothing pending any more on PKG-2.
    with pytest.raises(InvalidFieldsError):
        step(record, "consent_other_use", REQ, at, package_id="PKG-2")
    space = jit.shared_space(record)
    assert [
        (p.package_id, p.shared_by, p.use_terms, p.use_purpose, p.other_uses)
        for p in space.packages
    ] == [
        (
            "PKG-1",
            "requested",
            "ecma2p_20_10",
            "team_purpose",
            (jit.OtherUse("Extortion", "requesting", "consented"),),
        ),
        (
            "PKG-2",
            "requesting",
            "ecma2p_20_10",
            "public_security",
            (jit.OtherUse("Fraud", "requested", "refused", "Would endanger our case"),),
        ),
    ]
    # Unguarded answers with nothing pending, and steps on unknown packages, change nothing.
    for code, pid in (("consent_other_use", "PKG-2"), ("consent_other_use", "PKG-9")):
        unguarded = take(
            record, LC, code, side=REQ, actor_id="x", at=at, values={"package_id": pid}
        )
        assert jit.shared_space(unguarded).packages == space.packages
    # A record without an agreement (built elsewhere) shows packages without use terms.
    bare = PracticeRecord("joint_investigation", jit.ACTIVE)
    bare = take(bare, LC, "share_package", side=REQ, actor_id="x", at=at,
                values={"package_id": "P", "description": "d"})  # fmt: skip
    assert jit.shared_space(bare).packages[0].use_terms == ""


def test_an_extension_needs_both_states_and_moves_the_end() -> None:
    at = AGREED_AT + 30 * DAY
    with pytest.raises(ReasonRequiredError):
        step(active(), "propose_extension", REQ, at, new_end_at=NEW_END.isoformat())
    with pytest.raises(InvalidFieldsError) as earlier:
        step(active(), "propose_extension", REQ, at, new_end_at=ENDS.isoformat(), reason="r")
    assert earlier.value.issues[0].path == "values.new_end_at"
    record = step(
        active(), "propose_extension", REQ, at, new_end_at=NEW_END.isoformat(), reason="New leads"
    )
    assert record.state == jit.EXTENSION_PROPOSED
    # The proposer cannot agree (or decline) its own proposal.
    with pytest.raises(PermissionDeniedError, match="requesting side proposed this extension"):
        step(record, "agree_extension", REQ, at)
    with pytest.raises(PermissionDeniedError):
        step(record, "decline_extension", REQ, at, reason="changed our mind")
    # The team keeps working while the proposal is pending; the end has not moved yet.
    record = step(record, "add_note", RQD, at, text="Considering the extension")
    assert jit.period_end(record) == ENDS
    declined = step(record, "decline_extension", RQD, at + DAY, reason="No resources")
    assert declined.state == jit.ACTIVE and jit.period_end(declined) == ENDS
    extended = step(record, "agree_extension", RQD, at + DAY)
    assert extended.state == jit.ACTIVE and jit.period_end(extended) == NEW_END
    reading = jit.FORM.read_clock(extended, facts(at + DAY))
    assert reading.ends_at == NEW_END
    # 30 days before 30 September is 31 August; 7 days before is 23 September.
    assert [d.at for d in reading.deadlines] == [
        NEW_END,
        datetime(2026, 8, 31, 12, 0, tzinfo=UTC),
        datetime(2026, 9, 23, 12, 0, tzinfo=UTC),
    ]
    # A second extension is proposed by the other State and must go further still.
    with pytest.raises(InvalidFieldsError):
        step(extended, "propose_extension", RQD, at + DAY, new_end_at=NEW_END.isoformat(),
             reason="r")  # fmt: skip


def test_the_clock_reminds_before_the_end_and_ends_the_period() -> None:
    record = active()
    reading = jit.FORM.read_clock(record, facts(AGREED_AT + 3 * DAY))
    assert reading.ends_at == ENDS
    assert [(d.code, d.kind, d.at) for d in reading.deadlines] == [
        ("joint_investigation.end", "deadline", ENDS),
        ("joint_investigation.end.reminder", "reminder", REMINDER_30),
        ("joint_investigation.end.reminder", "reminder", REMINDER_7),
    ]
    assert reading.deadlines[1].label == (
        "The joint investigation team's period ends in 30 days on 2026-06-30T12:00:00+00:00"
    )
    assert reading.deadlines[0].basis == ("ECMA2P 20(1)", "2AP 12")
    # On 1 June only the 7-day reminder is still ahead.
    assert [at for at, _ in jit.FORM.read_clock(record, facts(REMINDER_30 + DAY)).reminders] == [
        REMINDER_7
    ]
    # A profile with other offsets is followed.
    custom = jit.FORM.read_clock(record, facts(AGREED_AT, joint_investigation_end=(DAY,)))
    assert [at for at, _ in custom.reminders] == [ENDS - DAY]
    assert jit.FORM.due_steps(record, facts(ENDS - timedelta(seconds=1))) == []
    due = jit.FORM.due_steps(record, facts(ENDS + DAY))
    assert [(s.code, s.side, s.actor_id, s.at) for s in due] == [
        ("period_ended", SYS, SYSTEM_ACTOR, ENDS)
    ]
    ended = take(record, LC, "period_ended", side=SYS, actor_id=SYSTEM_ACTOR, at=ENDS)
    assert ended.state == jit.ENDED
    assert jit.FORM.read_clock(ended, facts(ENDS)).deadlines == ()
    assert jit.due_steps(ended, now=ENDS + DAY) == []
    with pytest.raises(PermissionDeniedError):
        step(record, "period_ended", RQD, ENDS)
    # After the end: no new notes, but consent for other use may still be asked; then close.
    with pytest.raises(IllegalTransitionError):
        step(ended, "add_note", REQ, ENDS + DAY, text="late")
    closed = step(ended, "close", REQ, ENDS + DAY, summary="Two arrests, servers seized")
    assert closed.state == jit.CLOSED and LC.is_final(jit.CLOSED)


def test_an_extension_still_pending_at_the_end_does_not_stop_the_clock() -> None:
    record = step(
        active(), "propose_extension", REQ, ENDS - DAY, new_end_at=NEW_END.isoformat(), reason="r"
    )
    assert [s.at for s in jit.due_steps(record, now=ENDS)] == [ENDS]


def test_a_late_run_dates_the_end_after_a_step_recorded_past_it() -> None:
    record = step(active(), "add_note", REQ, ENDS + DAY, text="written late")
    assert [s.at for s in jit.due_steps(record, now=ENDS + 2 * DAY)] == [ENDS + DAY]


def test_refusal_withdrawal_and_closing_early() -> None:
    with pytest.raises(ReasonRequiredError):
        step(begin(LC), "refuse", RQD, AGREED_AT)
    assert step(begin(LC), "refuse", RQD, AGREED_AT, reason="No parallel case").state == jit.REFUSED
    signed = step(agreed(), "sign_agreement", RQD, AGREED_AT, signatory="XB CA")
    assert step(signed, "withdraw", REQ, AGREED_AT, reason="Suspect died").state == jit.WITHDRAWN
    with pytest.raises(PermissionDeniedError):
        step(signed, "withdraw", RQD, AGREED_AT, reason="r")
    with pytest.raises(InvalidFieldsError):
        step(active(), "close", RQD, AGREED_AT + 3 * DAY)
    closed = step(active(), "close", RQD, AGREED_AT + 3 * DAY, summary="Purpose achieved")
    assert closed.state == jit.CLOSED
    with pytest.raises(IllegalTransitionError):
        jit.FORM.take(closed, "add_note", side=REQ, actor_id="x", at=ENDS, values={"text": "t"})


LEGAL = {
    jit.PROPOSED: {"agree", "propose_changes", "refuse", "withdraw"},
    jit.CHANGES_PROPOSED: {"revise_proposal", "refuse", "withdraw"},
    jit.REFUSED: set(),
    jit.WITHDRAWN: set(),
    jit.AGREED: {"sign_agreement", "withdraw"},
    jit.SIGNED_ONCE: {"countersign_agreement", "withdraw"},
    jit.ACTIVE: {
        "add_note", "add_task", "complete_task", "share_package", "request_other_use",
        "consent_other_use", "refuse_other_use", "propose_extension", "period_ended", "close",
    },
    jit.EXTENSION_PROPOSED: {
        "add_note", "add_task", "complete_task", "share_package", "request_other_use",
        "consent_other_use", "refuse_other_use", "agree_extension", "decline_extension",
        "period_ended", "close",
    },
    jit.ENDED: {"request_other_use", "consent_other_use", "refuse_other_use", "close"},
    jit.CLOSED: set(),
}  # fmt: skip
SIDES = {
    "agree": RQD, "propose_changes": RQD, "revise_proposal": REQ, "refuse": RQD,
    "withdraw": REQ, "sign_agreement": REQ, "countersign_agreement": RQD, "add_note": REQ,
    "add_task": RQD, "complete_task": REQ, "share_package": RQD, "request_other_use": REQ,
    "consent_other_use": RQD, "refuse_other_use": RQD, "propose_extension": REQ,
    "agree_extension": RQD, "decline_extension": RQD, "period_ended": SYS, "close": REQ,
}  # fmt: skip
VALUES: dict[str, dict[str, Value]] = {
    "agree": TERMS,
    "propose_changes": {"changes": "c", "reason": "r"},
    "revise_proposal": {"changes": "c"},
    "refuse": {"reason": "r"},
    "withdraw": {"reason": "r"},
    "sign_agreement": {"signatory": "s"},
    "countersign_agreement": {"signatory": "s"},
    "add_note": {"text": "t"},
    "add_task": {"title": "t", "assigned_state": "requested"},
    "complete_task": {"task": "1"},
    "share_package": {"package_id": "P", "description": "d"},
    "request_other_use": {"package_id": "P", "offence": "o"},
    "consent_other_use": {"package_id": "P"},
    "refuse_other_use": {"package_id": "P", "reason": "r"},
    "propose_extension": {"new_end_at": NEW_END.isoformat(), "reason": "r"},
    "decline_extension": {"reason": "r"},
    "close": {"summary": "s"},
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(SIDES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(LC.states)
    assert set(SIDES) == {rule.code for rule in LC.steps}
    record = PracticeRecord("joint_investigation", state)
    kwargs = {"side": SIDES[code], "actor_id": "a", "at": AGREED_AT, "values": VALUES.get(code)}
    if code in LEGAL[state]:
        assert take(record, LC, code, **kwargs).state in LC.states  # type: ignore[arg-type]
    else:
        with pytest.raises(IllegalTransitionError, match=f"{code!r} cannot be taken in state"):
            take(record, LC, code, **kwargs)  # type: ignore[arg-type]


@given(st.lists(st.tuples(st.sampled_from(sorted(SIDES)), st.integers(0, 40 * 24)), max_size=12))
def test_a_random_guarded_walk_stays_in_the_table_and_never_mutates_its_input(
    moves: list[tuple[str, int]],
) -> None:
    record = begin(LC)
    at = AGREED_AT
    for code, hours in moves:
        at += timedelta(hours=hours)
        for found in jit.due_steps(record, now=at):
            record = take(record, LC, found.code, side=SYS, actor_id=SYSTEM_ACTOR, at=found.at)
        if code not in LEGAL[record.state] or SIDES[code] is SYS:
            continue
        before = copy.deepcopy(record)
        for side in (REQ, RQD) if SIDES[code] in (REQ, RQD) else (SIDES[code],):
            try:
                after = jit.FORM.take(
                    record, code, side=side, actor_id="a", at=at, values=VALUES.get(code)
                )
            except (PermissionDeniedError, InvalidFieldsError):
                continue
            assert record == before
            assert after.state in LC.states
            # The clock runs exactly while the team works.
            assert (jit.FORM.read_clock(after, facts(at)).ends_at is not None) == (
                after.state in jit.WORKING
            )
            record = after
            break
