"""A request both States hold: when it is exchanged, mirroring the other State's steps,
acknowledgement of 24/7 requests and the formal original of a copy sent ahead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comity.domain.errors import IllegalTransitionError
from comity.domain.events import OriginalReceived, RequestAcknowledged, StatusChanged
from comity.domain.requests import CooperationRequest
from comity.domain.values import Channel
from comity.domain.workflow import Status
from tests.builders import T0, a_request, walk

S = Status
LATER = T0 + timedelta(days=2)

# Paths from each side's initial status to the status named first.
SENDING = (S.AWAITING_APPROVAL, S.APPROVED, S.SENT)
REQUESTED_PATHS: dict[Status, tuple[Status, ...]] = {
    S.RECEIVED: (),
    S.REGISTERED: (S.REGISTERED,),
    S.UNDER_ASSESSMENT: (S.REGISTERED, S.UNDER_ASSESSMENT),
    S.MORE_INFO_REQUESTED: (S.REGISTERED, S.UNDER_ASSESSMENT, S.MORE_INFO_REQUESTED),
    S.INFO_SUPPLIED: (S.REGISTERED, S.UNDER_ASSESSMENT, S.MORE_INFO_REQUESTED, S.INFO_SUPPLIED),
    S.POSTPONED: (S.REGISTERED, S.UNDER_ASSESSMENT, S.POSTPONED),
    S.CONDITIONS_PROPOSED: (S.REGISTERED, S.UNDER_ASSESSMENT, S.CONDITIONS_PROPOSED),
    S.ACCEPTED: (S.REGISTERED, S.UNDER_ASSESSMENT, S.ACCEPTED),
    S.ACCEPTED_IN_PART: (S.REGISTERED, S.UNDER_ASSESSMENT, S.ACCEPTED_IN_PART),
    S.IN_EXECUTION: (S.REGISTERED, S.UNDER_ASSESSMENT, S.ACCEPTED, S.IN_EXECUTION),
}


def requesting(*steps: Status, exchange_id: str | None = "req-1") -> CooperationRequest:
    request = walk(a_request(), *steps)
    request.exchange_id = exchange_id
    return request


def requested(*steps: Status, channel: Channel | None = None) -> CooperationRequest:
    request = walk(a_request(incoming=True, channel=channel), *steps)
    request.exchange_id = "req-9"
    return request


# -- is_exchanged ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps",
    [(), (S.AWAITING_APPROVAL,), (S.AWAITING_APPROVAL, S.APPROVED)],
    ids=["draft", "awaiting_approval", "approved"],
)
def test_a_requesting_copy_is_not_exchanged_before_it_is_sent(steps: tuple[Status, ...]) -> None:
    assert not requesting(*steps).is_exchanged


@pytest.mark.parametrize(
    "steps",
    [SENDING, (*SENDING, S.ACCEPTED), (*SENDING, S.WITHDRAWN), (S.WITHDRAWN,)],
    ids=["sent", "accepted", "withdrawn-after-sending", "withdrawn-draft"],
)
def test_a_requesting_copy_with_an_exchange_id_is_exchanged_once_past_sending(
    steps: tuple[Status, ...],
) -> None:
    assert requesting(*steps).is_exchanged


def test_a_sent_requesting_copy_without_an_exchange_id_is_not_exchanged() -> None:
    assert not requesting(*SENDING, exchange_id=None).is_exchanged


def test_a_requested_copy_is_exchanged_whenever_it_has_an_exchange_id() -> None:
    request = a_request(incoming=True)
    assert not request.is_exchanged
    request.exchange_id = "req-9"
    assert request.is_exchanged and request.status is S.RECEIVED


# -- apply_remote on the requesting side ----------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "remote"),
    [
        (SENDING, S.ACCEPTED),
        (SENDING, S.ACCEPTED_IN_PART),
        (SENDING, S.MORE_INFO_REQUESTED),
        (SENDING, S.REFUSED),
        (SENDING, S.POSTPONED),
        (SENDING, S.CONDITIONS_PROPOSED),
        ((*SENDING, S.ACCEPTED), S.IN_EXECUTION),
        ((*SENDING, S.POSTPONED), S.ACCEPTED),
        ((*SENDING, S.ACCEPTED, S.IN_EXECUTION), S.EXECUTED),
    ],
)
def test_the_requesting_side_mirrors_what_its_table_allows(
    steps: tuple[Status, ...], remote: Status
) -> None:
    request = requesting(*steps)
    previous = request.status
    history = len(request.history)
    moved = request.apply_remote(
        status=remote, actor_id="state:XB", now=LATER, reason="grounds", detail={"k": "v"}
    )
    assert moved is True
    assert request.status is remote and request.remote_status is remote
    assert request.updated_at == LATER
    assert len(request.history) == history + 1
    entry = request.history[-1]
    assert (entry.from_status, entry.to_status) == (previous, remote)
    assert (entry.actor_id, entry.at, entry.reason) == ("state:XB", LATER, "grounds")
    assert entry.detail == {"k": "v", "mirrored": True}
    assert request.events[-1] == StatusChanged("state:XB", LATER, "req-1", previous, remote)


@pytest.mark.parametrize(
    ("steps", "remote"),
    [
        (SENDING, S.RECEIVED),
        (SENDING, S.REGISTERED),
        (SENDING, S.UNDER_ASSESSMENT),
        (SENDING, S.INFO_SUPPLIED),
        (SENDING, S.IN_EXECUTION),
        (SENDING, S.EXECUTED),
        ((*SENDING, S.ACCEPTED), S.ACCEPTED),
        ((*SENDING, S.ACCEPTED, S.IN_EXECUTION, S.EXECUTED, S.CLOSED), S.EXECUTED),
    ],
)
def test_the_requesting_side_only_records_a_remote_status_it_cannot_mirror(
    steps: tuple[Status, ...], remote: Status
) -> None:
    request = requesting(*steps)
    status, history, events = request.status, list(request.history), list(request.events)
    moved = request.apply_remote(status=remote, actor_id="state:XB", now=LATER)
    assert moved is False
    assert request.status is status and request.remote_status is remote
    assert request.history == history and request.events == events
    assert request.updated_at == LATER


def test_a_mirrored_step_without_detail_is_marked_mirrored() -> None:
    request = requesting(*SENDING)
    request.apply_remote(status=S.ACCEPTED, actor_id="state:XB", now=LATER)
    assert request.history[-1].detail == {"mirrored": True}
    assert request.history[-1].reason == ""


def test_a_mirrored_step_is_marked_mirrored_whatever_the_detail_claims() -> None:
    request = requesting(*SENDING)
    request.apply_remote(
        status=S.ACCEPTED, actor_id="state:XB", now=LATER, detail={"mirrored": False}
    )
    assert request.history[-1].detail == {"mirrored": True}


# -- apply_remote on the requested side -----------------------------------------------------


@pytest.mark.parametrize("current", list(REQUESTED_PATHS))
def test_the_requested_side_mirrors_a_withdrawal_from_any_open_status(current: Status) -> None:
    request = requested(*REQUESTED_PATHS[current])
    assert request.status is current
    moved = request.apply_remote(
        status=S.WITHDRAWN, actor_id="state:XA", now=LATER, reason="case dropped"
    )
    assert moved is True
    assert request.status is S.WITHDRAWN and request.remote_status is S.WITHDRAWN
    entry = request.history[-1]
    assert (entry.from_status, entry.to_status, entry.reason) == (
        current,
        S.WITHDRAWN,
        "case dropped",
    )
    assert entry.detail == {"mirrored": True}


def test_the_requested_side_takes_the_request_sent_again_as_the_information_supplied() -> None:
    request = requested(*REQUESTED_PATHS[S.MORE_INFO_REQUESTED])
    moved = request.apply_remote(
        status=S.SENT, actor_id="state:XA", now=LATER, reason="answers", detail={"a": 1}
    )
    assert moved is True
    assert request.status is S.INFO_SUPPLIED and request.remote_status is S.SENT
    entry = request.history[-1]
    assert (entry.from_status, entry.to_status) == (S.MORE_INFO_REQUESTED, S.INFO_SUPPLIED)
    assert entry.detail == {"a": 1, "mirrored": True} and entry.reason == "answers"


@pytest.mark.parametrize(
    ("current", "remote"),
    [
        (S.UNDER_ASSESSMENT, S.SENT),
        (S.RECEIVED, S.SENT),
        (S.MORE_INFO_REQUESTED, S.MORE_INFO_REQUESTED),
        (S.MORE_INFO_REQUESTED, S.INFO_SUPPLIED),
        (S.MORE_INFO_REQUESTED, S.UNDER_ASSESSMENT),
        (S.MORE_INFO_REQUESTED, S.EXPIRED),
        (S.RECEIVED, S.REGISTERED),
        (S.UNDER_ASSESSMENT, S.ACCEPTED),
        (S.CONDITIONS_PROPOSED, S.REFUSED),
        (S.ACCEPTED, S.IN_EXECUTION),
        (S.IN_EXECUTION, S.EXECUTED),
        (S.IN_EXECUTION, S.CLOSED),
    ],
)
def test_the_requested_side_mirrors_nothing_else(current: Status, remote: Status) -> None:
    request = requested(*REQUESTED_PATHS[current])
    history, events = list(request.history), list(request.events)
    assert request.apply_remote(status=remote, actor_id="state:XA", now=LATER) is False
    assert request.status is current and request.remote_status is remote
    assert request.history == history and request.events == events


def test_the_requested_side_does_not_mirror_a_withdrawal_once_the_request_has_ended() -> None:
    request = requested(*REQUESTED_PATHS[S.IN_EXECUTION], S.EXECUTED)
    assert request.apply_remote(status=S.WITHDRAWN, actor_id="state:XA", now=LATER) is False
    assert request.status is S.EXECUTED and request.remote_status is S.WITHDRAWN


# -- acknowledgement ------------------------------------------------------------------------


def test_the_requested_side_acknowledges_once_and_reports_the_seconds_it_took() -> None:
    request = requested()
    at = T0 + timedelta(minutes=12, seconds=30, milliseconds=900)
    request.acknowledge(actor_id="u-duty", now=at)
    assert request.acknowledged_at == at and request.acknowledged_by == "u-duty"
    assert request.updated_at == at
    assert request.events[-1] == RequestAcknowledged("u-duty", at, "req-1", 750)
    with pytest.raises(IllegalTransitionError):
        request.acknowledge(actor_id="u-other", now=at + timedelta(hours=1))
    assert request.acknowledged_at == at and request.acknowledged_by == "u-duty"
    assert sum(isinstance(e, RequestAcknowledged) for e in request.events) == 1


def test_the_requesting_side_cannot_acknowledge() -> None:
    request = requesting(*SENDING)
    with pytest.raises(IllegalTransitionError):
        request.acknowledge(actor_id="u-duty", now=LATER)
    assert request.acknowledged_at is None and request.acknowledged_by is None
    assert not any(isinstance(e, RequestAcknowledged) for e in request.events)


# -- the formal original of a copy sent ahead -----------------------------------------------


def test_the_original_of_a_copy_sent_ahead_is_recorded_once() -> None:
    request = requested(channel=Channel.COPY_AHEAD)
    assert request.context()["original_received"] is False
    request.original_received(actor_id="u-exec", now=LATER)
    assert request.original_received_at == LATER and request.updated_at == LATER
    assert request.events[-1] == OriginalReceived("u-exec", LATER, "req-1")
    assert request.context()["original_received"] is True
    events = len(request.events)
    again = LATER + timedelta(days=1)
    request.original_received(actor_id="u-exec", now=again)
    assert request.original_received_at == LATER and request.updated_at == LATER
    assert len(request.events) == events


def test_only_a_requested_copy_sent_ahead_awaits_an_original() -> None:
    not_ahead = requested(channel=Channel.CENTRAL_AUTHORITY)
    with pytest.raises(IllegalTransitionError):
        not_ahead.original_received(actor_id="u-exec", now=LATER)
    assert not_ahead.original_received_at is None
    ours = a_request(channel=Channel.COPY_AHEAD)
    with pytest.raises(IllegalTransitionError):
        ours.original_received(actor_id="u-exec", now=LATER)
    assert ours.original_received_at is None
    assert not any(isinstance(e, OriginalReceived) for e in (*not_ahead.events, *ours.events))


# -- history detail -------------------------------------------------------------------------


def test_a_step_keeps_its_detail_in_the_history() -> None:
    request = requested(S.REGISTERED, S.UNDER_ASSESSMENT)
    detail = {"questions": ["Which account?"], "limit_days": 30}
    request.move(to=S.MORE_INFO_REQUESTED, actor_id="u-exec", now=LATER, detail=detail)
    detail["questions"] = []
    detail["extra"] = True
    entry = request.history[-1]
    assert entry.to_status is S.MORE_INFO_REQUESTED
    assert entry.detail == {"questions": ["Which account?"], "limit_days": 30}


def test_a_step_without_detail_has_an_empty_detail() -> None:
    request = requested(S.REGISTERED)
    assert request.history[-1].detail == {}


# -- conditions accepted become obligations ---------------------------------------------------


def test_accepted_conditions_mirror_into_acceptance_and_become_obligations() -> None:
    request = requested(*REQUESTED_PATHS[S.UNDER_ASSESSMENT])
    request.move(
        to=S.CONDITIONS_PROPOSED,
        actor_id="executor",
        now=LATER,
        reason="On conditions",
        detail={"conditions": "No use in other proceedings without consent."},
    )
    assert request.obligations() == ()
    moved = request.apply_remote(status=S.ACCEPTED, actor_id="state:XA", now=LATER)
    assert moved is True and request.status is S.ACCEPTED
    (obligation,) = request.obligations()
    assert obligation.conditions == "No use in other proceedings without consent."
    assert obligation.accepted_at == LATER


def test_conditions_declined_or_replaced_bind_nobody() -> None:
    request = requested(*REQUESTED_PATHS[S.UNDER_ASSESSMENT])
    request.move(to=S.CONDITIONS_PROPOSED, actor_id="e", now=LATER, reason="Only if X")
    request.move(to=S.REFUSED, actor_id="e", now=LATER, reason="Conditions declined")
    assert request.obligations() == ()


def test_conditions_given_only_as_reasons_are_kept_as_the_obligation() -> None:
    request = requesting(*SENDING)
    request.apply_remote(status=S.CONDITIONS_PROPOSED, actor_id="state:XB", now=LATER,
                         reason="Speciality applies.")  # fmt: skip
    request.move(to=S.ACCEPTED, actor_id="approver", now=LATER)
    assert [o.conditions for o in request.obligations()] == ["Speciality applies."]
