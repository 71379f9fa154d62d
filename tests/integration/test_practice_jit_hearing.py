"""A joint investigation team and a hearing by video between two States' nodes (type cards
T15, T16; ECMA2P 9, 20; 2AP 11, 12): the team agreed and signed by both, its shared space
written from both sides and rebuilt the same on each copy, extended by mutual consent and ended
by the requested State's clock; a hearing scheduled across Tokyo and New York, held, its
minutes recorded by XB and countersigned by XA. Every step is mirrored through signed messages
and audited on both nodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comity.cli.walks.joint_investigation import TERMS, example_joint_investigation_fields
from comity.cli.walks.video_hearing import MINUTES_SHA256, example_video_hearing_fields
from comity.domain.errors import (
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
)
from comity.domain.practice import joint_investigation as jit
from comity.domain.practice import video_hearing as vh
from comity.services import practice
from tests.federation_harness import FedNode
from tests.integration.test_practice import _directory_valid_for
from tests.practice_pair import StatePair

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def test_a_joint_investigation_team_works_is_extended_and_ends_by_the_clock(
    nodes: dict[str, FedNode],
) -> None:
    walk = StatePair(nodes, "joint_investigation", example_joint_investigation_fields("XA"))
    t0 = walk.clock.now().replace(microsecond=0)
    ends = t0 + 120 * DAY
    terms = {**TERMS, "starts_at": t0.isoformat(), "ends_at": ends.isoformat()}
    # Only the requested State agrees; the requesting State cannot sign before it has.
    with pytest.raises(PermissionDeniedError):
        walk.xa_step("agree", **terms)
    with pytest.raises(IllegalTransitionError):
        walk.xa_step("sign_agreement", signatory="Prosecutor General of XA")
    walk.xb_step("agree", **terms)
    walk.xa_step("sign_agreement", signatory="Prosecutor General of XA")
    assert walk.same_on_both("signed_once")[-1] == "sign_agreement"
    active = walk.xb_step("countersign_agreement", signatory="Central Authority of XB")
    assert active.record.state == "active" and active.clock.ends_at == ends
    # 120 days after the agreement, reminders 30 and 7 days before; on XB's desk too.
    assert [(d.code, d.at) for d in active.clock.deadlines] == [
        ("joint_investigation.end", ends),
        ("joint_investigation.end.reminder", ends - 30 * DAY),
        ("joint_investigation.end.reminder", ends - 7 * DAY),
    ]
    with walk.xb.ctx.uow() as uow:
        due = uow.deadlines.due_before(
            authority_id=active.request.authority_id, when=ends + DAY, limit=50
        )
    assert ("joint_investigation.end", ends) in [(d.code, d.due_at) for d in due]

    # The shared space, written from both sides.
    walk.xa_step("add_note", text="Server images received from the hosting provider.")
    walk.xb_step("add_note", text="Decryption key recovered.")
    walk.xb_step("add_task", title="Trace the payments", assigned_state="requesting",
                 due_at=(t0 + 30 * DAY).isoformat())  # fmt: skip
    walk.xb_step("share_package", package_id="PKG-XB-1", description="Decrypted server images")
    walk.xa_step("complete_task", task="Trace the payments", outcome="12 mule accounts")
    walk.xa_step("request_other_use", package_id="PKG-XB-1", offence="Extortion of a hospital")
    walk.xb_step("consent_other_use", package_id="PKG-XB-1")
    # The form's guard runs on the node, not only in the domain's tests: a task nobody set
    # and an answer to a request the other side never made are refused, nothing recorded.
    with pytest.raises(InvalidFieldsError):
        walk.xa_step("complete_task", task="No such task", outcome="-")
    with pytest.raises(InvalidFieldsError):
        walk.xa_step("consent_other_use", package_id="PKG-XB-1")
    on_xa, on_xb = walk.views()
    spaces = [jit.shared_space(view.record) for view in (on_xa, on_xb)]
    for space in spaces:
        assert [(n.side, n.text) for n in space.notes] == [
            ("requesting", "Server images received from the hosting provider."),
            ("requested", "Decryption key recovered."),
        ]
        assert [(t.title, t.added_by, t.is_open, t.outcome) for t in space.tasks] == [
            ("Trace the payments", "requested", False, "12 mule accounts")
        ]
        assert [
            (p.package_id, p.shared_by, p.use_terms, p.use_purpose) for p in space.packages
        ] == [("PKG-XB-1", "requested", "ecma2p_20_10", "team_purpose")]
        assert space.packages[0].other_uses == (
            jit.OtherUse("Extortion of a hospital", "requesting", "consented"),
        )
    assert spaces[0].tasks == spaces[1].tasks and spaces[0].packages == spaces[1].packages

    # XA proposes an extension to 180 days; XB agrees; the end moves on both copies.
    walk.clock.offset = 10 * DAY
    new_end = t0 + 180 * DAY
    walk.xa_step("propose_extension", new_end_at=new_end.isoformat(), reason="New leads")
    extended = walk.xb_step("agree_extension")
    assert extended.clock.ends_at == new_end
    assert walk.views()[0].clock.ends_at == new_end

    # The months pass (the operator keeps the directory valid): no step before the end.
    _directory_valid_for(nodes, 400 * DAY)
    walk.clock.offset = 150 * DAY
    assert walk.sweep() == 0
    reminders = walk.views()[0].clock.reminders
    assert [at for at, _ in reminders] == [new_end - 7 * DAY]
    # Only the requested State's clock ends the period; XA's sweep takes nothing.
    walk.clock.offset = 181 * DAY
    assert practice.sweep(walk.xa.ctx) == 0
    assert walk.sweep() == 1
    assert walk.sweep() == 0
    steps = walk.same_on_both("ended")
    assert steps[-1] == "period_ended"
    on_xa, _ = walk.views()
    assert on_xa.record.steps[-1].at == new_end
    with pytest.raises(IllegalTransitionError):
        walk.xa_step("add_note", text="too late")
    walk.xa_step("close", summary="Two suspects charged; funds traced.")
    assert walk.same_on_both("closed") == [
        "agree", "sign_agreement", "countersign_agreement", "add_note", "add_note", "add_task",
        "share_package", "complete_task", "request_other_use", "consent_other_use",
        "propose_extension", "agree_extension", "period_ended", "close",
    ]  # fmt: skip
    walk.audited(14)


def test_a_hearing_across_time_zones_ends_with_minutes_signed_by_both(
    nodes: dict[str, FedNode],
) -> None:
    walk = StatePair(nodes, "video_hearing", example_video_hearing_fields("XA"))
    with pytest.raises(PermissionDeniedError):
        walk.xa_step("accept", equipment_provided_by="requested", presiding_authority="Judge",
                     interpreter=False, hearing_role="witness", medium="video")  # fmt: skip
    walk.xb_step("accept", equipment_provided_by="requested",
                 presiding_authority="Investigating judge, District Court of XA",
                 interpreter=True, interpreter_language="ja", hearing_role="witness",
                 medium="video")  # fmt: skip
    # Three days from now at 13:00 UTC: 22:00 in Tokyo (UTC+9 all year) and 08:00 or 09:00
    # in New York (UTC-5, or UTC-4 in daylight time).
    start = walk.clock.now()
    hearing = datetime(start.year, start.month, start.day, 13, tzinfo=UTC) + 3 * DAY
    scheduled = walk.xb_step("schedule", scheduled_at=hearing.isoformat(),
                             requesting_time_zone="America/New_York",
                             requested_time_zone="Asia/Tokyo")  # fmt: skip
    on_xa, _ = walk.views()
    times = vh.hearing_times(on_xa.record)
    assert times is not None
    assert times.requested.hour == 22 and times.requesting.hour in (8, 9)
    assert len(times.warnings) == 1 and "Asia/Tokyo" in times.warnings[0]
    assert [(d.code, d.at) for d in scheduled.clock.deadlines] == [
        ("video_hearing.scheduled", hearing),
        ("video_hearing.scheduled.reminder", hearing - DAY),
        ("video_hearing.scheduled.reminder", hearing - 2 * HOUR),
    ]
    assert walk.same_on_both("scheduled") == ["accept", "schedule"]

    # The hearing time passes without the hearing recorded: a warning on both copies.
    walk.clock.offset = hearing - start + HOUR
    for view in walk.views():
        assert [a.code for a in view.clock.alarms] == ["video_hearing.not_held"]
    assert walk.sweep() == 0  # the clock warns; it takes no step
    walk.xb_step("conduct", held_at=hearing.isoformat())
    walk.xb_step("record_minutes", minutes_sha256=MINUTES_SHA256,
                 persons_present="Judge of XB; witness; interpreter",
                 oaths="Witness sworn under XB law")  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        walk.xb_step("countersign_minutes", minutes_sha256=MINUTES_SHA256)
    done = walk.xa_step("countersign_minutes", minutes_sha256=MINUTES_SHA256)
    assert done.record.state == "completed" and done.clock.deadlines == ()
    assert walk.same_on_both("completed") == [
        "accept", "schedule", "conduct", "record_minutes", "countersign_minutes",
    ]  # fmt: skip
    on_xa, on_xb = walk.views()
    assert vh.minutes_digest(on_xa.record) == vh.minutes_digest(on_xb.record) == MINUTES_SHA256
    walk.audited(5)
