"""Evidence packages: upload and seal under a request, follow the transfer, open a file.

An upload is the file's raw bytes (``application/octet-stream``), streamed to the node's
evidence store as they arrive, so memory stays bounded whatever the size; it is then sealed for
the request's other State and transferred by the node. Opening a file streams its decrypted,
checked plaintext.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from comity.domain.errors import FieldIssue, InvalidFieldsError, StorageFullError
from comity.domain.evidence import AcquisitionRecord, FileEntry, check_path
from comity.services import evidence as service
from comity.services.evidence import PackageView
from comity.web.api.auth import RecentUser
from comity.web.api.schemas import ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(tags=["evidence"])

UPLOAD_PATH = "/requests/{request_id}/evidence"
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ProblemOut} for code in (400, 401, 403, 404, 409, 410, 413, 422, 503, 507)
}


class FileOut(BaseModel):
    """One file of a package."""

    path: str
    size: int
    media_type: str
    sha256: str


class CustodyOut(BaseModel):
    """One record of the custody chain, signed by the node of the State where it happened."""

    sequence: int
    action: str
    at: datetime
    place: str = Field(description="The State where it happened")
    actor: str = Field(description="A user id, or node:<State> for the node itself")
    digest: str
    file: str | None
    detail: str | None


class ProgressOut(BaseModel):
    """How much of the package the receiving node holds."""

    chunks_done: int
    chunk_count: int
    bytes_done: int
    sealed_bytes: int
    percent: float


class PackageOut(BaseModel):
    """An evidence package on this node."""

    package_id: str
    request_id: str
    direction: str = Field(description="outgoing (sealed here) or incoming (received)")
    peer_state: str
    status: str = Field(
        description="sending, delivered, failed (outgoing); receiving, released, withheld "
        "(incoming); deleted"
    )
    merkle_root: str
    total_bytes: int
    progress: ProgressOut
    files: list[FileOut]
    acquisition: dict[str, str]
    custody: list[CustodyOut]
    failure_code: str | None
    failure_detail: str | None
    created_at: datetime
    updated_at: datetime
    released_at: datetime | None

    @classmethod
    def of(cls, view: PackageView) -> PackageOut:
        package, manifest = view.package, view.manifest
        acquisition = manifest.acquisition
        return cls(
            package_id=package.package_id,
            request_id=package.request_id,
            direction=str(package.direction),
            peer_state=package.peer_state,
            status=str(package.status),
            merkle_root=package.merkle_root,
            total_bytes=package.total_bytes,
            progress=ProgressOut(
                chunks_done=package.chunks_done,
                chunk_count=package.chunk_count,
                bytes_done=package.bytes_done,
                sealed_bytes=package.sealed_bytes,
                percent=round(100.0 * package.bytes_done / package.sealed_bytes, 1)
                if package.sealed_bytes
                else 100.0,
            ),
            files=[
                FileOut(path=f.path, size=f.size, media_type=f.media_type, sha256=f.sha256)
                for f in manifest.files
            ],
            acquisition={
                "acquired_by": acquisition.acquired_by,
                "acquired_at": acquisition.acquired_at.isoformat(),
                "method": acquisition.method,
                "tool": acquisition.tool,
                "source": acquisition.source,
            },
            custody=[
                CustodyOut(
                    sequence=e.record.sequence,
                    action=str(e.record.action),
                    at=e.record.at,
                    place=e.record.place,
                    actor=e.record.actor,
                    digest=e.record.digest,
                    file=e.record.file,
                    detail=e.record.detail,
                )
                for e in view.custody
            ],
            failure_code=package.failure_code,
            failure_detail=package.failure_detail,
            created_at=package.created_at,
            updated_at=package.updated_at,
            released_at=package.released_at,
        )


@router.post(
    UPLOAD_PATH,
    status_code=201,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def upload(
    request_id: str,
    request: Request,
    ctx: Context,
    user: RecentUser,
    file_name: Annotated[str, Query(min_length=1, max_length=255)],
    acquired_by: Text,
    method: Text,
    tool: Text,
    source: Text,
    acquired_at: datetime | None = None,
) -> PackageOut:
    """Upload one file (raw bytes) and seal it as a package for the request's other State;
    the node then transfers it. Memory stays bounded: the bytes go straight to disk.
    Releasing evidence needs a recent sign-in (401 ``REAUTH_REQUIRED`` otherwise)."""
    try:
        name = check_path(file_name)
    except Exception as error:
        raise InvalidFieldsError((FieldIssue("file_name", "invalid", str(error)),)) from None
    if "/" in name:
        raise InvalidFieldsError((FieldIssue("file_name", "invalid", "a file name, not a path"),))
    staging = _staging_dir(request)
    try:
        path = staging / name
        await _receive_to(request, path)
        now = ctx.clock.now()
        acquisition = AcquisitionRecord(
            acquired_by, acquired_at or now, method, tool, source, request_id
        )
        view = await run_in_threadpool(
            service.seal_and_send,
            ctx,
            actor=user,
            request_id=request_id,
            paths=[path],
            acquisition=acquisition,
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PackageOut.of(view)


@router.get(UPLOAD_PATH, responses=_ERRORS)
def list_for_request(request_id: str, ctx: Context, user: CurrentUser) -> list[PackageOut]:
    """The request's evidence packages, sent and received, with progress and custody."""
    return [
        PackageOut.of(view) for view in service.for_request(ctx, actor=user, request_id=request_id)
    ]


