"""FastAPI dependencies: the service context and the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from comity.domain.access import User
from comity.domain.errors import AuthenticationError
from comity.services import users
from comity.services.context import ServiceContext

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def get_context(request: Request) -> ServiceContext:
    """The service context of the app's container."""
    context: ServiceContext = request.app.state.container.services
    return context


def current_user(
    ctx: Annotated[ServiceContext, Depends(get_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user whose bearer token came with the request."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("a bearer token is required")
    return users.authenticate(ctx, token=credentials.credentials)


Context = Annotated[ServiceContext, Depends(get_context)]
CurrentUser = Annotated[User, Depends(current_user)]
