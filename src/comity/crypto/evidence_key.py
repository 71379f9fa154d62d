"""The content key of an evidence package, wrapped to the recipient node (``key.jwe``).

A JWE compact (ECDH-ES+A256KW / A256GCM) to the recipient's X25519 key, whose plaintext names
the package it opens, so a key file moved to another package is refused.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from joserfc import jwe
from joserfc.jwe import JWERegistry
from joserfc.jwk import OKPKey

from comity.crypto.jose import b64url_decode, b64url_encode, canonical_json, parse_strict_json
from comity.domain.errors import DecryptFailedError

KEY_TYP = "comity-evidence-key+jwe"
_KEY_HEADER = {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "typ": KEY_TYP}
_KEY_REGISTRY = JWERegistry(algorithms=[_KEY_HEADER["alg"], _KEY_HEADER["enc"]])


def wrap_content_key(
    content_key: bytes, package_id: str, recipient: X25519PublicKey, recipient_kid: str
) -> bytes:
    """The content key as a compact JWE to the recipient, naming the package it opens."""
    plaintext = canonical_json({"package_id": package_id, "key": b64url_encode(content_key)})
    protected = {**_KEY_HEADER, "kid": recipient_kid}
    token = jwe.encrypt_compact(
        protected, plaintext, OKPKey.import_key(recipient), registry=_KEY_REGISTRY
    )
    return token.encode("ascii")


def unwrap_content_key(
    token: bytes, package_id: str, recipient: X25519PrivateKey, recipient_kid: str | None
) -> bytes:
    """The content key in ``key.jwe``; ``DecryptFailedError`` for any other key or package."""
    failed = DecryptFailedError("the package key cannot be decrypted by this node")
    try:
        obj = jwe.decrypt_compact(
            token.strip(), OKPKey.import_key(recipient), registry=_KEY_REGISTRY
        )
        header = obj.protected
        document = parse_strict_json(obj.plaintext or b"")
        key = b64url_decode(document["key"])
    except Exception:
        # joserfc and cryptography raise many types on hostile input; none may escape.
        raise failed from None
    if {k: v for k, v in header.items() if k != "epk"} != {**_KEY_HEADER, "kid": header.get("kid")}:
        raise failed
    if recipient_kid is not None and header.get("kid") != recipient_kid:
        raise failed
    if (
        document.get("package_id") != package_id
        or len(key) != 32
        or set(document) != {"key", "package_id"}
    ):
        raise failed
    return key
