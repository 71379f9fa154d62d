"""Ed25519 signed notes: checkpoints a log signs and the cosignatures its witnesses add.

The recipes of c2sp.org/signed-note (type 0x01, Ed25519 over the note text) and
c2sp.org/tlog-cosignature v1 (type 0x04, Ed25519 over ``cosignature/v1``, the time and the
text, the signature prefixed by that time). A verifier reads only the lines whose name and
key hash match the key it trusts, and ignores every other line: that is what lets witnesses
add their cosignatures and logs rotate keys. No such line is ``SignerUntrustedError``; one
that does not verify is ``SignatureInvalidError``, whatever the other lines say.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from comity.crypto.keys import ed25519_from_jwk
from comity.domain.errors import SignatureInvalidError, SignerUntrustedError
from comity.domain.ledger.checkpoints import (
    COSIGNATURE_V1,
    ED25519,
    NoteSignature,
    SignedNote,
    cosigned_message,
    key_hash,
)

# A cosignature is an 8-byte big-endian timestamp, then the 64-byte Ed25519 signature.
_COSIGNATURE_BYTES = 8 + 64
_MAX_TIMESTAMP = 2**63 - 1


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class NoteSigner:
    """Signs note texts as ``name`` with one Ed25519 key: as a log, or as a witness."""

    def __init__(self, key: Ed25519PrivateKey, name: str) -> None:
        self._key = key
        self.name = name
        self.public_key = _raw(key.public_key())

    def sign(self, body: str) -> NoteSignature:
        """The Ed25519 signature line (type 0x01) of the note text ``body``."""
        SignedNote(body, ())  # Only a well-formed note text is ever signed.
        signature = self._key.sign(body.encode())
        return NoteSignature(self.name, key_hash(self.name, ED25519, self.public_key), signature)

    def cosign(self, body: str, timestamp: int) -> NoteSignature:
        """The timestamped cosignature line (type 0x04) of the checkpoint text ``body``."""
        SignedNote(body, ())
        signature = self._key.sign(cosigned_message(body, timestamp))
        return NoteSignature(
            self.name,
            key_hash(self.name, COSIGNATURE_V1, self.public_key),
            timestamp.to_bytes(8, "big") + signature,
        )


def _lines(note: SignedNote, name: str, algorithm: int, public_key: bytes) -> list[bytes]:
    # The signatures this key could have made; any other line is someone else's business.
    wanted = key_hash(name, algorithm, public_key)
    found = [s.signature for s in note.signatures if s.name == name and s.key_hash == wanted]
    if not found:
        raise SignerUntrustedError(f"the note carries no signature by {name} with this key")
    return found


def _check(public_key: bytes, signature: bytes, message: bytes, name: str) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise SignatureInvalidError(f"{name}'s signature on the note does not verify") from None


def verify_note(note: SignedNote, name: str, public_key: bytes) -> None:
    """Check that ``name`` signed ``note`` with the raw Ed25519 ``public_key``."""
    for signature in _lines(note, name, ED25519, public_key):
        _check(public_key, signature, note.body.encode(), name)


def verify_cosignature(note: SignedNote, name: str, public_key: bytes) -> int:
    """Check that the witness ``name`` cosigned ``note`` with ``public_key``; the time it
    cosigned (the latest, if it cosigned this text more than once)."""
    times = []
    for signature in _lines(note, name, COSIGNATURE_V1, public_key):
        timestamp = int.from_bytes(signature[:8], "big")
        if len(signature) != _COSIGNATURE_BYTES or timestamp > _MAX_TIMESTAMP:
            raise SignatureInvalidError(f"{name}'s cosignature is not a timestamped signature")
        _check(public_key, signature[8:], cosigned_message(note.body, timestamp), name)
        times.append(timestamp)
    return max(times)


def public_key_from_jwk(jwk: Mapping[str, str]) -> bytes:
    """The raw 32-byte key of an OKP/Ed25519 JWK, checked by ``keys.ed25519_from_jwk``
    (``PolicyViolationError`` for anything else)."""
    return _raw(ed25519_from_jwk(jwk))
