"""Fuzz target: compact JWS verification (``crypto.jose``), the inner layer of every signed
object. Mode 0: the bytes as a token. Mode 1: the bytes as a JSON payload, signed by XA and
verified back, which must give the same payload (serialise, parse, serialise is the identity)."""

from __future__ import annotations

from tests.faults.fuzz.harness import instrumented, main, split_mode

with instrumented():
    from comity.crypto.jose import (
        b64url_decode,
        canonical_json,
        parse_strict_json,
        sign_compact,
        unverified_kid,
        verify_compact,
    )
    from tests.faults.fuzz.material import Material, load
    from tests.faults.fuzz.payloads import submit_payload


TYP = "comity-envelope/1"


def seeds(material: Material) -> list[bytes]:
    """A real token signed by XA, and a payload to sign."""
    keys = material.sender_keys
    token = sign_compact(submit_payload(), keys.signing, keys.signing_kid, typ=TYP)
    return [
        b"\x00" + token.encode("ascii"),
        b"\x01" + canonical_json(submit_payload()),
        # Regression seed: nesting past json's recursion limit raised RecursionError.
        b"\x01" + b'{"a":' * 5000 + b"1" + b"}" * 5000,
    ]


def parse(data: bytes) -> object:
    material = load()
    mode, rest = split_mode(data)
    if mode % 2 == 0:
        try:
            b64url_decode(rest)
        except ValueError:
            pass
        unverified_kid(rest)
        return verify_compact(rest, material.resolve, typ=TYP)
    try:
        payload = parse_strict_json(rest)
        body = canonical_json(payload)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    keys = material.sender_keys
    token = sign_compact(payload, keys.signing, keys.signing_kid, typ=TYP)
    verified = verify_compact(token, material.resolve, typ=TYP)
    assert verified.payload_bytes == body, "a signed payload did not verify to its own bytes"
    return verified


if __name__ == "__main__":
    main(parse)
