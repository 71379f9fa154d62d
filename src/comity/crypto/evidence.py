"""Evidence packages on disk: seal files into a signed, encrypted package, and verify one offline.

A package directory holds ``manifest.jws`` (the manifest signed by the sending node, typ
``comity-evidence-manifest/1``), ``key.jwe`` (the random 256-bit content key wrapped to the
recipient node: ECDH-ES+A256KW / A256GCM) and ``chunks/NNNNNNNN``, one sealed chunk per
plaintext chunk: its AES-256-GCM ciphertext followed by the 16-byte tag. Each chunk's nonce is
derived from the package id and the chunk index, and its additional data binds the package id
and the index, so a chunk cannot be moved within a package or into another one without the
tag failing. The manifest gives the SHA-256 of every sealed chunk exactly as stored, and of
every file's whole plaintext (see ``comity.domain.evidence``).

Verification checks the signature before reading anything, then paths, the Merkle root and
the chunk files: without a key, that every chunk file is present and hashes to its digest in
the manifest; with the recipient's key, also that every chunk decrypts and every file's
plaintext matches its digest. It raises on the first fault, in chunk order.

Sealing and verifying stream each chunk through a small ring of reusable buffers on two worker
threads (hashlib, AES-GCM and file I/O release the GIL on large buffers), so both cores work
and memory stays at a few chunks whatever the size. Where the time goes is measured in
``benchmarks/evidence.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import stat
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from comity.crypto.evidence_key import unwrap_content_key, wrap_content_key
from comity.crypto.jose import (
    MAX_TOKEN_BYTES,
    b64url_decode,
    parse_strict_json,
    sign_compact,
    verify_compact,
)
from comity.crypto.keys import NodeKeys, ed25519_from_jwk
from comity.domain.directory import Directory
from comity.domain.errors import (
    DigestMismatchError,
    PackageUnsafeError,
    SignerUntrustedError,
)
from comity.domain.evidence import (
    DEFAULT_CHUNK_SIZE,
    TAG_BYTES,
    AcquisitionRecord,
    FileEntry,
    Manifest,
    VerifyReport,
    check_package_id,
    check_path,
    chunk_count,
    chunk_file_name,
    merkle_root,
    sealed_length,
)

__all__ = [
    "CHUNKS_DIR",
    "KEY_FILE",
    "MANIFEST_FILE",
    "MANIFEST_TYP",
    "TAG_BYTES",
    "chunk_file_name",
    "open_file",
    "package_key_id",
    "read_manifest",
    "read_manifest_token",
    "seal_package",
    "sealed_length",
    "verify_for_node",
    "verify_package",
]

MANIFEST_TYP = "comity-evidence-manifest/1"
MANIFEST_FILE = "manifest.jws"
KEY_FILE = "key.jwe"
CHUNKS_DIR = "chunks"
_AAD_LABEL = b"comity-evidence-chunk/1\x00"
_NONCE_LABEL = b"comity-evidence-nonce/1\x00"
# Threads that read, hash, encrypt, decrypt and write chunks while the caller waits.
_WORKERS = 2
# Chunks in flight at once, within a budget for their buffers (but never fewer than two, so
# that one chunk is read while another is sealed).
_MAX_IN_FLIGHT = 4
_BUFFER_BUDGET = 40 * 1024 * 1024


def _nonce(package_id: str, index: int) -> bytes:
    # Four bytes tied to the package and eight from the index: unique within a package by
    # construction, and the content key is fresh per package anyway.
    prefix = hashlib.sha256(_NONCE_LABEL + package_id.encode("ascii")).digest()[:4]
    return prefix + index.to_bytes(8, "big")


def _aad(package_id: str, index: int) -> bytes:
    return _AAD_LABEL + package_id.encode("ascii") + b"\x00" + index.to_bytes(8, "big")


@dataclass
class _Slot:
    """The buffers one chunk in flight works in, and what its steps found."""

    plain: bytearray
    sealed: bytearray
    length: int = 0
    digest: str = ""
    view: memoryview = field(default_factory=lambda: memoryview(b""))


def _slots(chunk_size: int, *, plain: bool) -> list[_Slot]:
    """Buffers for the chunks in flight: sealed chunks, and their plaintext if ``plain``."""
    plain_size, sealed_size = (chunk_size if plain else 0), sealed_length(chunk_size)
    depth = max(2, min(_MAX_IN_FLIGHT, _BUFFER_BUDGET // (plain_size + sealed_size)))
    return [_Slot(bytearray(plain_size), bytearray(sealed_size)) for _ in range(depth)]


_Step = Callable[[int, _Slot], None]


class _Flow:
    """``count`` chunks through a fixed set of slots, on two worker threads.

    Each chunk is first loaded into a free slot (any order), then goes through ``ordered``
    (strictly in chunk order: a running file digest, which nothing can split) and ``work``
    (any order). A worker takes the ordered step whenever the next chunk is ready for it,
    else loads into a free slot, else works; so the ordered chain runs without waiting while
    the other thread does the rest, and no thread idles while there is work left (a
    fixed split of the steps between threads would leave one idle, and a third thread would
    share the cores with the ordered chain and slow it down).

    Iterating yields each chunk's position and slot once all its steps are done, in order;
    the slot is reused once the next is asked for. A step's exception is raised there, at
    its chunk's turn, so the first fault in chunk order wins; chunks after it are not begun.
    Use as a context manager: leaving waits for the steps still running.
    """

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        slots: Sequence[_Slot],
        count: int,
        *,
        load: _Step,
        ordered: _Step | None = None,
        work: _Step | None = None,
    ) -> None:
        self._load, self._ordered, self._work = load, ordered, work
        self._steps = 1 + (ordered is not None) + (work is not None)
        self._cond = threading.Condition()
        self._free = deque(slots)
        self._count = count
        # Chunks from ``_end`` on are never begun: all of them, the first failure, or none.
        self._end = count
        self._closed = False
        self._next_load = 0
        self._next_ordered = 0
        self._ordered_busy = False
        self._ordered_ready: set[int] = set()
        self._work_ready: deque[int] = deque()
        self._slot: dict[int, _Slot] = {}
        self._left: dict[int, int] = {}
        self._done: set[int] = set()
        self._errors: dict[int, BaseException] = {}
        self._broken: BaseException | None = None
        self._threads = [pool.submit(self._run) for _ in range(_WORKERS)]

    def __enter__(self) -> _Flow:
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.result()

    def __iter__(self) -> Iterator[tuple[int, _Slot]]:
        for position in range(self._count):
            with self._cond:
                while not (position in self._done or position in self._errors or self._broken):
                    self._cond.wait()
                if position in self._errors:
                    raise self._errors[position]
                if self._broken is not None:  # pragma: no cover - a fault in the flow itself
                    raise self._broken
                self._done.remove(position)
                slot = self._slot.pop(position)
            yield position, slot
            with self._cond:
                self._free.append(slot)
                self._cond.notify_all()

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    picked = self._pick()
                if picked is None:
                    return
                kind, step, position, slot = picked
                try:
                    step(position, slot)
                except BaseException as error:  # Raised again by __iter__, at its chunk's turn.
                    failure: BaseException | None = error
                else:
                    failure = None
                with self._cond:
                    self._finish(kind, position, failure)
                    self._cond.notify_all()
        except BaseException as error:  # pragma: no cover - a fault in the flow itself
            with self._cond:
                self._broken = error
                self._closed = True
                self._cond.notify_all()
            raise

    def _pick(self) -> tuple[str, _Step, int, _Slot] | None:
        """The next step to run, waiting for one; None once there is none left to run."""
        while not self._closed:
            position = self._next_ordered
            if (
                self._ordered is not None
                and not self._ordered_busy
                and position in self._ordered_ready
                and position < self._end
            ):
                self._ordered_busy = True
                self._ordered_ready.remove(position)
                return "ordered", self._ordered, position, self._slot[position]
            if self._free and self._next_load < self._end:
                position, self._next_load = self._next_load, self._next_load + 1
                self._slot[position] = slot = self._free.popleft()
                self._left[position] = self._steps
                return "load", self._load, position, slot
            while self._work_ready and self._work is not None:
                position = self._work_ready.popleft()
                if position < self._end:
                    return "work", self._work, position, self._slot[position]
            if self._next_load >= self._end and all(p >= self._end for p in self._left):
                return None
            self._cond.wait()
        return None

    def _finish(self, kind: str, position: int, failure: BaseException | None) -> None:
        if kind == "ordered":
            self._ordered_busy = False
        if failure is not None:
            self._errors.setdefault(position, failure)
            self._end = min(self._end, position)
            return
        if kind == "ordered":
            self._next_ordered += 1
        elif kind == "load":
            if self._ordered is not None:
                self._ordered_ready.add(position)
            if self._work is not None:
                self._work_ready.append(position)
        self._left[position] -= 1
        if not self._left[position]:
            del self._left[position]
            self._done.add(position)


def _open_input(path: Path) -> tuple[int, int]:
    """Open a regular file without following links or blocking on a FIFO: (fd, size)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        raise PackageUnsafeError(f"{path.name!r} does not exist") from None
    if not stat.S_ISREG(mode):
        raise PackageUnsafeError(f"{path.name!r} is not a regular file")
    # O_NOFOLLOW and the fstat below close the gap if the path is swapped after lstat.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise PackageUnsafeError(f"{path.name!r} is not a regular file")
    return fd, info.st_size


