"""Officers' pages: search the authority's requests.

GET /search takes words (``q``, matched against the reference, the type and the request's
text), a status, a type and the other State, and answers 50 requests a page, most recently
changed first, with links to the previous and next pages. Only the officer's authority's
requests are searched (the service scopes every query). A filter value that cannot be right
re-renders the form with its message (422), never an error page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from comity.domain.deadlines import Deadline
from comity.domain.values import Side
from comity.domain.workflow import Status
from comity.services import requests
from comity.services.ports import RequestQuery
from comity.web.errors import FORM_INVALID
from comity.web.ui.i18n import N_, STATUS_LABELS
from comity.web.ui.page import SignedIn, render, services, type_titles

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_TEXT = 200
# Beyond this page a search is better narrowed than paged through.
MAX_PAGE = 1000
_STATE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Filters:
    """The search form's values as typed (shown back in the form)."""

    q: str = ""
    status: str = ""
    type: str = ""
    state: str = ""
    page: str = ""


@dataclass(frozen=True)
class Row:
    """One request of the results, with its next open deadline."""

    view: requests.RequestView
    next_deadline: Deadline | None

    @property
    def other_state(self) -> str:
        """The State at the other end of the request."""
        request = self.view.request
        if request.side is Side.REQUESTING:
            return request.requested_state
        return request.requesting_state


def _filters(request: Request) -> Filters:
    params = request.query_params
    return Filters(
        **{
            name: (params.get(name) or "").strip()
            for name in ("q", "status", "type", "state", "page")
        }
    )


def _check(
    filters: Filters, type_codes: Mapping[str, str]
) -> tuple[RequestQuery | None, int, dict[str, str]]:
    """The query the filters ask for and the page number, or the message of each bad field."""
    errors: dict[str, str] = {}
    if len(filters.q) > MAX_TEXT:
        errors["q"] = N_("Use at most 200 characters.")
    status: Status | None = None
    if filters.status:
        if filters.status in STATUS_LABELS:
            status = Status(filters.status)
        else:
            errors["status"] = N_("Choose a status from the list.")
    if filters.type and filters.type not in type_codes:
        errors["type"] = N_("Choose a type of request from the list.")
    state = filters.state.upper()
    if state and not _STATE.match(state):
        errors["state"] = N_("Enter the State's two-letter code, for example XB.")
    page = 1
    if filters.page:
        if filters.page.isdigit() and 1 <= int(filters.page) <= MAX_PAGE:
            page = int(filters.page)
        else:
            errors["page"] = N_("The page must be a number from 1 to 1000.")
    if errors:
        return None, page, errors
    query = RequestQuery(
        # The service scopes the query to the officer's authority whatever is given here.
        authority_id="",
        status=status,
        type_code=filters.type or None,
        state=state or None,
        text=filters.q or None,
        # One more than a page tells whether there is a next page without counting them all.
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    return query, page, errors


def _page_link(filters: Filters, page: int) -> str:
    values = {
        "q": filters.q,
        "status": filters.status,
        "type": filters.type,
        "state": filters.state.upper(),
    }
    kept = {name: value for name, value in values.items() if value}
    if page > 1:
        kept["page"] = str(page)
    return "/search?" + urlencode(kept) if kept else "/search"


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, officer: SignedIn) -> Response:
    """The search form and a page of results (without filters: the most recently changed
    requests of the authority)."""
    ctx = services(request)
    titles = type_titles(ctx)
    filters = _filters(request)
    query, page, errors = _check(filters, titles)
    rows: list[Row] = []
    has_next = False
    if query is not None:
        found = requests.find(ctx, actor=officer.user, query=query)
        has_next = len(found) > PAGE_SIZE
        rows = [
            Row(view, next((d for d in view.deadlines if d.kind != "reminder"), None))
            for view in found[:PAGE_SIZE]
        ]
    first = (page - 1) * PAGE_SIZE + 1
    return render(
        request,
        "ui/search.html",
        officer,
        status=FORM_INVALID if errors else 200,
        filters=filters,
        errors=errors,
        rows=rows,
        page=page,
        first=first,
        last=first + len(rows) - 1,
        has_next=has_next,
        previous_link=_page_link(filters, page - 1) if page > 1 and not errors else "",
        next_link=_page_link(filters, page + 1) if has_next else "",
        statuses=list(STATUS_LABELS),
        types=sorted(titles.items(), key=lambda item: item[1]),
        titles=titles,
    )
