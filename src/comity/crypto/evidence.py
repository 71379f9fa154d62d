"""Evidence packages on disk: seal files into a signed, encrypted package, and verify one offline.

A package directory holds ``manifest.jws`` (the manifest signed by the sending node, typ
``comity-evidence-manifest/1``), ``key.jwe`` (the random 256-bit content key wrapped to the
recipient node: ECDH-ES+A256KW / A256GCM) and ``chunks/NNNNNNNN``, one AES-256-GCM ciphertext
(with its 16-byte tag) per plaintext chunk. Each chunk's nonce is derived from the package id
and the chunk index, and its additional data binds the package id, the index and the
plaintext chunk's SHA-256, so a chunk cannot be moved within a package or into another one.

Sealing reads each file once through one reusable buffer, so memory stays at a few chunks
whatever the size. Verification checks the signature before reading anything, then paths,
the Merkle root and the chunk files, and, given the recipient's key, every chunk and file
digest; it raises on the first fault.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
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
    AcquisitionRecord,
    FileEntry,
    Manifest,
    VerifyReport,
    check_package_id,
    check_path,
    merkle_root,
)

__all__ = [
    "MANIFEST_TYP",
    "TAG_BYTES",
    "open_file",
    "read_manifest",
    "seal_package",
    "verify_package",
]

MANIFEST_TYP = "comity-evidence-manifest/1"
MANIFEST_FILE = "manifest.jws"
KEY_FILE = "key.jwe"
CHUNKS_DIR = "chunks"
TAG_BYTES = 16
_AAD_LABEL = b"comity-evidence-chunk/1\x00"
_NONCE_LABEL = b"comity-evidence-nonce/1\x00"


def _chunk_name(index: int) -> str:
    return f"{index:08d}"


def _nonce(package_id: str, index: int) -> bytes:
    # Four bytes tied to the package and eight from the index: unique within a package by
    # construction, and the content key is fresh per package anyway.
    prefix = hashlib.sha256(_NONCE_LABEL + package_id.encode("ascii")).digest()[:4]
    return prefix + index.to_bytes(8, "big")


def _aad(package_id: str, index: int, digest: bytes) -> bytes:
    return _AAD_LABEL + package_id.encode("ascii") + b"\x00" + index.to_bytes(8, "big") + digest


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
    written. ``progress`` is called with the number of bytes each chunk added.
    """
    check_package_id(package_id)
    names = [check_path(path.name) for path in paths]
    if len(set(names)) != len(names):
        raise PackageUnsafeError("two inputs have the same file name")
    for path in paths:
        os.close(_open_input(path)[0])
    _prepare_out_dir(out_dir)
    content_key = AESGCM.generate_key(bit_length=256)
    cipher = AESGCM(content_key)
    buffer = bytearray(chunk_size)
    sealed = bytearray(chunk_size + TAG_BYTES)
    digests: list[str] = []
    files: list[FileEntry] = []
    # The whole-file digest is computed on a second thread while this one hashes, encrypts and
    # writes the chunk: hashlib and AES-GCM release the GIL on large buffers, so the two
    # passes over each chunk run on both cores. The buffer is only refilled once both are done.
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence-hash")
    try:
        for path, name in zip(paths, names, strict=True):
            files.append(
                _seal_file(
                    path,
                    name,
                    out_dir,
                    package_id,
                    cipher,
                    buffer,
                    sealed,
                    digests,
                    hasher,
                    progress,
                )
            )
    finally:
        hasher.shutdown(wait=True)
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


def _seal_file(
    path: Path,
    name: str,
    out_dir: Path,
    package_id: str,
    cipher: AESGCM,
    buffer: bytearray,
    sealed: bytearray,
    digests: list[str],
    hasher: ThreadPoolExecutor,
    progress: Callable[[int], None] | None,
) -> FileEntry:
    """Seal one file chunk by chunk, appending each chunk's digest to ``digests``."""
    fd, size = _open_input(path)
    file_hash, first, read = hashlib.sha256(), len(digests), 0
    try:
        with os.fdopen(fd, "rb", buffering=0) as handle:
            while True:
                length = handle.readinto(buffer)
                if not length:
                    break
                plain = memoryview(buffer)[:length]
                whole = hasher.submit(file_hash.update, plain)
                digest = hashlib.sha256(plain).digest()
                index = len(digests)
                out = memoryview(sealed)[: length + TAG_BYTES]
                cipher.encrypt_into(
                    _nonce(package_id, index), plain, _aad(package_id, index, digest), out
                )
                _write_private(out_dir / CHUNKS_DIR / _chunk_name(index), out)
                whole.result()
                digests.append(digest.hex())
                read += length
                if progress is not None:
                    progress(length)
    except OSError as error:
        raise PackageUnsafeError(f"{name!r} cannot be read: {error.strerror}") from None
    if read != size:
        raise PackageUnsafeError(f"{name!r} changed size while it was sealed")
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileEntry(name, size, media_type, file_hash.hexdigest(), first, len(digests) - first)


