"""How the sender's relay reads every kind of answer (security-test-plan INV-3, INV-4).

Only a receipt signed by the recipient State's key, over this message's id and the digest of
its exact bytes, acknowledges a message; only a signed negative answer rejects it; anything
else is retried until a stage time limit ends the message, and an ended message never changes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from comity.domain.delivery import RECEIPT_TYP, DeliveryStatus, RetryPolicy, Stage, receipt_payload
from comity.domain.directory import StateEntry
from comity.services import delivery, exchange, requests
from comity.services.transport_ports import PeerAnswer
from tests.federation_harness import FedNode
from tests.integration.test_federation import approved


class ScriptedPeer:
    """Answers each delivery attempt with the next scripted answer."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.sent: list[bytes] = []

    def deliver(self, recipient: StateEntry, envelope: bytes) -> PeerAnswer:
        self.sent.append(envelope)
        answer = self.answers.pop(0)
        return answer(envelope) if callable(answer) else answer


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def with_peer(node: FedNode, peer: ScriptedPeer, clock: Clock, **policy: Any) -> None:
    federation = node.ctx.federation
    assert federation is not None
    node.container.services = replace(
        node.ctx,
        clock=clock,
        federation=replace(federation, peers=peer, retry=RetryPolicy(**policy)),
    )


def one_message(node: FedNode) -> Any:
    request_id = approved(node)
    exchange.send(node.ctx, actor=node.people["approver"], request_id=request_id)
    with node.ctx.uow() as uow:
        (message,) = uow.outbox.due(now=datetime.now(UTC) + timedelta(days=400), limit=10)
    return request_id, message


def signed_by(node: FedNode, message: Any, *, stage: Stage = Stage.DELIVERED, **change: Any):
    """A receipt for ``message`` signed by ``node``'s key, optionally altered."""
    payload = receipt_payload(
        stage=stage,
        message_id=message.message_id,
        sender_state="XA",
        recipient_state=message.recipient_state,
        message_type=str(message.type),
        envelope_digest=message.digest,
        at=datetime.now(UTC),
        code="" if stage is Stage.DELIVERED else "NOT_FOUND",
        status="received",
    )
    payload.update(change)
    return node.ctx.federation.envelopes.sign(payload, typ=RECEIPT_TYP)


def outcome(node: FedNode, message_id: str) -> Any:
    with node.ctx.uow() as uow:
        return uow.outbox.get(message_id)


def stages(node: FedNode, request_id: str) -> list[Stage]:
    view = requests.get(node.ctx, actor=node.people["drafter"], request_id=request_id)
    return [evidence.stage for evidence in view.evidences]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda n, m: signed_by(n["XC"], m), id="signed-by-another-state"),
        pytest.param(
            lambda n, m: signed_by(n["XB"], m, envelope_sha256="0" * 64), id="other-bytes"
        ),
        pytest.param(lambda n, m: signed_by(n["XB"], m, message_id="another"), id="other-message"),
        pytest.param(lambda n, m: signed_by(n["XB"], m, sender_state="XC"), id="other-sender"),
        pytest.param(lambda n, m: "not.a.receipt", id="garbage"),
    ],
)
def test_a_receipt_that_does_not_bind_this_message_acknowledges_nothing(nodes, forge) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, message = one_message(xa)
    clock = Clock(datetime.now(UTC))
    bad = PeerAnswer("delivered", signed=forge(nodes, message))
    good = PeerAnswer("delivered", signed=signed_by(xb, message))
    peer = ScriptedPeer(bad, good)
    with_peer(xa, peer, clock)
    delivery.deliver_due(xa.ctx)
    failed = outcome(xa, message.message_id)
    assert failed.status is DeliveryStatus.PENDING
    assert failed.last_error.startswith("RECEIPT_INVALID")
    clock.at += timedelta(minutes=10)
    delivery.deliver_due(xa.ctx)
    assert outcome(xa, message.message_id).status is DeliveryStatus.ACKNOWLEDGED
    # The retry carried the very same bytes (INV-3).
    assert peer.sent[0] == peer.sent[1] == message.envelope
    assert stages(xa, request_id).count(Stage.DELIVERED) == 1


