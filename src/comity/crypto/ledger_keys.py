"""The node's audit-log key set, as the ledger services see it (implements ``LedgerKeys``).

Checkpoints and cosignatures are signed with the node's Ed25519 signing key, the key the
State's root publishes in the directory: a witness needs no other trust than the directory
it already has. Old keys stay listed there, so notes signed before a rotation still verify.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from comity.crypto.keys import ed25519_from_jwk
from comity.crypto.notes import NoteSigner, verify_cosignature, verify_note
from comity.domain.directory import StateEntry
from comity.domain.errors import DomainError, SignerUntrustedError
from comity.domain.ledger.checkpoints import NoteSignature, SignedNote


class NodeLedgerKeys:
    """Signs this node's notes; checks other States' notes against their published keys."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def public_key(self) -> bytes:
        """The raw public key of the node's signing key."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def sign(self, name: str, body: str) -> NoteSignature:
        """Sign ``body`` as ``name`` (a log's checkpoint, an integrity report)."""
        return NoteSigner(self._key, name).sign(body)

    def cosign(self, name: str, body: str, timestamp: int) -> NoteSignature:
        """Cosign another log's checkpoint ``body`` as the witness ``name``."""
        return NoteSigner(self._key, name).cosign(body, timestamp)

    def verify(self, note: SignedNote, name: str, entry: StateEntry) -> None:
        """One of ``entry``'s published signing keys signed ``note`` as ``name``."""
        _first_that_verifies(
            entry, lambda key: verify_note(note, name, key), f"{entry.code} did not sign it"
        )

    def verify_cosignature(self, note: SignedNote, name: str, entry: StateEntry) -> int:
        """``entry`` cosigned ``note`` as the witness ``name``; the cosignature's time."""
        return _first_that_verifies(
            entry,
            lambda key: verify_cosignature(note, name, key),
            f"{entry.code} did not cosign it",
        )

    def state_public_keys(self, entry: StateEntry) -> list[bytes]:
        """The raw Ed25519 signing keys ``entry`` publishes, oldest first."""
        return published_keys(entry)


def published_keys(entry: StateEntry) -> list[bytes]:
    """The raw Ed25519 signing keys ``entry`` publishes, oldest first."""
    return [
        ed25519_from_jwk(key.jwk).public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        for key in entry.keys
        if key.purpose == "sig"
    ]


def _first_that_verifies(
    entry: StateEntry, check: Callable[[bytes], int | None], nobody: str
) -> int:
    """Try each published signing key of ``entry``; the first that verifies wins (its
    result, or 0). A note signed by none of them is ``SignerUntrustedError``, unless a key
    with the right name and key hash carried a bad signature: that one says so."""
    failure: DomainError | None = None
    for key in published_keys(entry):
        try:
            return check(key) or 0
        except DomainError as error:
            failure = error
    if failure is not None and not isinstance(failure, SignerUntrustedError):
        raise failure
    raise SignerUntrustedError(nobody)
