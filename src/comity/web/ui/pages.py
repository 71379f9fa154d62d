"""Pages of the officers' web application: sign-in, sign-out, the dashboard, a request's
page and evidence downloads. The other areas (drafting, approval, incoming, the 24/7 desk,
evidence upload, directory and DPO) have their own modules beside this one."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from comity.domain.access import can_see
from comity.domain.errors import (
    DomainError,
    InvalidCredentialsError,
    MfaRequiredError,
    SignInThrottledError,
)
from comity.domain.requests import CooperationRequest
from comity.domain.values import Role
from comity.domain.workflow import Status
from comity.services import (
    data_protection,
    evidence,
    inbox,
    originals,
    request_links,
    requests,
    users,
)
from comity.services.ports import RequestQuery
from comity.web.api.evidence import download
from comity.web.errors import status_for
from comity.web.timeline import timeline_of
from comity.web.ui import i18n, reauth, sessions
from comity.web.ui.page import FormExpiredError, FormOfficer, SignedIn, current_officer, refused
from comity.web.ui.page import render as _render
from comity.web.ui.page import services as _ctx
from comity.web.ui.practice import practice_panel

router = APIRouter(include_in_schema=False)
# Re-authentication belongs with sign-in: its pages are served with this module's.
router.include_router(reauth.router)

# Deadlines falling due within this many days are shown on the dashboard.
DEADLINE_HORIZON = timedelta(days=7)
# How many items each section of the dashboard shows (the full lists have their own pages).
SECTION_SIZE = 10


def _back_to(target: str | None) -> str:
    """Where to go after sign-in: a path on this node only (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    if current_officer(request) is not None:
        return RedirectResponse(_back_to(next), status_code=303)
    return _login_page(request, back_to=_back_to(next))


def _login_page(
    request: Request, error: str = "", status: int = 200, back_to: str = "/"
) -> Response:
    token = sessions.new_login_csrf()
    response = _render(
        request, "ui/login.html", None, status, csrf_token=token, error=error, back_to=back_to
    )
    sessions.set_cookie(response, request, sessions.LOGIN_CSRF_COOKIE, token, 600)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    otp: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    back_to: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the credentials (and the one-time code of an enrolled account); on success a
    new session cookie, whatever cookie the browser had (no session fixation), and the page
    asked for. Failures are throttled per name and address like the API's."""
    target = _back_to(back_to)
    if not sessions.login_csrf_valid(request, csrf_token):
        expired = status_for(FormExpiredError("csrf"))
        return _login_page(request, "expired", expired, back_to=target)
    try:
        issued = users.sign_in(
            _ctx(request),
            username=username,
            password=password,
            otp=otp or None,
            address=reauth.client_address(request),
        )
    except SignInThrottledError as error:
        page = _login_page(request, "throttled", status_for(error), back_to=target)
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    except MfaRequiredError as error:
        return _login_page(request, "mfa", status_for(error), back_to=target)
    except InvalidCredentialsError as error:
        return _login_page(request, "wrong", status_for(error), back_to=target)
    response = RedirectResponse(target, status_code=303)
    sessions.set_cookie(
        response, request, sessions.SESSION_COOKIE, issued.access_token, issued.expires_in
    )
    sessions.clear_cookie(response, request, sessions.LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, officer: FormOfficer) -> Response:
    """End the session (refused without the session's CSRF token)."""
    users.sign_out(_ctx(request), token=officer.session)
    response = RedirectResponse("/login", status_code=303)
    sessions.clear_cookie(response, request, sessions.SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, officer: SignedIn) -> Response:
    """What waits for the signed-in officer, by role: emergencies to acknowledge, incoming
    requests to register or decide, requests awaiting approval, drafts; the deadlines of the
    coming days; counters by status; the authority's latest requests."""
    ctx = _ctx(request)
    user = officer.user
    authority = user.authority_id
    if officer.has(Role.AUDITOR) and not can_see(user, authority):
        # An auditor with no case role has no case work waiting: the audit log is their page.
        return RedirectResponse("/audit", status_code=303)

    def listed(status: Status) -> list[CooperationRequest]:
        query = RequestQuery(authority_id=authority, status=status, limit=SECTION_SIZE)
        return requests.listing(ctx, actor=user, query=query)

    waiting = inbox.inbox(ctx, actor=user, limit=SECTION_SIZE)
    recent = requests.listing(ctx, actor=user, query=RequestQuery(authority_id=authority, limit=20))
    counts = requests.status_counts(ctx, actor=user)
    due = requests.deadlines_due(
        ctx, actor=user, before=ctx.clock.now() + DEADLINE_HORIZON, limit=SECTION_SIZE
    )
    return _render(
        request,
        "ui/dashboard.html",
        officer,
        emergencies=[item for item in waiting if item.waiting_acknowledgement],
        inbox=waiting,
        approvals=listed(Status.AWAITING_APPROVAL) if officer.has(Role.APPROVER) else [],
        drafts=listed(Status.DRAFT) if officer.has(Role.DRAFTER) else [],
        requests=recent,
        counts=sorted((str(status), n) for status, n in counts.items()),
        deadlines=due,
        horizon_days=DEADLINE_HORIZON.days,
    )


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: str, officer: SignedIn) -> Response:
    """One request: its particulars with the catalogue's labels, deadlines, decisions and
    obligations, linked requests, evidence packages, signed originals and its whole timeline.

    Opening the page is a reading of the request's data, like the API's: under its purpose,
    until its retention date, recorded in the DPO's register."""
    ctx = _ctx(request)
    try:
        view = data_protection.read(ctx, actor=officer.user, request_id=request_id)
        links = request_links.linked(ctx, actor=officer.user, request_id=request_id)
        signed = originals.originals_of(ctx, officer.user, request_id)
        practice = practice_panel(ctx, officer, view.request)
    except DomainError as error:
        return refused(request, officer, error)
    item = view.request
    return _render(
        request,
        "ui/request.html",
        officer,
        item=item,
        rtype=ctx.catalogue.type(item.type_code),
        view=view,
        timeline=timeline_of(view),
        packages=view.packages,
        links=links,
        originals=signed,
        languages_for_originals=list(i18n.LANGUAGES.values()),
        obligations=item.obligations(),
        practice=practice,
    )


@router.post("/requests/{request_id}/original")
def sign_original(
    request: Request,
    request_id: str,
    officer: FormOfficer,
    lang: Annotated[str, Form(max_length=5)] = "en",
) -> Response:
    """Render the request in ``lang``, sign it with the node's document key and download it;
    the signed original stays attached to the request (and is an export in the register)."""
    if lang not in i18n.LANGUAGES:
        lang = i18n.DEFAULT
    try:
        pdf = originals.render_original(_ctx(request), officer.user, request_id, lang)
    except DomainError as error:
        return refused(request, officer, error)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="original-{lang}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/evidence/{package_id}/files/{path:path}")
def evidence_file(request: Request, package_id: str, path: str, officer: SignedIn) -> Response:
    """Download one evidence file as its checked plaintext (the same rules as the API)."""
    try:
        entry, stream = evidence.open_file(
            _ctx(request), actor=officer.user, package_id=package_id, path=path
        )
    except DomainError as error:
        return refused(request, officer, error)
    return download(entry, stream)