def _read_full(fd: int, buffer: memoryview, offset: int) -> int:
    """Fill ``buffer`` from ``fd`` at ``offset`` unless the file ends first: the bytes read.

    Positional reads, so both workers can read chunks of one open file at once."""
    filled = 0
    while filled < len(buffer):
        count = os.preadv(fd, [buffer[filled:]], offset + filled)
        if not count:
            break
        filled += count
    return filled


def _advise(fd: int, offset: int, length: int, advice: str) -> None:
    """``posix_fadvise`` where the platform has it; advice only, so failures are ignored."""
    fadvise = getattr(os, "posix_fadvise", None)
    if fadvise is not None:
        with contextlib.suppress(OSError):
            fadvise(fd, offset, length, getattr(os, advice))


def _write_private(path: Path, data: bytes | memoryview) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _prepare_out_dir(out_dir: Path) -> None:
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    out_dir.chmod(0o700)
    if any(out_dir.iterdir()):
        raise PackageUnsafeError(f"{out_dir} is not empty")
    (out_dir / CHUNKS_DIR).mkdir(mode=0o700)


def seal_package(
    paths: Sequence[Path],
    *,
    out_dir: Path,
    keys: NodeKeys,
    recipient_kid: str,
    recipient_key: X25519PublicKey,
    sender_state: str,
    recipient_state: str,
    request_reference: str,
    acquisition: AcquisitionRecord,
    now: datetime,
    package_id: str,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> Manifest:
    """Seal ``paths`` into ``out_dir`` for the recipient node and return the signed manifest.

    Each file is stored under its base name; inputs that are not regular files, and two
    inputs with the same name, are refused with ``PackageUnsafeError`` before anything is
    written, and an input that cannot be read or changes size is refused too. Failures to
    write the package are raised as ``OSError``. ``progress`` is called on the calling
    thread with the plaintext bytes of each chunk once it is written. Each input's pages
    are dropped from the page cache once read (``POSIX_FADV_DONTNEED``): sealing a disk
    image streams through the cache rather than filling it.
    """
    check_package_id(package_id)
    names = [check_path(path.name) for path in paths]
    if len(set(names)) != len(names):
        raise PackageUnsafeError("two inputs have the same file name")
    for path in paths:
        os.close(_open_input(path)[0])
    _prepare_out_dir(out_dir)
    content_key = AESGCM.generate_key(bit_length=256)
    sealer = _Sealer(out_dir / CHUNKS_DIR, package_id, AESGCM(content_key), chunk_size, progress)
    try:
        files = [sealer.seal_file(path, name) for path, name in zip(paths, names, strict=True)]
    finally:
        sealer.close()
    digests = sealer.digests
    manifest = Manifest(
        package_id=package_id,
        sender_state=sender_state,
        recipient_state=recipient_state,
        request_reference=request_reference,
        chunk_size=chunk_size,
        chunks=tuple(digests),
        merkle_root=merkle_root([bytes.fromhex(d) for d in digests]).hex(),
        files=tuple(files),
        acquisition=acquisition,
        created_at=now,
    )
    token = sign_compact(manifest.to_document(), keys.signing, keys.signing_kid, typ=MANIFEST_TYP)
    _write_private(out_dir / MANIFEST_FILE, token.encode("ascii"))
    wrapped = wrap_content_key(content_key, package_id, recipient_key, recipient_kid)
    _write_private(out_dir / KEY_FILE, wrapped)
    return manifest


class _Sealer:
    """Seals files chunk by chunk into ``chunks_dir`` (see ``_Flow``): per chunk, load reads
    it; in order, its file's digest takes it in; beside that, work encrypts it, hashes the
    sealed chunk and writes it."""

    def __init__(
        self,
        chunks_dir: Path,
        package_id: str,
        cipher: AESGCM,
        chunk_size: int,
        progress: Callable[[int], None] | None,
    ) -> None:
        self._chunks_dir, self._package_id, self._cipher = chunks_dir, package_id, cipher
        self._chunk_size, self._progress = chunk_size, progress
        self._pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="comity-evidence")
        self._slots = _slots(chunk_size, plain=True)
        self.digests: list[str] = []

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def seal_file(self, path: Path, name: str) -> FileEntry:
        fd, size = _open_input(path)
        try:
            _advise(fd, 0, 0, "POSIX_FADV_SEQUENTIAL")
            first, file_hash = len(self.digests), hashlib.sha256()
            count = chunk_count(size, self._chunk_size)
            with _Flow(
                self._pool,
                self._slots,
                count,
                load=self._loader(fd, size, name),
                ordered=lambda _, slot: file_hash.update(memoryview(slot.plain)[: slot.length]),
                work=self._worker(first, fd),
            ) as flow:
                for _, slot in flow:
                    self.digests.append(slot.digest)
                    if self._progress is not None:
                        self._progress(slot.length)
            if os.fstat(fd).st_size != size:
                raise PackageUnsafeError(f"{name!r} changed size while it was sealed")
        finally:
            os.close(fd)
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileEntry(name, size, media_type, file_hash.hexdigest(), first, count)

    def _loader(self, fd: int, size: int, name: str) -> _Step:
        def load(position: int, slot: _Slot) -> None:
            offset = position * self._chunk_size
            length = min(self._chunk_size, size - offset)
            try:
                read = _read_full(fd, memoryview(slot.plain)[:length], offset)
            except OSError as error:
                raise PackageUnsafeError(f"{name!r} cannot be read: {error.strerror}") from None
            if read != length:
                raise PackageUnsafeError(f"{name!r} changed size while it was sealed")
            slot.length = length

        return load

    def _worker(self, first: int, fd: int) -> _Step:
        def work(position: int, slot: _Slot) -> None:
            index = first + position
            # The chunk is in our buffer: let the kernel drop the input's cached pages rather
            # than push other files out of the cache (like ``dd iflag=nocache``). Dropped by
            # the thread that writes the chunk next, the pages are at hand to hold it.
            _advise(fd, position * self._chunk_size, slot.length, "POSIX_FADV_DONTNEED")
            sealed = memoryview(slot.sealed)[: sealed_length(slot.length)]
            self._cipher.encrypt_into(
                _nonce(self._package_id, index),
                memoryview(slot.plain)[: slot.length],
                _aad(self._package_id, index),
                sealed,
            )
            # Hashed while the sealed bytes are still in the CPU's cache, then written.
            slot.digest = hashlib.sha256(sealed).hexdigest()
            _write_private(self._chunks_dir / chunk_file_name(index), sealed)

        return work


