"""What falls due: deadlines of your authority's requests before a given time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from comity.services import requests as service
from comity.web.api.schemas import DeadlineList, DeadlineOut, Instant, ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(prefix="/deadlines", tags=["deadlines"])


@router.get(
    "",
    response_model=DeadlineList,
    responses={401: {"model": ProblemOut}, 422: {"model": ProblemOut}},
)
def due(
    due_before: Instant,
    ctx: Context,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> DeadlineList:
    """Open deadlines falling due before ``due_before`` (an instant with a UTC offset)."""
    items = service.deadlines_due(ctx, actor=user, before=due_before, limit=limit)
    return DeadlineList(due_before=due_before, items=[DeadlineOut.of(item) for item in items])
