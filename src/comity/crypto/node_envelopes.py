"""This node's keys at work for the services (implements ``services.ports.Envelopes``)."""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from comity.crypto.envelope import open_envelope, seal
from comity.crypto.jose import sign_compact, verify_compact
from comity.crypto.keys import NodeKeys, ed25519_from_jwk, x25519_from_jwk
from comity.domain.directory import Directory, StateEntry
from comity.domain.errors import SignerUntrustedError
from comity.services.transport_ports import Opened


class NodeEnvelopes:
    """Seals with the node's signing key, opens with its encryption key; resolves every other
    State's keys in the directory the caller trusts at that moment."""

    def __init__(self, keys: NodeKeys) -> None:
        self._keys = keys

    def seal(self, payload: Mapping[str, object], recipient: StateEntry) -> bytes:
        """Sign with this node's key and encrypt to the recipient's published key."""
        key = recipient.encryption_key
        return seal(
            payload,
            signer=self._keys.signing,
            signer_kid=self._keys.signing_kid,
            recipient=x25519_from_jwk(key.jwk),
            recipient_kid=key.kid,
        )

    def open(self, data: bytes, directory: Directory) -> Opened:
        """Decrypt with this node's key; verify against the signing State's published key."""
        signers: dict[str, str] = {}

        def resolve(kid: str) -> Ed25519PublicKey:
            entry, key = directory.signer(kid)
            signers[kid] = entry.code
            return ed25519_from_jwk(key.jwk)

        verified = open_envelope(
            data,
            recipient=self._keys.encryption,
            recipient_kid=self._keys.encryption_kid,
            resolve_signer=resolve,
        )
        return Opened(
            signer_state=signers[verified.kid], kid=verified.kid, payload=verified.payload
        )

    def sign(self, payload: Mapping[str, object], *, typ: str) -> str:
        """A compact JWS by this node's signing key."""
        return sign_compact(payload, self._keys.signing, self._keys.signing_kid, typ=typ)

    def verify(
        self, token: str, directory: Directory, *, state: str, typ: str
    ) -> dict[str, object]:
        """The payload of a JWS signed by a key ``state`` publishes."""

        def resolve(kid: str) -> Ed25519PublicKey:
            entry, key = directory.signer(kid)
            if entry.code != state:
                raise SignerUntrustedError(f"{kid} is not a key of {state}")
            return ed25519_from_jwk(key.jwk)

        return verify_compact(token, resolve, typ=typ).payload