def read_manifest_token(
    token: bytes, resolve_signer: Callable[[str], Ed25519PublicKey]
) -> tuple[str, Manifest]:
    """Verify a manifest's compact JWS and only then parse it: the signer's kid and manifest.

    For a manifest that arrives as bytes (over the network); surrounding whitespace is
    ignored. Raises as ``verify_compact`` does, then ``PackageUnsafeError`` for a signed
    manifest that is malformed.
    """
    verified = verify_compact(token.strip(), resolve_signer, typ=MANIFEST_TYP)
    return verified.kid, Manifest.from_document(verified.payload)


def read_manifest(
    pkg_dir: Path, resolve_signer: Callable[[str], Ed25519PublicKey]
) -> tuple[str, Manifest]:
    """Verify ``manifest.jws`` and only then parse it: the signer's kid and the manifest."""
    return read_manifest_token(_read_package_file(pkg_dir, MANIFEST_FILE), resolve_signer)


def _read_package_file(pkg_dir: Path, name: str) -> bytes:
    path = pkg_dir / name
    if not path.is_file() or path.is_symlink():
        raise PackageUnsafeError(f"the package has no {name}")
    return _read_small(path)


def _read_small(path: Path) -> bytes:
    # A manifest or key file beyond the token limit is refused by the parsers; reading one
    # more byte than the limit is enough to tell, whatever size the file claims.
    with path.open("rb") as handle:
        return handle.read(MAX_TOKEN_BYTES + 1)


