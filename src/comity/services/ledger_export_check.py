"""Checking an exported audit trail with nothing but the file (``comity audit verify-export``).

The checkpoint must carry the log key's signature; each witness listed must have cosigned
it; each leaf must be canonical, name the request, and be proven included in the signed
tree. Any changed byte breaks one of these.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from comity.domain.errors import DomainError, ProofInvalidError
from comity.domain.ledger.checkpoints import SignedNote, parse_checkpoint, parse_note
from comity.domain.ledger.leaves import parse_leaf
from comity.domain.ledger.merkle import leaf_hash, verify_inclusion
from comity.services.ledger_audit import EXPORT_FORMAT, export_body

# Every field an export has: any other (or a missing one) fails.
EXPORT_FIELDS = frozenset(
    {
        "format",
        "origin",
        "request_id",
        "exported_at",
        "log_key",
        "witnesses",
        "checkpoint",
        "leaves",
        "not_yet_checkpointed",
        "signature",
    }
)
# (note, key name, raw public key) -> None, raising when the key did not sign the note.
NoteVerifier = Callable[[SignedNote, str, bytes], None]
# The same for a witness's timestamped cosignature; returns its time.
CosignatureVerifier = Callable[[SignedNote, str, bytes], int]


@dataclass(frozen=True)
class ExportReport:
    """An export that verified."""

    origin: str
    request_id: str
    checkpoint_size: int
    leaves: int
    witnesses: list[str]
    log_key_sha256: str
    not_yet_checkpointed: int


def verify_export(
    data: bytes,
    *,
    verify_note: NoteVerifier,
    verify_cosignature: CosignatureVerifier,
    pinned_log_key: bytes | None = None,
) -> ExportReport:
    """Verify an export; ``ProofInvalidError`` (or another domain error) says what failed.

    Without ``pinned_log_key`` the key inside the file is used: the report gives its
    SHA-256 so that it can be compared with the one the State publishes."""
    try:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("format") != EXPORT_FORMAT:
            raise ProofInvalidError(f"this is not a {EXPORT_FORMAT} file")
        origin = _text(raw, "origin")
        request_id = _text(raw, "request_id")
        log_key = base64.b64decode(_text(raw, "log_key"), validate=True)
        note = parse_note(_text(raw, "checkpoint"))
        leaves = raw["leaves"]
        witnesses = raw["witnesses"]
        pending = raw["not_yet_checkpointed"]
        if not isinstance(leaves, list) or not isinstance(witnesses, list):
            raise ProofInvalidError("leaves and witnesses must be lists")
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ProofInvalidError(f"the export is not readable: {error}") from None
    if pinned_log_key is not None and log_key != pinned_log_key:
        raise ProofInvalidError("the export's log key is not the pinned key")
    if set(raw) != EXPORT_FIELDS:
        raise ProofInvalidError("the export has other fields than its format's")
    try:
        signed = parse_note(export_body(raw) + "\n" + _text(raw, "signature") + "\n")
        verify_note(signed, origin + "/export", log_key)
    except (DomainError, TypeError) as error:
        raise ProofInvalidError(f"the export's own signature does not verify: {error}") from None
    checkpoint = parse_checkpoint(note.body)
    if checkpoint.origin != origin:
        raise ProofInvalidError("the checkpoint is of another log than the export says")
    verify_note(note, origin, log_key)
    cosigned = [_check_witness(note, witness, verify_cosignature) for witness in witnesses]
    for position, item in enumerate(leaves):
        _check_leaf(item, position, request_id, checkpoint.size, checkpoint.root)
    return ExportReport(
        origin=origin,
        request_id=request_id,
        checkpoint_size=checkpoint.size,
        leaves=len(leaves),
        witnesses=cosigned,
        log_key_sha256=hashlib.sha256(log_key).hexdigest(),
        not_yet_checkpointed=int(pending),
    )


def _check_witness(note: SignedNote, witness: Any, verify: CosignatureVerifier) -> str:
    try:
        state, name = str(witness["state"]), str(witness["name"])
        keys = [base64.b64decode(k, validate=True) for k in witness["keys"]]
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise ProofInvalidError(f"a witness entry is not readable: {error}") from None
    failure: DomainError | None = None
    for key in keys:
        try:
            verify(note, name, key)
            return state
        except DomainError as error:
            failure = error
    raise ProofInvalidError(
        f"{state}'s cosignature does not verify" + (f": {failure.detail}" if failure else "")
    )


def _check_leaf(item: Any, position: int, request_id: str, size: int, root: bytes) -> None:
    try:
        index = item["index"]
        text = item["leaf"]
        proof = [bytes.fromhex(p) for p in item["proof"]]
        if not isinstance(index, int) or not isinstance(text, str):
            raise TypeError("index and leaf")
    except (KeyError, TypeError, ValueError) as error:
        raise ProofInvalidError(f"leaf entry {position} is not readable: {error}") from None
    try:
        leaf = parse_leaf(text)
    except DomainError as error:
        raise ProofInvalidError(f"leaf {index}: {error.detail}") from None
    if leaf.index != index:
        raise ProofInvalidError(f"leaf entry {position} says {index} but holds leaf {leaf.index}")
    if request_id not in (leaf.request_id, leaf.object_id):
        raise ProofInvalidError(f"leaf {index} does not name request {request_id}")
    try:
        verify_inclusion(leaf_hash(text.encode("ascii")), index, size, proof, root)
    except ProofInvalidError as error:
        raise ProofInvalidError(f"leaf {index} is not in the signed tree: {error.detail}") from None


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw[name]
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text")
    return value
