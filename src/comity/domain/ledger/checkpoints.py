"""C2SP checkpoints, signed notes and witness requests: the texts a log signs and sends.

A checkpoint body is ``origin``, tree size, ``base64(root)`` and one extension line
``time <unix seconds>`` (c2sp.org/tlog-checkpoint). A signed note is a body, a blank line and
signature lines ``— <name> base64(key hash || signature)`` (c2sp.org/signed-note). A witness
receives ``old <size>``, the consistency proof in base64 lines, a blank line and the note
(c2sp.org/tlog-witness). All of it arrives from other States, so reading is strict: one exact
form for every number and hash, bounded sizes, and ``CheckpointError`` for anything else.
Signing and verifying are in ``comity.crypto.notes``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from comity.domain.errors import CheckpointError

#: Signature type bytes of c2sp.org/signed-note: Ed25519, and the timestamped cosignature.
ED25519 = 0x01
COSIGNATURE_V1 = 0x04
# Limits on what is read: a note's UTF-8 size, its signatures, a witness call's proof lines.
MAX_NOTE_BYTES = 16 * 1024
MAX_SIGNATURES = 100
MAX_PROOF_LINES = 63
# Sizes and times are uint64 on the wire; cosignature timestamps must stay below 2**63.
_MAX_NUMBER = 2**63 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")
# ASCII control characters other than the newline, which no note may contain.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_DASH = "\u2014 "


def _name_ok(name: str) -> bool:
    # Key names and origins: non-empty, no Unicode space, no plus, no control character.
    return bool(name) and not any(c.isspace() or c == "+" or c < " " for c in name)


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise CheckpointError(f"{what} is not valid UTF-8") from None


def _number(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text) or int(text) > _MAX_NUMBER:
        raise CheckpointError(f"the {what} is not a decimal number without leading zeros")
    return int(text)


def _base64(text: str, what: str) -> bytes:
    # Only the one canonical encoding: no whitespace, right padding, zero padding bits.
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raw = b""
    if not raw or base64.b64encode(raw).decode() != text:
        raise CheckpointError(f"the {what} is not canonical standard base64")
    return raw


def _hash(text: str, what: str) -> bytes:
    raw = _base64(text, what)
    if len(raw) != 32:
        raise CheckpointError(f"the {what} is not a 32-byte hash")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed tree head: its origin, size, root hash and signing time (unix seconds)."""

    origin: str
    size: int
    root: bytes
    time: int

    def __post_init__(self) -> None:
        if not _name_ok(self.origin):
            raise CheckpointError("a checkpoint's origin is empty or has a space or a plus")
        _utf8(self.origin, "the origin")
        if not (0 <= self.size <= _MAX_NUMBER and 0 <= self.time <= _MAX_NUMBER):
            raise CheckpointError("a checkpoint's size and time are 0 to 2**63 - 1")
        if len(self.root) != 32:
            raise CheckpointError("a checkpoint's root is a 32-byte hash")

    def body(self) -> str:
        """The note text: origin, size, base64 root and the ``time`` extension line."""
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\ntime {self.time}\n"


