"""Two and three real nodes exchanging requests through their federation endpoints.

Each node has its own database, keys and directory; messages go through the recipient's real
federation application with real RFC 9421 signatures and envelope v1, in this process.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from comity.crypto.http_signatures import MESSAGES_PATH
from comity.domain.access import Action
from comity.domain.commands import CreateDraft, MoveRequest
from comity.domain.delivery import DeliveryStatus, MessageType, Stage
from comity.domain.errors import IllegalTransitionError, TrustStaleError
from comity.domain.messages import Message, StepBody
from comity.domain.values import Channel, Side, Urgency
from comity.domain.workflow import Status
from comity.services import delivery, exchange, requests
from comity.services.demo import example_mla_fields, example_preservation_fields
from comity.services.outgoing import trusted_directory
from comity.store.tables import audit_leaf, cooperation_request, inbox_message, quarantine_record
from tests.federation_harness import FedNode


def approved(node: FedNode, *, type_code: str = "mla", **fields: Any) -> str:
    """An approved request of ``node`` to XB."""
    ctx, people = node.ctx, node.people
    view = requests.create_draft(
        ctx,
        actor=people["drafter"],
        command=CreateDraft(
            type_code=type_code,
            requested_state="XB",
            fields=fields or example_mla_fields("XA"),
            urgency=Urgency.EMERGENCY if type_code == "preservation" else None,
        ),
    )
    requests.submit(ctx, actor=people["drafter"], request_id=view.request.id)
    requests.approve(ctx, actor=people["approver"], request_id=view.request.id)
    return view.request.id


def relay(*nodes: FedNode) -> None:
    """Run every node's relay until nothing is due."""
    for _ in range(10):
        if sum(delivery.deliver_due(node.ctx) for node in nodes) == 0:
            return


def rows(node: FedNode, table: Any, *where: Any) -> int:
    engine = node.container.engine
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def the_copy(node: FedNode, exchange_id: str) -> Any:
    with node.ctx.uow() as uow:
        return uow.requests.by_exchange("XA", exchange_id)


