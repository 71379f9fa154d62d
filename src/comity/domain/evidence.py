"""Electronic evidence packages: the manifest, its strict document form and the Merkle root.

A package is a set of files split into fixed-size plaintext chunks (the last chunk of each
file shorter, an empty file having none), numbered globally in file order. Each chunk travels
sealed: its AES-256-GCM ciphertext followed by the 16-byte tag (``TAG_BYTES``), so a sealed
chunk is ``TAG_BYTES`` longer than its plaintext, and it is stored as ``chunks/NNNNNNNN``
(``chunk_file_name``). The manifest lists every file with its size, media type, the SHA-256
of its whole plaintext and its chunk range; the SHA-256 of every sealed chunk exactly as
stored (ciphertext and tag); an RFC 9162 Merkle root over those sealed-chunk digests; and the
acquisition record (who acquired the evidence, when, how, with which tool, from which device
or account, under which request). The node signs the manifest.

Because the chunk digests are over the sealed bytes, anyone holding the signed manifest can
check every chunk without the content key (a node receiving an upload checks each chunk as it
arrives, ``Manifest.check_sealed_chunk``); the recipient, who holds the key, also learns that
the decrypted files match their plaintext digests.

Everything here is pure: no clock, no randomness, no file access. Reading a manifest is strict,
because it arrives from another State: unknown members, wrong types, unsafe paths and
inconsistent chunk ranges are refused with ``PackageUnsafeError`` naming the member.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from comity.domain.errors import DigestMismatchError, PackageUnsafeError

# The RFC 9162 Merkle root lives with the audit ledger, which shares it; evidence re-exports it.
from comity.domain.ledger.merkle import merkle_root

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MANIFEST_VERSION",
    "TAG_BYTES",
    "AcquisitionRecord",
    "FileEntry",
    "Manifest",
    "VerifyReport",
    "check_package_id",
    "check_path",
    "chunk_count",
    "chunk_file_name",
    "merkle_root",
    "sealed_length",
]

MANIFEST_VERSION = 1
#: Default chunk size: large enough that per-chunk overhead vanishes, small enough to resume.
DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024
# Chunks above this size would make memory use depend on the sender's choice.
_MAX_CHUNK_SIZE = 64 * 1024 * 1024
#: Bytes a sealed chunk adds to its plaintext: the AES-GCM authentication tag.
TAG_BYTES = 16
# Integers beyond 2**53 cannot travel exactly in canonical JSON.
_MAX_INT = 2**53
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_PACKAGE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_MANIFEST_MEMBERS = frozenset(
    {
        "version",
        "package_id",
        "sender_state",
        "recipient_state",
        "request_reference",
        "chunk_size",
        "chunks",
        "merkle_root",
        "files",
        "acquisition",
        "created_at",
    }
)
_FILE_MEMBERS = frozenset({"path", "size", "media_type", "sha256", "first_chunk", "chunk_count"})
_ACQUISITION_MEMBERS = frozenset(
    {"acquired_by", "acquired_at", "method", "tool", "source", "request_reference"}
)


def check_path(path: str) -> str:
    """Return ``path`` if it is a safe relative POSIX path inside a package.

    Refused with ``PackageUnsafeError``: an empty path, an absolute path, a backslash (a
    Windows separator on the recipient's side), a control character (NUL, a line feed: a name
    no link or header can carry), a bidirectional override (which makes ``exe.pdf`` display
    as ``fdp.exe``), an empty component, ``.`` or ``..``.
    """
    if not isinstance(path, str) or not path:
        raise PackageUnsafeError("a file path is empty")
    if any(_hidden_or_control(character) for character in path):
        raise PackageUnsafeError(f"the file path {path!r} contains a control character")
    if path.startswith("/") or "\\" in path:
        raise PackageUnsafeError(f"the file path {path!r} is absolute or not POSIX")
    for part in path.split("/"):
        if part in ("", ".", ".."):
            raise PackageUnsafeError(f"the file path {path!r} has an unsafe component")
    return path


# Invisible characters that change how a name reads: the bidirectional embeddings, overrides,
# isolates and marks, the zero-width space, the word joiner and the byte-order mark. The
# zero-width (non-)joiners are left alone: Persian and Indic names need them.
_HIDDEN = frozenset("\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060")
_HIDDEN_ISOLATES = frozenset("\u2066\u2067\u2068\u2069\ufeff")


def _hidden_or_control(character: str) -> bool:
    """True for control characters (Cc) and the invisible characters in ``_HIDDEN``."""
    return (
        unicodedata.category(character) == "Cc"
        or character in _HIDDEN
        or character in _HIDDEN_ISOLATES
    )


def check_package_id(package_id: str) -> str:
    """Return ``package_id`` if it is 1 to 128 characters of ``A-Z a-z 0-9 . _ : -``."""
    if not isinstance(package_id, str) or not _PACKAGE_ID.fullmatch(package_id):
        raise PackageUnsafeError("the package id is not 1-128 safe characters")
    return package_id


def chunk_count(size: int, chunk_size: int) -> int:
    """How many chunks a file of ``size`` bytes takes: zero for an empty file."""
    return -(-size // chunk_size)


def chunk_file_name(index: int) -> str:
    """The name of chunk ``index``'s file in a package's ``chunks`` directory: eight digits."""
    return f"{index:08d}"


def sealed_length(plain_length: int) -> int:
    """The length of a sealed chunk (ciphertext and tag) whose plaintext is ``plain_length``."""
    return plain_length + TAG_BYTES


@dataclass(frozen=True)
class FileEntry:
    """One file of a package: ``sha256`` is of its whole plaintext; its global chunk range."""

    path: str
    size: int
    media_type: str
    sha256: str
    first_chunk: int
    chunk_count: int

    def chunk_length(self, position: int, chunk_size: int) -> int:
        """Plaintext length of the file's chunk at ``position`` (0-based within the file)."""
        if position < self.chunk_count - 1:
            return chunk_size
        return self.size - (self.chunk_count - 1) * chunk_size


