"""Re-authentication in the officers' pages: approving a request (and any other step that
needs a recent sign-in) first asks for the password again, and the code if the officer has
an authenticator app; the session then gets a new token and the officer returns to the page
of the step (ASVS 7.2.4, 7.5.1; security-test-plan A-09)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from comity.domain.errors import (
    InvalidCredentialsError,
    MfaRequiredError,
    ReauthRequiredError,
    SignInThrottledError,
)
from comity.services import users
from comity.web.errors import status_for
from comity.web.ui import sessions
from comity.web.ui.page import FormOfficer, Officer, SignedIn, render
from comity.web.ui.page import services as _ctx

router = APIRouter(include_in_schema=False)


def local_path(target: str | None) -> str:
    """Where to go afterwards: a path on this node only (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def client_address(request: Request) -> str | None:
    """The TCP peer's address (a header a client can set is never trusted)."""
    return request.client.host if request.client is not None else None


def needs_reauth(request: Request, officer: Officer, back_to: str) -> Response | None:
    """The re-authentication page if the officer's sign-in is too old for a sensitive step
    (the caller answers with it instead of taking the step), else None."""
    try:
        users.authenticate_recent(_ctx(request), token=officer.session)
    except ReauthRequiredError as error:
        return reauth_page(request, officer, back_to, status=status_for(error))
    return None


def reauth_page(
    request: Request, officer: Officer, back_to: str, error: str = "", status: int = 200
) -> HTMLResponse:
    """The form asking for the password (and code) again."""
    enrolled = users.has_authenticator(_ctx(request), user_id=officer.user.id)
    response = render(
        request,
        "ui/reauth.html",
        officer,
        status,
        back_to=local_path(back_to),
        enrolled=enrolled,
        error=error,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/reauth", response_class=HTMLResponse)
def reauth_form(request: Request, officer: SignedIn, next: str | None = None) -> Response:
    """The re-authentication form, on its own (the sensitive steps show it themselves)."""
    return reauth_page(request, officer, local_path(next))


@router.post("/reauth", response_class=HTMLResponse)
def reauth(
    request: Request,
    officer: FormOfficer,
    password: Annotated[str, Form(max_length=1000)] = "",
    otp: Annotated[str, Form(max_length=16)] = "",
    back_to: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password (and code) again; on success a new session cookie (the old token
    ends) and back to the page of the step."""
    target = local_path(back_to)
    try:
        issued = users.reauthenticate(
            _ctx(request),
            token=officer.session,
            password=password,
            otp=otp or None,
            address=client_address(request),
        )
    except SignInThrottledError as error:
        page = reauth_page(request, officer, target, "throttled", status_for(error))
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    except (InvalidCredentialsError, MfaRequiredError) as error:
        kind = "mfa" if isinstance(error, MfaRequiredError) else "wrong"
        return reauth_page(request, officer, target, kind, status_for(error))
    response = RedirectResponse(target, status_code=303)
    sessions.set_cookie(
        response, request, sessions.SESSION_COOKIE, issued.access_token, issued.expires_in
    )
    return response
