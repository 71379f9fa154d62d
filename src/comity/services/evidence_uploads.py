"""Resumable evidence uploads from the officers' pages: a file arrives in chunks, then is sealed.

A browser declares the file (name, size and the acquisition record) and gets an upload id;
it then sends the bytes in order, each chunk at the offset the node already holds, and may
stop and come back (after a network failure, a closed laptop or a reloaded page) from the
offset the node reports. When every declared byte is there, the staged file is sealed for the
request's other State (``evidence.seal_and_send``) and the staging removed.

An upload is a folder ``<root>/<upload id>`` (mode 0700) holding ``upload.json`` (who, under
which request, what file, the acquisition fields) and ``data/<file name>`` (mode 0600). The id
is 128 random bits and bound to the officer and the request: anyone else is told it does not
exist. A chunk or a completion holds an exclusive lock on the staged file, so two tabs cannot
interleave bytes or seal twice. A chunk lands whole or not at all: a failure (a broken
connection, a chunk over its bound) cuts the file back to where the chunk began.

Uploads nobody touched for ``STALE_AFTER`` are removed when the same node next starts one:
the staging area never needs a job of its own, and an upload that is progressing, however
slowly, is never swept because each chunk renews it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from comity.domain.access import User
from comity.domain.errors import (
    ConflictError,
    DomainError,
    FieldIssue,
    InvalidFieldsError,
    NotFoundError,
    PackageUnsafeError,
    StorageFullError,
)
from comity.domain.evidence import AcquisitionRecord, check_path
from comity.services import evidence
from comity.services.context import ServiceContext

__all__ = [
    "ACQUISITION_FIELDS",
    "MAX_CHUNK_BYTES",
    "STALE_AFTER",
    "ChunkTooLargeError",
    "OffsetMismatchError",
    "Upload",
    "complete",
    "discard",
    "find",
    "pending",
    "receiving",
    "start",
    "sweep",
]

#: The largest chunk a browser may send at once (it sends 4 MiB).
MAX_CHUNK_BYTES = 16 * 1024 * 1024
#: An upload with no chunk for this long is abandoned and removed at the next sweep.
STALE_AFTER = timedelta(hours=24)
#: The acquisition record's fields, as the form and the sidecar name them.
ACQUISITION_FIELDS = ("acquired_by", "acquired_at", "method", "tool", "source")

_SIDECAR = "upload.json"
_DATA = "data"
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
# The longest acquisition text, as the API allows.
_MAX_TEXT = 200


class OffsetMismatchError(ConflictError):
    """A chunk was sent for another offset than the bytes the node holds; ``offset`` says
    where to go on from."""

    code = "UPLOAD_OFFSET_MISMATCH"

    def __init__(self, detail: str, offset: int) -> None:
        super().__init__(detail)
        self.offset = offset


class ChunkTooLargeError(DomainError):
    """A chunk over ``MAX_CHUNK_BYTES``, or bytes beyond the size the upload declared."""

    code = "TOO_LARGE"


@dataclass(frozen=True)
class Upload:
    """A staged upload: what was declared, and how many bytes the node holds (``offset``)."""

    upload_id: str
    owner_id: str
    request_id: str
    name: str
    size: int
    # The acquisition record's fields as the officer gave them (``acquired_at`` may be empty).
    fields: Mapping[str, str]
    created_at: datetime
    touched_at: datetime
    offset: int

    @property
    def complete(self) -> bool:
        """True once every declared byte is staged."""
        return self.offset == self.size


def start(
    ctx: ServiceContext,
    *,
    actor: User,
    root: Path,
    request_id: str,
    name: str,
    size: int,
    fields: Mapping[str, str],
) -> Upload:
    """Open an upload of ``name`` (``size`` bytes) under the request, for ``actor`` only.

    Refused before any byte travels as sealing would refuse it (scope, role, a request both
    States hold); an unsafe file name is ``INVALID_FIELDS`` on ``file``; a size the staging
    volume cannot hold is ``STORAGE_FULL``. ``fields`` are the acquisition record's fields
    (``acquired_at`` ISO 8601 with its offset, or empty for the upload's start): checked now,
    so that a completed upload never fails on them."""
    evidence.check_may_send(ctx, actor=actor, request_id=request_id)
    checked = _file_name(name)
    kept = {key: fields.get(key, "") for key in ACQUISITION_FIELDS}
    _check_fields(kept)
    if size < 0:
        raise InvalidFieldsError((FieldIssue("size", "invalid", "the size cannot be negative"),))
    _private_dir(root)
    sweep(ctx, root)
    if shutil.disk_usage(root).free < size:
        raise StorageFullError("no space left to stage the upload")
    now = ctx.clock.now()
    upload_id = secrets.token_hex(16)
    # Built aside and renamed into place, so that a folder under its id always has its
    # sidecar (a sweep never meets half an upload).
    building = root / f".new-{upload_id}"
    _private_dir(building)
    _private_dir(building / _DATA)
    os.close(os.open(building / _DATA / checked, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    upload = Upload(
        upload_id=upload_id,
        owner_id=actor.id,
        request_id=request_id,
        name=checked,
        size=size,
        fields=kept,
        created_at=now,
        touched_at=now,
        offset=0,
    )
    _write_sidecar(building, upload)
    building.rename(root / upload_id)
    return upload


def find(*, actor: User, root: Path, request_id: str, upload_id: str) -> Upload:
    """The actor's upload under that request, with the bytes held; anyone else's (or one that
    was completed, discarded or swept) is not found."""
    folder = _folder(root, upload_id)
    upload = _read(folder)
    if upload is None or upload.owner_id != actor.id or upload.request_id != request_id:
        raise NotFoundError("no such upload")
    return upload


def pending(*, actor: User, root: Path, request_id: str) -> list[Upload]:
    """The actor's unfinished uploads under the request, oldest first."""
    if not root.is_dir():
        return []
    found = [
        upload
        for folder in root.iterdir()
        if _UPLOAD_ID.fullmatch(folder.name)
        and (upload := _read(folder)) is not None
        and upload.owner_id == actor.id
        and upload.request_id == request_id
    ]
    return sorted(found, key=lambda upload: upload.created_at)


class ChunkSink:
    """Where one chunk's bytes go, in order, within the chunk and the declared size."""

    def __init__(self, upload: Upload, fd: int) -> None:
        self.upload = upload
        self.start = upload.offset
        self.received = 0
        self._fd = fd

    def write(self, data: bytes) -> None:
        """Append ``data``; past either bound nothing of this chunk is kept."""
        self.received += len(data)
        if self.received > MAX_CHUNK_BYTES:
            raise ChunkTooLargeError(f"a chunk is at most {MAX_CHUNK_BYTES} bytes")
        if self.start + self.received > self.upload.size:
            raise ChunkTooLargeError(
                f"the upload declared {self.upload.size} bytes: this chunk goes beyond them"
            )
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise StorageFullError("no space left to stage the upload") from None
            raise


@contextlib.contextmanager
def receiving(
    ctx: ServiceContext,
    *,
    actor: User,
    root: Path,
    request_id: str,
    upload_id: str,
    offset: int,
) -> Iterator[ChunkSink]:
    """A sink for the chunk that begins at ``offset``, which must be the bytes already held
    (else ``OffsetMismatchError`` with the held offset). Leaving the block normally keeps the
    chunk and renews the upload; leaving it with an error cuts the file back."""
    upload = find(actor=actor, root=root, request_id=request_id, upload_id=upload_id)
    folder = _folder(root, upload_id)
    with _locked(folder, upload) as fd:
        held = os.fstat(fd).st_size
        if offset != held:
            raise OffsetMismatchError(
                f"the node holds {held} bytes of this upload: send from there", held
            )
        os.lseek(fd, held, os.SEEK_SET)
        sink = ChunkSink(replace(upload, offset=held), fd)
        try:
            yield sink
        except BaseException:
            os.ftruncate(fd, held)
            raise
        now = ctx.clock.now()
        _write_sidecar(folder, replace(upload, touched_at=now))


def complete(
    ctx: ServiceContext, *, actor: User, root: Path, request_id: str, upload_id: str
) -> evidence.PackageView:
    """Seal the staged file once every declared byte is there, then remove the staging.

    The acquisition time, if the officer left it empty, is when the upload began. A refusal
    while sealing keeps the staging, so the officer can try again without sending the file
    again (until it is swept)."""
    upload = find(actor=actor, root=root, request_id=request_id, upload_id=upload_id)
    folder = _folder(root, upload_id)
    with _locked(folder, upload) as fd:
        held = os.fstat(fd).st_size
        if held != upload.size:
            raise OffsetMismatchError(
                f"the node holds {held} of {upload.size} bytes: the upload is not complete", held
            )
        view = evidence.seal_and_send(
            ctx,
            actor=actor,
            request_id=request_id,
            paths=[folder / _DATA / upload.name],
            acquisition=acquisition_of(upload),
        )
        shutil.rmtree(folder, ignore_errors=True)
    return view


def discard(*, actor: User, root: Path, request_id: str, upload_id: str) -> None:
    """Remove the actor's unfinished upload (refused while a chunk is arriving)."""
    upload = find(actor=actor, root=root, request_id=request_id, upload_id=upload_id)
    folder = _folder(root, upload_id)
    with _locked(folder, upload):
        shutil.rmtree(folder, ignore_errors=True)


def sweep(ctx: ServiceContext, root: Path) -> int:
    """Remove uploads untouched for ``STALE_AFTER`` (skipping one a request is writing);
    return how many."""
    if not root.is_dir():
        return 0
    horizon = ctx.clock.now() - STALE_AFTER
    removed = 0
    for folder in root.iterdir():
        if not _UPLOAD_ID.fullmatch(folder.name):
            continue
        upload = _read(folder)
        if upload is not None and upload.touched_at >= horizon:
            continue
        if upload is None:
            # A folder without a readable sidecar is debris of a crash: nothing can resume it.
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
            continue
        try:
            with _locked(folder, upload):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except (ConflictError, NotFoundError):
            continue
    return removed


def acquisition_of(upload: Upload) -> AcquisitionRecord:
    """The acquisition record the upload declared (its start time when none was given)."""
    given = upload.fields.get("acquired_at", "")
    return AcquisitionRecord(
        upload.fields["acquired_by"],
        datetime.fromisoformat(given) if given else upload.created_at,
        upload.fields["method"],
        upload.fields["tool"],
        upload.fields["source"],
        upload.request_id,
    )


def _check_fields(fields: Mapping[str, str]) -> None:
    issues = [
        FieldIssue(key, "missing" if not fields[key] else "invalid", "1 to 200 characters")
        for key in ("acquired_by", "method", "tool", "source")
        if not 0 < len(fields[key]) <= _MAX_TEXT or "\x00" in fields[key]
    ]
    given = fields["acquired_at"]
    if given:
        try:
            moment = datetime.fromisoformat(given)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            issues.append(FieldIssue("acquired_at", "invalid", "a date and time with its offset"))
    if issues:
        raise InvalidFieldsError(tuple(issues))


def _file_name(name: str) -> str:
    try:
        checked = check_path(name)
    except PackageUnsafeError as error:
        raise InvalidFieldsError((FieldIssue("file", "invalid", error.detail),)) from None
    if "/" in checked or len(checked.encode("utf-8")) > 255:
        raise InvalidFieldsError(
            (FieldIssue("file", "invalid", "a file name of at most 255 bytes, not a path"),)
        )
    return checked


def _folder(root: Path, upload_id: str) -> Path:
    # Checked before it touches the file system: the id comes from a URL.
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise NotFoundError("no such upload")
    return root / upload_id


@contextlib.contextmanager
def _locked(folder: Path, upload: Upload) -> Iterator[int]:
    try:
        fd = os.open(folder / _DATA / upload.name, os.O_RDWR)
    except FileNotFoundError:
        raise NotFoundError("no such upload") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConflictError(
                "another chunk of this upload is arriving, or it is being sealed: wait"
            ) from None
        yield fd
    finally:
        os.close(fd)


def _read(folder: Path) -> Upload | None:
    try:
        document = json.loads((folder / _SIDECAR).read_text("utf-8"))
        name = str(document["name"])
        held = (folder / _DATA / name).stat().st_size
        return Upload(
            upload_id=folder.name,
            owner_id=str(document["owner_id"]),
            request_id=str(document["request_id"]),
            name=name,
            size=int(document["size"]),
            fields={key: str(document["fields"][key]) for key in ACQUISITION_FIELDS},
            created_at=datetime.fromisoformat(document["created_at"]),
            touched_at=datetime.fromisoformat(document["touched_at"]),
            offset=held,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_sidecar(folder: Path, upload: Upload) -> None:
    document = {
        "owner_id": upload.owner_id,
        "request_id": upload.request_id,
        "name": upload.name,
        "size": upload.size,
        "fields": dict(upload.fields),
        "created_at": upload.created_at.isoformat(),
        "touched_at": upload.touched_at.isoformat(),
    }
    # Written aside and renamed over the old one: a reader never sees half a sidecar.
    temporary = folder / f".{_SIDECAR}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out)
    temporary.replace(folder / _SIDECAR)


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
