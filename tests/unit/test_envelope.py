"""Envelope v1: sign then encrypt, decrypt then verify, and interoperability with jwcrypto."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from joserfc import jwe as joserfc_jwe
from joserfc.jwk import OKPKey
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from comity.crypto.envelope import ENVELOPE_TYP, MAX_ENVELOPE_BYTES, open_envelope, seal
from comity.crypto.jose import canonical_json, sign_compact
from comity.domain.errors import (
    DecryptFailedError,
    PolicyViolationError,
    SignatureInvalidError,
    SignerUntrustedError,
    TrustError,
)

SIGNER = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
SIGNER_KID = "XA.sig.aaaaaaaaaaaaaaaa"
RECIPIENT = X25519PrivateKey.from_private_bytes(b"\x02" * 32)
RECIPIENT_KID = "XB.enc.bbbbbbbbbbbbbbbb"
SECRET = "Operation Nightjar"
PAYLOAD: dict[str, Any] = {
    "message_id": "0b7e4a52-8f0c-4c1e-9d0a-3c4b5a6d7e8f",
    "sender_state": "XA",
    "recipient_state": "XB",
    "type": "request.submit",
    "created_at": "2026-03-01T10:00:00Z",
    "profile": "budapest",
    "body": {"summary": SECRET},
}


def resolve(kid: str) -> Ed25519PublicKey:
    return {SIGNER_KID: SIGNER.public_key()}[kid]


def sealed() -> bytes:
    return seal(
        PAYLOAD,
        signer=SIGNER,
        signer_kid=SIGNER_KID,
        recipient=RECIPIENT.public_key(),
        recipient_kid=RECIPIENT_KID,
    )


def open_(data: bytes, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "recipient": RECIPIENT,
        "recipient_kid": RECIPIENT_KID,
        "resolve_signer": resolve,
    }
    arguments.update(overrides)
    return open_envelope(data, **arguments)


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def unb64(segment: bytes) -> bytes:
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def header_of(data: bytes) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(unb64(data.split(b".")[0]))
    return header


def with_header(data: bytes, header: dict[str, Any]) -> bytes:
    return b".".join([b64(json.dumps(header).encode()), *data.split(b".")[1:]])


def joserfc_seal(plaintext: bytes, header: dict[str, Any] | None = None) -> bytes:
    protected = header or {
        "alg": "ECDH-ES+A256KW",
        "enc": "A256GCM",
        "kid": RECIPIENT_KID,
        "cty": "JWS",
        "typ": "comity-envelope+jwe",
    }
    key = OKPKey.import_key(RECIPIENT.public_key())
    return joserfc_jwe.encrypt_compact(protected, plaintext, key).encode("ascii")


def test_round_trip() -> None:
    data = sealed()
    assert data.isascii() and data.count(b".") == 4
    verified = open_(data)
    assert verified.kid == SIGNER_KID
    assert verified.payload == PAYLOAD
    assert verified.payload_bytes == canonical_json(PAYLOAD)
    assert verified.header == {"alg": "EdDSA", "kid": SIGNER_KID, "typ": ENVELOPE_TYP}


def test_outer_header_is_exactly_envelope_v1() -> None:
    header = header_of(sealed())
    epk = header.pop("epk")
    assert header == {
        "alg": "ECDH-ES+A256KW",
        "enc": "A256GCM",
        "kid": RECIPIENT_KID,
        "cty": "JWS",
        "typ": "comity-envelope+jwe",
    }
    assert epk["kty"] == "OKP" and epk["crv"] == "X25519" and "d" not in epk


def test_sealing_is_randomised_but_the_signed_bytes_are_not() -> None:
    first, second = sealed(), sealed()
    assert first != second
    assert open_(first).payload_bytes == open_(second).payload_bytes


@pytest.mark.parametrize("index", [1, 2, 3, 4], ids=["encrypted_key", "iv", "ciphertext", "tag"])
def test_tampering_with_any_segment_is_decrypt_failed(index: int) -> None:
    segments = sealed().split(b".")
    # The first character of a segment carries six full bits, so the change stays canonical.
    segments[index] = (b"B" if segments[index][:1] == b"A" else b"A") + segments[index][1:]
    with pytest.raises(DecryptFailedError) as caught:
        open_(b".".join(segments))
    assert caught.value.code == "DECRYPT_FAILED"


@pytest.mark.parametrize(
    "change",
    [
        {"typ": "comity-envelope+jwe "},
        {"kid": "XC.enc.cccccccccccccccc"},
        {"alg": "ECDH-ES"},
        {"alg": "RSA-OAEP"},
        {"enc": "A128GCM"},
        {"cty": "JWT"},
        {"zip": "DEF"},
        {},  # the same members re-encoded with other whitespace: the AAD no longer matches
    ],
)
def test_tampered_protected_header_is_decrypt_failed(change: dict[str, Any]) -> None:
    data = sealed()
    header = header_of(data) | change
    with pytest.raises(DecryptFailedError):
        open_(with_header(data, header))


def test_epk_of_the_wrong_curve_is_decrypt_failed() -> None:
    data = sealed()
    header = header_of(data)
    header["epk"] = {"kty": "OKP", "crv": "Ed25519", "x": header["epk"]["x"]}
    with pytest.raises(DecryptFailedError):
        open_(with_header(data, header))


def test_wrong_recipient_key_is_decrypt_failed() -> None:
    with pytest.raises(DecryptFailedError):
        open_(sealed(), recipient=X25519PrivateKey.generate())


def test_wrong_recipient_kid_is_decrypt_failed() -> None:
    with pytest.raises(DecryptFailedError):
        open_(sealed(), recipient_kid="XB.enc.0000000000000000")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        b"a.b.c",
        b"a.b.c.d.e.f",
        "é.é.é.é.é".encode(),
        b"%%.a.b.c.d",
        b64(b"[1]") + b".AA.AA.AA.AA",
        b64(b"{broken") + b".AA.AA.AA.AA",
        b64(b'{"alg":"' + b"x" * 2000 + b'"}') + b".AA.AA.AA.AA",
        b"A" * (MAX_ENVELOPE_BYTES + 1),
    ],
)
def test_input_that_is_no_compact_jwe_is_a_policy_violation(data: bytes) -> None:
    with pytest.raises(PolicyViolationError) as caught:
        open_(data)
    assert caught.value.code == "POLICY_VIOLATION"


def test_non_bytes_input_is_a_policy_violation() -> None:
    with pytest.raises(PolicyViolationError):
        open_(sealed().decode())  # type: ignore[arg-type]


def test_unknown_signer_after_decryption_is_signer_untrusted() -> None:
    with pytest.raises(SignerUntrustedError):
        open_(sealed(), resolve_signer=lambda kid: {}[kid])


def test_tampered_inner_signature_is_sig_invalid() -> None:
    token = sign_compact(PAYLOAD, SIGNER, SIGNER_KID, typ=ENVELOPE_TYP)
    head, body, signature = token.split(".")
    signature = ("B" if signature[0] == "A" else "A") + signature[1:]
    data = joserfc_seal(f"{head}.{body}.{signature}".encode())
    with pytest.raises(SignatureInvalidError):
        open_(data)


def test_inner_token_with_another_typ_is_a_policy_violation() -> None:
    token = sign_compact(PAYLOAD, SIGNER, SIGNER_KID, typ="comity-receipt/1")
    with pytest.raises(PolicyViolationError):
        open_(joserfc_seal(token.encode()))


def test_error_messages_contain_no_payload_text() -> None:
    data = sealed()
    segments = data.split(b".")
    segments[3] = (b"B" if segments[3][:1] == b"A" else b"A") + segments[3][1:]
    attempts = [
        lambda: open_(b".".join(segments)),
        lambda: open_(data, recipient=X25519PrivateKey.generate()),
        lambda: open_(data, resolve_signer=lambda kid: {}[kid]),
    ]
    for attempt in attempts:
        with pytest.raises(TrustError) as caught:
            attempt()
        message = str(caught.value)
        assert SECRET not in message
        assert SIGNER_KID not in message and RECIPIENT_KID not in message
        assert caught.value.__cause__ is None


def test_jwcrypto_opens_a_sealed_envelope_to_the_same_bytes() -> None:
    """A second, independent JOSE implementation reads what seal() writes."""
    data = sealed()
    outer = jwcrypto_jwe.JWE()
    outer.deserialize(data.decode("ascii"), key=jwcrypto_jwk.JWK.from_pyca(RECIPIENT))
    inner = jwcrypto_jws.JWS()
    inner.deserialize(outer.payload.decode("ascii"))
    inner.verify(jwcrypto_jwk.JWK.from_pyca(SIGNER.public_key()))
    assert inner.jose_header == {"alg": "EdDSA", "kid": SIGNER_KID, "typ": ENVELOPE_TYP}
    assert inner.payload == canonical_json(PAYLOAD)


def test_open_envelope_reads_what_jwcrypto_writes() -> None:
    """And the other way round: jwcrypto signs and encrypts, open_envelope verifies."""
    inner = jwcrypto_jws.JWS(canonical_json(PAYLOAD))
    inner.add_signature(
        jwcrypto_jwk.JWK.from_pyca(SIGNER),
        protected={"alg": "EdDSA", "kid": SIGNER_KID, "typ": ENVELOPE_TYP},
    )
    outer = jwcrypto_jwe.JWE(
        inner.serialize(compact=True).encode("ascii"),
        protected={
            "alg": "ECDH-ES+A256KW",
            "enc": "A256GCM",
            "kid": RECIPIENT_KID,
            "cty": "JWS",
            "typ": "comity-envelope+jwe",
        },
    )
    outer.add_recipient(jwcrypto_jwk.JWK.from_pyca(RECIPIENT.public_key()))
    verified = open_(outer.serialize(compact=True).encode("ascii"))
    assert verified.payload_bytes == canonical_json(PAYLOAD)