def parse_checkpoint(body: str) -> Checkpoint:
    """The checkpoint whose note text is exactly ``body``; ``CheckpointError`` otherwise."""
    lines = body.split("\n")
    if len(lines) != 5 or lines[4] or not lines[3].startswith("time "):
        raise CheckpointError("a checkpoint is origin, size, root and time lines, each ended")
    size = _number(lines[1], "tree size")
    return Checkpoint(lines[0], size, _hash(lines[2], "root"), _number(lines[3][5:], "time"))


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name, its 4-byte key hash, and the signature bytes."""

    name: str
    key_hash: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if not _name_ok(self.name) or len(self.key_hash) != 4 or not self.signature:
            raise CheckpointError("a note signature needs a key name, a key hash and bytes")
        _utf8(self.name, "the key name")

    def line(self) -> str:
        """The signature line, ending in a newline."""
        return f"{_DASH}{self.name} {_b64(self.key_hash + self.signature)}\n"


@dataclass(frozen=True)
class SignedNote:
    """A note text (ending in a newline) and its signatures, in the order they came."""

    body: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        if not self.body.endswith("\n") or _CONTROL.search(self.body):
            raise CheckpointError("a note's text ends in a newline and has no control character")
        _utf8(self.body, "the note")
        if len(self.signatures) > MAX_SIGNATURES:
            raise CheckpointError(f"a note carries at most {MAX_SIGNATURES} signatures")

    def text(self) -> str:
        """The signed note: body, blank line, signature lines."""
        return self.body + "\n" + "".join(signature.line() for signature in self.signatures)

    def with_signature(self, signature: NoteSignature) -> SignedNote:
        """This note with ``signature`` added at the end (once: a repeat changes nothing)."""
        if signature in self.signatures:
            return self
        return SignedNote(self.body, (*self.signatures, signature))


def parse_note(text: str) -> SignedNote:
    """Read a signed note (c2sp.org/signed-note); ``CheckpointError`` if it is malformed."""
    if len(_utf8(text, "the note")) > MAX_NOTE_BYTES:
        raise CheckpointError(f"a note is at most {MAX_NOTE_BYTES} bytes")
    if _CONTROL.search(text):
        raise CheckpointError("a note contains a control character")
    split = text.rfind("\n\n")
    block = text[split + 2 :]
    if split < 0 or not block.endswith("\n"):
        raise CheckpointError("a note is a text, a blank line, then signature lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return SignedNote(text[: split + 1], tuple(_signature(line) for line in lines))


def _signature(line: str) -> NoteSignature:
    name, space, encoded = line.removeprefix(_DASH).partition(" ")
    if not line.startswith(_DASH) or not space:
        raise CheckpointError("a signature line is an em dash, a space, a name and a signature")
    raw = _base64(encoded, "signature")
    if len(raw) < 5:
        raise CheckpointError("a signature is a key hash and at least one byte")
    return NoteSignature(name, raw[:4], raw[4:])


def key_hash(name: str, algorithm: int, public_key: bytes) -> bytes:
    """The key hash of c2sp.org/signed-note: SHA-256(name, newline, type, key), 4 bytes."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public_key).digest()[:4]


def cosigned_message(body: str, timestamp: int) -> bytes:
    """What a c2sp.org/tlog-cosignature (v1, Ed25519) signs over the checkpoint ``body``."""
    if not 0 <= timestamp <= _MAX_NUMBER:
        raise CheckpointError("a cosignature's timestamp is 0 to 2**63 - 1")
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body.encode()


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: SignedNote) -> bytes:
    """The body of a c2sp.org/tlog-witness ``add-checkpoint`` request."""
    if old_size < 0 or len(proof) > MAX_PROOF_LINES or any(len(p) != 32 for p in proof):
        raise CheckpointError("an add-checkpoint call has a size and up to 63 32-byte hashes")
    lines = "".join(_b64(value) + "\n" for value in proof)
    return f"old {old_size}\n{lines}\n{note.text()}".encode()


def parse_add_checkpoint(body: bytes) -> tuple[int, list[bytes], SignedNote]:
    """Read an ``add-checkpoint`` body: the old size, the proof, the signed checkpoint."""
    if len(body) > MAX_NOTE_BYTES + 4096:
        raise CheckpointError("the add-checkpoint body is too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointError("the add-checkpoint body is not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    lines = head.split("\n")
    if not blank or not lines[0].startswith("old ") or len(lines) > MAX_PROOF_LINES + 1:
        raise CheckpointError("add-checkpoint is an old size, up to 63 proof lines, a note")
    proof = [_hash(line, "consistency proof line") for line in lines[1:]]
    return _number(lines[0][4:], "old size"), proof, parse_note(note)
