"""Reliable delivery: backoff, the sender's message life, evidences and the receipt checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.domain.delivery import (
    NEGATIVE_STAGES,
    DeliveryStatus,
    MessageType,
    OutboundMessage,
    RetryPolicy,
    Stage,
    receipt_matches,
    receipt_payload,
    step_message_type,
)
from comity.domain.errors import IllegalTransitionError
from comity.domain.values import Side
from comity.domain.workflow import Status
from tests.builders import T0

POLICY = RetryPolicy()
SECOND = timedelta(seconds=1)


def a_message(**overrides: object) -> OutboundMessage:
    message = OutboundMessage(
        message_id="6f1c2b9e-0000-4000-8000-000000000001",
        recipient_state="XB",
        type=MessageType.REQUEST_SUBMIT,
        request_id="req-1",
        envelope=b"envelope-bytes",
        digest="ab" * 32,
        created_at=T0,
    )
    return replace(message, **overrides)  # type: ignore[arg-type]


# -- backoff --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [(0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (9, 256), (10, 300), (11, 300)],
)
def test_the_delay_doubles_from_the_first_delay_up_to_the_ceiling(
    attempts: int, expected: int
) -> None:
    assert POLICY.delay(attempts) == timedelta(seconds=expected)


def test_the_delay_follows_the_policy_it_is_given() -> None:
    policy = RetryPolicy(first_delay=timedelta(seconds=3), max_delay=timedelta(seconds=20))
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(seconds=3),
        timedelta(seconds=6),
        timedelta(seconds=12),
        timedelta(seconds=20),
    ]


@pytest.mark.parametrize("attempts", [31, 1_000, 10**9])
def test_a_huge_number_of_attempts_neither_overflows_nor_passes_the_ceiling(attempts: int) -> None:
    assert POLICY.delay(attempts) == POLICY.max_delay
    unbounded = RetryPolicy(max_delay=timedelta.max)
    assert unbounded.delay(attempts) == unbounded.delay(attempts + 1) < timedelta.max


# -- the message's life ---------------------------------------------------------------------


def test_a_new_message_is_pending() -> None:
    message = a_message()
    assert message.status is DeliveryStatus.PENDING and not message.is_terminal
    assert message.attempts == 0 and message.finished_at is None


def test_an_acknowledged_message_is_delivered_and_keeps_its_receipt() -> None:
    message = a_message(next_attempt_at=T0 + SECOND)
    stage = message.acknowledged(now=T0 + timedelta(minutes=1), receipt="signed-receipt")
    assert stage is Stage.DELIVERED
    assert message.status is DeliveryStatus.ACKNOWLEDGED and message.is_terminal
    assert message.receipt == "signed-receipt"
    assert message.finished_at == T0 + timedelta(minutes=1)
    assert message.next_attempt_at is None


def test_a_rejected_message_is_not_delivered_and_records_the_code() -> None:
    message = a_message(next_attempt_at=T0 + SECOND)
    stage = message.rejected(now=T0 + SECOND, code="SCHEMA_INVALID", receipt="signed-no")
    assert stage is Stage.NOT_DELIVERED and stage in NEGATIVE_STAGES
    assert message.status is DeliveryStatus.REJECTED and message.is_terminal
    assert message.last_error == "SCHEMA_INVALID" and message.receipt == "signed-no"
    assert message.finished_at == T0 + SECOND and message.next_attempt_at is None


def test_a_rejection_may_come_without_a_signed_receipt() -> None:
    message = a_message()
    message.rejected(now=T0, code="UNKNOWN_SENDER", receipt=None)
    assert message.receipt is None and message.status is DeliveryStatus.REJECTED


def test_relay_accepted_is_reported_the_first_time_the_receiver_answers_only() -> None:
    message = a_message()
    assert message.relayed(now=T0 + SECOND) is Stage.RELAY_ACCEPTED
    assert message.relayed(now=T0 + 2 * SECOND) is None
    assert message.relayed_at == T0 + SECOND
    assert message.status is DeliveryStatus.PENDING


def test_a_failed_attempt_schedules_the_next_one_after_the_backoff() -> None:
    message = a_message()
    now = T0 + timedelta(minutes=1)
    assert message.attempt_failed(now=now, error="connect timeout", policy=POLICY) is None
    assert message.attempts == 1 and message.last_error == "connect timeout"
    assert message.next_attempt_at == now + POLICY.delay(1)
    later = now + timedelta(minutes=1)
    assert message.attempt_failed(now=later, error="503", policy=POLICY) is None
    assert message.attempts == 2 and message.last_error == "503"
    assert message.next_attempt_at == later + POLICY.delay(2)
    assert message.status is DeliveryStatus.PENDING


def test_the_last_error_is_truncated_to_500_characters() -> None:
    message = a_message()
    message.attempt_failed(now=T0, error="x" * 600, policy=POLICY)
    assert message.last_error == "x" * 500
    rejected = a_message()
    rejected.rejected(now=T0, code="y" * 501, receipt=None)
    assert rejected.last_error == "y" * 500
    given_up = a_message()
    given_up.attempt_failed(now=T0 + POLICY.relay_timeout, error="z" * 700, policy=POLICY)
    assert given_up.last_error == "z" * 500


def test_a_message_never_relayed_fails_at_the_relay_timeout() -> None:
    message = a_message()
    just_before = T0 + POLICY.relay_timeout - SECOND
    assert message.attempt_failed(now=just_before, error="refused", policy=POLICY) is None
    at_limit = T0 + POLICY.relay_timeout
    assert message.attempt_failed(now=at_limit, error="refused", policy=POLICY) is (
        Stage.RELAY_FAILED
    )
    assert message.status is DeliveryStatus.SEND_FAILURE and message.is_terminal
    assert message.finished_at == at_limit and message.next_attempt_at is None
    assert message.attempts == 2


def test_a_message_never_relayed_still_fails_as_relay_failed_after_the_delivery_timeout() -> None:
    message = a_message()
    stage = message.attempt_failed(now=T0 + POLICY.delivery_timeout, error="refused", policy=POLICY)
    assert stage is Stage.RELAY_FAILED


def test_a_relayed_message_never_delivered_fails_at_the_delivery_timeout() -> None:
    message = a_message()
    message.relayed(now=T0 + SECOND)
    past_relay = T0 + POLICY.relay_timeout + SECOND
    assert message.attempt_failed(now=past_relay, error="held", policy=POLICY) is None
    assert not message.is_terminal
    just_before = T0 + POLICY.delivery_timeout - SECOND
    assert message.attempt_failed(now=just_before, error="held", policy=POLICY) is None
    at_limit = T0 + POLICY.delivery_timeout
    stage = message.attempt_failed(now=at_limit, error="held: stale directory", policy=POLICY)
    assert stage is Stage.NOT_DELIVERED
    assert message.status is DeliveryStatus.SEND_FAILURE
    assert message.last_error == "held: stale directory"
    assert message.finished_at == at_limit and message.next_attempt_at is None


Outcome = Callable[[OutboundMessage], None]


def _acknowledge(message: OutboundMessage) -> None:
    message.acknowledged(now=T0 + timedelta(days=3), receipt="late-yes")


def _reject(message: OutboundMessage) -> None:
    message.rejected(now=T0 + timedelta(days=3), code="LATE", receipt="late-no")


def _fail(message: OutboundMessage) -> None:
    message.attempt_failed(now=T0 + timedelta(days=3), error="late error", policy=POLICY)


def _fail_within_limits(message: OutboundMessage) -> None:
    message.attempt_failed(now=T0 + timedelta(minutes=1), error="late error", policy=POLICY)


def _relay_failed(message: OutboundMessage) -> None:
    message.attempt_failed(now=T0 + POLICY.relay_timeout, error="never", policy=POLICY)


def _not_delivered(message: OutboundMessage) -> None:
    message.relayed(now=T0)
    message.attempt_failed(now=T0 + POLICY.delivery_timeout, error="held", policy=POLICY)


def _acknowledged(message: OutboundMessage) -> None:
    message.acknowledged(now=T0, receipt="yes")


def _rejected(message: OutboundMessage) -> None:
    message.rejected(now=T0, code="NO", receipt="no")


@pytest.mark.parametrize(
    "end", [_acknowledged, _rejected, _relay_failed, _not_delivered], ids=lambda f: f.__name__
)
@pytest.mark.parametrize(
    "late", [_acknowledge, _reject, _fail, _fail_within_limits], ids=lambda f: f.__name__
)
def test_a_terminal_state_is_final_and_a_later_outcome_changes_nothing(
    end: Outcome, late: Outcome
) -> None:
    message = a_message()
    end(message)
    assert message.is_terminal
    before = replace(message)
    with pytest.raises(IllegalTransitionError):
        late(message)
    assert message == before


def test_a_late_positive_receipt_never_overrides_a_negative_evidence() -> None:
    message = a_message()
    assert message.attempt_failed(now=T0 + POLICY.relay_timeout, error="x", policy=POLICY) in (
        NEGATIVE_STAGES
    )
    with pytest.raises(IllegalTransitionError):
        message.acknowledged(now=T0 + POLICY.relay_timeout + SECOND, receipt="late")
    assert message.status is DeliveryStatus.SEND_FAILURE and message.receipt is None


OUTCOMES = st.lists(
    st.one_of(
        st.tuples(st.just("fail"), st.integers(min_value=0, max_value=60 * 60 * 30)),
        st.tuples(st.sampled_from(["ack", "reject", "relay"]), st.integers(0, 60 * 60 * 30)),
    ),
    max_size=25,
)


@given(OUTCOMES)
def test_once_terminal_the_status_never_changes_and_one_terminal_stage_is_returned(
    outcomes: list[tuple[str, int]],
) -> None:
    message = a_message()
    now = T0
    terminal_stages: list[Stage] = []
    final: DeliveryStatus | None = None
    for kind, seconds in outcomes:
        now += timedelta(seconds=seconds)
        was_terminal = message.is_terminal
        stage: Stage | None = None
        try:
            if kind == "fail":
                stage = message.attempt_failed(now=now, error="e", policy=POLICY)
            elif kind == "ack":
                stage = message.acknowledged(now=now, receipt="r")
            elif kind == "reject":
                stage = message.rejected(now=now, code="c", receipt="r")
            else:
                stage = message.relayed(now=now)
        except IllegalTransitionError:
            assert was_terminal and kind != "relay"
        else:
            assert not was_terminal or kind == "relay"
        if stage is not None and stage is not Stage.RELAY_ACCEPTED:
            terminal_stages.append(stage)
        if final is not None:
            assert message.status is final
        elif message.is_terminal:
            final = message.status
        assert (message.finished_at is not None) == message.is_terminal
    assert len(terminal_stages) == (1 if message.is_terminal else 0)


# -- which message tells the other State of a step ------------------------------------------

S = Status
DECISIONS = [S.ACCEPTED, S.ACCEPTED_IN_PART, S.POSTPONED, S.CONDITIONS_PROPOSED, S.REFUSED]


@pytest.mark.parametrize(
    ("previous", "to", "expected"),
    [
        (S.UNDER_ASSESSMENT, S.MORE_INFO_REQUESTED, MessageType.REQUEST_INFO_REQUEST),
        *[(S.UNDER_ASSESSMENT, to, MessageType.REQUEST_DECISION) for to in DECISIONS],
        (S.CONDITIONS_PROPOSED, S.ACCEPTED, MessageType.REQUEST_DECISION),
        (S.CONDITIONS_PROPOSED, S.REFUSED, MessageType.REQUEST_DECISION),
        (S.RECEIVED, S.REGISTERED, MessageType.REQUEST_STATUS),
        (S.REGISTERED, S.UNDER_ASSESSMENT, MessageType.REQUEST_STATUS),
        (S.INFO_SUPPLIED, S.UNDER_ASSESSMENT, MessageType.REQUEST_STATUS),
        (S.ACCEPTED, S.IN_EXECUTION, MessageType.REQUEST_STATUS),
        (S.IN_EXECUTION, S.EXECUTED, MessageType.REQUEST_STATUS),
        (S.IN_EXECUTION, S.EXPIRED, MessageType.REQUEST_STATUS),
        (S.EXECUTED, S.CLOSED, MessageType.REQUEST_STATUS),
        # The requested side never withdraws; a mirrored withdrawal is not "request.withdraw".
        (S.REGISTERED, S.WITHDRAWN, MessageType.REQUEST_STATUS),
        (S.MORE_INFO_REQUESTED, S.INFO_SUPPLIED, MessageType.REQUEST_STATUS),
    ],
)
def test_a_step_on_the_requested_side_travels_as(
    previous: Status, to: Status, expected: MessageType
) -> None:
    assert step_message_type(Side.REQUESTED, previous, to) is expected


@pytest.mark.parametrize(
    ("previous", "to", "expected"),
    [
        *[
            (previous, S.WITHDRAWN, MessageType.REQUEST_WITHDRAW)
            for previous in (S.SENT, S.MORE_INFO_REQUESTED, S.ACCEPTED, S.IN_EXECUTION)
        ],
        (S.MORE_INFO_REQUESTED, S.SENT, MessageType.REQUEST_INFO_RESPONSE),
        (S.APPROVED, S.SENT, MessageType.REQUEST_STATUS),
        (S.SENT, S.MORE_INFO_REQUESTED, MessageType.REQUEST_STATUS),
        *[(S.SENT, to, MessageType.REQUEST_STATUS) for to in DECISIONS],
        (S.ACCEPTED, S.IN_EXECUTION, MessageType.REQUEST_STATUS),
        (S.EXECUTED, S.CLOSED, MessageType.REQUEST_STATUS),
        (S.SENT, S.EXPIRED, MessageType.REQUEST_STATUS),
    ],
)
def test_a_step_on_the_requesting_side_travels_as(
    previous: Status, to: Status, expected: MessageType
) -> None:
    assert step_message_type(Side.REQUESTING, previous, to) is expected


# -- receipts -------------------------------------------------------------------------------


def a_receipt(stage: Stage = Stage.DELIVERED, **overrides: Any) -> dict[str, object]:
    message = a_message()
    receipt = receipt_payload(
        stage=stage,
        message_id=message.message_id,
        sender_state="XA",
        recipient_state=message.recipient_state,
        message_type=str(message.type),
        envelope_digest=message.digest,
        at=T0,
    )
    receipt.update(overrides)
    return receipt


def test_a_receipt_payload_binds_the_stage_to_the_message_its_parties_and_its_bytes() -> None:
    payload = receipt_payload(
        stage=Stage.NOT_DELIVERED,
        message_id="m-1",
        sender_state="XA",
        recipient_state="XB",
        message_type="request.status",
        envelope_digest="cd" * 32,
        at=T0,
        code="SCHEMA_INVALID",
    )
    assert payload == {
        "v": 1,
        "stage": "not_delivered",
        "message_id": "m-1",
        "sender_state": "XA",
        "recipient_state": "XB",
        "type": "request.status",
        "envelope_sha256": "cd" * 32,
        "at": "2026-03-01T09:00:00+00:00",
        "code": "SCHEMA_INVALID",
        "status": "",
    }
    assert type(payload["stage"]) is str


def test_a_receipt_can_say_where_the_receivers_copy_stands() -> None:
    payload = receipt_payload(
        stage=Stage.DELIVERED,
        message_id="m-1",
        sender_state="XA",
        recipient_state="XB",
        message_type="request.decision",
        envelope_digest="cd" * 32,
        at=T0,
        status="accepted",
    )
    assert payload["status"] == "accepted"


def test_a_receipt_payload_has_an_empty_code_by_default() -> None:
    assert a_receipt()["code"] == ""


@pytest.mark.parametrize("stage", [Stage.DELIVERED, Stage.NOT_DELIVERED])
def test_a_receipt_for_exactly_this_message_matches(stage: Stage) -> None:
    assert receipt_matches(a_receipt(stage), a_message(), "XA")


@pytest.mark.parametrize(
    "overrides",
    [
        {"message_id": "6f1c2b9e-0000-4000-8000-000000000002"},
        {"envelope_sha256": "ef" * 32},
        {"sender_state": "XC"},
        {"recipient_state": "XC"},
        {"stage": "relay_accepted"},
        {"stage": "submission_accepted"},
        {"stage": "retrieved"},
        {"stage": "relay_failed"},
    ],
    ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()),
)
def test_a_receipt_for_another_message_party_bytes_or_stage_does_not_match(
    overrides: dict[str, Any],
) -> None:
    assert not receipt_matches(a_receipt(**overrides), a_message(), "XA")


@pytest.mark.parametrize(
    "member", ["message_id", "envelope_sha256", "sender_state", "recipient_state", "stage"]
)
def test_a_receipt_missing_a_binding_member_does_not_match(member: str) -> None:
    receipt = a_receipt()
    del receipt[member]
    assert not receipt_matches(receipt, a_message(), "XA")


def test_a_receipt_is_checked_against_the_sender_the_caller_names() -> None:
    assert not receipt_matches(a_receipt(), a_message(), "XB")