@router.get("/evidence/{package_id}", responses=_ERRORS)
def get_package(package_id: str, ctx: Context, user: CurrentUser) -> PackageOut:
    """A package: status, transfer progress on this node, files, custody chain."""
    return PackageOut.of(service.get(ctx, actor=user, package_id=package_id))


@router.post("/evidence/{package_id}/verify", responses=_ERRORS)
def verify_package(package_id: str, ctx: Context, user: CurrentUser) -> PackageOut:
    """Check every chunk and file of the stored package again; a fault withholds it
    (``CUSTODY_BROKEN``)."""
    return PackageOut.of(service.reverify(ctx, actor=user, package_id=package_id))


@router.get(
    "/evidence/{package_id}/files/{path:path}",
    responses={
        **_ERRORS,
        200: {"content": {"application/octet-stream": {"schema": {"type": "string"}}}},
    },
    response_class=StreamingResponse,
)
def open_evidence_file(
    package_id: str,
    path: str,
    ctx: Context,
    user: CurrentUser,
    purpose: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,39}$")] = None,
) -> StreamingResponse:
    """Download one file as a decrypted stream, every chunk checked before it is sent; the
    request's usage policy applies, and the access is in the register and custody chain."""
    entry, stream = service.open_file(
        ctx, actor=user, package_id=package_id, path=path, purpose_code=purpose
    )
    return download(entry, stream)


def download(entry: FileEntry, stream: Iterator[bytes]) -> StreamingResponse:
    """An evidence file as an attachment, streamed as it is decrypted and checked."""
    return StreamingResponse(
        iterate_in_threadpool(stream),
        media_type="application/octet-stream",
        headers={
            "Content-Length": str(entry.size),
            "Content-Disposition": f'attachment; filename="{_ascii(entry.path)}"',
            "Digest-SHA256": entry.sha256,
        },
    )


@router.get(
    "/evidence/{package_id}/case",
    responses={**_ERRORS, 200: {"content": {"application/ld+json": {}}}},
)
def export_case(
    package_id: str,
    ctx: Context,
    user: CurrentUser,
    purpose: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,39}$")] = None,
) -> JSONResponse:
    """The package's files, hashes, acquisition and custody chain as CASE/UCO JSON-LD (the
    CASE project's validator accepts it); an ``exported`` custody record and register entry."""
    document = service.export_case(ctx, actor=user, package_id=package_id, purpose_code=purpose)
    return JSONResponse(document, media_type="application/ld+json")


def _staging_dir(request: Request) -> Path:
    root: Path = request.app.state.container.settings.resolved_evidence_dir / "staging"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = root / str(uuid.uuid4())
    staging.mkdir(mode=0o700)
    return staging


async def _receive_to(request: Request, path: Path) -> None:
    """Stream the request body into ``path`` (0600) without holding it in memory."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        async for part in request.stream():
            view = memoryview(part)
            while view:
                view = view[os.write(fd, view) :]
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise StorageFullError("no space left to store the upload") from None
        raise
    finally:
        os.close(fd)


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
