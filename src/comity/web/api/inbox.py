"""The inbox: requests other States sent to your authority that are still open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from comity.services import inbox as service
from comity.web.api.requests import summary
from comity.web.api.schemas import InboxItemOut, InboxOut, ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(prefix="/inbox", tags=["requests"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
}


@router.get("", response_model=InboxOut, responses=_ERRORS)
def inbox(
    ctx: Context, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> InboxOut:
    """Open requests received for your authority, newest first; ``waiting_acknowledgement``
    marks emergency and 24/7 requests no duty officer has taken charge of yet."""
    items = [
        InboxItemOut(
            **summary(ctx, item.view).model_dump(),
            waiting_acknowledgement=item.waiting_acknowledgement,
        )
        for item in service.inbox(ctx, actor=user, limit=limit)
    ]
    return InboxOut(items=items, count=len(items))