def test_an_unsigned_refusal_is_retried_and_a_signed_one_is_final(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, message = one_message(xa)
    clock = Clock(datetime.now(UTC))
    unsigned = PeerAnswer("unreachable", code="SIG_INVALID", detail="says who?")
    signed_refusal = PeerAnswer(
        "rejected", signed=signed_by(xb, message, stage=Stage.NOT_DELIVERED), code="NOT_FOUND"
    )
    late_receipt = PeerAnswer("delivered", signed=signed_by(xb, message))
    peer = ScriptedPeer(unsigned, signed_refusal, late_receipt)
    with_peer(xa, peer, clock)
    delivery.deliver_due(xa.ctx)
    assert outcome(xa, message.message_id).status is DeliveryStatus.PENDING
    clock.at += timedelta(minutes=10)
    delivery.deliver_due(xa.ctx)
    rejected = outcome(xa, message.message_id)
    assert rejected.status is DeliveryStatus.REJECTED and rejected.last_error == "NOT_FOUND"
    # A rejected message is never sent again, so no later receipt can revive it (INV-4).
    clock.at += timedelta(hours=1)
    assert delivery.deliver_due(xa.ctx) == 0
    assert len(peer.sent) == 2
    assert stages(xa, request_id)[-1] is Stage.NOT_DELIVERED


def test_no_answer_until_the_relay_time_limit_ends_in_relay_failed(nodes) -> None:
    xa = nodes["XA"]
    request_id, message = one_message(xa)
    clock = Clock(message.created_at)
    silent = PeerAnswer("unreachable", code="UNREACHABLE", detail="ConnectError")
    peer = ScriptedPeer(*[silent] * 10)
    with_peer(xa, peer, clock, relay_timeout=timedelta(minutes=30))
    for minutes in (1, 5, 20, 31):
        clock.at = message.created_at + timedelta(minutes=minutes)
        delivery.deliver_due(xa.ctx)
    ended = outcome(xa, message.message_id)
    assert ended.status is DeliveryStatus.SEND_FAILURE
    assert ended.attempts == 4 and len(peer.sent) == 4
    assert stages(xa, request_id)[-1] is Stage.RELAY_FAILED
    clock.at += timedelta(days=1)
    assert delivery.deliver_due(xa.ctx) == 0


def test_a_message_held_past_the_delivery_limit_ends_not_delivered(nodes) -> None:
    xa = nodes["XA"]
    request_id, message = one_message(xa)
    clock = Clock(message.created_at)
    held = PeerAnswer("held", code="TRUST_STALE", detail="directory past its next update")
    peer = ScriptedPeer(*[held] * 10)
    with_peer(
        xa, peer, clock, relay_timeout=timedelta(minutes=10), delivery_timeout=timedelta(hours=1)
    )
    for minutes in (1, 30, 61):
        clock.at = message.created_at + timedelta(minutes=minutes)
        delivery.deliver_due(xa.ctx)
    ended = outcome(xa, message.message_id)
    assert ended.status is DeliveryStatus.SEND_FAILURE
    found = stages(xa, request_id)
    # The node answered (relay accepted, once), but never registered the message.
    assert found.count(Stage.RELAY_ACCEPTED) == 1
    assert found[-1] is Stage.NOT_DELIVERED


def test_retries_back_off_exponentially_up_to_the_ceiling(nodes) -> None:
    xa = nodes["XA"]
    _, message = one_message(xa)
    clock = Clock(message.created_at)
    silent = PeerAnswer("unreachable", code="UNREACHABLE")
    with_peer(
        xa,
        ScriptedPeer(*[silent] * 6),
        clock,
        first_delay=timedelta(seconds=2),
        max_delay=timedelta(seconds=10),
    )
    waits = []
    for _ in range(5):
        delivery.deliver_due(xa.ctx)
        pending = outcome(xa, message.message_id)
        waits.append((pending.next_attempt_at - clock.at).total_seconds())
        # Not due yet: nothing is sent before the wait is over.
        assert delivery.deliver_due(xa.ctx) == 0
        clock.at = pending.next_attempt_at
    assert waits == [2, 4, 8, 10, 10]


def test_unsigned_or_forged_answers_never_count_as_relayed(nodes) -> None:
    """R-10, R-11: an answer that does not verify (a forged receipt, a signal signed by the
    wrong State, plain text) is not proof that the receiver got the message: no relay
    evidence, and the relay time limit ends the message in ``relay_failed``."""
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, message = one_message(xa)
    clock = Clock(message.created_at)
    forged = [
        PeerAnswer("delivered", signed="not.a.signature", code=""),
        PeerAnswer("rejected", signed=signed_by(xa, message, stage=Stage.NOT_DELIVERED)),
        PeerAnswer("delivered", signed=signed_by(xb, message, envelope_sha256="0" * 64)),
        PeerAnswer("delivered", signed=None),
    ]
    peer = ScriptedPeer(*forged)
    with_peer(xa, peer, clock, relay_timeout=timedelta(minutes=30))
    for minutes in (1, 5, 20, 31):
        clock.at = message.created_at + timedelta(minutes=minutes)
        delivery.deliver_due(xa.ctx)
    assert len(peer.sent) == 4
    found = stages(xa, request_id)
    assert Stage.RELAY_ACCEPTED not in found and Stage.DELIVERED not in found
    assert found[-1] is Stage.RELAY_FAILED
    assert outcome(xa, message.message_id).status is DeliveryStatus.SEND_FAILURE
