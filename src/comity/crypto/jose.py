"""Canonical JSON (RFC 8785) and compact JWS signed with Ed25519 (``EdDSA``, RFC 8037).

Every signed object the federation exchanges (envelopes, receipts, evidences, directory
entries) is a JWS compact serialisation whose payload is the RFC 8785 canonical form of a JSON
object. Verification is strict and happens before anything is parsed for use: the header must
be exactly ``{"alg": "EdDSA", "kid": ..., "typ": ...}``, the payload must already be canonical,
and every failure surfaces as one of the domain's trust errors, never as a library exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwa import EdDSAAlgorithm, JWSAlgModel
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry

from comity.domain.errors import (
    PolicyViolationError,
    SignatureInvalidError,
    SignerUntrustedError,
)

__all__ = [
    "ALGORITHM",
    "MAX_TOKEN_BYTES",
    "Verified",
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "parse_strict_json",
    "sign_compact",
    "unverified_kid",
    "verify_compact",
]

#: The only JWS algorithm accepted: Ed25519 under its RFC 8037 name.
ALGORITHM = "EdDSA"

#: Largest compact JWS accepted, in bytes. Bigger content travels as evidence chunks.
MAX_TOKEN_BYTES = 8 * 1024 * 1024

# A protected header is three short members; anything longer is not one of ours.
_MAX_HEADER_SEGMENT = 1024
_HEADER_MEMBERS = frozenset({"alg", "kid", "typ"})
_B64URL = re.compile(rb"[A-Za-z0-9_-]*")


class _EdDSA(EdDSAAlgorithm):
    """joserfc's EdDSA without its deprecation warning.

    RFC 9864 deprecates the polymorphic ``EdDSA`` name in favour of ``Ed25519``, and joserfc
    warns on every use. The architecture fixes ``EdDSA`` (RFC 8037) for envelope version 1 and
    only Ed25519 keys are ever accepted, so the name is unambiguous here; the warning would only
    turn into an error under ``-W error``.
    """

    # An empty string is falsy, which is how joserfc decides whether to warn.
    security_warning = ""


class _Registry(JWSRegistry):
    """A registry that knows exactly one algorithm, so no other can ever be selected."""

    algorithms: dict[str, JWSAlgModel] = {ALGORITHM: _EdDSA()}  # noqa: RUF012
    recommended: list[str] = []  # noqa: RUF012
    max_header_length = _MAX_HEADER_SEGMENT
    max_payload_length = MAX_TOKEN_BYTES
    max_signature_length = 128


_REGISTRY = _Registry(algorithms=[ALGORITHM])


@dataclass(frozen=True)
class Verified:
    """A JWS whose signature verified, with the key id that signed it and its parsed payload."""

    kid: str
    header: dict[str, Any]
    payload: dict[str, Any]
    payload_bytes: bytes


def canonical_json(value: object) -> bytes:
    """The RFC 8785 canonical UTF-8 encoding of ``value``.

    Raises ``ValueError`` for values JSON cannot carry exactly (integers beyond 2**53, NaN,
    infinities, non-string keys, unknown types).
    """
    try:
        return rfc8785.dumps(value)  # type: ignore[arg-type]
    except rfc8785.CanonicalizationError as err:
        raise ValueError(f"cannot canonicalise: {type(err).__name__}") from None


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: bytes | str) -> bytes:
    """Strict unpadded base64url: ``ValueError`` on padding, foreign characters or unused bits.

    Only the canonical encoding is accepted, so two different strings never decode to the
    same bytes and a token cannot be altered without its signature noticing.
    """
    raw = segment.encode("ascii") if isinstance(segment, str) else segment
    if not _B64URL.fullmatch(raw) or len(raw) % 4 == 1:
        raise ValueError("not base64url")
    try:
        decoded = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    except binascii.Error:  # pragma: no cover - the pattern and length checks come first
        raise ValueError("not base64url") from None
    if b64url_encode(decoded).encode("ascii") != raw:
        raise ValueError("non-canonical base64url")
    return decoded


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Duplicate names are legal JSON but ambiguous; two parsers could disagree on the value.
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError("duplicate member")
        result[name] = value
    return result


def parse_strict_json(data: bytes) -> Any:
    """Parse UTF-8 JSON, refusing duplicate members, NaN/Infinity and nesting deeper than the
    decoder's recursion limit (``ValueError``)."""
    try:
        return json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_unique_object,
            parse_constant=_reject_constant,
        )
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _split(token: str | bytes) -> tuple[bytes, dict[str, Any], list[bytes]]:
    """The token's ASCII bytes, its decoded header and its three segments, or a policy error."""
    if isinstance(token, str):
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError:
            raise PolicyViolationError("token is not ASCII") from None
    elif isinstance(token, bytes):
        raw = token
    else:
        raise PolicyViolationError("token is not text")
    if len(raw) > MAX_TOKEN_BYTES:
        raise PolicyViolationError("token is too large")
    segments = raw.split(b".")
    if len(segments) != 3:
        raise PolicyViolationError("token is not a compact JWS")
    if len(segments[0]) > _MAX_HEADER_SEGMENT:
        raise PolicyViolationError("JWS header is too large")
    try:
        header = parse_strict_json(b64url_decode(segments[0]))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors too.
        raise PolicyViolationError("JWS header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise PolicyViolationError("JWS header is not a JSON object")
    return raw, header, segments


def _check_header(header: dict[str, Any], typ: str) -> str:
    """Enforce the allow-list and return the kid."""
    if header.get("alg") != ALGORITHM:
        raise PolicyViolationError("JWS algorithm is not allowed")
    if header.get("typ") != typ:
        raise PolicyViolationError("JWS typ is not the expected one")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise PolicyViolationError("JWS kid is missing")
    # Extra members such as crit, b64, jwk or x5u change how a token is read or which key
    # is used; none has a place in our tokens, so any of them is refused outright.
    if set(header) != _HEADER_MEMBERS:
        raise PolicyViolationError("JWS header has members outside the allow-list")
    return kid


def sign_compact(payload: Mapping[str, Any], key: Ed25519PrivateKey, kid: str, *, typ: str) -> str:
    """Sign the canonical JSON of ``payload`` as a compact JWS with ``EdDSA``.

    The protected header is exactly ``{"alg": "EdDSA", "kid": kid, "typ": typ}``. Ed25519 is
    deterministic, so equal inputs always give the same token.
    """
    body = canonical_json(dict(payload))
    protected = {"alg": ALGORITHM, "kid": kid, "typ": typ}
    return jws.serialize_compact(protected, body, OKPKey.import_key(key), registry=_REGISTRY)


def verify_compact(
    token: str | bytes, resolve: Callable[[str], Ed25519PublicKey], *, typ: str
) -> Verified:
    """Verify ``token`` and only then parse its payload.

    ``resolve`` maps a kid to the trusted public key and raises ``KeyError`` (any
    ``LookupError``) for a key it does not trust. Raises ``PolicyViolationError`` for a
    malformed token, a header outside the allow-list or a payload that is not a canonical JSON
    object; ``SignerUntrustedError`` for an unknown kid; ``SignatureInvalidError`` for a
    signature that does not verify. Messages never carry key material or payload content.
    """
    raw, header, segments = _split(token)
    kid = _check_header(header, typ)
    try:
        b64url_decode(segments[1])
        b64url_decode(segments[2])
    except ValueError:
        raise PolicyViolationError("JWS segment is not base64url") from None
    try:
        public = resolve(kid)
    except LookupError:
        raise SignerUntrustedError("the signing key is not trusted") from None
    if not isinstance(public, Ed25519PublicKey):
        raise SignerUntrustedError("the signing key is not an Ed25519 key")
    try:
        obj = jws.deserialize_compact(raw, OKPKey.import_key(public), registry=_REGISTRY)
    except BadSignatureError:
        raise SignatureInvalidError("the JWS signature does not verify") from None
    except Exception:  # pragma: no cover - every structural problem was refused above
        # Whatever the library raises on hostile input must not escape as its own type.
        raise PolicyViolationError("the JWS cannot be read") from None
    payload_bytes = obj.payload
    try:
        payload = parse_strict_json(payload_bytes)
    except ValueError:
        raise PolicyViolationError("JWS payload is not JSON") from None
    if not isinstance(payload, dict):
        raise PolicyViolationError("JWS payload is not a JSON object")
    try:
        canonical = canonical_json(payload)
    except ValueError:
        raise PolicyViolationError("JWS payload cannot be canonicalised") from None
    # Requiring the signed bytes to be canonical makes "same payload, same bytes" checkable.
    if canonical != payload_bytes:
        raise PolicyViolationError("JWS payload is not canonical JSON")
    return Verified(kid=kid, header=header, payload=payload, payload_bytes=payload_bytes)


def unverified_kid(token: str | bytes) -> str:
    """The header's kid, unverified: for routing and logging only, never for trust."""
    _, header, _ = _split(token)
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise PolicyViolationError("JWS kid is missing")
    return kid
