"""The request aggregate: drafting, editing, minimum content, four eyes, history, events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comity.domain.errors import (
    ConcurrencyError,
    FourEyesError,
    IllegalTransitionError,
    IncompleteRequestError,
    InvalidFieldsError,
    NotEditableError,
    ReasonRequiredError,
)
from comity.domain.events import (
    RequestApproved,
    RequestDrafted,
    RequestEdited,
    RequestReceived,
    StatusChanged,
)
from comity.domain.requests import merge_patch
from comity.domain.values import Role, Side, Urgency
from comity.domain.workflow import Status
from tests.builders import MLA_MINIMUM, T0, a_request, a_user, catalogue, example_mla_fields

MLA = catalogue().type("mla")
DRAFTER = a_user("u-drafter", Role.DRAFTER)
APPROVER = a_user("u-approver", Role.APPROVER)


def test_a_new_draft_records_its_creation_and_may_be_incomplete() -> None:
    request = a_request(fields={})
    assert request.status is Status.DRAFT and request.side is Side.REQUESTING
    assert [entry.to_status for entry in request.history] == [Status.DRAFT]
    assert isinstance(request.events[0], RequestDrafted)
    assert {issue.path for issue in request.completeness(MLA)} == MLA_MINIMUM


def test_submitting_an_incomplete_draft_names_every_missing_path_and_changes_nothing() -> None:
    request = a_request(fields={"language": "en", "offences": [{"conduct": "computer_fraud"}]})
    with pytest.raises(IncompleteRequestError) as caught:
        request.submit(rtype=MLA, actor=DRAFTER, now=T0)
    missing = set(caught.value.missing)
    assert missing == (MLA_MINIMUM - {"fields.language", "fields.offences"}) | {
        "fields.offences[0].label",
        "fields.offences[0].legal_provision",
        "fields.offences[0].max_penalty_months",
    }
    assert request.status is Status.DRAFT and request.submitted_by is None
    assert len(request.history) == 1


def test_a_complete_draft_goes_to_awaiting_approval() -> None:
    request = a_request()
    assert request.completeness(MLA) == []
    request.submit(rtype=MLA, actor=DRAFTER, now=T0 + timedelta(minutes=5))
    assert request.status is Status.AWAITING_APPROVAL
    assert request.submitted_by == DRAFTER.id
    assert request.history[-1].from_status is Status.DRAFT
    assert isinstance(request.events[-1], StatusChanged)


@pytest.mark.parametrize("who", ["creator", "submitter"])
def test_four_eyes_the_drafter_or_submitter_cannot_approve(who: str) -> None:
    drafter2 = a_user("u-drafter2", Role.DRAFTER, Role.APPROVER)
    request = a_request(actor=drafter2 if who == "creator" else DRAFTER)
    request.submit(rtype=MLA, actor=drafter2, now=T0)
    with pytest.raises(FourEyesError):
        request.approve(actor=drafter2, now=T0)
    assert request.status is Status.AWAITING_APPROVAL and request.approved_by is None


def test_approval_binds_the_exact_content_and_only_that_content_can_be_sent() -> None:
    request = a_request()
    request.submit(rtype=MLA, actor=DRAFTER, now=T0)
    request.approve(actor=APPROVER, now=T0, reason="ok")
    assert request.status is Status.APPROVED
    assert request.approval_digest == request.digest()
    assert isinstance(request.events[-1], RequestApproved)
    request.fields["purpose"] = "changed behind the approver's back"
    with pytest.raises(IllegalTransitionError):
        request.mark_sent(actor_id="relay", now=T0)
    request.fields["purpose"] = example_mla_fields()["purpose"]
    request.mark_sent(actor_id="relay", now=T0)
    assert request.status is Status.SENT
    # Sent once: asked for more, it answers with the information, not a second request.
    request.apply_remote(status=Status.MORE_INFO_REQUESTED, actor_id="state:XB", now=T0)
    with pytest.raises(IllegalTransitionError, match="only an approved request is sent"):
        request.mark_sent(actor_id="relay", now=T0)
    assert request.status is Status.MORE_INFO_REQUESTED


def test_returning_to_draft_needs_a_comment_and_clears_the_approval() -> None:
    request = a_request()
    request.submit(rtype=MLA, actor=DRAFTER, now=T0)
    with pytest.raises(ReasonRequiredError):
        request.return_to_draft(actor=APPROVER, now=T0, reason=" ")
    request.return_to_draft(actor=APPROVER, now=T0, reason="Add the provider's address.")
    assert request.status is Status.DRAFT
    assert request.submitted_by is None and request.approval_digest is None
    assert request.history[-1].reason == "Add the provider's address."


def test_editing_merges_the_patch_and_is_refused_once_submitted() -> None:
    request = a_request(fields={"language": "en", "purpose": "x"})
    request.edit(
        rtype=MLA,
        actor=DRAFTER,
        now=T0,
        fields_patch={"purpose": None, "facts_summary": "Facts."},
        header={"urgency": Urgency.URGENT},
    )
    assert request.fields == {"language": "en", "facts_summary": "Facts."}
    assert request.urgency is Urgency.URGENT
    assert isinstance(request.events[-1], RequestEdited)
    with pytest.raises(IncompleteRequestError) as caught:
        request.submit(rtype=MLA, actor=DRAFTER, now=T0)
    assert "fields.urgency_reasons" in caught.value.missing
    request.fields = {**example_mla_fields(), "urgency_reasons": "Logs expire soon."}
    request.submit(rtype=MLA, actor=DRAFTER, now=T0)
    with pytest.raises(NotEditableError):
        request.edit(rtype=MLA, actor=DRAFTER, now=T0, fields_patch={}, header={})


def test_unknown_and_malformed_fields_are_refused_with_every_path() -> None:
    with pytest.raises(InvalidFieldsError) as caught:
        a_request(fields={"colour": "red", "language": 7, "offences": [{"conduct": "theft"}]})
    paths = {(issue.path, issue.kind) for issue in caught.value.issues}
    assert paths == {
        ("fields.colour", "unknown"),
        ("fields.language", "invalid"),
        ("fields.offences[0].conduct", "invalid"),
    }
    request = a_request(fields={})
    with pytest.raises(InvalidFieldsError):
        request.edit(rtype=MLA, actor=DRAFTER, now=T0, fields_patch={"bogus": 1}, header={})
    assert request.fields == {}


def test_incoming_requests_start_received_on_the_requested_side() -> None:
    request = a_request(incoming=True)
    assert request.side is Side.REQUESTED and request.status is Status.RECEIVED
    assert request.created_by == "system"
    assert isinstance(request.events[0], RequestReceived)
    with pytest.raises(IllegalTransitionError):
        request.submit(rtype=MLA, actor=DRAFTER, now=T0)


def test_history_and_entered_at_follow_each_step() -> None:
    request = a_request(incoming=True)
    request.move(to=Status.REGISTERED, actor_id="e", now=T0 + timedelta(hours=1))
    request.move(to=Status.UNDER_ASSESSMENT, actor_id="e", now=T0 + timedelta(hours=2))
    request.move(to=Status.POSTPONED, actor_id="e", now=T0 + timedelta(hours=3), reason=" r ")
    request.move(to=Status.UNDER_ASSESSMENT, actor_id="e", now=T0 + timedelta(hours=4))
    assert [entry.seq for entry in request.history] == [1, 2, 3, 4, 5]
    assert request.history[3].reason == "r"
    assert request.entered_at(Status.UNDER_ASSESSMENT) == T0 + timedelta(hours=4)
    assert request.entered_at(Status.EXECUTED) is None
    assert request.updated_at == T0 + timedelta(hours=4)


def test_a_stale_version_is_a_concurrency_error() -> None:
    request = a_request()
    request.expect_version(0)
    with pytest.raises(ConcurrencyError):
        request.expect_version(1)


def test_equal_content_has_an_equal_digest_whatever_the_key_order() -> None:
    first = a_request(fields={"language": "en", "purpose": "p"})
    second = a_request(fields={"purpose": "p", "language": "en"})
    assert first.digest() == second.digest()
    second.fields["purpose"] = "q"
    assert first.digest() != second.digest()


def test_merge_patch_follows_rfc_7396() -> None:
    target = {"a": {"b": 1, "c": 2}, "d": [1, 2], "e": 1}
    assert merge_patch(target, {"a": {"b": None, "x": 3}, "d": [3], "e": None, "f": {"g": 1}}) == {
        "a": {"c": 2, "x": 3},
        "d": [3],
        "f": {"g": 1},
    }
    assert target == {"a": {"b": 1, "c": 2}, "d": [1, 2], "e": 1}
