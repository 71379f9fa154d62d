"""Formal originals: a request as a signed PDF/A document, in one of the six UN languages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from comity.services import originals as service
from comity.web.api.schemas import ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(prefix="/requests", tags=["originals"])

_ERRORS: dict[int | str, dict[str, object]] = {
    200: {
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The signed original (PDF/A-3b with a PAdES signature)",
    },
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    403: {"model": ProblemOut, "description": "Not yours to read, or another purpose"},
    404: {"model": ProblemOut, "description": "No such request in your scope"},
    410: {"model": ProblemOut, "description": "Past the retention date (RETENTION_EXPIRED)"},
    422: {
        "model": ProblemOut,
        "description": "Invalid language, or the node has no document-signing key",
    },
}


@router.get("/{request_id}/original.pdf", response_class=Response, responses=_ERRORS)
def original(
    request_id: str,
    ctx: Context,
    user: CurrentUser,
    lang: Annotated[
        Literal["ar", "zh", "en", "fr", "ru", "es"], Query(description="UN language")
    ] = "en",
) -> Response:
    """The request rendered in ``lang`` and signed by this node's document-signing key; each
    rendition stays attached to the request and is in the DPO's register as an export."""
    pdf = service.render_original(ctx, user, request_id, lang)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="original-{lang}.pdf"',
            "Cache-Control": "no-store",
        },
    )