@dataclass(frozen=True)
class AcquisitionRecord:
    """Who acquired the evidence, when, how, with which tool, from what, under which request."""

    acquired_by: str
    acquired_at: datetime
    method: str
    tool: str
    source: str
    request_reference: str


@dataclass(frozen=True)
class VerifyReport:
    """What a verified package holds; ``contents_checked`` is False without the recipient key."""

    package_id: str
    files: int
    bytes: int
    chunks: int
    contents_checked: bool


@dataclass(frozen=True)
class Manifest:
    """The signed description of a package (document form: ``to_document``)."""

    package_id: str
    sender_state: str
    recipient_state: str
    request_reference: str
    chunk_size: int
    #: The lowercase hex SHA-256 of each sealed chunk file (ciphertext and tag), in order.
    chunks: tuple[str, ...]
    #: The RFC 9162 Merkle root over ``chunks`` (as raw digests), lowercase hex.
    merkle_root: str
    files: tuple[FileEntry, ...]
    acquisition: AcquisitionRecord
    created_at: datetime
    version: int = MANIFEST_VERSION

    @property
    def total_bytes(self) -> int:
        """The plaintext size of every file together."""
        return sum(entry.size for entry in self.files)

    def chunk_lengths(self) -> Iterator[tuple[int, int]]:
        """Each global chunk index with its plaintext length, in order."""
        for entry in self.files:
            for position in range(entry.chunk_count):
                yield entry.first_chunk + position, entry.chunk_length(position, self.chunk_size)

    def sealed_chunk_lengths(self) -> Iterator[tuple[int, int]]:
        """Each global chunk index with the length of its sealed file, in order."""
        for index, length in self.chunk_lengths():
            yield index, sealed_length(length)

    def check_sealed_chunk(self, index: int, digest_hex: str, length: int) -> None:
        """Check a sealed chunk's SHA-256 (lowercase hex) and length against the manifest.

        Raises ``DigestMismatchError`` for an index outside the package, a wrong length or a
        digest that differs; it needs no key, so a node can check each chunk as it arrives.
        """
        if not 0 <= index < len(self.chunks):
            raise DigestMismatchError(f"chunk index {index} is not in the manifest")
        # The file holding the chunk: the last one starting at or before it (an empty file
        # starts where the next one does, and is passed over by taking the last).
        entry = self.files[bisect_right(self.files, index, key=lambda e: e.first_chunk) - 1]
        expected = sealed_length(entry.chunk_length(index - entry.first_chunk, self.chunk_size))
        if length != expected:
            raise DigestMismatchError(f"chunk {chunk_file_name(index)} has the wrong size")
        if digest_hex != self.chunks[index]:
            raise DigestMismatchError(f"chunk {chunk_file_name(index)} does not match its digest")

    def file(self, path: str) -> FileEntry:
        """The entry for ``path``; ``KeyError`` if the package has no such file."""
        for entry in self.files:
            if entry.path == path:
                return entry
        raise KeyError(path)

    def to_document(self) -> dict[str, Any]:
        """The JSON object the node signs."""
        acquisition = self.acquisition
        return {
            "version": self.version,
            "package_id": self.package_id,
            "sender_state": self.sender_state,
            "recipient_state": self.recipient_state,
            "request_reference": self.request_reference,
            "chunk_size": self.chunk_size,
            "chunks": list(self.chunks),
            "merkle_root": self.merkle_root,
            "files": [
                {
                    "path": entry.path,
                    "size": entry.size,
                    "media_type": entry.media_type,
                    "sha256": entry.sha256,
                    "first_chunk": entry.first_chunk,
                    "chunk_count": entry.chunk_count,
                }
                for entry in self.files
            ],
            "acquisition": {
                "acquired_by": acquisition.acquired_by,
                "acquired_at": _instant_text(acquisition.acquired_at),
                "method": acquisition.method,
                "tool": acquisition.tool,
                "source": acquisition.source,
                "request_reference": acquisition.request_reference,
            },
            "created_at": _instant_text(self.created_at),
        }

    @classmethod
    def from_document(cls, document: Any) -> Manifest:
        """Read a manifest strictly; ``PackageUnsafeError`` names the first bad member."""
        raw = _Object(document, "manifest", _MANIFEST_MEMBERS)
        if raw.integer("version") != MANIFEST_VERSION:
            raise PackageUnsafeError("manifest.version is not 1")
        chunk_size = raw.integer("chunk_size")
        if not 1 <= chunk_size <= _MAX_CHUNK_SIZE:
            raise PackageUnsafeError("manifest.chunk_size is out of range")
        chunks = raw.array("chunks")
        for index, digest in enumerate(chunks):
            _digest(digest, f"manifest.chunks[{index}]")
        files = tuple(
            _file_entry(item, f"manifest.files[{index}]")
            for index, item in enumerate(raw.array("files"))
        )
        _check_ranges(files, chunk_size, len(chunks))
        acquisition = _Object(
            raw.value("acquisition"), "manifest.acquisition", _ACQUISITION_MEMBERS
        )
        package_id = raw.text("package_id")
        check_package_id(package_id)
        return cls(
            package_id=package_id,
            sender_state=raw.text("sender_state"),
            recipient_state=raw.text("recipient_state"),
            request_reference=raw.text("request_reference"),
            chunk_size=chunk_size,
            chunks=tuple(chunks),
            merkle_root=_digest(raw.value("merkle_root"), "manifest.merkle_root"),
            files=files,
            acquisition=AcquisitionRecord(
                acquired_by=acquisition.text("acquired_by"),
                acquired_at=acquisition.instant("acquired_at"),
                method=acquisition.text("method"),
                tool=acquisition.text("tool"),
                source=acquisition.text("source"),
                request_reference=acquisition.text("request_reference"),
            ),
            created_at=raw.instant("created_at"),
        )


