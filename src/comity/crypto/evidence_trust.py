"""Signatures of evidence packages for the node (implements ``EvidenceTrust``): this node's
custody records, and the manifests and custody chains that arrive from other States."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from comity.crypto.custody import directory_signers, sign_record, verify_records
from comity.crypto.evidence import read_manifest_token
from comity.crypto.jose import b64url_decode, parse_strict_json
from comity.crypto.keys import NodeKeys, ed25519_from_jwk
from comity.domain.custody import CustodyRecord
from comity.domain.directory import Directory
from comity.domain.errors import PolicyViolationError, SignerUntrustedError
from comity.domain.evidence import Manifest

# Manifests kept parsed: the packages being received or sent at the same time.
_CACHED_MANIFESTS = 16


class NodeEvidenceTrust:
    """Signs with the node's key; verifies against the installed directory."""

    def __init__(self, keys: NodeKeys) -> None:
        self._keys = keys
        # Every chunk that arrives is checked against its package's manifest: parsing a
        # manifest of a thousand digests for each would cost more than hashing the chunk.
        self._parsed: dict[str, Manifest] = {}
        self._lock = threading.Lock()

    def sign_custody(self, record: CustodyRecord) -> str:
        return sign_record(record, self._keys)

    def verify_custody(
        self,
        tokens: Sequence[str],
        directory: Directory,
        *,
        package_id: str,
        sender_state: str,
        merkle_root: str,
    ) -> list[CustodyRecord]:
        return verify_records(
            tokens,
            directory_signers(directory),
            package_id=package_id,
            sender_state=sender_state,
            merkle_root=merkle_root,
            require=True,
        )

    def read_manifest(self, token: str, directory: Directory) -> Manifest:
        signers: dict[str, str] = {}

        def resolve(kid: str) -> Ed25519PublicKey:
            entry, key = directory.signer(kid)
            signers[kid] = entry.code
            return ed25519_from_jwk(key.jwk)

        kid, manifest = read_manifest_token(token.encode("ascii"), resolve)
        if signers[kid] != manifest.sender_state:
            raise SignerUntrustedError(
                f"the manifest is signed by {signers[kid]}, not by its sender"
            )
        return manifest

    def stored_manifest(self, token: str) -> Manifest:
        # The node verified this token before it stored it; reading it back needs no key.
        with self._lock:
            cached = self._parsed.get(token)
        if cached is not None:
            return cached
        parts = token.split(".")
        if len(parts) != 3:
            raise PolicyViolationError("a stored manifest is not a compact JWS")
        manifest = Manifest.from_document(
            parse_strict_json(b64url_decode(parts[1].encode("ascii")))
        )
        with self._lock:
            if len(self._parsed) >= _CACHED_MANIFESTS:
                self._parsed.pop(next(iter(self._parsed)))
            self._parsed[token] = manifest
        return manifest
