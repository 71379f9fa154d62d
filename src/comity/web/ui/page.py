"""What every officers' page shares: the signed-in officer, CSRF checks and rendering.

A page route takes ``officer: SignedIn`` (any unsafe one ``officer: FormOfficer``, which also
checks the form's CSRF token) and answers with ``render``. Without a valid session the
browser is sent to the sign-in page and comes back afterwards; a form without its token is
refused with a page that says so. Every page is rendered with a strict
Content-Security-Policy (scripts and styles from this node only) and escapes everything it
shows: text in a request may come from another State's node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from comity.domain.access import User
from comity.domain.errors import (
    AuthenticationError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
)
from comity.domain.values import Role
from comity.services import requests, users
from comity.services.context import ServiceContext
from comity.web.errors import status_for
from comity.web.ui import i18n, sessions

TEMPLATES = Path(__file__).parent.parent / "templates"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class Officer:
    """The signed-in user of a page, with the session the page's forms are bound to."""

    user: User
    session: str

    @property
    def csrf_token(self) -> str:
        """The token every form of this session carries."""
        return sessions.csrf_for(self.session)

    @property
    def roles(self) -> list[str]:
        return sorted(str(role) for role in self.user.roles)

    def has(self, role: Role) -> bool:
        return self.user.has(role)


class SignInRequiredError(Exception):
    """The page needs a signed-in officer and the browser has no valid session."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class FormExpiredError(PermissionDeniedError):
    """An unsafe request came without this session's CSRF token (or with another's)."""

    code = "CSRF_INVALID"


def page_templates() -> Jinja2Templates:
    """The pages' template tree (built with the application, not at import)."""
    return Jinja2Templates(directory=str(TEMPLATES))


def services(request: Request) -> ServiceContext:
    """The node's services, as the composition root wired them."""
    context: ServiceContext = request.app.state.container.services
    return context


def type_titles(ctx: ServiceContext) -> dict[str, str]:
    """The catalogue title of every form of cooperation by its code (the page translates it)."""
    return {code: rtype.title for code, rtype in ctx.catalogue.types.items()}


def current_officer(request: Request) -> Officer | None:
    """The officer the session cookie names, if it is still valid."""
    token = sessions.session_token(request)
    if token is None:
        return None
    try:
        return Officer(users.authenticate(services(request), token=token), token)
    except AuthenticationError:
        return None


def _officer(request: Request) -> Officer:
    found = current_officer(request)
    if found is None:
        raise SignInRequiredError(request.url.path)
    return found


async def _form_officer(request: Request) -> Officer:
    """The officer of an unsafe request whose form carries the session's CSRF token (the
    form is parsed once here; Starlette keeps it for the route's own ``Form`` values)."""
    found = _officer(request)
    form = await request.form()
    submitted = form.get(sessions.CSRF_FIELD)
    if not isinstance(submitted, str) or not sessions.csrf_valid(found.session, submitted):
        # A refused form's uploaded files are spooled to disk: close them now, since no
        # route runs that would.
        await form.close()
        raise FormExpiredError("the form is not valid any more: open the page again")
    return found


SignedIn = Annotated[Officer, Depends(_officer)]
FormOfficer = Annotated[Officer, Depends(_form_officer)]


def render(
    request: Request,
    name: str,
    officer: Officer | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """Render template ``name`` in the page's language, with the navigation of ``officer``."""
    language, chosen = i18n.pick(request)
    translated = i18n.page_values(language, request.app.state.catalogues)
    catalogue = services(request).catalogue
    cat = cast(Callable[[str], str], translated["cat"])

    def type_title(code: str) -> str:
        """A form of cooperation's title in the page's language (its code if unknown)."""
        known = catalogue.types.get(code)
        return cat(known.title) if known is not None else code

    def language_link(code: str) -> str:
        """This page in another language (its other query values kept)."""
        return str(request.url.include_query_params(lang=code).replace(scheme="", netloc=""))

    context = {
        **translated,
        "type_title": type_title,
        "language_link": language_link,
        "officer": officer,
        "path": request.url.path,
        **values,
    }
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    if chosen:
        sessions.set_cookie(response, request, i18n.LANGUAGE_COOKIE, language.code, 365 * 24 * 3600)
    return response


def refused(request: Request, officer: Officer | None, error: DomainError) -> HTMLResponse:
    """The error page for a refused step, with the status the API gives the same error."""
    error = _outside_scope(request, officer, error)
    return render(
        request,
        "ui/error.html",
        officer,
        status_for(error),
        problem="form_expired" if isinstance(error, FormExpiredError) else "refused",
        code=error.code,
        detail=error.detail,
    )


def _outside_scope(request: Request, officer: Officer | None, error: DomainError) -> DomainError:
    """A page refused for the officer's role, about a request the officer may not know exists,
    answers as the API does: not found (plan §8 decision 1), so the role check a page makes
    before reading the request neither differs from the API nor tells that it exists."""
    request_id = request.path_params.get("request_id")
    if officer is None or not request_id or not isinstance(error, PermissionDeniedError):
        return error
    if requests.visible(services(request), actor=officer.user, request_id=str(request_id)):
        return error
    return NotFoundError("no such request")


def is_htmx(request: Request) -> bool:
    """True when htmx asked for a fragment (the page without JavaScript gets the whole)."""
    return request.headers.get("HX-Request") == "true"


def install(app: FastAPI) -> None:
    """Answer a page without a session by the sign-in page, and an expired form by a page
    that says so (the API's problem+json handlers stay for everything else)."""

    @app.exception_handler(SignInRequiredError)
    def _sign_in(request: Request, error: SignInRequiredError) -> Response:
        back_to = error.back_to
        if is_htmx(request):
            # Back to the page that polled, not to the fragment it polled.
            back_to = urlsplit(request.headers.get("HX-Current-URL", "")).path or back_to
        target = "/login"
        if back_to not in ("", "/"):
            target += "?next=" + quote(back_to, safe="")
        if is_htmx(request):
            # A fragment polled after the session ended: htmx loads the sign-in page as a
            # whole page, instead of swapping it into the part of the page it refreshes.
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(FormExpiredError)
    def _expired(request: Request, error: FormExpiredError) -> HTMLResponse:
        return refused(request, current_officer(request), error)