def test_a_sent_request_arrives_once_with_a_receipt_bound_to_its_bytes(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    sent = exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    assert sent.request.status is Status.SENT
    relay(xa)
    copy = the_copy(xb, request_id)
    assert copy is not None and copy.side is Side.REQUESTED and copy.status is Status.RECEIVED
    assert copy.fields == sent.request.fields
    with xa.ctx.uow() as uow:
        (outbound,) = [m for m in [uow.outbox.get(m) for m in _message_ids(xa)] if m]
    assert outbound.status is DeliveryStatus.ACKNOWLEDGED
    receipt = xa.ctx.federation.envelopes.verify(
        outbound.receipt,
        trusted_directory(xa.ctx, datetime.now(UTC)),
        state="XB",
        typ="comity-receipt/1",
    )
    assert receipt["envelope_sha256"] == outbound.digest
    assert receipt["stage"] == "delivered"
    view = requests.get(xa.ctx, actor=xa.people["drafter"], request_id=request_id)
    stages = [e.stage for e in view.evidences]
    assert stages == [Stage.SUBMISSION_ACCEPTED, Stage.RELAY_ACCEPTED, Stage.DELIVERED]
    # The requested State's officer opens it: retrieval, recorded once on both sides.
    for _ in range(2):
        exchange.retrieve(xb.ctx, actor=xb.people["executor"], request_id=copy.id)
    relay(xb)
    theirs = requests.get(xb.ctx, actor=xb.people["executor"], request_id=copy.id)
    assert [e.stage for e in theirs.evidences].count(Stage.RETRIEVED) == 1
    mine = requests.get(xa.ctx, actor=xa.people["drafter"], request_id=request_id)
    retrieved = [e for e in mine.evidences if e.stage is Stage.RETRIEVED]
    assert len(retrieved) == 1 and retrieved[0].message_type == "request.submit"
    assert mine.request.remote_status is Status.RECEIVED


def _message_ids(node: FedNode) -> list[str]:
    from comity.store.tables import outbox_message

    with node.container.engine.connect() as connection:
        return list(connection.scalars(select(outbox_message.c.message_id)))


def test_the_24_7_forms_go_to_the_point_of_contact(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(
        xa,
        type_code="preservation",
        **example_preservation_fields("XA"),
        emergency_facts="A ransomware gang threatens to publish hospital records tomorrow.",
        emergency_nexus="The logs identify the server the gang uses.",
    )
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy = the_copy(xb, request_id)
    with xb.ctx.uow() as uow:
        authority = uow.authorities.get(copy.authority_id)
    assert authority is not None and authority.code == "poc247"
    view = exchange.acknowledge(xb.ctx, actor=xb.people["duty"], request_id=copy.id)
    assert view.request.acknowledged_at is not None
    relay(xb)
    mine = requests.get(xa.ctx, actor=xa.people["drafter"], request_id=request_id).request
    assert mine.acknowledged_at is not None


def test_both_sides_agree_through_a_whole_mutual_legal_assistance(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    theirs = the_copy(xb, request_id).id
    executor = xb.people["executor"]

    def step(to: Status, reason: str = "", **detail: Any) -> None:
        requests.process(xb.ctx, actor=executor, command=MoveRequest(theirs, to, reason, detail))
        relay(xb)

    step(Status.REGISTERED)
    step(Status.UNDER_ASSESSMENT)
    step(Status.MORE_INFO_REQUESTED, "Which accounts exactly?")
    assert _status(xa, request_id) is Status.MORE_INFO_REQUESTED
    exchange.supply_information(
        xa.ctx, actor=xa.people["drafter"], request_id=request_id, answers="The two listed."
    )
    relay(xa)
    assert _copy_status(xb, request_id) is Status.INFO_SUPPLIED
    step(Status.UNDER_ASSESSMENT)
    step(Status.ACCEPTED)
    step(Status.IN_EXECUTION)
    step(Status.EXECUTED, "Subscriber records produced")
    assert _status(xa, request_id) is Status.EXECUTED
    # XA's mirrored step sent nothing back, but XA's receipt told XB where XA's copy stands.
    assert the_copy(xb, request_id).remote_status is Status.EXECUTED
    exchange.close(xa.ctx, actor=xa.people["drafter"], request_id=request_id)
    relay(xa)
    step(Status.CLOSED)
    mine = requests.get(xa.ctx, actor=xa.people["drafter"], request_id=request_id).request
    copy = the_copy(xb, request_id)
    # Each side knows the other's status exactly.
    assert mine.remote_status is copy.status is Status.CLOSED
    assert copy.remote_status is mine.status is Status.CLOSED
    mirrored = [h for h in mine.history if h.detail.get("mirrored")]
    assert [h.to_status for h in mirrored] == [
        Status.MORE_INFO_REQUESTED,
        Status.ACCEPTED,
        Status.IN_EXECUTION,
        Status.EXECUTED,
    ]


def _status(node: FedNode, request_id: str) -> Status:
    return requests.get(
        node.ctx, actor=node.people["drafter"], request_id=request_id
    ).request.status


def _copy_status(node: FedNode, exchange_id: str) -> Status:
    return the_copy(node, exchange_id).status


def test_duplicates_in_random_order_have_one_effect_each(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    peers = xa.ctx.federation.peers
    ids = [approved(xa) for _ in range(6)]
    for request_id in ids:
        exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    with xa.container.engine.connect() as connection:
        from comity.store.tables import outbox_message

        envelopes = [
            row[0].encode() for row in connection.execute(select(outbox_message.c.envelope))
        ]
    deliveries = [e for e in envelopes for _ in range(random.randint(1, 5))]
    random.Random(7).shuffle(deliveries)
    answers = [peers.post("XB", envelope) for envelope in deliveries]
    assert all(answer.status_code == 200 for answer in answers)
    receipts: dict[bytes, set[str]] = {}
    for envelope, answer in zip(deliveries, answers, strict=True):
        receipts.setdefault(envelope, set()).add(answer.json()["receipt"])
    # Every copy of a message got the very same receipt back.
    assert all(len(found) == 1 for found in receipts.values())
    assert rows(xb, cooperation_request) == 6
    assert rows(xb, inbox_message) == 6
    assert sum(1 for a in answers if a.json()["duplicate"]) == len(deliveries) - 6


def test_the_same_message_id_with_other_bytes_is_a_conflict(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    fed = xa.ctx.federation
    directory = trusted_directory(xa.ctx, datetime.now(UTC))
    (message_id,) = _message_ids(xa)
    again = Message(
        message_id=message_id,
        sender_state="XA",
        recipient_state="XB",
        type=MessageType.REQUEST_STATUS,
        created_at=datetime.now(UTC),
        profile="ahc-2022-proposal",
        body=StepBody(exchange_id=request_id, status=Status.WITHDRAWN, reason="x"),
    )
    envelope = fed.envelopes.seal(fed.codec.encode(again), directory.state("XB"))
    answer = fed.peers.post("XB", envelope)
    assert answer.status_code == 409 and answer.json()["code"] == "MSGID_CONFLICT"
    assert _copy_status(xb, request_id) is Status.RECEIVED
    assert rows(xb, quarantine_record, quarantine_record.c.code == "MSGID_CONFLICT") == 1


def test_tampered_envelopes_are_quarantined_and_nothing_else_is_stored(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    with xa.container.engine.connect() as connection:
        from comity.store.tables import outbox_message

        envelope = connection.scalar(select(outbox_message.c.envelope)).encode()
    parts = envelope.split(b".")
    flipped = bytearray(parts[3])
    flipped[10] = ord("A") if flipped[10] != ord("A") else ord("B")
    tampered = b".".join([*parts[:3], bytes(flipped), parts[4]])
    audit_before = rows(xb, audit_leaf)
    answer = xa.ctx.federation.peers.post("XB", tampered)
    assert answer.status_code == 422 and answer.json()["code"] == "DECRYPT_FAILED"
    assert "signal" not in answer.json()
    assert rows(xb, cooperation_request) == 0
    assert rows(xb, inbox_message) == 0
    assert rows(xb, quarantine_record, quarantine_record.c.code == "DECRYPT_FAILED") == 1
    assert rows(xb, audit_leaf) == audit_before + 1


def a_status_message(sender: str = "XA", recipient: str = "XB") -> Message:
    """A well-formed ``request.status`` about an exchange nobody knows."""
    return Message(
        message_id=str(uuid.uuid4()),
        sender_state=sender,
        recipient_state=recipient,
        type=MessageType.REQUEST_STATUS,
        created_at=datetime.now(UTC),
        profile="ahc-2022-proposal",
        body=StepBody(exchange_id="x", status=Status.SENT),
    )


def test_a_state_cannot_send_in_another_states_name(nodes) -> None:
    xb, xc = nodes["XB"], nodes["XC"]
    fed = xc.ctx.federation
    directory = trusted_directory(xc.ctx, datetime.now(UTC))
    forged = a_status_message("XA", "XB")  # signed by XC's node
    envelope = fed.envelopes.seal(fed.codec.encode(forged), directory.state("XB"))
    answer = fed.peers.post("XB", envelope)
    assert answer.json()["code"] == "SIGNER_UNTRUSTED"
    assert rows(xb, quarantine_record) == 1


def test_an_envelope_for_another_state_is_refused(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    fed = xa.ctx.federation
    directory = trusted_directory(xa.ctx, datetime.now(UTC))
    message = a_status_message("XA", "XC")
    # Encrypted to XB's key, but addressed to XC inside.
    envelope = fed.envelopes.seal(fed.codec.encode(message), directory.state("XB"))
    answer = fed.peers.post("XB", envelope)
    assert answer.json()["code"] == "WRONG_RECIPIENT"
    assert rows(xb, inbox_message) == 0


def test_a_replayed_http_signature_and_a_skewed_clock_are_refused(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    peers = xa.ctx.federation.peers
    (message_id,) = _message_ids(xa)
    with xa.ctx.uow() as uow:
        envelope = uow.outbox.get(message_id).envelope
    url = xb.settings.public_endpoint + MESSAGES_PATH
    headers = peers.signer.headers(url=url, body=envelope, now=datetime.now(UTC))
    assert peers.post("XB", envelope, headers).status_code == 200
    replayed = peers.post("XB", envelope, headers)
    assert replayed.status_code == 409 and replayed.json()["code"] == "REPLAY"
    skewed = peers.signer.headers(
        url=url, body=envelope, now=datetime.now(UTC) - timedelta(hours=1)
    )
    answer = peers.post("XB", envelope, skewed)
    assert answer.status_code == 422 and answer.json()["code"] == "CLOCK_SKEW"
    unsigned = peers.post("XB", envelope, {"content-type": "application/jose"})
    assert unsigned.json()["code"] == "POLICY_VIOLATION"
    assert rows(xb, cooperation_request) == 1


def test_a_stale_directory_holds_messages_and_they_leave_once_it_is_renewed(
    nodes, tmp_path: Path
) -> None:
    from tests.federation_harness import sign_and_install

    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    later = datetime.now(UTC) + timedelta(days=40)
    for node in (xa, xb):
        node.container.services = replace(node.ctx, clock=_Frozen(later))
    with pytest.raises(TrustStaleError):
        delivery.deliver_due(xa.ctx)
    assert rows(xb, cooperation_request) == 0
    # Held, not dropped: the message is still pending at the sender.
    (message_id,) = _message_ids(xa)
    with xa.ctx.uow() as uow:
        assert uow.outbox.get(message_id).status is DeliveryStatus.PENDING
    # A receiver on a stale directory answers TRUST_STALE and keeps nothing.
    for node in (xa,):
        node.container.services = replace(node.ctx, clock=_Frozen(datetime.now(UTC)))
    relay(xa)
    with xa.ctx.uow() as uow:
        held = uow.outbox.get(message_id)
    assert held.status is DeliveryStatus.PENDING and "TRUST_STALE" in held.last_error
    states = {s: n.settings for s, n in nodes.items()}
    sign_and_install(
        tmp_path,
        states,
        sequence=2,
        issued_at=later - timedelta(days=1),
        next_update=later + timedelta(days=30),
    )
    xa.container.services = replace(xa.ctx, clock=_Frozen(later + timedelta(minutes=10)))
    relay(xa)
    assert rows(xb, cooperation_request) == 1


class _Frozen:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def test_a_refused_message_gets_a_signed_negative_answer_that_is_final(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    # XB refuses a step no request may take: a return to draft (a draft never leaves its
    # node). A step about an exchange XB has not seen yet is not refused but retried.
    fed = xa.ctx.federation
    with xa.ctx.uow() as uow:
        request = uow.requests.get(request_id)
        from comity.services.outgoing import queue

        queue(
            xa.ctx,
            uow,
            request=request,
            message_type=MessageType.REQUEST_STATUS,
            body=StepBody(exchange_id=request.exchange_id, status=Status.DRAFT, reason="x"),
            now=datetime.now(UTC),
        )
        uow.commit()
    relay(xa)
    with xa.ctx.uow() as uow:
        messages = [uow.outbox.get(m) for m in _message_ids(xa)]
    refused = next(m for m in messages if m.type is MessageType.REQUEST_STATUS)
    assert refused.status is DeliveryStatus.REJECTED and refused.last_error == "ILLEGAL_TRANSITION"
    evidences = [
        e.stage
        for e in requests.get(xa.ctx, actor=xa.people["drafter"], request_id=request_id).evidences
        if e.message_id == refused.message_id
    ]
    assert evidences[-1] is Stage.NOT_DELIVERED
    # A duplicate of the refused message is refused again, never accepted.
    again = fed.peers.post("XB", refused.envelope)
    assert again.json()["duplicate"] is True and again.json()["code"] == "ILLEGAL_TRANSITION"
    assert rows(xb, inbox_message, inbox_message.c.outcome == "not_delivered") == 1


def test_a_copy_sent_ahead_awaits_its_original(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    ctx, people = xa.ctx, xa.people
    view = requests.create_draft(
        ctx,
        actor=people["drafter"],
        command=CreateDraft(
            type_code="mla",
            requested_state="XB",
            fields={**example_mla_fields("XA"), "copy_sent_via": "email"},
            channel=Channel.COPY_AHEAD,
        ),
    )
    requests.submit(ctx, actor=people["drafter"], request_id=view.request.id)
    requests.approve(ctx, actor=people["approver"], request_id=view.request.id)
    exchange.send(ctx, actor=people["approver"], request_id=view.request.id)
    relay(xa)
    copy = the_copy(xb, view.request.id)
    assert copy.channel is Channel.COPY_AHEAD and copy.original_received_at is None
    executor = xb.people["executor"]
    awaited = requests.get(xb.ctx, actor=executor, request_id=copy.id)
    assert "original_due" in {deadline.code for deadline in awaited.deadlines}
    exchange.send_original(ctx, actor=people["drafter"], request_id=view.request.id)
    relay(xa)
    arrived = requests.get(xb.ctx, actor=executor, request_id=copy.id)
    assert arrived.request.original_received_at is not None
    assert "original_due" not in {deadline.code for deadline in arrived.deadlines}


def test_withdrawal_reaches_the_requested_state(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    requests.withdraw(xa.ctx, actor=xa.people["drafter"], request_id=request_id, reason="Settled")
    relay(xa)
    copy = the_copy(xb, request_id)
    assert copy.status is Status.WITHDRAWN and copy.remote_status is Status.WITHDRAWN


def _sealed_by(node: FedNode, signer: Any, signer_kid: str) -> bytes:
    """A well-formed message XA → XB, encrypted to XB, signed by ``signer`` as ``signer_kid``."""
    from comity.crypto.envelope import seal
    from comity.crypto.keys import x25519_from_jwk

    fed = node.ctx.federation
    directory = trusted_directory(node.ctx, datetime.now(UTC))
    message = a_status_message("XA", "XB")
    key = directory.state("XB").encryption_key
    return seal(
        fed.codec.encode(message),
        signer=signer,
        signer_kid=signer_kid,
        recipient=x25519_from_jwk(key.jwk),
        recipient_kid=key.kid,
    )


def test_a_forged_signature_is_refused_and_quarantined(nodes) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from comity.crypto.keys import load_node_keys

    xa, xb = nodes["XA"], nodes["XB"]
    xa_kid = load_node_keys(xa.settings.data_dir / "keys", "XA").signing_kid
    # XA's key id, but another key: the signature cannot verify against XA's published key.
    envelope = _sealed_by(xa, Ed25519PrivateKey.generate(), xa_kid)
    answer = xa.ctx.federation.peers.post("XB", envelope)
    assert answer.status_code == 422 and answer.json()["code"] == "SIG_INVALID"
    assert rows(xb, quarantine_record, quarantine_record.c.code == "SIG_INVALID") == 1
    assert rows(xb, inbox_message) == 0


def test_a_key_no_state_published_is_untrusted(nodes) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    xa, xb = nodes["XA"], nodes["XB"]
    envelope = _sealed_by(xa, Ed25519PrivateKey.generate(), "XZ.sig.0000000000000000")
    answer = xa.ctx.federation.peers.post("XB", envelope)
    assert answer.status_code == 422 and answer.json()["code"] == "SIGNER_UNTRUSTED"
    assert rows(xb, quarantine_record, quarantine_record.c.code == "SIGNER_UNTRUSTED") == 1


def test_reading_never_waits_for_the_federation(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy = the_copy(xb, request_id)
    fresh = xb.ctx
    xb.container.services = replace(fresh, clock=_Frozen(datetime.now(UTC) + timedelta(days=40)))
    # On a stale directory the officer still reads the request; the retrieval waits.
    view = exchange.retrieve(xb.ctx, actor=xb.people["executor"], request_id=copy.id)
    assert view.request.id == copy.id
    assert Stage.RETRIEVED not in [e.stage for e in view.evidences]
    xb.container.services = fresh
    view = exchange.retrieve(xb.ctx, actor=xb.people["executor"], request_id=copy.id)
    assert [e.stage for e in view.evidences].count(Stage.RETRIEVED) == 1


def test_the_directory_api_shows_public_keys_only_and_says_when_it_is_stale(nodes) -> None:
    from starlette.testclient import TestClient

    from comity.web.app import create_app
    from tests.federation_harness import PASSWORD

    xa = nodes["XA"]
    with TestClient(create_app(xa.container)) as client:

        def signed_in() -> dict[str, str]:
            answer = client.post(
                "/api/v1/auth/token", json={"username": "drafter", "password": PASSWORD}
            )
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        shown = client.get("/api/v1/directory", headers=signed_in())
        assert shown.status_code == 200, shown.text
        body = shown.json()
        assert body["sequence"] == 1 and body["stale"] is False
        assert sorted(entry["code"] for entry in body["states"]) == ["XA", "XB", "XC"]
        keys = [key["jwk"] for entry in body["states"] for key in entry["keys"]]
        assert keys and all("d" not in jwk for jwk in keys)
        assert "PRIVATE" not in shown.text
        xa.container.services = replace(
            xa.ctx, clock=_Frozen(datetime.now(UTC) + timedelta(days=40))
        )
        # The reason nothing leaves is visible: the directory says it is stale.
        late = client.get("/api/v1/directory", headers=signed_in()).json()
        assert late["stale"] is True


def test_the_receiving_state_decides_which_of_its_authorities_receives(nodes) -> None:
    from comity.domain.messages import SubmitBody

    xa, xb = nodes["XA"], nodes["XB"]
    fed = xa.ctx.federation
    directory = trusted_directory(xa.ctx, datetime.now(UTC))
    aimed = Message(
        message_id=str(uuid.uuid4()),
        sender_state="XA",
        recipient_state="XB",
        type=MessageType.REQUEST_SUBMIT,
        created_at=datetime.now(UTC),
        profile="ahc-2022-proposal",
        body=SubmitBody(
            exchange_id=str(uuid.uuid4()),
            reference="XA-2026-AIMED001",
            type_code="mla",
            urgency=Urgency.ROUTINE,
            channel=Channel.CENTRAL_AUTHORITY,
            authority="prosecutor",  # an internal authority of XB, not one it publishes
            fields=example_mla_fields("XA"),
        ),
    )
    envelope = fed.envelopes.seal(fed.codec.encode(aimed), directory.state("XB"))
    assert fed.peers.post("XB", envelope).status_code == 200
    copy = the_copy(xb, aimed.body.exchange_id)
    with xb.ctx.uow() as uow:
        assert uow.authorities.get(copy.authority_id).code == "central"


def declare_restriction(
    nodes: dict[str, FedNode], root: Path, state: str, *, to: str, ground: str
) -> None:
    """``state`` declares that personal data may not go to ``to`` (Q7, DP-S8), and a
    directory with the declaration is signed and installed everywhere."""
    from comity import federation_setup
    from tests.federation_harness import sign_and_install

    federation_setup.write_particulars(
        nodes[state].settings,
        {
            "name": f"State {state}",
            "declarations": {
                "extradites_nationals": False,
                "traffic_data_requires_judicial_authorisation": False,
                "accepts_electronic_originals": True,
                "political_offence_exception": True,
                "cross_border_transfer_restrictions": [{"to": to, "ground": ground}],
            },
        },
    )
    now = datetime.now(UTC)
    states = {s: n.settings for s, n in nodes.items()}
    sign_and_install(root, states, sequence=2, issued_at=now, next_update=now + timedelta(days=30))


def test_blocking_findings_stop_approval_unless_overridden_in_writing(
    nodes, tmp_path: Path
) -> None:
    from comity.domain.errors import BlockingFindingsError

    xa = nodes["XA"]
    # XA declares that personal data may not go to XB: its own request is blocked (Q7).
    declare_restriction(nodes, tmp_path, "XA", to="XB", ground="state_security")
    ctx, people = xa.ctx, xa.people
    view = requests.create_draft(
        ctx,
        actor=people["drafter"],
        command=CreateDraft(type_code="mla", requested_state="XB", fields=example_mla_fields("XA")),
    )
    request_id = view.request.id
    requests.submit(ctx, actor=people["drafter"], request_id=request_id)
    seen = requests.get(ctx, actor=people["drafter"], request_id=request_id)
    assert "TRANSFER_RESTRICTED_BY_STATE" in {f.code for f in seen.findings if f.blocking}
    with pytest.raises(BlockingFindingsError) as refused:
        requests.approve(ctx, actor=people["approver"], request_id=request_id)
    assert "TRANSFER_RESTRICTED_BY_STATE" in {code for code, _ in refused.value.findings}
    assert _status(xa, request_id) is Status.AWAITING_APPROVAL
    approved_view = requests.approve(
        ctx,
        actor=people["approver"],
        request_id=request_id,
        override_justification="Minister's written authorisation of 3 March for this case.",
    )
    step = approved_view.request.history[-1]
    assert step.to_status is Status.APPROVED
    assert step.detail["override"]["justification"].startswith("Minister's")
    assert "TRANSFER_RESTRICTED_BY_STATE" in step.detail["override"]["codes"]
    # The override covers exactly that finding, so the request may now leave.
    sent = exchange.send(ctx, actor=people["approver"], request_id=request_id)
    assert sent.request.status is Status.SENT


def test_a_restriction_declared_after_approval_stops_the_send(nodes, tmp_path: Path) -> None:
    from comity.domain.errors import BlockingFindingsError

    xa = nodes["XA"]
    request_id = approved(xa)
    declare_restriction(nodes, tmp_path, "XA", to="XB", ground="defence")
    with pytest.raises(BlockingFindingsError):
        exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    assert _status(xa, request_id) is Status.APPROVED
    assert _message_ids(xa) == []


def test_accepted_conditions_become_obligations_on_both_copies(nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    theirs = the_copy(xb, request_id).id
    executor = xb.people["executor"]
    for step in (Status.REGISTERED, Status.UNDER_ASSESSMENT):
        requests.process(xb.ctx, actor=executor, command=MoveRequest(theirs, step))
    conditions = "Use only in proceedings 2026/17; no onward transfer."
    requests.process(
        xb.ctx,
        actor=executor,
        command=MoveRequest(
            theirs, Status.CONDITIONS_PROPOSED, "On conditions", {"conditions": conditions}
        ),
    )
    relay(xb)
    assert _status(xa, request_id) is Status.CONDITIONS_PROPOSED
    exchange.accept_conditions(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    mine = requests.get(xa.ctx, actor=xa.people["drafter"], request_id=request_id).request
    copy = the_copy(xb, request_id)
    assert mine.status is Status.ACCEPTED and copy.status is Status.ACCEPTED
    assert [o.conditions for o in mine.obligations()] == [conditions]
    assert [o.conditions for o in copy.obligations()] == [conditions]
    from starlette.testclient import TestClient

    from comity.web.app import create_app
    from tests.federation_harness import PASSWORD

    with TestClient(create_app(xa.container)) as client:
        token = client.post(
            "/api/v1/auth/token", json={"username": "drafter", "password": PASSWORD}
        ).json()["access_token"]
        shown = client.get(
            f"/api/v1/requests/{request_id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert shown["obligations"][0]["conditions"] == conditions
    assert shown["usage_policy"]["originating_state"] == "XB"
    assert shown["usage_policy"]["onward_transfer"] == "prohibited"


def test_a_withdrawal_that_overtakes_its_request_is_retried_not_refused(nodes) -> None:
    """R-19: a dependent message that arrives first gets "try later", keeps nothing at the
    receiver, and the relay delivers both once the request is there."""
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    requests.withdraw(xa.ctx, actor=xa.people["approver"], request_id=request_id, reason="moot")
    with xa.ctx.uow() as uow:
        messages = [uow.outbox.get(m) for m in _message_ids(xa)]
    withdrawal = next(m for m in messages if m and m.type is MessageType.REQUEST_WITHDRAW)
    early = xa.ctx.federation.peers.post("XB", withdrawal.envelope)
    assert early.status_code == 503 and early.headers["Retry-After"] == "5"
    assert early.json()["code"] == "DEPENDENCY_PENDING" and "signal" not in early.json()
    assert rows(xb, inbox_message) == 0
    relay(xa)
    copy = the_copy(xb, xa_exchange(xa, request_id))
    assert copy.status is Status.WITHDRAWN
    assert rows(xb, inbox_message, inbox_message.c.outcome == "delivered") == 2


def xa_exchange(node: FedNode, request_id: str) -> str:
    with node.ctx.uow() as uow:
        return str(uow.requests.get(request_id).exchange_id)


def test_an_officer_never_takes_the_other_states_steps_on_a_copy_from_its_node(nodes) -> None:
    """XB's executor cannot record XA's withdrawal or XA's answer on XB's copy: only XA's
    node does, by its message (a request recorded by hand is another matter)."""
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy = the_copy(xb, request_id)
    officer = xb.people["executor"]
    # Asked for more, XB's copy waits for XA's answer: only XA's node can supply it.
    for step in (Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.MORE_INFO_REQUESTED):
        requests.move(
            xb.ctx, officer, MoveRequest(copy.id, step, detail={"due_at": "2027-01-01"}),
            Action.PROCESS,
        )  # fmt: skip
    for target in (Status.WITHDRAWN, Status.INFO_SUPPLIED):
        with pytest.raises(IllegalTransitionError, match="only when the other State"):
            requests.move(
                xb.ctx,
                xb.people["executor"],
                MoveRequest(request_id=copy.id, to=target, reason="as if XA had"),
                Action.PROCESS,
            )
    assert the_copy(xb, request_id).status is Status.MORE_INFO_REQUESTED
