"""Review statistics for the convention's review mechanism: anonymous counts and turnaround
times of a period, as JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from comity.services import statistics as service
from comity.web.api.schemas import ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(tags=["statistics"])

_ERRORS: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The statistics (JSON, or CSV as an attachment)",
        "content": {"application/json": {}, "text/csv": {}},
    },
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    403: {"model": ProblemOut, "description": "Not an auditor, DPO or administrator"},
    422: {
        "model": ProblemOut,
        "description": "Not a calendar day, an end before the start, over 10 years, or a "
        "threshold below the node's",
    },
}


@router.get("/stats", response_class=Response, responses=_ERRORS)
def statistics(
    ctx: Context,
    user: CurrentUser,
    first: Annotated[str, Query(alias="from", max_length=10, description="First day, YYYY-MM-DD")],
    last: Annotated[str, Query(alias="to", max_length=10, description="Last day, included")],
    file_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    min_cell: Annotated[
        int | None,
        Query(ge=1, le=1000, description="Smallest count shown; the node's setting at least"),
    ] = None,
) -> Response:
    """Counts by form of cooperation, channel, profile, outcome and State pair, turnaround
    percentiles and acknowledgement times of the requests this node sent and received with
    an activity in the period; counts below ``min_cell`` suppressed. No request ids,
    references, names, free text, user ids or dates of single requests. For the ``auditor``,
    ``dpo`` and ``admin`` roles; each export is in the audit log."""
    export = service.export(
        ctx, actor=user, first=first, last=last, file_format=file_format, min_cell=min_cell
    )
    headers = {"Cache-Control": "no-store"}
    if file_format == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return Response(content=export.body, media_type=export.media_type, headers=headers)
