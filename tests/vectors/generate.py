"""Regenerate ``envelope-v1.json``, the golden vectors of envelope version 1.

Run ``.venv/bin/python tests/vectors/generate.py`` only when the envelope format changes on
purpose: the test suite never regenerates the file, it checks the code against it. The keys
are derived from fixed labels and are TEST ONLY; they are published here and protect nothing.

The expected canonical JSON is written out by hand below (RFC 8785: members sorted by UTF-16
code units, shortest round-trip numbers, minimal escapes, UTF-8 output), so the vectors pin
the canonicalisation to the specification rather than to whatever the library does today.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from comity.crypto.envelope import ENVELOPE_TYP, open_envelope, seal
from comity.crypto.jose import b64url_encode, canonical_json, sign_compact
from comity.crypto.keys import key_id, public_jwk

OUTPUT = Path(__file__).with_name("envelope-v1.json")

PAYLOAD: dict[str, Any] = {
    "message_id": "4f1c2e9a-7b3d-4c5e-8f60-1a2b3c4d5e6f",
    "sender_state": "XA",
    "recipient_state": "XB",
    "type": "request.submit",
    "created_at": "2026-01-15T09:30:00Z",
    "profile": "budapest",
    "body": {
        "zh": "司法协助请求",
        "ru": "Запрос о взаимной правовой помощи",  # noqa: RUF001 (Cyrillic on purpose)
        "ar": "طلب مساعدة قانونية متبادلة",
        # U+FB33 sorts after U+1F600 in UTF-16 (0xFB33 > 0xD83D) but before it by code point.
        "\ufb33": 3,
        "\U0001f600": 2,
        "\u20ac": 1,
        "numbers": [0, -1, 9007199254740991, 1.5, 0.1, 100.0, 1e21, 1e-7],
        "nested": {"b": [True, False, None], "a": {"z": "", 'quote"': "tab\t\n\x1f"}},
    },
}

EXPECTED_CANONICAL = (
    '{"body":{'
    '"ar":"طلب مساعدة قانونية متبادلة",'
    '"nested":{"a":{"quote\\"":"tab\\t\\n\\u001f","z":""},"b":[true,false,null]},'
    '"numbers":[0,-1,9007199254740991,1.5,0.1,100,1e+21,1e-7],'
    '"ru":"Запрос о взаимной правовой помощи",'  # noqa: RUF001
    '"zh":"司法协助请求",'
    '"\u20ac":1,"\U0001f600":2,"\ufb33":3},'
    '"created_at":"2026-01-15T09:30:00Z",'
    '"message_id":"4f1c2e9a-7b3d-4c5e-8f60-1a2b3c4d5e6f",'
    '"profile":"budapest",'
    '"recipient_state":"XB",'
    '"sender_state":"XA",'
    '"type":"request.submit"}'
)


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"comity envelope-v1 test vector: {label} (TEST ONLY)".encode()).digest()


def _private_jwk(public: dict[str, str], private_raw: bytes) -> dict[str, str]:
    return {**public, "d": b64url_encode(private_raw)}


def main() -> None:
    """Write the vectors file and check that it opens."""
    raw = serialization.Encoding.Raw, serialization.PrivateFormat.Raw
    signer = Ed25519PrivateKey.from_private_bytes(_seed("signer"))
    recipient = X25519PrivateKey.from_private_bytes(_seed("recipient"))
    signer_kid = key_id("XA", "sig", signer.public_key())
    recipient_kid = key_id("XB", "enc", recipient.public_key())

    canonical = canonical_json(PAYLOAD)
    if canonical != EXPECTED_CANONICAL.encode("utf-8"):
        raise SystemExit("rfc8785 disagrees with the hand-written canonical form")
    jws = sign_compact(PAYLOAD, signer, signer_kid, typ=ENVELOPE_TYP)
    jwe = seal(
        PAYLOAD,
        signer=signer,
        signer_kid=signer_kid,
        recipient=recipient.public_key(),
        recipient_kid=recipient_kid,
    )
    opened = open_envelope(
        jwe,
        recipient=recipient,
        recipient_kid=recipient_kid,
        resolve_signer=lambda kid: {signer_kid: signer.public_key()}[kid],
    )
    assert opened.payload_bytes == canonical

    no_encryption = serialization.NoEncryption()
    vectors = {
        "description": "Golden vectors for Comity envelope version 1 (architecture §4).",
        "warning": "TEST ONLY: these private keys are public. Never use them for anything else.",
        "generator": "tests/vectors/generate.py",
        "jws_typ": ENVELOPE_TYP,
        "signer": {
            "state": "XA",
            "kid": signer_kid,
            "jwk_TEST_ONLY": _private_jwk(
                public_jwk(signer.public_key(), signer_kid),
                signer.private_bytes(*raw, no_encryption),
            ),
        },
        "recipient": {
            "state": "XB",
            "kid": recipient_kid,
            "jwk_TEST_ONLY": _private_jwk(
                public_jwk(recipient.public_key(), recipient_kid),
                recipient.private_bytes(*raw, no_encryption),
            ),
        },
        "payload": PAYLOAD,
        "canonical_json": EXPECTED_CANONICAL,
        "jws_compact": jws,
        "jwe_compact": jwe.decode("ascii"),
    }
    text = json.dumps(vectors, ensure_ascii=False, indent=2) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
