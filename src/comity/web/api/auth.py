"""Sign-in: exchange a user name, password and (if enrolled) one-time code for a bearer token;
re-authenticate for steps that need a recent sign-in.

Failed sign-ins are throttled per name and per client address (429 ``SIGN_IN_THROTTLED`` with
``Retry-After``). The client address is the TCP peer's: headers such as ``X-Forwarded-For``
are not trusted (security-test-plan A-21).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import StringConstraints

from comity.domain.access import User
from comity.domain.errors import AuthenticationError
from comity.services import users
from comity.web.api.schemas import ProblemOut, Strict, TokenRequest, TokenResponse
from comity.web.deps import Context

router = APIRouter(prefix="/auth", tags=["auth"])

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {
        "model": ProblemOut,
        "description": "Wrong credentials (INVALID_CREDENTIALS) or a one-time code needed, "
        "wrong or already used (MFA_REQUIRED)",
    },
    429: {"model": ProblemOut, "description": "Too many failures: SIGN_IN_THROTTLED, Retry-After"},
}


class ReauthRequest(Strict):
    """The password (and code) again, for a step that needs a recent sign-in."""

    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    otp: Annotated[str, StringConstraints(max_length=16)] | None = None


def client_address(request: Request) -> str | None:
    """The address of the TCP peer (never a header a client can set)."""
    return request.client.host if request.client is not None else None


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("a bearer token is required")
    return credentials.credentials


def recent_user(ctx: Context, credentials: Bearer) -> User:
    """The user of the bearer token, if its sign-in is recent enough for a sensitive step
    (approving a request, sending evidence); 401 ``REAUTH_REQUIRED`` otherwise."""
    return users.authenticate_recent(ctx, token=_token(credentials))


RecentUser = Annotated[User, Depends(recent_user)]


@router.post("/token", response_model=TokenResponse, responses=_ERRORS)
def issue_token(body: TokenRequest, request: Request, ctx: Context) -> TokenResponse:
    """Sign in; the token goes in ``Authorization: Bearer …`` on every other call."""
    issued = users.sign_in(
        ctx,
        username=body.username,
        password=body.password,
        otp=body.otp,
        address=client_address(request),
    )
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)


@router.post("/reauth", response_model=TokenResponse, responses=_ERRORS)
def reauthenticate(
    body: ReauthRequest, request: Request, ctx: Context, credentials: Bearer
) -> TokenResponse:
    """Sign in again within a session: a new token (the old one ends) whose sign-in is
    recent, for approving requests and sending evidence."""
    issued = users.reauthenticate(
        ctx,
        token=_token(credentials),
        password=body.password,
        otp=body.otp,
        address=client_address(request),
    )
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)