def read_manifest(
    pkg_dir: Path, resolve_signer: Callable[[str], Ed25519PublicKey]
) -> tuple[str, Manifest]:
    """Verify ``manifest.jws`` and only then parse it: the signer's kid and the manifest."""
    path = pkg_dir / MANIFEST_FILE
    if not path.is_file() or path.is_symlink():
        raise PackageUnsafeError("the package has no manifest.jws")
    token = _read_small(path)
    verified = verify_compact(token.strip(), resolve_signer, typ=MANIFEST_TYP)
    return verified.kid, Manifest.from_document(verified.payload)


def _read_small(path: Path) -> bytes:
    # A manifest or key file beyond the token limit is refused by the parsers; reading one
    # more byte than the limit is enough to tell, whatever size the file claims.
    with path.open("rb") as handle:
        return handle.read(MAX_TOKEN_BYTES + 1)


def _chunk_path(pkg_dir: Path, index: int, plain_length: int) -> Path:
    """The chunk's file, checked to exist as a regular file of the expected size."""
    path = pkg_dir / CHUNKS_DIR / _chunk_name(index)
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise DigestMismatchError(f"chunk {_chunk_name(index)} is missing") from None
    if not stat.S_ISREG(info.st_mode):
        raise PackageUnsafeError(f"chunk {_chunk_name(index)} is not a regular file")
    if info.st_size != plain_length + TAG_BYTES:
        raise DigestMismatchError(f"chunk {_chunk_name(index)} has the wrong size")
    return path


def _read_chunk(
    pkg_dir: Path, manifest: Manifest, cipher: AESGCM, index: int, plain_length: int
) -> bytes:
    """Decrypt one chunk and check it against the manifest (``DigestMismatchError``)."""
    data = _chunk_path(pkg_dir, index, plain_length).read_bytes()
    digest = bytes.fromhex(manifest.chunks[index])
    try:
        plain = cipher.decrypt(
            _nonce(manifest.package_id, index), data, _aad(manifest.package_id, index, digest)
        )
    except InvalidTag:
        raise DigestMismatchError(f"chunk {_chunk_name(index)} was altered or moved") from None
    if hashlib.sha256(plain).digest() != digest:  # pragma: no cover - the AAD covers it
        raise DigestMismatchError(f"chunk {_chunk_name(index)} does not match its digest")
    return plain


def verify_package(
    pkg_dir: Path,
    *,
    resolve_signer: Callable[[str], Ed25519PublicKey],
    decryption_key: X25519PrivateKey | None = None,
    recipient_kid: str | None = None,
) -> VerifyReport:
    """Verify a package offline and return what it holds; raise on the first fault.

    Without ``decryption_key`` the signature, paths, Merkle root and chunk files' presence
    and sizes are checked; with it every chunk is decrypted and every chunk and file digest
    checked too. Errors: ``SIG_INVALID``/``SIGNER_UNTRUSTED``/``POLICY_VIOLATION`` for the
    signature, ``PACKAGE_UNSAFE``, ``DECRYPT_FAILED`` for a key not for this node, and
    ``DIGEST_MISMATCH`` naming the first bad chunk or file.
    """
    _, manifest = read_manifest(pkg_dir, resolve_signer)
    root = merkle_root([bytes.fromhex(digest) for digest in manifest.chunks])
    if root.hex() != manifest.merkle_root:
        raise DigestMismatchError("the Merkle root does not match the chunk digests")
    expected = {_chunk_name(index) for index, _ in manifest.chunk_lengths()}
    chunks_dir = pkg_dir / CHUNKS_DIR
    present = {p.name for p in chunks_dir.iterdir()} if chunks_dir.is_dir() else set()
    for name in sorted(present - expected):
        raise PackageUnsafeError(f"chunk file {name!r} is not in the manifest")
    for index, length in manifest.chunk_lengths():
        _chunk_path(pkg_dir, index, length)
    if decryption_key is not None:
        for entry in manifest.files:
            for _ in open_file(pkg_dir, manifest, entry.path, decryption_key, recipient_kid):
                pass
    return VerifyReport(
        package_id=manifest.package_id,
        files=len(manifest.files),
        bytes=manifest.total_bytes,
        chunks=len(manifest.chunks),
        contents_checked=decryption_key is not None,
    )


def open_file(
    pkg_dir: Path,
    manifest: Manifest,
    path: str,
    decryption_key: X25519PrivateKey,
    recipient_kid: str | None,
) -> Iterator[bytes]:
    """Stream the plaintext of ``path`` chunk by chunk, each verified before it is yielded.

    The whole file's SHA-256 is checked after its last chunk; ``KeyError`` if the manifest
    has no such file.
    """
    entry = manifest.file(path)
    key = unwrap_content_key(
        _read_small(pkg_dir / KEY_FILE), manifest.package_id, decryption_key, recipient_kid
    )
    cipher = AESGCM(key)
    file_hash = hashlib.sha256()
    for position in range(entry.chunk_count):
        index = entry.first_chunk + position
        length = entry.chunk_length(position, manifest.chunk_size)
        plain = _read_chunk(pkg_dir, manifest, cipher, index, length)
        file_hash.update(plain)
        yield plain
    if file_hash.hexdigest() != entry.sha256:
        raise DigestMismatchError(f"file {entry.path!r} does not match its digest")


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
