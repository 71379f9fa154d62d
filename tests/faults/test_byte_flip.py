"""S-01: flip every byte of a real signed and encrypted inter-node message of at least 4 KiB.

XA seals a request submission to XB as it would send it (the envelope its outbox keeps), with
free text making it at least 4 KiB. Each flipped copy goes to XB's real federation app over
the full HTTP path (``InProcessPeers.post``): the HTTP message signature is made afresh over
the flipped bytes, so the call passes the transport check and the envelope itself must be
refused. Pass: every flip is refused with 422 and a stable trust code, none is accepted, no
500; then the unflipped envelope is delivered, so the refusals were the flips' doing.
``COMITY_FLIP_STRIDE`` (default 1) flips every n-th byte only, for quick local runs.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from comity.crypto.http_signatures import MESSAGES_PATH
from comity.domain.workflow import Status
from comity.services import exchange
from comity.services.demo import example_mla_fields
from comity.store.tables import inbox_message, outbox_message
from tests.federation_harness import (
    FedNode,
    InProcessPeers,
    create_network,
    node_settings,
    open_nodes,
)
from tests.figures import record
from tests.integration.test_federation import approved, relay, the_copy

MINIMUM = 4096
STRIDE = int(os.environ.get("COMITY_FLIP_STRIDE", "1"))
# What a damaged envelope may be refused as: not a JWE at all, the encryption layer failing,
# or (a flip the encryption cannot see does not exist, but if it did) the inner signature.
REFUSALS = {"POLICY_VIOLATION", "DECRYPT_FAILED", "SIG_INVALID"}


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[dict[str, FedNode]]:
    states = {s: node_settings(tmp_path, s, 8800 + i) for i, s in enumerate(("XA", "XB"), 1)}
    create_network(tmp_path, states)
    built = open_nodes(states)
    try:
        yield built
    finally:
        for node in built.values():
            node.container.close()


def _count(node: FedNode, table: object) -> int:
    with node.container.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def _sealed_request(xa: FedNode) -> tuple[str, bytes]:
    """An approved request sent by XA: its id and the envelope bytes its outbox holds."""
    fields = example_mla_fields("XA")
    # The example request seals to about 4.5 KiB; a little more text keeps it above 4 KiB
    # whatever the example's wording becomes.
    fields["facts_summary"] = fields["facts_summary"] + " Padding." * 10
    request_id = approved(xa, **fields)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    with xa.container.engine.connect() as connection:
        (message_id,) = connection.scalars(select(outbox_message.c.message_id))
    with xa.ctx.uow() as uow:
        outbound = uow.outbox.get(message_id)
    assert outbound is not None
    return request_id, outbound.envelope


def test_every_flipped_byte_is_refused_with_a_stable_code(pair: dict[str, FedNode]) -> None:
    xa, xb = pair["XA"], pair["XB"]
    request_id, envelope = _sealed_request(xa)
    assert len(envelope) >= MINIMUM
    peers = InProcessPeers(xa.settings, pair)
    endpoint = xb.settings.public_endpoint or ""
    masks = random.Random(9)
    codes: dict[str, int] = {}
    flipped = accepted = 0
    url = endpoint + MESSAGES_PATH
    client = TestClient(peers.app("XB"), base_url=endpoint, raise_server_exceptions=True)
    for offset in range(0, len(envelope), STRIDE):
        damaged = bytearray(envelope)
        # XOR 0x01 on even offsets (the subtlest change), a random non-zero mask on odd ones.
        damaged[offset] ^= 0x01 if offset % 2 == 0 else masks.randrange(1, 256)
        # What ``InProcessPeers.post`` does, with one client for all 4 096 calls.
        body = bytes(damaged)
        headers = peers.signer.headers(url=url, body=body, now=xb.ctx.clock.now())
        response = client.post(MESSAGES_PATH, content=body, headers=headers)
        flipped += 1
        if response.status_code < 400:
            accepted += 1
            continue
        assert response.status_code == 422, (offset, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        code = response.json()["code"]
        assert code in REFUSALS, (offset, code)
        codes[code] = codes.get(code, 0) + 1
    record("bytes_flipped", flipped)
    record("flips_accepted", accepted)
    assert accepted == 0
    assert flipped >= len(envelope) // STRIDE
    # Nothing of the flipped copies reached XB's inbox or requests.
    assert _count(xb, inbox_message) == 0
    assert the_copy(xb, request_id) is None
    # The unflipped envelope is delivered: the flips, not the setup, were refused.
    relay(xa)
    copy = the_copy(xb, request_id)
    assert copy is not None and copy.status is Status.RECEIVED
    assert _count(xb, inbox_message) == 1
    assert set(codes) <= REFUSALS
