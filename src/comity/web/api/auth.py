"""Sign-in: exchange a user name and password for a bearer token."""

from __future__ import annotations

from fastapi import APIRouter

from comity.services import users
from comity.web.api.schemas import ProblemOut, TokenRequest, TokenResponse
from comity.web.deps import Context

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=TokenResponse,
    responses={401: {"model": ProblemOut, "description": "Wrong user name or password"}},
)
def issue_token(body: TokenRequest, ctx: Context) -> TokenResponse:
    """Sign in; the token goes in ``Authorization: Bearer …`` on every other call."""
    issued = users.sign_in(ctx, username=body.username, password=body.password)
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)
