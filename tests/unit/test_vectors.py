"""Golden vectors of envelope v1: the code must keep producing and reading exactly these bytes.

The vectors file is written by ``tests/vectors/generate.py`` and never regenerated here. The
JWS is deterministic, so it is compared byte for byte; the JWE is randomised, so it is checked
by opening it, with this code and with jwcrypto, to exactly the expected payload bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from comity.crypto.envelope import ENVELOPE_TYP, open_envelope
from comity.crypto.jose import b64url_decode, canonical_json, sign_compact, verify_compact
from comity.crypto.keys import ed25519_from_jwk, key_id, public_jwk, x25519_from_jwk

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "envelope-v1.json").read_text(encoding="utf-8")
)


def public_part(jwk: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in jwk.items() if name != "d"}


SIGNER_JWK = VECTORS["signer"]["jwk_TEST_ONLY"]
RECIPIENT_JWK = VECTORS["recipient"]["jwk_TEST_ONLY"]
SIGNER = Ed25519PrivateKey.from_private_bytes(b64url_decode(SIGNER_JWK["d"]))
RECIPIENT = X25519PrivateKey.from_private_bytes(b64url_decode(RECIPIENT_JWK["d"]))
SIGNER_KID = VECTORS["signer"]["kid"]
RECIPIENT_KID = VECTORS["recipient"]["kid"]
EXPECTED = VECTORS["canonical_json"].encode("utf-8")


def resolve(kid: str) -> Ed25519PublicKey:
    return {SIGNER_KID: SIGNER.public_key()}[kid]


def test_vector_keys_are_consistent() -> None:
    assert VECTORS["jws_typ"] == ENVELOPE_TYP
    assert "TEST ONLY" in VECTORS["warning"]
    assert ed25519_from_jwk(public_part(SIGNER_JWK)) == SIGNER.public_key()
    assert x25519_from_jwk(public_part(RECIPIENT_JWK)) == RECIPIENT.public_key()
    assert key_id("XA", "sig", SIGNER.public_key()) == SIGNER_KID
    assert key_id("XB", "enc", RECIPIENT.public_key()) == RECIPIENT_KID
    assert public_jwk(SIGNER.public_key(), SIGNER_KID) == public_part(SIGNER_JWK)
    assert public_jwk(RECIPIENT.public_key(), RECIPIENT_KID) == public_part(RECIPIENT_JWK)


def test_canonical_json_matches_the_vector() -> None:
    assert canonical_json(VECTORS["payload"]) == EXPECTED


def test_sign_compact_reproduces_the_vector_byte_for_byte() -> None:
    token = sign_compact(VECTORS["payload"], SIGNER, SIGNER_KID, typ=ENVELOPE_TYP)
    assert token == VECTORS["jws_compact"]
    verified = verify_compact(VECTORS["jws_compact"], resolve, typ=ENVELOPE_TYP)
    assert verified.payload_bytes == EXPECTED
    assert verified.payload == VECTORS["payload"]


def test_open_envelope_opens_the_vector_jwe() -> None:
    verified = open_envelope(
        VECTORS["jwe_compact"].encode("ascii"),
        recipient=RECIPIENT,
        recipient_kid=RECIPIENT_KID,
        resolve_signer=resolve,
    )
    assert verified.kid == SIGNER_KID
    assert verified.payload_bytes == EXPECTED


def test_jwcrypto_opens_the_vector_jwe_to_the_same_bytes() -> None:
    outer = jwcrypto_jwe.JWE()
    outer.deserialize(VECTORS["jwe_compact"], key=jwcrypto_jwk.JWK(**RECIPIENT_JWK))
    # The JWS inside is deterministic, so the plaintext is exactly the vector's JWS.
    assert outer.payload == VECTORS["jws_compact"].encode("ascii")
    inner = jwcrypto_jws.JWS()
    inner.deserialize(outer.payload.decode("ascii"))
    inner.verify(jwcrypto_jwk.JWK(**public_part(SIGNER_JWK)))
    assert inner.payload == EXPECTED


@pytest.mark.parametrize("part", ["jws_compact", "jwe_compact"])
def test_vectors_carry_no_whitespace_or_padding(part: str) -> None:
    token: str = VECTORS[part]
    assert token.isascii() and "=" not in token and " " not in token
