"""Officers' pages: a request's evidence packages, and sending evidence under it.

``GET /requests/{id}/evidence`` lists the packages with their verification state, files,
acquisition record and custody chain; while any is in transfer its list asks for itself again
every 3 seconds (htmx), and stops once none is. Officers who may send evidence get a form that
works as a plain multipart POST without JavaScript; with JavaScript (``static/upload.js``) the
same form sends the file in chunks that resume after a broken connection or a reloaded page:

- ``POST …/evidence/uploads`` declares the file and the acquisition record → ``upload_id``;
- ``PUT …/uploads/{upload_id}?offset=N`` appends a chunk at ``N`` (409 with the node's offset
  otherwise); ``GET …/uploads/{upload_id}`` says the offset;
- ``POST …/uploads/{upload_id}/complete`` seals the whole file → ``{package_id, location}``;
- ``DELETE …/uploads/{upload_id}`` discards it.

Those requests come from the page's script, not a form: their CSRF token is the header
``X-CSRF-Token`` and their errors are problem+json documents. The staging itself (bound to the
officer and the request, swept after a day untouched) is ``services.evidence_uploads``.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from comity.domain.access import Action, require
from comity.domain.errors import (
    AuthenticationError,
    CustodyBrokenError,
    DomainError,
    InvalidFieldsError,
    PermissionDeniedError,
    StorageFullError,
)
from comity.domain.evidence_packages import PackageStatus
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side
from comity.services import evidence, evidence_uploads, requests, users
from comity.services.evidence import PackageView
from comity.services.evidence_uploads import (
    ACQUISITION_FIELDS,
    ChunkTooLargeError,
    Upload,
)
from comity.web.api.evidence import _staging_dir
from comity.web.errors import FORM_INVALID, problem
from comity.web.ui import i18n, sessions
from comity.web.ui.evidence_record import (
    BAD_NAME,
    FIELD_LABELS,
    REQUIRED,
    Checked,
    acquisition_record,
    base_name,
    check_form,
)
from comity.web.ui.i18n import N_
from comity.web.ui.page import FormOfficer, Officer, SignedIn, current_officer, is_htmx, refused
from comity.web.ui.page import render as _render
from comity.web.ui.page import services as _ctx
from comity.web.ui.reauth import needs_reauth

router = APIRouter(include_in_schema=False)

PAGE = "/requests/{request_id}/evidence"
UPLOADS = PAGE + "/uploads"
ONE_UPLOAD = UPLOADS + "/{upload_id}"
CSRF_HEADER = "X-CSRF-Token"
#: The chunk size the page's script sends (the node accepts up to ``MAX_CHUNK_BYTES``).
CHUNK_BYTES = 4 * 1024 * 1024

#: What a package's status means, in words.
STATUS_LABELS: Mapping[str, str] = {
    "sending": N_("Sending"),
    "delivered": N_("Delivered"),
    "failed": N_("Refused by the other State"),
    "receiving": N_("Receiving"),
    "released": N_("Released"),
    "withheld": N_("Withheld"),
    "deleted": N_("Erased"),
}
STATUS_MEANINGS: Mapping[str, str] = {
    "sending": N_(
        "Sealed here and being sent to the other State's node; the transfer resumes by itself "
        "after an interruption."
    ),
    "delivered": N_("The other State's node verified and stored every chunk."),
    "failed": N_("The other State's node refused the package for good."),
    "receiving": N_(
        "Chunks are arriving. Nothing can be opened until every chunk has arrived and the whole "
        "package verifies."
    ),
    "released": N_("Complete and verified on arrival: authorised officers may open it."),
    "withheld": N_(
        "It failed verification, or a stored chunk no longer matches its digest: it is not "
        "released."
    ),
    "deleted": N_("Erased at the end of its retention; its custody chain remains."),
}
CUSTODY_LABELS: Mapping[str, str] = {
    "sealed": N_("Sealed"),
    "sent": N_("Sent"),
    "received": N_("Received"),
    "verified": N_("Verified"),
    "stored": N_("Stored"),
    "opened": N_("Opened"),
    "exported": N_("Exported"),
    "deleted": N_("Erased"),
    "rejected": N_("Rejected"),
    "custody_broken": N_("Custody broken"),
}
_NOTICES: Mapping[str, str] = {
    "sealed": N_("Evidence sealed as package %(package)s: it is on its way to the other State."),
    "verified": N_("Package %(package)s verified again: every chunk and file matches."),
    "broken": N_(
        "Package %(package)s no longer verifies: it is withheld and the custody chain says so."
    ),
    "discarded": N_("The unfinished upload was discarded."),
}


class UploadCsrfError(PermissionDeniedError):
    """A script's unsafe request came without this session's CSRF token in its header."""

    code = "CSRF_INVALID"


def _script_officer(request: Request) -> Officer:
    """The officer of a request from the page's script: a session, or 401 (never a redirect,
    which a script would follow into the sign-in page)."""
    found = current_officer(request)
    if found is None:
        raise AuthenticationError("the session ended: sign in again")
    return found


def _script_form_officer(request: Request) -> Officer:
    """As ``_script_officer``, for an unsafe request: the ``X-CSRF-Token`` header must be the
    session's token (a page on another site can neither read it nor set the header)."""
    found = _script_officer(request)
    if not sessions.csrf_valid(found.session, request.headers.get(CSRF_HEADER)):
        raise UploadCsrfError("the page is not valid any more: open it again")
    return found


