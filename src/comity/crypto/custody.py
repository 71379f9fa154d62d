"""Custody records signed by the node of the State where each step happened, and their file.

A record is a compact JWS (EdDSA, typ ``comity-evidence-custody/1``) over the canonical JSON
of ``CustodyRecord.to_document()``. A package directory keeps its chain in ``custody.jsonl``,
one token per line in chain order, beside ``manifest.jws``; nodes only ever append to it.

Verification checks every signature first, then that each record was signed by a key of the
State it names as its place, then the chain itself (``check_chain``). Signature failures keep
their trust codes (``SIG_INVALID``, ``SIGNER_UNTRUSTED``, ``POLICY_VIOLATION``) with the
record's position added; everything else about the chain is ``CUSTODY_BROKEN``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from comity.crypto.evidence import read_manifest
from comity.crypto.jose import MAX_TOKEN_BYTES, sign_compact, verify_compact
from comity.crypto.keys import NodeKeys, ed25519_from_jwk
from comity.domain.custody import CustodyRecord, check_chain
from comity.domain.directory import Directory
from comity.domain.errors import (
    CustodyBrokenError,
    PackageUnsafeError,
    SignerUntrustedError,
    TrustError,
)
from comity.domain.evidence import Manifest

__all__ = [
    "CUSTODY_FILE",
    "CUSTODY_TYP",
    "MAX_CUSTODY_BYTES",
    "append_custody_file",
    "directory_signers",
    "read_custody_file",
    "sign_record",
    "verify_custody_for_node",
    "verify_records",
    "write_custody_file",
]

CUSTODY_TYP = "comity-evidence-custody/1"
CUSTODY_FILE = "custody.jsonl"
#: Largest custody file read: some tens of thousands of records, far more than any chain has.
MAX_CUSTODY_BYTES = 16 * 1024 * 1024

SignerResolver = Callable[[str], tuple[str, Ed25519PublicKey]]


def sign_record(record: CustodyRecord, keys: NodeKeys) -> str:
    """The record signed with the node's signing key: one line of ``custody.jsonl``."""
    return sign_compact(record.to_document(), keys.signing, keys.signing_kid, typ=CUSTODY_TYP)


def directory_signers(directory: Directory) -> SignerResolver:
    """Resolve a kid to the State that publishes it as a signing key in ``directory``."""

    def resolve(kid: str) -> tuple[str, Ed25519PublicKey]:
        entry, key = directory.signer(kid)
        return entry.code, ed25519_from_jwk(key.jwk)

    return resolve


def verify_records(
    tokens: Sequence[str],
    resolve_signer: SignerResolver,
    *,
    package_id: str,
    sender_state: str,
    merkle_root: str,
    require: bool = False,
) -> list[CustodyRecord]:
    """Verify a package's custody chain and return its records in order.

    ``resolve_signer`` maps a kid to ``(state code, key)`` and raises ``LookupError`` or
    ``SignerUntrustedError`` for a key it does not trust. No tokens at all is an empty chain
    (a package sealed before custody records existed) unless ``require`` is set, when it is
    ``CUSTODY_BROKEN`` like any other fault.
    """
    if not tokens and not require:
        return []
    signed: list[tuple[str, CustodyRecord]] = []
    for index, token in enumerate(tokens):
        try:
            state, payload = _verify(token, resolve_signer)
        except TrustError as error:
            raise type(error)(f"custody record {index}: {error.detail}") from None
        record = CustodyRecord.from_document(payload)
        if state != record.place:
            raise CustodyBrokenError(
                f"custody record {index} is signed by {state}, not by {record.place}"
            )
        signed.append((token, record))
    check_chain(signed, package_id=package_id, sender_state=sender_state, merkle_root=merkle_root)
    return [record for _, record in signed]


def _verify(token: str, resolve_signer: SignerResolver) -> tuple[str, dict[str, Any]]:
    """One record's signature checked: the signer's State and the verified payload."""
    states: list[str] = []

    def resolve(kid: str) -> Ed25519PublicKey:
        state, key = resolve_signer(kid)
        states.append(state)
        return key

    verified = verify_compact(token, resolve, typ=CUSTODY_TYP)
    return states[0], verified.payload


