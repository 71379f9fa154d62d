"""Pages of the officers' web application: sign-in, sign-out and the dashboard.

Every page works without JavaScript (htmx only enhances), answers with a strict
Content-Security-Policy (scripts and styles from this node only), and escapes everything it
shows: text in a request may come from another State's node.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from comity.domain.access import User
from comity.domain.errors import (
    AuthenticationError,
    DomainError,
    InvalidCredentialsError,
    PermissionDeniedError,
)
from comity.domain.values import Role
from comity.services import data_protection, evidence, inbox, requests, users
from comity.services.context import ServiceContext
from comity.services.ports import RequestQuery
from comity.web.api.evidence import download
from comity.web.errors import status_for
from comity.web.timeline import timeline_of
from comity.web.ui import i18n, sessions

TEMPLATES = Path(__file__).parent.parent / "templates"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

router = APIRouter(include_in_schema=False)


def page_templates() -> Jinja2Templates:
    """The pages' template tree (built with the application, not at import)."""
    return Jinja2Templates(directory=str(TEMPLATES))


def _ctx(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.container.services
    return context


def _page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    language, chosen = i18n.pick(request)
    context = {**i18n.page_values(language, request.app.state.catalogues), **values}
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    if chosen:
        sessions.set_cookie(response, request, i18n.LANGUAGE_COOKIE, language.code, 365 * 24 * 3600)
    return response


def _signed_in(request: Request) -> tuple[User, str] | None:
    token = sessions.session_token(request)
    if token is None:
        return None
    try:
        return users.authenticate(_ctx(request), token=token), token
    except AuthenticationError:
        return None


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """The sign-in form."""
    if _signed_in(request) is not None:
        return RedirectResponse("/", status_code=303)
    return _login_page(request)


def _login_page(request: Request, error: str = "", status: int = 200) -> Response:
    token = sessions.new_login_csrf()
    response = _page(request, "ui/login.html", status, csrf_token=token, error=error)
    sessions.set_cookie(response, request, sessions.LOGIN_CSRF_COOKIE, token, 600)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """Check the credentials; on success the session cookie and the dashboard."""
    if not sessions.login_csrf_valid(request, csrf_token):
        return _login_page(request, "expired", status_for(PermissionDeniedError("csrf")))
    try:
        issued = users.sign_in(_ctx(request), username=username, password=password)
    except InvalidCredentialsError as error:
        return _login_page(request, "wrong", status_for(error))
    response = RedirectResponse("/", status_code=303)
    sessions.set_cookie(
        response, request, sessions.SESSION_COOKIE, issued.access_token, issued.expires_in
    )
    sessions.clear_cookie(response, request, sessions.LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(
    request: Request, csrf_token: Annotated[str | None, Form(max_length=200)] = None
) -> Response:
    """End the session (refused without the session's CSRF token)."""
    session = sessions.session_token(request)
    if session is None:
        return _to_login()
    if not sessions.csrf_valid(session, csrf_token):
        refused = PermissionDeniedError("the form is not valid any more")
        return _page(request, "ui/error.html", status_for(refused), problem="form_expired")
    users.sign_out(_ctx(request), token=session)
    response = _to_login()
    sessions.clear_cookie(response, request, sessions.SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    """What waits for the signed-in officer: incoming requests, own requests, counters."""
    signed = _signed_in(request)
    if signed is None:
        return _to_login()
    user, session = signed
    ctx = _ctx(request)
    mine = requests.find(ctx, actor=user, query=RequestQuery(authority_id=user.authority_id))
    waiting = inbox.inbox(ctx, actor=user, limit=20)
    counts = Counter(str(view.request.status) for view in mine)
    return _page(
        request,
        "ui/dashboard.html",
        user=user,
        roles=sorted(str(role) for role in user.roles),
        is_duty=user.has(Role.DUTY_OFFICER),
        csrf_token=sessions.csrf_for(session),
        requests=[view.request for view in mine[:20]],
        inbox=waiting,
        counts=sorted(counts.items()),
    )


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: str) -> Response:
    """One request: its particulars, its evidence packages and its whole timeline.

    Opening the page is a reading of the request's data, like the API's: under its purpose,
    until its retention date, recorded in the DPO's register."""
    signed = _signed_in(request)
    if signed is None:
        return _to_login()
    user, session = signed
    ctx = _ctx(request)
    try:
        view = data_protection.read(ctx, actor=user, request_id=request_id)
    except DomainError as error:
        return _problem(request, error)
    return _page(
        request,
        "ui/request.html",
        user=user,
        roles=sorted(str(role) for role in user.roles),
        is_duty=user.has(Role.DUTY_OFFICER),
        csrf_token=sessions.csrf_for(session),
        item=view.request,
        fields=sorted(view.request.fields.items()),
        timeline=timeline_of(view),
        packages=view.packages,
    )


@router.get("/evidence/{package_id}/files/{path:path}")
def evidence_file(request: Request, package_id: str, path: str) -> Response:
    """Download one evidence file as its checked plaintext (the same rules as the API)."""
    signed = _signed_in(request)
    if signed is None:
        return _to_login()
    try:
        entry, stream = evidence.open_file(
            _ctx(request), actor=signed[0], package_id=package_id, path=path
        )
    except DomainError as error:
        return _problem(request, error)
    return download(entry, stream)


def _problem(request: Request, error: DomainError) -> Response:
    """The error page for a refused step, with the status the API gives the same error."""
    return _page(
        request, "ui/error.html", status_for(error), problem="refused", detail=error.detail
    )