async def _closed_after(request: Request) -> AsyncIterator[FormData]:
    """The request's form, its spooled files closed (and removed) once the request is done,
    whether the route ran or a dependency refused it. Declared before ``FormOfficer``, which
    then reads the same parsed form."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


ClosedAfter = Annotated[FormData, Depends(_closed_after)]
ScriptOfficer = Annotated[Officer, Depends(_script_officer)]
ScriptFormOfficer = Annotated[Officer, Depends(_script_form_officer)]


@router.get(PAGE)
def evidence_page(request: Request, request_id: str, officer: SignedIn) -> Response:
    """The request's evidence packages and, for officers who may send evidence, the upload
    form; htmx asks for the package list alone (``HX-Request``) while a transfer runs."""
    try:
        return _page(request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)


@router.post(PAGE)
async def upload_file(
    request: Request, request_id: str, form: ClosedAfter, officer: FormOfficer
) -> Response:
    """Send one file without JavaScript: a multipart form (Starlette spools the file to disk
    as it arrives), staged under the file's own name, sealed, then the evidence page."""
    ctx = _ctx(request)
    chosen = form.get("file")
    upload = chosen if isinstance(chosen, UploadFile) and chosen.filename else None
    checked = check_form(
        {key: _text(form.get(key)) for key in ACQUISITION_FIELDS},
        None if upload is None else base_name(upload.filename or ""),
        ctx.clock.now(),
    )
    try:
        if checked.errors or upload is None:
            return _page(request, officer, request_id, checked=checked, status=FORM_INVALID)
        # Refused before the file is copied, as the script's uploads are before they begin.
        await run_in_threadpool(
            evidence.check_may_send, ctx, actor=officer.user, request_id=request_id
        )
        # Evidence leaves for the other State: a recent sign-in first, as for the API.
        back = _page_url(request_id, None, None)
        stale = await run_in_threadpool(needs_reauth, request, officer, back)
        if stale is not None:
            return stale
        staging = _staging_dir(request)
        try:
            path = staging / checked.values["file"]
            await run_in_threadpool(_copy, upload.file, path)
            view = await run_in_threadpool(
                evidence.seal_and_send,
                ctx,
                actor=officer.user,
                request_id=request_id,
                paths=[path],
                acquisition=acquisition_record(checked.fields, request_id, ctx.clock.now()),
            )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except DomainError as error:
        return refused(request, officer, error)
    return _to_page(request_id, "sealed", view.package.package_id)


@router.post("/evidence/{package_id}/verify")
def verify_again(request: Request, package_id: str, officer: FormOfficer) -> Response:
    """Check every chunk and file of a stored package again (a fault withholds it), then the
    evidence page says how it went."""
    ctx = _ctx(request)
    try:
        request_id = evidence.get(ctx, actor=officer.user, package_id=package_id).package.request_id
        evidence.reverify(ctx, actor=officer.user, package_id=package_id)
    except CustodyBrokenError as error:
        if evidence.get(ctx, actor=officer.user, package_id=package_id).package.status in (
            PackageStatus.WITHHELD,
            PackageStatus.FAILED,
        ):
            return _to_page(request_id, "broken", package_id)
        return refused(request, officer, error)
    except DomainError as error:
        return refused(request, officer, error)
    return _to_page(request_id, "verified", package_id)


