"""Officers' pages: the auditor's view of the node's witnessed audit log.

GET /audit shows whether the node's own log passes its checks, its size and root, the latest
checkpoint with the States that cosigned it (and those of the directory that have not), and
the latest alerts about this log and the logs this node witnesses. GET /audit/export?request=ID
downloads a request's complete audit trail with its proofs, which ``comity audit
verify-export FILE`` checks offline. Auditors, DPOs and administrators only: the services
refuse anyone else, and the page shows that refusal.

An alert's detail is English text the node wrote (often about another State's log), so it is
shown as it is, marked as English, and escaped like any text from another node.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from comity.domain.errors import (
    AuditIntegrityError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
)
from comity.services import ledger_audit
from comity.web.errors import FORM_INVALID, status_for
from comity.web.ui.directory import installed
from comity.web.ui.i18n import N_
from comity.web.ui.page import Officer, SignedIn, refused, render, services

router = APIRouter(include_in_schema=False)

# How many alerts the page lists, newest first.
ALERT_ROWS = 50
# A request id is a UUID; the API takes at most 36 characters too.
MAX_REQUEST_ID = 36
# How many characters of a root the page shows before the whole value is asked for.
ROOT_SHOWN = 16

KIND_LABELS: Mapping[str, str] = {
    "integrity": N_("Integrity check failed"),
    "rollback": N_("Log rolled back"),
    "equivocation": N_("Two histories of one log"),
    "refused": N_("Cosigning refused"),
    "integrity_reported": N_("Failure reported by that State"),
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _expected_witnesses(request: Request) -> list[str] | None:
    """Every other State of the installed directory (they all witness this node's log);
    None where no directory is installed or it does not verify."""
    try:
        view = installed(request)
    except DomainError:
        return None
    here = services(request).state
    return sorted(code for code in view.directory.states if code != here)


def _page(
    request: Request,
    officer: Officer,
    *,
    errors: dict[str, str] | None = None,
    request_id: str = "",
    status: int = 200,
) -> Response:
    ctx = services(request)
    try:
        ledger_audit.check_auditor(officer.user)
        found = ledger_audit.status(ctx)
        latest_alerts = ledger_audit.alerts(ctx, actor=officer.user, limit=ALERT_ROWS)
    except DomainError as error:
        return refused(request, officer, error)
    health = ledger_audit.own_log_health(ctx)
    expected = _expected_witnesses(request)
    missing = (
        [code for code in expected if code not in found.cosigned_by]
        if expected is not None and found.checkpoint is not None
        else []
    )
    return render(
        request,
        "ui/audit.html",
        officer,
        status=status,
        errors=errors or {},
        request_id=request_id,
        health=health,
        size=found.size,
        root=_b64(found.root),
        checkpoint=found.checkpoint,
        checkpoint_root=_b64(found.checkpoint.root) if found.checkpoint else "",
        cosigned_by=sorted(found.cosigned_by),
        missing=missing,
        alerts=latest_alerts,
        alert_rows=ALERT_ROWS,
        kind_labels=KIND_LABELS,
        root_shown=ROOT_SHOWN,
        max_request_id=MAX_REQUEST_ID,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, officer: SignedIn) -> Response:
    """The log's health, size and root, the latest checkpoint and its cosigners, the latest
    alerts, and the form that exports a request's trail."""
    return _page(request, officer)


def _filename(request_id: str) -> str:
    """``audit-trail-<first 8 characters of the id>.json``, with nothing a header could
    misread (the id is what the officer typed, though it named a request in the log)."""
    return f"audit-trail-{re.sub(r'[^A-Za-z0-9-]', '_', request_id[:8])}.json"


@router.get("/audit/export", response_class=HTMLResponse)
def export_trail(request: Request, officer: SignedIn) -> Response:
    """A request's audit trail with its proofs, as a JSON file to download; without an id,
    or with one the log does not name, the page again with the field's message."""
    request_id = (request.query_params.get("request") or "").strip()
    try:
        # The refusal comes first, before the id is looked at.
        ledger_audit.check_auditor(officer.user)
    except PermissionDeniedError as error:
        return refused(request, officer, error)
    if not request_id:
        message = N_("Enter the id of a request.")
        return _page(request, officer, errors={"request": message}, status=FORM_INVALID)
    if len(request_id) > MAX_REQUEST_ID:
        message = N_("A request id is at most 36 characters long.")
        errors = {"request": message}
        return _page(request, officer, errors=errors, request_id=request_id, status=FORM_INVALID)
    ctx = services(request)
    try:
        document: dict[str, Any] = ledger_audit.export_trail(
            ctx, actor=officer.user, request_id=request_id
        )
    except PermissionDeniedError as error:
        return refused(request, officer, error)
    except DomainError as error:
        if isinstance(error, AuditIntegrityError):
            message = N_("This node has no signing key: it signs no checkpoint to export.")
        elif isinstance(error, NotFoundError) and ledger_audit.status(ctx).checkpoint is None:
            message = N_("No checkpoint has been signed yet: try again in a minute.")
        elif isinstance(error, NotFoundError):
            message = N_("No entry of the audit log names a request with this id.")
        else:
            message = error.detail
        errors = {"request": message}
        return _page(
            request, officer, errors=errors, request_id=request_id, status=status_for(error)
        )
    return Response(
        content=json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(request_id)}"',
            "Cache-Control": "no-store",
        },
    )
