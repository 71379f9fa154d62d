"""Officers' pages: the data protection officer's views.

GET /dpo shows, for the DPO's authority, the register of accesses to requests' data (who
read, exported or forwarded which request's data, when, under which purpose, allowed or
denied), filterable by request; the retention calendar (what reaches its retention date in
the coming weeks); and the deletion records of erased requests. Only the DPO role sees them:
the services refuse anyone else, and the page shows that refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from comity.domain.errors import DomainError
from comity.services import data_protection, requests
from comity.services.ports import RequestQuery
from comity.web.errors import FORM_INVALID
from comity.web.ui.i18n import N_
from comity.web.ui.page import SignedIn, refused, render, services, type_titles

router = APIRouter(include_in_schema=False)

# The horizons the retention calendar offers, in weeks; the first is the default.
WEEKS = (8, 4, 13, 26, 52)
# How many rows each section shows at most.
REGISTER_ROWS = 200
CALENDAR_ROWS = 200
DELETION_ROWS = 100
MAX_REFERENCE = 60

ACTION_LABELS: Mapping[str, str] = {
    "read": N_("Read"),
    "export": N_("Exported"),
    "forward": N_("Forwarded"),
}
OUTCOME_LABELS: Mapping[str, str] = {
    "allowed": N_("Allowed"),
    "denied": N_("Denied"),
}


def _request_id(request: Request, officer: SignedIn, reference: str) -> str | None:
    """The id of the authority's request with ``reference`` (as officers quote it), if any."""
    query = RequestQuery(authority_id=officer.user.authority_id, text=reference, limit=20)
    for view in requests.find(services(request), actor=officer.user, query=query):
        if view.request.reference.casefold() == reference.casefold():
            return view.request.id
    return None


@router.get("/dpo", response_class=HTMLResponse)
def dpo_page(request: Request, officer: SignedIn) -> Response:
    """The register of accesses (optionally of one request), the retention calendar and the
    deletion records of the DPO's authority."""
    ctx = services(request)
    params = request.query_params
    reference = (params.get("request") or "").strip()
    weeks_text = (params.get("weeks") or "").strip()
    errors: dict[str, str] = {}
    weeks = WEEKS[0]
    if weeks_text:
        if weeks_text.isdigit() and int(weeks_text) in WEEKS:
            weeks = int(weeks_text)
        else:
            errors["weeks"] = N_("Choose one of the periods in the list.")
    try:
        # The calendar is read first: for anyone but a DPO it is the refusal, before the
        # filter is looked at.
        calendar = data_protection.retention_calendar(
            ctx, actor=officer.user, within=timedelta(weeks=weeks), limit=CALENDAR_ROWS
        )
        request_id: str | None = None
        if len(reference) > MAX_REFERENCE:
            errors["request"] = N_("A reference is at most 60 characters long.")
        elif reference:
            request_id = _request_id(request, officer, reference)
            if request_id is None:
                errors["request"] = N_("No request of your authority has this reference.")
        # A filter that names no request must not show the whole register as if it did.
        accesses = (
            []
            if "request" in errors
            else data_protection.register(
                ctx, actor=officer.user, request_id=request_id, limit=REGISTER_ROWS
            )
        )
        deletions = data_protection.deletion_records(ctx, actor=officer.user, limit=DELETION_ROWS)
    except DomainError as error:
        return refused(request, officer, error)
    return render(
        request,
        "ui/dpo.html",
        officer,
        status=FORM_INVALID if errors else 200,
        errors=errors,
        reference=reference,
        weeks=weeks,
        weeks_text=weeks_text,
        week_choices=WEEKS,
        accesses=accesses,
        calendar=calendar,
        deletions=deletions,
        now=ctx.clock.now(),
        action_labels=ACTION_LABELS,
        outcome_labels=OUTCOME_LABELS,
        register_rows=REGISTER_ROWS,
        catalogue_titles=type_titles(ctx),
    )
