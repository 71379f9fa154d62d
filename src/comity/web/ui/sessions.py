"""Browser sessions: the sign-in token in an HttpOnly cookie, and CSRF tokens for forms.

The session cookie carries the same token the API issues (``users.sign_in``), so expiry and
sign-out work the same way for both. It is ``HttpOnly`` (scripts never see it),
``SameSite=Strict`` (other sites' pages never send it) and ``Secure`` when the page came over
TLS. Every unsafe request from a form also carries a CSRF token: before sign-in a random value
that must equal the one in its own cookie (double submit); after sign-in an HMAC of the
session token, which a page on another site cannot compute because it cannot read the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

SESSION_COOKIE = "comity_session"
LOGIN_CSRF_COOKIE = "comity_login_csrf"
CSRF_FIELD = "csrf_token"
_CSRF_LABEL = b"comity-csrf/1"


def session_token(request: Request) -> str | None:
    """The session token the browser sent, if any."""
    return request.cookies.get(SESSION_COOKIE) or None


def csrf_for(session: str) -> str:
    """The CSRF token of the forms of one session."""
    return hmac.new(session.encode("utf-8"), _CSRF_LABEL, hashlib.sha256).hexdigest()


def csrf_valid(session: str, submitted: str | None) -> bool:
    """True if ``submitted`` is the session's CSRF token (compared in constant time)."""
    return submitted is not None and hmac.compare_digest(csrf_for(session), submitted)


def new_login_csrf() -> str:
    """A fresh random value for the sign-in form and its cookie."""
    return secrets.token_urlsafe(32)


def login_csrf_valid(request: Request, submitted: str | None) -> bool:
    """True if the sign-in form's token equals the one in its cookie."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or submitted is None:
        return False
    return hmac.compare_digest(cookie, submitted)


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int | None
) -> None:
    """Set a cookie with the attributes every Comity cookie has."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    """Remove a cookie from the browser."""
    response.delete_cookie(
        name, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