@router.post(UPLOADS, status_code=201)
async def start_upload(request: Request, request_id: str, officer: ScriptFormOfficer) -> Response:
    """Declare a file (``file_name``, ``size``) and its acquisition record (JSON or a form):
    an upload the officer's chunks then fill. Invalid fields are 422 with each field's
    message in the page's language."""
    ctx = _ctx(request)
    # Refused before the fields are looked at: an officer who may not send learns only that.
    await run_in_threadpool(evidence.check_may_send, ctx, actor=officer.user, request_id=request_id)
    # Evidence leaves for the other State: a recent sign-in first (401 REAUTH_REQUIRED, which
    # the script answers by opening the re-authentication page).
    await run_in_threadpool(users.authenticate_recent, ctx, token=officer.session)
    body = await _body(request)
    name = _text(body.get("file_name"))
    checked = check_form(
        {key: _text(body.get(key)) for key in ACQUISITION_FIELDS},
        base_name(name) if name else None,
        ctx.clock.now(),
    )
    size = body.get("size")
    if isinstance(size, str) and size.isdigit():
        size = int(size)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        checked.errors["file"] = checked.errors.get("file", REQUIRED["file"])
    if checked.errors:
        return _invalid(request, checked.errors)
    assert isinstance(size, int)
    try:
        upload = await run_in_threadpool(
            evidence_uploads.start,
            ctx,
            actor=officer.user,
            root=_root(request),
            request_id=request_id,
            name=checked.values["file"],
            size=size,
            fields=checked.fields,
        )
    except InvalidFieldsError:
        return _invalid(request, {"file": BAD_NAME})
    return JSONResponse(_upload_out(upload, request_id), status_code=201)


@router.get(ONE_UPLOAD)
def upload_state(
    request: Request, request_id: str, upload_id: str, officer: ScriptOfficer
) -> dict[str, Any]:
    """How many bytes of the upload the node holds: where the next chunk begins."""
    upload = evidence_uploads.find(
        actor=officer.user, root=_root(request), request_id=request_id, upload_id=upload_id
    )
    return _upload_out(upload, request_id)


@router.put(ONE_UPLOAD)
async def upload_chunk(
    request: Request,
    request_id: str,
    upload_id: str,
    officer: ScriptFormOfficer,
    offset: Annotated[int, Query(ge=0)],
) -> Response:
    """Append the raw body at ``offset``, which must be what the node holds (409 with the
    node's offset otherwise); at most 16 MiB, never beyond the declared size (413). The body
    goes to disk as it arrives; a chunk that fails half-way leaves nothing behind."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > evidence_uploads.MAX_CHUNK_BYTES:
        raise ChunkTooLargeError(f"a chunk is at most {evidence_uploads.MAX_CHUNK_BYTES} bytes")
    with evidence_uploads.receiving(
        _ctx(request),
        actor=officer.user,
        root=_root(request),
        request_id=request_id,
        upload_id=upload_id,
        offset=offset,
    ) as sink:
        async for part in request.stream():
            sink.write(part)
        held = sink.start + sink.received
    # An offset mismatch (409 with the node's offset) and a chunk over its bound (413) are
    # answered by the application's problem handler, like every other refusal.
    return JSONResponse({"upload_id": upload_id, "offset": held})


@router.post(ONE_UPLOAD + "/complete", status_code=201)
async def complete_upload(
    request: Request, request_id: str, upload_id: str, officer: ScriptFormOfficer
) -> Response:
    """Seal the uploaded file once every byte is there (409 with the offset before) and send
    it: ``{package_id, location}``, the evidence page saying so. A long upload may outlast the
    re-authentication window: the officer authenticates again and the script completes it."""
    await run_in_threadpool(users.authenticate_recent, _ctx(request), token=officer.session)
    view = await run_in_threadpool(
        evidence_uploads.complete,
        _ctx(request),
        actor=officer.user,
        root=_root(request),
        request_id=request_id,
        upload_id=upload_id,
    )
    package_id = view.package.package_id
    location = _page_url(request_id, "sealed", package_id)
    return JSONResponse({"package_id": package_id, "location": location}, status_code=201)


@router.delete(ONE_UPLOAD, status_code=204)
def discard_upload(
    request: Request, request_id: str, upload_id: str, officer: ScriptFormOfficer
) -> Response:
    """Discard the officer's unfinished upload."""
    evidence_uploads.discard(
        actor=officer.user, root=_root(request), request_id=request_id, upload_id=upload_id
    )
    return Response(status_code=204)


@router.post(ONE_UPLOAD + "/discard")
def discard_upload_form(
    request: Request, request_id: str, upload_id: str, officer: FormOfficer
) -> Response:
    """Discard an unfinished upload from the page's list (a form: works without JavaScript)."""
    try:
        evidence_uploads.discard(
            actor=officer.user, root=_root(request), request_id=request_id, upload_id=upload_id
        )
    except DomainError as error:
        return refused(request, officer, error)
    return _to_page(request_id, "discarded", None)


