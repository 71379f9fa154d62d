"""The inbox: requests other States sent to the actor's authority that are still open, with
the 24/7 ones a duty officer has not yet acknowledged flagged (statement Q12, Q21)."""

from __future__ import annotations

from dataclasses import dataclass

from comity.domain.access import User
from comity.domain.directory import VIA_24_7
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side, Urgency
from comity.domain.workflow import is_open
from comity.services import requests
from comity.services.context import ServiceContext
from comity.services.ports import RequestQuery

# How many requests one look-up reads while skipping the ended ones.
_PAGE = 200


@dataclass(frozen=True)
class InboxItem:
    """A received request still open, and whether a duty officer must still take charge."""

    view: requests.RequestView
    waiting_acknowledgement: bool


def waiting_acknowledgement(request: CooperationRequest) -> bool:
    """True for an emergency or 24/7 request on the requested side nobody acknowledged yet."""
    urgent = request.urgency is Urgency.EMERGENCY or request.type_code in VIA_24_7
    return request.side is Side.REQUESTED and urgent and request.acknowledged_at is None


def inbox(ctx: ServiceContext, *, actor: User, limit: int = 50) -> list[InboxItem]:
    """Open requests received for the actor's authority, most recently received first."""
    found: list[requests.RequestView] = []
    offset = 0
    while True:
        page = requests.find(
            ctx,
            actor=actor,
            query=RequestQuery(
                authority_id=actor.authority_id, side=Side.REQUESTED, limit=_PAGE, offset=offset
            ),
        )
        found.extend(view for view in page if is_open(view.request.status))
        if len(page) < _PAGE:
            break
        offset += _PAGE
    found.sort(key=lambda view: (view.request.created_at, view.request.id), reverse=True)
    return [InboxItem(view, waiting_acknowledgement(view.request)) for view in found[:limit]]