def _instant_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _digest(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _HEX_DIGEST.fullmatch(value):
        raise PackageUnsafeError(f"{path} is not a lowercase hex SHA-256 digest")
    return value


def _file_entry(value: Any, path: str) -> FileEntry:
    raw = _Object(value, path, _FILE_MEMBERS)
    try:
        file_path = check_path(raw.text("path"))
    except PackageUnsafeError as error:
        raise PackageUnsafeError(f"{path}.path: {error.detail}") from None
    return FileEntry(
        path=file_path,
        size=raw.integer("size"),
        media_type=raw.text("media_type"),
        sha256=_digest(raw.value("sha256"), f"{path}.sha256"),
        first_chunk=raw.integer("first_chunk"),
        chunk_count=raw.integer("chunk_count"),
    )


def _check_ranges(files: tuple[FileEntry, ...], chunk_size: int, chunks: int) -> None:
    """Chunk ranges follow each other in file order, fit the sizes and cover every chunk."""
    expected, seen = 0, set()
    for index, entry in enumerate(files):
        where = f"manifest.files[{index}]"
        if entry.path in seen:
            raise PackageUnsafeError(f"{where}.path repeats {entry.path!r}")
        seen.add(entry.path)
        if entry.first_chunk != expected:
            raise PackageUnsafeError(f"{where}.first_chunk is not {expected}")
        if entry.chunk_count != chunk_count(entry.size, chunk_size):
            raise PackageUnsafeError(f"{where}.chunk_count does not fit its size")
        expected += entry.chunk_count
    if expected != chunks:
        raise PackageUnsafeError("manifest.chunks does not match the files' chunk ranges")


class _Object:
    """A JSON object read member by member, each failure naming its path."""

    def __init__(self, raw: Any, path: str, members: frozenset[str]) -> None:
        if not isinstance(raw, Mapping):
            raise PackageUnsafeError(f"{path} is not an object")
        unknown = sorted(set(raw) - members)
        if unknown:
            raise PackageUnsafeError(f"{path}.{unknown[0]} is not a known member")
        missing = sorted(members - set(raw))
        if missing:
            raise PackageUnsafeError(f"{path}.{missing[0]} is missing")
        self.raw, self.path = raw, path

    def value(self, name: str) -> Any:
        return self.raw[name]

    def text(self, name: str) -> str:
        value = self.raw[name]
        if not isinstance(value, str) or not value or "\x00" in value:
            raise PackageUnsafeError(f"{self.path}.{name} is not a non-empty string")
        return value

    def integer(self, name: str) -> int:
        value = self.raw[name]
        # bool is an int in Python but never a count in a manifest.
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
            raise PackageUnsafeError(f"{self.path}.{name} is not a non-negative integer")
        return value

    def array(self, name: str) -> list[Any]:
        value = self.raw[name]
        if not isinstance(value, list):
            raise PackageUnsafeError(f"{self.path}.{name} is not an array")
        return value

    def instant(self, name: str) -> datetime:
        text = self.text(name)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise PackageUnsafeError(f"{self.path}.{name} is not an RFC 3339 instant") from None
        if moment.tzinfo is None:
            raise PackageUnsafeError(f"{self.path}.{name} has no UTC offset")
        return moment
