"""The federation directory this node trusts: who the States Party are and their public keys."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request

from comity.bootstrap import Container
from comity.domain.directory import entry_document
from comity.federation_setup import verified_directory
from comity.web.api.schemas import DirectoryOut, ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(prefix="/directory", tags=["federation"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    422: {
        "model": ProblemOut,
        "description": "No directory installed, or it does not verify (DIRECTORY_INVALID)",
    },
}


@router.get("", response_model=DirectoryOut, responses=_ERRORS)
def directory(request: Request, ctx: Context, user: CurrentUser) -> DirectoryOut:
    """The installed directory, verified against the pinned anchors: every State's entry with
    its public keys. ``stale`` says it is past its next update plus grace (then nothing is
    sent or accepted)."""
    del user  # any signed-in user may read it
    container: Container = request.app.state.container
    settings = container.settings
    verified = verified_directory(settings)
    current = verified.directory
    # The same grace the node applies before it refuses to send or accept anything.
    limit = current.next_update + timedelta(seconds=settings.directory_grace)
    return DirectoryOut(
        sequence=current.sequence,
        issued_at=current.issued_at,
        next_update=current.next_update,
        operator=verified.operator,
        stale=ctx.clock.now() > limit,
        left_out=list(verified.left_out),
        states=[entry_document(entry) for _, entry in sorted(current.states.items())],
    )
