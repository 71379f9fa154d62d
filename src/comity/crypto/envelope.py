"""Envelope version 1: canonical JSON, signed (JWS ``EdDSA``), then encrypted to one node.

``seal`` produces ``JWE(ECDH-ES+A256KW, A256GCM, to the recipient node's X25519 key)`` whose
plaintext is ``JWS(EdDSA, by the sender node's Ed25519 key)`` over the RFC 8785 canonical
payload (architecture §4). Signing inside encryption keeps the signature with the content
after decryption, so the receiver can store and later prove what the sender signed, while the
outer layer hides even the signer's key id from the transport.

``open_envelope`` decrypts first and verifies second. Failures reach the caller as
``PolicyViolationError`` (the input is not a compact JWE at all), ``DecryptFailedError``
(anything wrong with the encryption layer), then whatever ``verify_compact`` raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from joserfc import jwe
from joserfc.jwe import JWERegistry
from joserfc.jwk import OKPKey

from comity.crypto.jose import (
    MAX_TOKEN_BYTES,
    Verified,
    b64url_decode,
    parse_strict_json,
    sign_compact,
    verify_compact,
)
from comity.domain.errors import DecryptFailedError, PolicyViolationError

__all__ = [
    "ENVELOPE_TYP",
    "JWE_ALG",
    "JWE_CTY",
    "JWE_ENC",
    "JWE_TYP",
    "MAX_ENVELOPE_BYTES",
    "open_envelope",
    "seal",
]

#: The ``typ`` of the inner JWS.
ENVELOPE_TYP = "comity-envelope/1"
#: The ``typ`` of the outer JWE.
JWE_TYP = "comity-envelope+jwe"
#: The outer JWE's content type: its plaintext is a compact JWS.
JWE_CTY = "JWS"
JWE_ALG = "ECDH-ES+A256KW"
JWE_ENC = "A256GCM"

# The inner JWS grows by a third in the ciphertext's base64url; a little room for the rest.
_MAX_CIPHERTEXT_SEGMENT = MAX_TOKEN_BYTES * 4 // 3 + 4
_MAX_HEADER_SEGMENT = 1024
#: Largest envelope accepted, in bytes.
MAX_ENVELOPE_BYTES = _MAX_CIPHERTEXT_SEGMENT + 2 * _MAX_HEADER_SEGMENT

# ``epk`` is added by ECDH-ES itself; nothing else (``zip``, ``crit``, ``jku``...) is allowed.
_HEADER_MEMBERS = frozenset({"alg", "enc", "kid", "cty", "typ", "epk"})


class _Registry(JWERegistry):
    """The two algorithms of envelope v1, with room for envelopes up to the JWS limit."""

    max_protected_header_length = _MAX_HEADER_SEGMENT
    max_ciphertext_length = _MAX_CIPHERTEXT_SEGMENT


_REGISTRY = _Registry(algorithms=[JWE_ALG, JWE_ENC])


def seal(
    payload: Mapping[str, Any],
    *,
    signer: Ed25519PrivateKey,
    signer_kid: str,
    recipient: X25519PublicKey,
    recipient_kid: str,
) -> bytes:
    """Sign ``payload`` as the sender node, then encrypt it to the recipient node.

    Returns the JWE compact serialisation as ASCII bytes. The JWE is randomised (ephemeral key,
    content key, IV), so sealing the same payload twice gives different bytes; callers that
    retry must store and resend the first result.
    """
    token = sign_compact(payload, signer, signer_kid, typ=ENVELOPE_TYP)
    protected = {
        "alg": JWE_ALG,
        "enc": JWE_ENC,
        "kid": recipient_kid,
        "cty": JWE_CTY,
        "typ": JWE_TYP,
    }
    sealed = jwe.encrypt_compact(
        protected, token.encode("ascii"), OKPKey.import_key(recipient), registry=_REGISTRY
    )
    return sealed.encode("ascii")


def _parse_header(data: bytes) -> dict[str, Any]:
    """The JWE's protected header, or ``PolicyViolationError`` if this is no compact JWE."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise PolicyViolationError("envelope is not bytes")
    if len(data) > MAX_ENVELOPE_BYTES:
        raise PolicyViolationError("envelope is too large")
    segments = bytes(data).split(b".")
    if len(segments) != 5:
        raise PolicyViolationError("envelope is not a compact JWE")
    if len(segments[0]) > _MAX_HEADER_SEGMENT:
        raise PolicyViolationError("envelope header is too large")
    try:
        for segment in segments:
            b64url_decode(segment)
        header = parse_strict_json(b64url_decode(segments[0]))
    except ValueError:
        raise PolicyViolationError("envelope is not a compact JWE") from None
    if not isinstance(header, dict):
        raise PolicyViolationError("envelope header is not a JSON object")
    return header


def open_envelope(
    data: bytes,
    *,
    recipient: X25519PrivateKey,
    recipient_kid: str,
    resolve_signer: Callable[[str], Ed25519PublicKey],
) -> Verified:
    """Decrypt ``data`` with this node's key, then verify the signed payload inside.

    Raises ``PolicyViolationError`` for input that is not a compact JWE at all (or an inner
    token that breaks the JWS policy), ``DecryptFailedError`` for any failure of the encryption
    layer (another recipient, a header other than envelope v1's, tampering anywhere), and
    ``SignerUntrustedError`` or ``SignatureInvalidError`` from the inner JWS.
    """
    header = _parse_header(data)
    # One code for every encryption-layer failure: a sender must not learn which check failed.
    if (
        header.get("alg") != JWE_ALG
        or header.get("enc") != JWE_ENC
        or header.get("kid") != recipient_kid
        or header.get("cty") != JWE_CTY
        or header.get("typ") != JWE_TYP
        or set(header) != _HEADER_MEMBERS
    ):
        raise DecryptFailedError("the envelope cannot be decrypted by this node")
    try:
        obj = jwe.decrypt_compact(bytes(data), OKPKey.import_key(recipient), registry=_REGISTRY)
    except Exception:
        # joserfc and cryptography raise many types on hostile input (DecodeError, InvalidTag,
        # InvalidUnwrap, ValueError for low-order points...); none may escape as itself.
        raise DecryptFailedError("the envelope cannot be decrypted by this node") from None
    plaintext = obj.plaintext
    if plaintext is None:  # pragma: no cover - joserfc always sets it after decrypting
        raise DecryptFailedError("the envelope cannot be decrypted by this node")
    return verify_compact(plaintext, resolve_signer, typ=ENVELOPE_TYP)
