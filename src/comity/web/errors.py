"""The one place that maps errors to HTTP: RFC 9457 problem+json with a stable ``code``.

Every response that is not a success goes through here, so clients can rely on the shape:
``type``, ``title``, ``status``, ``detail``, ``code``, ``instance`` and, where it helps,
``missing`` (every missing or invalid path) or ``errors`` (each path with its problem).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from comity.domain import errors as domain
from comity.services.evidence_uploads import ChunkTooLargeError, OffsetMismatchError

log = logging.getLogger("comity.web")

PROBLEM_JSON = "application/problem+json"

STATUS: dict[type[domain.DomainError], int] = {
    # A chunk of a page's resumable upload over its bound: like a body over the limit.
    ChunkTooLargeError: 413,
    domain.NotFoundError: 404,
    domain.UnknownRequestTypeError: 422,
    domain.UnknownProfileError: 422,
    domain.UnknownAuthorityError: 422,
    domain.TypeNotAvailableError: 422,
    domain.InvalidFieldsError: 422,
    domain.IncompleteRequestError: 422,
    domain.ReasonRequiredError: 422,
    domain.IllegalTransitionError: 409,
    domain.NotEditableError: 409,
    domain.ConcurrencyError: 409,
    domain.ConflictError: 409,
    domain.PermissionDeniedError: 403,
    domain.PurposeDeniedError: 403,
    domain.OnwardTransferDeniedError: 403,
    domain.RetentionExpiredError: 410,
    domain.AuthenticationError: 401,
    domain.SignInThrottledError: 429,
    domain.CatalogueError: 500,
    domain.AuditUnavailableError: 503,
    domain.AuditIntegrityError: 503,
    domain.ProofInvalidError: 422,
    domain.CheckpointError: 400,
    domain.UnknownLogError: 404,
    domain.CheckpointSizeConflictError: 409,
    domain.CheckpointRollbackError: 400,
    domain.EquivocationError: 422,
    domain.TrustError: 422,
    domain.TrustStaleError: 503,
    domain.DependencyPendingError: 503,
    domain.ReplayError: 409,
    domain.SchemaInvalidError: 422,
    domain.MessageIdConflictError: 409,
    domain.DirectoryError: 422,
    domain.PackageUnsafeError: 422,
    domain.DigestMismatchError: 422,
    domain.UploadChecksumMismatchError: 422,
    domain.CustodyBrokenError: 409,
    domain.StorageFullError: 507,
    domain.StoreUnavailableError: 503,
    domain.StatementInvalidError: 422,
    domain.BlockingFindingsError: 422,
    domain.InvalidDecisionError: 422,
}

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "AUTHN_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


# A verified message from another node that this node refused: the answer carries a signed
# negative signal with the refusal's own code (security-test-plan §4).
REFUSED_MESSAGE_STATUS = 422

# The witness endpoint answers as C2SP tlog-witness says: a checkpoint whose log signature is
# missing or wrong is 403 there (elsewhere a refused signature is 422).
WITNESS_STATUS = {"SIG_INVALID": 403, "SIGNER_UNTRUSTED": 403}


def witness_status_for(error: domain.DomainError) -> int:
    """The HTTP status of a refused witness call (C2SP tlog-witness)."""
    return WITNESS_STATUS.get(error.code) or status_for(error)


# Codes the web edge answers itself, before any route or domain code runs.
EDGE_STATUS = {"MALFORMED_JSON": 400, "TOO_LARGE": 413}

# A page's form answered again with each field's message: the status of invalid fields.
FORM_INVALID = STATUS[domain.InvalidFieldsError]


def problem_document(
    *, status: int, code: str, title: str, detail: str, instance: str, **extra: Any
) -> dict[str, Any]:
    """The RFC 9457 body every error answer carries, whichever layer produces it."""
    return {
        "type": f"urn:comity:problem:{code.lower().replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        **extra,
    }


def problem(
    request: Request, *, status: int, code: str, title: str, detail: str, **extra: Any
) -> JSONResponse:
    """A problem+json response."""
    return problem_at(
        request.url.path, status=status, code=code, title=title, detail=detail, **extra
    )


def problem_at(
    instance: str,
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response about ``instance`` (the title is the code unless given)."""
    body = problem_document(
        status=status, code=code, title=title or code, detail=detail, instance=instance, **extra
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_for(error: domain.DomainError) -> int:
    """The HTTP status of a domain error: its nearest class in the table."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _issues(issues: tuple[domain.FieldIssue, ...]) -> list[dict[str, str]]:
    return [{"path": i.path, "kind": i.kind, "message": i.message} for i in issues]


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(domain.DomainError)
    def _domain(request: Request, error: domain.DomainError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(error, domain.IncompleteRequestError):
            extra = {"missing": error.missing, "errors": _issues(error.issues)}
        elif isinstance(error, domain.InvalidFieldsError):
            extra = {"errors": _issues(error.issues)}
        elif isinstance(error, domain.BlockingFindingsError | domain.InvalidDecisionError):
            extra = {"findings": [{"code": c, "message": m} for c, m in error.findings]}
        elif isinstance(error, OffsetMismatchError):
            # Where a resumable upload goes on from, in the body and as tus-style header.
            extra = {"offset": error.offset}
        status = status_for(error)
        if status >= 500:
            log.error("server-side failure %s: %s", error.code, error.detail)
        title = type(error).__doc__ or error.code
        answer = problem(
            request,
            status=status,
            code=error.code,
            title=title.strip().splitlines()[0],
            detail=error.detail,
            **extra,
        )
        if isinstance(error, OffsetMismatchError):
            answer.headers["Upload-Offset"] = str(error.offset)
        if isinstance(
            error,
            domain.SignInThrottledError
            | domain.DependencyPendingError
            | domain.StoreUnavailableError,
        ):
            answer.headers["Retry-After"] = str(error.retry_after)
        return answer

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        details = error.errors()
        if any(item.get("type") == "json_invalid" for item in details):
            return problem(
                request,
                status=EDGE_STATUS["MALFORMED_JSON"],
                code="MALFORMED_JSON",
                title="The body is not valid JSON",
                detail="the request body could not be parsed as JSON",
            )
        errors = [
            {
                "path": ".".join(str(part) for part in item.get("loc", ()) if part != "body"),
                "kind": "unknown" if item.get("type") == "extra_forbidden" else "invalid",
                "message": str(item.get("msg", "")),
            }
            for item in details
        ]
        return problem(
            request,
            status=422,
            code="VALIDATION_FAILED",
            title="The input does not follow the schema",
            detail=f"{len(errors)} problem(s) in the input",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(error.status_code, "HTTP_ERROR")
        return problem(
            request,
            status=error.status_code,
            code=code,
            title=code.replace("_", " ").capitalize(),
            detail=str(error.detail),
        )

    @app.exception_handler(Exception)
    def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # Log once here, with a correlation id the caller can quote; never leak internals.
        correlation = str(uuid.uuid4())
        log.exception("unexpected error %s on %s", correlation, request.url.path, exc_info=error)
        return problem(
            request,
            status=500,
            code="INTERNAL",
            title="Internal error",
            detail="the node could not complete the request",
            correlation_id=correlation,
        )
