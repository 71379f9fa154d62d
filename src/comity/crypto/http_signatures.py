"""RFC 9421 HTTP message signatures between nodes (Ed25519), with RFC 9530 Content-Digest.

Mutual TLS is the gate; the signature's key id, resolved in the directory, is the identity of
the calling node (uvicorn does not pass client certificates to the application). Each call is
signed afresh with a creation time and a random nonce, so a captured call cannot be replayed
and the envelope inside stays byte-identical across retries.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

from comity.crypto.keys import ed25519_from_jwk
from comity.domain.directory import Directory
from comity.domain.errors import (
    ClockSkewError,
    DomainError,
    PolicyViolationError,
    SignatureInvalidError,
    SignerUntrustedError,
)

TAG = "comity-federation"
COVERED = ("@method", "@authority", "@path", "content-type", "content-digest")
ENVELOPE_MEDIA_TYPE = "application/jose"
MESSAGES_PATH = "/federation/v1/messages"
# Evidence packages: ``{EVIDENCE_PATH}/{package}`` (offer), ``…/chunks/{index}``, ``…/complete``.
EVIDENCE_PATH = "/federation/v1/evidence"
# The audit-log witness: ``…/add-checkpoint`` (C2SP tlog-witness), ``…/views``, ``…/integrity``.
AUDIT_PATH = "/federation/v1/audit"


@dataclass
class _Message:
    """The minimal request shape the signature library reads and writes."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


class RequestSigner:
    """Signs outgoing calls with the node's Ed25519 key."""

    def __init__(self, key: Ed25519PrivateKey, kid: str) -> None:
        self._kid = kid
        self._signer = HTTPMessageSigner(
            signature_algorithm=algorithms.ED25519, key_resolver=_PrivateKey(key, kid)
        )

    def headers(
        self,
        *,
        url: str,
        body: bytes,
        now: datetime,
        content_type: str = ENVELOPE_MEDIA_TYPE,
    ) -> dict[str, str]:
        """The headers of a signed POST of ``body`` to ``url``."""
        message = _Message("POST", url, {"Content-Type": content_type})
        # The library adds Content-Digest (RFC 9530) over ``body`` and covers it.
        self._signer.sign(
            message,
            key_id=self._kid,
            covered_component_ids=COVERED,
            created=now,
            nonce=secrets.token_urlsafe(16),
            tag=TAG,
            body=body,
        )
        return message.headers


@dataclass(frozen=True)
class SignedCall:
    """Who signed a call, and the values replay detection needs."""

    state: str
    kid: str
    nonce: str
    created: datetime


def verify_call(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    directory: Directory,
    now: datetime,
    skew: timedelta,
) -> SignedCall:
    """Check an incoming call's signature; raise a ``TrustError`` naming what is wrong.

    The signature always covers the ``Content-Digest`` header. ``body`` is checked against
    it here, unless it is None: then the caller has already compared the body with that
    header (the evidence routes do, to hash a multi-MiB chunk once rather than three times).
    """
    wanted = {"signature-input", "signature", "content-digest", "content-type"}
    picked = {name: value for name, value in headers.items() if name.lower() in wanted}
    if not {"signature-input", "signature"} <= {name.lower() for name in picked}:
        raise PolicyViolationError("the call carries no HTTP message signature")
    resolver = _DirectoryKeys(directory)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    # Creation time is checked below against the node's own (injectable) clock.
    verifier.max_clock_skew = timedelta(days=36500)
    try:
        results = verifier.verify(
            _Message(method, url, picked),
            max_age=None,
            expect_tag=TAG,
            require_components=COVERED,
            body=body,
        )
    except HTTPMessageSignaturesException as error:
        if resolver.failure is not None:
            raise resolver.failure from None
        raise SignatureInvalidError(f"the HTTP signature does not verify: {error}") from None
    result = results[0]
    kid = str(result.parameters["keyid"])
    nonce = result.nonce
    if not isinstance(nonce, str) or not nonce:
        raise PolicyViolationError("the HTTP signature carries no nonce")
    created = datetime.fromtimestamp(int(result.parameters["created"]), tz=UTC)
    if abs(now - created) > skew:
        raise ClockSkewError(
            f"the call was signed at {created.isoformat()}, outside the tolerated clock "
            f"difference of {int(skew.total_seconds())} s"
        )
    entry, _ = directory.signer(kid)
    return SignedCall(state=entry.code, kid=kid, nonce=nonce, created=created)


class _PrivateKey(HTTPSignatureKeyResolver):
    def __init__(self, key: Ed25519PrivateKey, kid: str) -> None:
        self._key, self._kid = key, kid

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        if key_id != self._kid:
            raise KeyError(key_id)
        return self._key


class _DirectoryKeys(HTTPSignatureKeyResolver):
    """Resolves key ids in the directory; remembers why a key was refused."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self.failure: DomainError | None = None

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        try:
            _, key = self._directory.signer(key_id)
            return ed25519_from_jwk(key.jwk)
        except (SignerUntrustedError, PolicyViolationError) as error:
            self.failure = error
            return None