def _chunks_dir(pkg_dir: Path) -> Path | None:
    """The package's chunks directory, None if there is none; never a link to elsewhere."""
    path = pkg_dir / CHUNKS_DIR
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISDIR(mode):
        raise PackageUnsafeError(f"{CHUNKS_DIR!r} is not a directory")
    return path


def _check_chunk_files(pkg_dir: Path, manifest: Manifest) -> None:
    """Before reading any chunk: no file beside the manifest's, each one regular and sized."""
    chunks_dir = _chunks_dir(pkg_dir)
    present = set(os.listdir(chunks_dir)) if chunks_dir is not None else set()
    expected = {chunk_file_name(index) for index in range(len(manifest.chunks))}
    for name in sorted(present - expected):
        raise PackageUnsafeError(f"chunk file {name!r} is not in the manifest")
    for index, length in manifest.sealed_chunk_lengths():
        name = chunk_file_name(index)
        if name not in present:
            raise DigestMismatchError(f"chunk {name} is missing")
        assert chunks_dir is not None  # A name is present only if the directory is.
        info = (chunks_dir / name).lstat()
        if not stat.S_ISREG(info.st_mode):
            raise PackageUnsafeError(f"chunk {name} is not a regular file")
        if info.st_size != length:
            raise DigestMismatchError(f"chunk {name} has the wrong size")


