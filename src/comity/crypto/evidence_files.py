"""Evidence packages in the node's evidence directory (implements ``EvidenceFiles``).

``outgoing/<package>/`` holds what this node sealed, ``incoming/<package>/`` what it receives,
both in the package layout of ``crypto.evidence`` so that either can be copied out and
verified offline. An incoming chunk is written to a temporary name, flushed to disk, then
renamed into place: a chunk file under its final name is always complete and checked, so
after a crash what the node holds is exactly the chunk files present.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from comity.crypto.custody import write_custody_file
from comity.crypto.evidence import (
    CHUNKS_DIR,
    KEY_FILE,
    MANIFEST_FILE,
    chunk_file_name,
    open_file,
    read_manifest,
    seal_package,
    verify_for_node,
)
from comity.crypto.keys import NodeKeys, ed25519_from_jwk, x25519_from_jwk
from comity.domain.directory import Directory, StateEntry
from comity.domain.errors import DigestMismatchError, NotFoundError, StorageFullError
from comity.domain.evidence import AcquisitionRecord, Manifest, check_package_id
from comity.domain.evidence_packages import Direction

# Errors that mean the disk (or the node's quota on it) is full.
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class FileEvidenceStore:
    """Packages under ``root``, sealed and opened with the node's keys."""

    def __init__(self, root: Path, keys: NodeKeys, state: str, chunk_size: int) -> None:
        self._root = root
        self._keys = keys
        self._state = state
        self._chunk_size = chunk_size

    def location(self, direction: Direction, package_id: str) -> Path:
        check_package_id(package_id)
        return self._root / str(direction) / package_id

    def seal(
        self,
        paths: Sequence[Path],
        *,
        package_id: str,
        recipient: StateEntry,
        request_reference: str,
        acquisition: AcquisitionRecord,
        now: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[Manifest, str, str]:
        out_dir = self.location(Direction.OUTGOING, package_id)
        _private_dir(out_dir.parent)
        key = recipient.encryption_key
        try:
            manifest = seal_package(
                paths,
                out_dir=out_dir,
                keys=self._keys,
                recipient_kid=key.kid,
                recipient_key=x25519_from_jwk(key.jwk),
                sender_state=self._state,
                recipient_state=recipient.code,
                request_reference=request_reference,
                acquisition=acquisition,
                now=now,
                package_id=package_id,
                chunk_size=self._chunk_size,
                progress=progress,
            )
        except OSError as error:
            shutil.rmtree(out_dir, ignore_errors=True)
            raise _storage_error(error) from None
        except BaseException:
            # A half-written package must not be mistaken for a sealed one later.
            shutil.rmtree(out_dir, ignore_errors=True)
            raise
        return manifest, _text(out_dir / MANIFEST_FILE), _text(out_dir / KEY_FILE)

    def key(self, direction: Direction, package_id: str) -> str:
        return _text(self.location(direction, package_id) / KEY_FILE)

    def read_chunk(self, package_id: str, index: int) -> bytes:
        path = self.location(Direction.OUTGOING, package_id) / CHUNKS_DIR / chunk_file_name(index)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise DigestMismatchError(f"chunk {chunk_file_name(index)} is missing") from None

    def accept(self, package_id: str, manifest: str, key: str) -> None:
        pkg_dir = self.location(Direction.INCOMING, package_id)
        _private_dir(pkg_dir.parent)
        try:
            _private_dir(pkg_dir)
            _private_dir(pkg_dir / CHUNKS_DIR)
            # Chunks half-written when an earlier process of this node stopped are not held:
            # they go (this process's own temporary files may be in use by a call).
            mine = f".{os.getpid()}.part"
            for stale in (pkg_dir / CHUNKS_DIR).glob(".*.part"):
                if not stale.name.endswith(mine):
                    stale.unlink(missing_ok=True)
            _replace(pkg_dir / MANIFEST_FILE, manifest.encode("ascii"))
            _replace(pkg_dir / KEY_FILE, key.encode("ascii"))
        except OSError as error:
            raise _storage_error(error) from None

    def held(self, package_id: str) -> frozenset[int]:
        chunks = self.location(Direction.INCOMING, package_id) / CHUNKS_DIR
        try:
            names = os.listdir(chunks)
        except FileNotFoundError:
            return frozenset()
        # Temporary files start with a dot; only renamed chunks count.
        return frozenset(int(name) for name in names if name.isdigit())

    def store_chunk(self, package_id: str, index: int, data: bytes) -> None:
        chunks = self.location(Direction.INCOMING, package_id) / CHUNKS_DIR
        if not chunks.is_dir():
            raise NotFoundError("the package was not offered")
        try:
            _replace(chunks / chunk_file_name(index), data)
        except OSError as error:
            raise _storage_error(error) from None

    def verify(self, direction: Direction, package_id: str, directory: Directory) -> None:
        verify_for_node(self.location(direction, package_id), directory=directory, keys=self._keys)

    def open_file(
        self, direction: Direction, package_id: str, path: str, directory: Directory
    ) -> Iterator[bytes]:
        pkg_dir = self.location(direction, package_id)

        def resolve(kid: str) -> object:
            return ed25519_from_jwk(directory.signer(kid)[1].jwk)

        _, manifest = read_manifest(pkg_dir, resolve)  # type: ignore[arg-type]
        return open_file(pkg_dir, manifest, path, self._keys.encryption, self._keys.encryption_kid)

    def write_custody(self, direction: Direction, package_id: str, tokens: Sequence[str]) -> None:
        pkg_dir = self.location(direction, package_id)
        if pkg_dir.is_dir():
            write_custody_file(pkg_dir, tokens)

    def delete(self, direction: Direction, package_id: str) -> None:
        pkg_dir = self.location(direction, package_id)
        shutil.rmtree(pkg_dir / CHUNKS_DIR, ignore_errors=True)
        (pkg_dir / KEY_FILE).unlink(missing_ok=True)

    def discard(self, direction: Direction, package_id: str) -> None:
        shutil.rmtree(self.location(direction, package_id), ignore_errors=True)

    def settled_folders(self, older_than: timedelta) -> Sequence[tuple[Direction, str]]:
        # A folder's own time changes when a file is added to it; its chunks are written
        # into ``chunks``, so the later of the two says when the package was last written.
        limit = time.time() - older_than.total_seconds()
        settled = []
        for direction in Direction:
            base = self._root / str(direction)
            for folder in sorted(base.iterdir()) if base.is_dir() else ():
                times = [path.stat().st_mtime for path in (folder, folder / CHUNKS_DIR)
                         if path.exists()]  # fmt: skip
                if folder.is_dir() and times and max(times) < limit:
                    settled.append((direction, folder.name))
        return settled


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _text(path: Path) -> str:
    return path.read_text("ascii").strip()


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` under ``path`` atomically: a temporary file, flushed, then renamed."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        # Once on disk the pages go back to the free lists, where the next chunk finds them:
        # a receiving node writes many GiB it does not read again until completion, and fresh
        # pages cost far more than reused ones on virtual machines (benchmarks/evidence.py).
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(temporary, path)


def _storage_error(error: OSError) -> Exception:
    if error.errno in _FULL:
        return StorageFullError("no space left to store evidence; the transfer resumes later")
    return error