def read_custody_file(pkg_dir: Path) -> list[str]:
    """The tokens in ``custody.jsonl``, in order; ``[]`` if the package has none.

    A link or other non-regular file is ``PACKAGE_UNSAFE``; a file too large, not ASCII, with
    an empty line or a last line cut short (no final newline) is ``CUSTODY_BROKEN``.
    """
    path = pkg_dir / CUSTODY_FILE
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return []
    if not stat.S_ISREG(mode):
        raise PackageUnsafeError(f"{CUSTODY_FILE} is not a regular file")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(MAX_CUSTODY_BYTES + 1)
    if len(data) > MAX_CUSTODY_BYTES:
        raise CustodyBrokenError(f"{CUSTODY_FILE} is too large")
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise CustodyBrokenError(f"the last line of {CUSTODY_FILE} is cut short")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise CustodyBrokenError(f"{CUSTODY_FILE} is not ASCII") from None
    lines = text[:-1].split("\n")
    for number, line in enumerate(lines, start=1):
        if not line:
            raise CustodyBrokenError(f"line {number} of {CUSTODY_FILE} is empty")
    return lines


def _check_token(token: str) -> bytes:
    raw = token.encode("ascii")
    if not raw or b"\n" in raw or b"\r" in raw or len(raw) > MAX_TOKEN_BYTES:
        raise ValueError("a custody token is one non-empty line")
    return raw


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_custody_file(pkg_dir: Path, tokens: Sequence[str]) -> None:
    """Write ``custody.jsonl`` (0600) holding ``tokens``, replacing any earlier one atomically.

    The lines go to a temporary file that is synced and then renamed over the old file, so a
    crash leaves either the old chain or the new one, never a mix.
    """
    data = b"".join(_check_token(token) + b"\n" for token in tokens)
    temporary = pkg_dir / f".{CUSTODY_FILE}.tmp"
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, pkg_dir / CUSTODY_FILE)
    _sync_dir(pkg_dir)


def append_custody_file(pkg_dir: Path, token: str) -> None:
    """Append one token to ``custody.jsonl`` (created 0600 if absent) and sync it to disk.

    Refused with ``CUSTODY_BROKEN`` if the file's last line was cut short (a crash during an
    earlier append): appending after it would glue two records into one line.
    """
    line = _check_token(token) + b"\n"
    path = pkg_dir / CUSTODY_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as error:
        raise PackageUnsafeError(f"{CUSTODY_FILE} cannot be opened: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PackageUnsafeError(f"{CUSTODY_FILE} is not a regular file")
        created = info.st_size == 0
        if not created and os.pread(fd, 1, info.st_size - 1) != b"\n":
            raise CustodyBrokenError(f"the last line of {CUSTODY_FILE} is cut short")
        _write_all(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _sync_dir(pkg_dir)


def verify_custody_for_node(
    pkg_dir: Path, *, directory: Directory, require: bool = True
) -> tuple[Manifest, list[CustodyRecord]]:
    """A package's manifest and verified custody chain, every signer resolved in a node's
    directory: the manifest must be signed by its sender State, each record by the State it
    names as its place. A package without ``custody.jsonl`` is ``CUSTODY_BROKEN`` when
    ``require`` is set (the default), and has an empty chain otherwise."""
    resolve = directory_signers(directory)
    kid, manifest = read_manifest(pkg_dir, lambda kid: resolve(kid)[1])
    signer_state = resolve(kid)[0]
    if signer_state != manifest.sender_state:
        raise SignerUntrustedError(f"the manifest is signed by {signer_state}, not its sender")
    records = verify_records(
        read_custody_file(pkg_dir),
        resolve,
        package_id=manifest.package_id,
        sender_state=manifest.sender_state,
        merkle_root=manifest.merkle_root,
        require=require,
    )
    return manifest, records
