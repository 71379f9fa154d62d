"""Fuzz target: an inter-node message as the federation endpoint receives it.

The receiver's path: decrypt with XB's key and verify XA's signature
(``NodeEnvelopes.open``, which calls ``crypto.envelope.open_envelope``), then decode the wire
payload (``transport.wire.decode``). The seed is a real envelope XA sealed to XB.
"""

from __future__ import annotations

from tests.faults.fuzz.harness import instrumented, main

with instrumented():
    from comity.crypto.node_envelopes import NodeEnvelopes
    from comity.transport import wire
    from tests.faults.fuzz.material import Material, load
    from tests.faults.fuzz.payloads import submit_payload


def seeds(material: Material) -> list[bytes]:
    """A real sealed submission, XA to XB."""
    sender = NodeEnvelopes(material.sender_keys)
    return [sender.seal(submit_payload(), material.directory.state("XB"))]


def parse(data: bytes) -> object:
    material = load()
    opened = NodeEnvelopes(material.receiver_keys).open(data, material.directory)
    return wire.decode(dict(opened.payload))


if __name__ == "__main__":
    main(parse)