def _load_chunk(chunks_dir: Path, index: int, length: int, buffer: bytearray) -> memoryview:
    """Read sealed chunk ``index`` (``length`` bytes) into ``buffer``, never through a link."""
    name = chunk_file_name(index)
    try:
        fd = os.open(chunks_dir / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise DigestMismatchError(f"chunk {name} is missing") from None
    except OSError:
        raise PackageUnsafeError(f"chunk {name} is not a regular file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PackageUnsafeError(f"chunk {name} is not a regular file")
        view = memoryview(buffer)[:length]
        if info.st_size != length or _read_full(fd, view, 0) != length:
            raise DigestMismatchError(f"chunk {name} has the wrong size")
    finally:
        os.close(fd)
    return view


def _checked_chunks(
    pkg_dir: Path,
    manifest: Manifest,
    cipher: AESGCM | None,
    indices: range,
    files: Sequence[FileEntry] = (),
) -> Generator[memoryview, None, None]:
    """Each chunk of ``indices`` checked against its digest, in order (see ``_Flow``).

    With ``cipher`` each is decrypted too and its plaintext yielded, else its sealed bytes;
    the plaintext digests of ``files`` (whose chunks ``indices`` must be, all in order) are
    checked on the way. A view is valid until the next one is asked for; the first fault in
    chunk order is raised.
    """
    chunks_dir = pkg_dir / CHUNKS_DIR
    lengths = dict(manifest.sealed_chunk_lengths()) if indices else {}
    package_id = manifest.package_id

    def load(position: int, slot: _Slot) -> None:
        index = indices[position]
        length = lengths[index]
        sealed = _load_chunk(chunks_dir, index, length, slot.sealed)
        manifest.check_sealed_chunk(index, hashlib.sha256(sealed).hexdigest(), length)
        if cipher is None:
            slot.view = sealed
            return
        plain = memoryview(slot.plain)[: length - TAG_BYTES]
        try:
            cipher.decrypt_into(_nonce(package_id, index), sealed, _aad(package_id, index), plain)
        except InvalidTag:
            name = chunk_file_name(index)
            raise DigestMismatchError(f"chunk {name} was altered or moved") from None
        slot.view = plain

    digests = _FileDigests(files) if files else None
    with (
        ThreadPoolExecutor(_WORKERS, thread_name_prefix="comity-evidence") as pool,
        _Flow(
            pool,
            _slots(manifest.chunk_size, plain=cipher is not None),
            len(indices),
            load=load,
            ordered=None if digests is None else lambda _, slot: digests.update(slot.view),
        ) as flow,
    ):
        for _, slot in flow:
            yield slot.view


class _FileDigests:
    """The plaintext digest of each file in turn, fed its chunks in order; raises
    ``DigestMismatchError`` for a file that does not match, as soon as its last chunk is in
    (an empty file as soon as it is reached)."""

    def __init__(self, files: Sequence[FileEntry]) -> None:
        self._files = iter(files)
        self._next_file()

    def update(self, plain: memoryview) -> None:
        self._hash.update(plain)
        self._left -= 1
        if not self._left:
            _check_file(self._entry, self._hash.hexdigest())
            self._next_file()

    def _next_file(self) -> None:
        for entry in self._files:
            if entry.chunk_count:
                self._entry, self._hash, self._left = entry, hashlib.sha256(), entry.chunk_count
                return
            _check_file(entry, hashlib.sha256(b"").hexdigest())


def _content_cipher(
    pkg_dir: Path,
    manifest: Manifest,
    decryption_key: X25519PrivateKey,
    recipient_kid: str | None,
) -> AESGCM:
    token = _read_package_file(pkg_dir, KEY_FILE)
    return AESGCM(unwrap_content_key(token, manifest.package_id, decryption_key, recipient_kid))


def verify_package(
    pkg_dir: Path,
    *,
    resolve_signer: Callable[[str], Ed25519PublicKey],
    decryption_key: X25519PrivateKey | None = None,
    recipient_kid: str | None = None,
) -> VerifyReport:
    """Verify a package offline and return what it holds; raise on the first fault.

    Without ``decryption_key`` the signature, paths, Merkle root and every chunk file (its
    presence, size and SHA-256) are checked; with it every chunk is decrypted and every file's
    plaintext digest checked too, in the same pass over the chunks. Errors:
    ``SIG_INVALID``/``SIGNER_UNTRUSTED``/``POLICY_VIOLATION`` for the signature,
    ``PACKAGE_UNSAFE``, ``DECRYPT_FAILED`` for a key not for this node, and
    ``DIGEST_MISMATCH`` naming the first bad chunk or file.
    """
    _, manifest = read_manifest(pkg_dir, resolve_signer)
    root = merkle_root([bytes.fromhex(digest) for digest in manifest.chunks])
    if root.hex() != manifest.merkle_root:
        raise DigestMismatchError("the Merkle root does not match the chunk digests")
    _check_chunk_files(pkg_dir, manifest)
    cipher = None
    if decryption_key is not None:
        cipher = _content_cipher(pkg_dir, manifest, decryption_key, recipient_kid)
    files = manifest.files if cipher is not None else ()
    everything = range(len(manifest.chunks))
    with contextlib.closing(
        _checked_chunks(pkg_dir, manifest, cipher, everything, files)
    ) as chunks:
        for _ in chunks:
            pass
    return VerifyReport(
        package_id=manifest.package_id,
        files=len(manifest.files),
        bytes=manifest.total_bytes,
        chunks=len(manifest.chunks),
        contents_checked=decryption_key is not None,
    )


def _check_file(entry: FileEntry, digest_hex: str) -> None:
    if digest_hex != entry.sha256:
        raise DigestMismatchError(f"file {entry.path!r} does not match its digest")


def open_file(
    pkg_dir: Path,
    manifest: Manifest,
    path: str,
    decryption_key: X25519PrivateKey,
    recipient_kid: str | None,
) -> Iterator[bytes]:
    """Stream the plaintext of ``path`` chunk by chunk, each verified before it is yielded.

    Each sealed chunk is checked against its digest in the signed manifest and decrypted
    (which checks its tag); the whole file's SHA-256 is checked with its last chunk, before
    that chunk is yielded. ``KeyError`` if the manifest has no such file.
    """
    entry = manifest.file(path)
    cipher = _content_cipher(pkg_dir, manifest, decryption_key, recipient_kid)
    indices = range(entry.first_chunk, entry.first_chunk + entry.chunk_count)
    chunks = _checked_chunks(pkg_dir, manifest, cipher, indices, [entry])
    with contextlib.closing(chunks):
        for plain in chunks:
            yield bytes(plain)


def package_key_id(pkg_dir: Path) -> str | None:
    """The recipient kid ``key.jwe`` names, unverified: only to pick the key to try."""
    try:
        header = parse_strict_json(b64url_decode(_read_small(pkg_dir / KEY_FILE).split(b".")[0]))
    except (OSError, ValueError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def verify_for_node(pkg_dir: Path, *, directory: Directory, keys: NodeKeys) -> VerifyReport:
    """Verify a package against a node's directory: the signer must be a signing key of the
    manifest's sender State. Contents are checked too when the package is for ``keys``."""
    signers: dict[str, str] = {}

    def resolve(kid: str) -> Ed25519PublicKey:
        entry, key = directory.signer(kid)
        signers[kid] = entry.code
        return ed25519_from_jwk(key.jwk)

    kid, manifest = read_manifest(pkg_dir, resolve)
    if signers[kid] != manifest.sender_state:
        raise SignerUntrustedError(f"the manifest is signed by {signers[kid]}, not its sender")
    mine = package_key_id(pkg_dir) == keys.encryption_kid
    return verify_package(
        pkg_dir,
        resolve_signer=resolve,
        decryption_key=keys.encryption if mine else None,
        recipient_kid=keys.encryption_kid if mine else None,
    )
