"""Fuzz target: the wire schema of a verified payload (``transport.wire.decode``).

Signed bytes from a trusted peer are still foreign input: the bytes are parsed as strict JSON
(``crypto.jose.parse_strict_json``, what ``verify_compact`` uses) and decoded. A payload that
decodes must decode to the same message after encoding it again.
"""

from __future__ import annotations

from tests.faults.fuzz.harness import instrumented, main

with instrumented():
    from comity.crypto.jose import canonical_json, parse_strict_json
    from comity.domain.errors import SchemaInvalidError
    from comity.transport import wire
    from tests.faults.fuzz.material import Material
    from tests.faults.fuzz.payloads import step_payload, submit_payload


def seeds(material: Material) -> list[bytes]:
    """Canonical JSON of a submission and of a status step."""
    return [canonical_json(submit_payload()), canonical_json(step_payload())]


def parse(data: bytes) -> object:
    try:
        payload = parse_strict_json(data)
    except ValueError:
        return None  # verify_compact refuses it as POLICY_VIOLATION before decode runs.
    if not isinstance(payload, dict):
        raise SchemaInvalidError("not an object")
    message = wire.decode(payload)
    again = wire.decode(wire.encode(message))
    assert again == message, "decode(encode(m)) differs from m"
    return message


if __name__ == "__main__":
    main(parse)