def _page(
    request: Request,
    officer: Officer,
    request_id: str,
    *,
    checked: Checked | None = None,
    status: int = 200,
) -> Response:
    ctx = _ctx(request)
    item = requests.get(ctx, actor=officer.user, request_id=request_id).request
    packages = evidence.for_request(ctx, actor=officer.user, request_id=request_id)
    values: dict[str, Any] = {
        "item": item,
        "other_state": item.requested_state
        if item.side is Side.REQUESTING
        else item.requesting_state,
        "packages": packages,
        "in_transfer": any(_in_transfer(view) for view in packages),
        "may_open": _may(officer, item, Action.OPEN_EVIDENCE),
        "status_labels": STATUS_LABELS,
        "status_meanings": STATUS_MEANINGS,
        "custody_labels": CUSTODY_LABELS,
        "field_labels": FIELD_LABELS,
        "me": officer.user.id,
        "size": _sizes(request),
    }
    if is_htmx(request) and checked is None:
        return _render(request, "ui/evidence_packages.html", officer, **values)
    try:
        evidence.check_may_send(ctx, actor=officer.user, request_id=request_id)
        may_send = True
    except DomainError:
        may_send = False
    notice = request.query_params.get("notice", "")
    return _render(
        request,
        "ui/evidence.html",
        officer,
        status,
        **values,
        may_send=may_send,
        pending=evidence_uploads.pending(
            actor=officer.user, root=_root(request), request_id=request_id
        )
        if may_send
        else [],
        form=checked or Checked({}, {}, {}),
        notice=_NOTICES.get(notice, ""),
        notice_package=request.query_params.get("package", "")[:128],
        chunk_bytes=CHUNK_BYTES,
    )


def _sizes(request: Request) -> Callable[[int], str]:
    """Byte counts as officers read them, in decimal units (as the upload's script shows
    them) and the page's number format."""
    locale = i18n.pick(request)[0].locale

    def size(count: int) -> str:
        for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
            if count >= scale:
                return f"{format_decimal(count / scale, '#,##0.0', locale=locale)} {unit}"
        return f"{count} B"

    return size


def _in_transfer(view: PackageView) -> bool:
    return view.package.status in (PackageStatus.SENDING, PackageStatus.RECEIVING)


def _may(officer: Officer, item: CooperationRequest, action: Action) -> bool:
    """The rule the service applies to ``action`` (it refuses anyway; this only decides
    whether the page offers it)."""
    try:
        require(officer.user, action, authority_id=item.authority_id, side=item.side)
    except DomainError:
        return False
    return True


def _copy(source: BinaryIO, path: Path) -> None:
    """Copy the spooled upload into the staging file (0600), a megabyte at a time."""
    source.seek(0)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise StorageFullError("no space left to stage the upload") from None
        raise


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


async def _body(request: Request) -> Mapping[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        document = await request.json()
        return document if isinstance(document, dict) else {}
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _root(request: Request) -> Path:
    root: Path = request.app.state.container.settings.resolved_evidence_dir / "uploads"
    return root


def _upload_out(upload: Upload, request_id: str) -> dict[str, Any]:
    return {
        "upload_id": upload.upload_id,
        "name": upload.name,
        "size": upload.size,
        "offset": upload.offset,
        "chunk_size": CHUNK_BYTES,
        "fields": dict(upload.fields),
        "url": UPLOADS.format(request_id=quote(request_id, safe="")) + "/" + upload.upload_id,
    }


def _gettext(request: Request) -> Callable[[str], str]:
    language, _chosen = i18n.pick(request)
    gettext: Callable[[str], str] = request.app.state.catalogues[language.code].gettext
    return gettext


def _invalid(request: Request, errors: Mapping[str, str]) -> Response:
    gettext = _gettext(request)
    return problem(
        request,
        status=FORM_INVALID,
        code=InvalidFieldsError.code,
        title="Some fields are invalid",
        detail=f"{len(errors)} field(s) to correct",
        errors=[
            {"path": key, "kind": "invalid", "message": gettext(message)}
            for key, message in errors.items()
        ],
    )


def _page_url(request_id: str, notice: str | None, package_id: str | None) -> str:
    url = PAGE.format(request_id=quote(request_id, safe=""))
    if notice:
        url += f"?notice={notice}"
        if package_id:
            url += f"&package={quote(package_id, safe='')}"
    return url


def _to_page(request_id: str, notice: str | None, package_id: str | None) -> Response:
    return RedirectResponse(_page_url(request_id, notice, package_id), status_code=303)
