"""Officers' pages: approval (four eyes) and sending the approved request.

``/approvals`` is an approver's queue: the authority's requests awaiting approval,
emergencies first. ``/approvals/{id}`` shows the request read-only (its fields under their
catalogue labels), what is missing and the legal engine's findings, with the forms of the
approver's steps: approve (a written justification is required to override blocking
findings), send back to the drafter with a comment, and once approved send it to the
requested State. Each step is one service call followed by a redirect to the page, which
then shows the new status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from comity.domain.errors import (
    BlockingFindingsError,
    DomainError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.requests import CooperationRequest
from comity.domain.values import Role, Side
from comity.domain.workflow import Status
from comity.services import data_protection, exchange, requests
from comity.services.requests import RequestView
from comity.web.errors import FORM_INVALID, status_for
from comity.web.ui.draft_form import FieldError
from comity.web.ui.draft_panel import Panel, problems, shown_findings
from comity.web.ui.draft_steps import anchor_of
from comity.web.ui.i18n import N_
from comity.web.ui.page import FormOfficer, Officer, SignedIn, refused, render
from comity.web.ui.page import services as _ctx
from comity.web.ui.reauth import needs_reauth
from comity.web.ui.request_lists import authority_requests, urgency_rank, usernames

router = APIRouter(include_in_schema=False)

JUSTIFICATION_REQUIRED = N_(
    "Write why the request should go despite the blocking findings: approving overrides them."
)
COMMENT_REQUIRED = N_("Write what the drafter should change.")

# Comments and justifications are free text, kept within what the history stores well.
_TEXT_LIMIT = 5_000


@dataclass(frozen=True)
class QueueRow:
    """A request in the approval queue: who submitted it, and when."""

    request: CooperationRequest
    title: str
    drafter: str
    submitted: datetime


def _require_approver(officer: Officer) -> None:
    if not officer.has(Role.APPROVER):
        raise PermissionDeniedError("approval needs the role approver")


@router.get("/approvals", response_class=HTMLResponse)
def queue(request: Request, officer: SignedIn) -> Response:
    """Requests of the approver's authority awaiting approval: emergencies first, then the
    longest waiting."""
    try:
        _require_approver(officer)
    except DomainError as error:
        return refused(request, officer, error)
    ctx = _ctx(request)
    names = usernames(ctx)
    rows = []
    for view in authority_requests(ctx, officer, Status.AWAITING_APPROVAL):
        item = view.request
        submitted = item.entered_at(Status.AWAITING_APPROVAL) or item.updated_at
        rows.append(
            QueueRow(
                request=item,
                title=ctx.catalogue.type(item.type_code).title,
                drafter=names.get(item.submitted_by or item.created_by, ""),
                submitted=submitted,
            )
        )
    rows.sort(key=lambda row: (urgency_rank(row.request), row.submitted))
    return render(request, "ui/approval_queue.html", officer, rows=rows)


def _page(
    request: Request,
    officer: Officer,
    view: RequestView,
    *,
    errors: Mapping[str, FieldError] | None = None,
    alert: str = "",
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The request read-only, its panel, and the forms of the steps its status allows."""
    ctx = _ctx(request)
    item = view.request
    rtype = ctx.catalogue.type(item.type_code)

    def href(path: str) -> str:
        return "#" + anchor_of(path)

    panel = Panel(
        missing=problems(rtype, view.missing, href),
        findings=shown_findings(rtype, view.findings, href),
        note=view.assessment_note,
    )
    names = usernames(ctx)
    approval = next(
        (entry for entry in reversed(item.history) if entry.to_status is Status.APPROVED), None
    )
    return render(
        request,
        "ui/approval_request.html",
        officer,
        status,
        item=item,
        rtype=rtype,
        panel=panel,
        blocking=[f for f in view.findings if f.blocking],
        drafter=names.get(item.created_by, ""),
        approver=names.get(item.approved_by or "", ""),
        approval=approval,
        history=[(entry, names.get(entry.actor_id, "")) for entry in item.history],
        errors=errors or {},
        alert=alert,
        values=values or {},
        basis=view.legal_basis,
    )


def _read(request: Request, officer: Officer, request_id: str) -> RequestView:
    """The request for an approver (NOT_FOUND outside the approver's authority). Opening it is
    a reading of its data, recorded in the DPO's register like the request page's."""
    _require_approver(officer)
    return data_protection.read(_ctx(request), actor=officer.user, request_id=request_id)


@router.get("/approvals/{request_id}", response_class=HTMLResponse)
def approval_page(request: Request, request_id: str, officer: SignedIn) -> Response:
    """One request under approval (or approved, or sent back), with the approver's forms."""
    try:
        view = _read(request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    if view.request.side is not Side.REQUESTING:
        return RedirectResponse(f"/requests/{request_id}", status_code=303)
    return _page(request, officer, view)


@router.post("/approvals/{request_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request,
    request_id: str,
    officer: FormOfficer,
    comment: Annotated[str, Form(max_length=_TEXT_LIMIT)] = "",
    justification: Annotated[str, Form(max_length=_TEXT_LIMIT)] = "",
) -> Response:
    """Approve; blocking findings need a written justification, and the drafter cannot
    approve their own request (the service refuses both; the page says so)."""
    ctx = _ctx(request)
    values = {"comment": comment, "justification": justification}
    try:
        view = _read(request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    # Approving needs a recent sign-in: otherwise the password (and code) first, then back
    # to this request's approval page.
    stale = needs_reauth(request, officer, f"/approvals/{request_id}")
    if stale is not None:
        return stale
    try:
        requests.approve(
            ctx,
            actor=officer.user,
            request_id=request_id,
            comment=comment.strip(),
            override_justification=justification,
        )
    except BlockingFindingsError as error:
        errors = {"justification": FieldError(JUSTIFICATION_REQUIRED)}
        return _page(request, officer, view, errors=errors, values=values, status=status_for(error))
    except DomainError as error:
        # Four eyes (the drafter approving their own request) and any other refusal: the
        # page says why at the top and keeps what was typed.
        return _page(
            request, officer, view, alert=error.detail, values=values, status=status_for(error)
        )
    return RedirectResponse(f"/approvals/{request_id}", status_code=303)


@router.post("/approvals/{request_id}/return", response_class=HTMLResponse)
def send_back(
    request: Request,
    request_id: str,
    officer: FormOfficer,
    reason: Annotated[str, Form(max_length=_TEXT_LIMIT)] = "",
) -> Response:
    """Send the request back to its drafter with a comment (required)."""
    ctx = _ctx(request)
    try:
        view = _read(request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    # The drafter needs to know what to change, whatever the status it is sent back from.
    if not reason.strip():
        errors = {"reason": FieldError(COMMENT_REQUIRED)}
        return _page(request, officer, view, errors=errors, status=FORM_INVALID)
    try:
        requests.return_to_draft(
            ctx, actor=officer.user, request_id=request_id, reason=reason.strip()
        )
    except ReasonRequiredError as error:
        errors = {"reason": FieldError(COMMENT_REQUIRED)}
        return _page(request, officer, view, errors=errors, status=status_for(error))
    except DomainError as error:
        values = {"reason": reason}
        return _page(
            request, officer, view, alert=error.detail, values=values, status=status_for(error)
        )
    return RedirectResponse(f"/approvals/{request_id}", status_code=303)


@router.post("/approvals/{request_id}/send", response_class=HTMLResponse)
def send(request: Request, request_id: str, officer: FormOfficer) -> Response:
    """Send the exact approved content to the requested State; a failure (a stale directory,
    say) is shown on the page and the request stays approved."""
    ctx = _ctx(request)
    try:
        _read(request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    try:
        exchange.send(ctx, actor=officer.user, request_id=request_id)
    except DomainError as error:
        # The page shows the request as it now stands: still approved, nothing sent.
        now = requests.get(ctx, actor=officer.user, request_id=request_id)
        return _page(request, officer, now, alert=error.detail, status=status_for(error))
    return RedirectResponse(f"/approvals/{request_id}", status_code=303)
