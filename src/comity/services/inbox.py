"""The inbox: requests other States sent to the actor's authority that are still open, with
the 24/7 ones a duty officer has not yet acknowledged flagged (statement Q12, Q21)."""

from __future__ import annotations

from dataclasses import dataclass

from comity.domain.access import User
from comity.domain.directory import VIA_24_7
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side, Urgency
from comity.domain.workflow import Status, is_open
from comity.services import requests
from comity.services.context import ServiceContext
from comity.services.ports import RequestQuery

# The statuses in which a received request still waits for something to be done.
OPEN_STATUSES = frozenset(status for status in Status if is_open(status))


@dataclass(frozen=True)
class InboxItem:
    """A received request still open, and whether a duty officer must still take charge."""

    view: requests.RequestView
    waiting_acknowledgement: bool

    @property
    def request(self) -> CooperationRequest:
        """The received request itself (what the pages list)."""
        return self.view.request


def waiting_acknowledgement(request: CooperationRequest) -> bool:
    """True for an emergency or 24/7 request on the requested side nobody acknowledged yet."""
    urgent = request.urgency is Urgency.EMERGENCY or request.type_code in VIA_24_7
    return request.side is Side.REQUESTED and urgent and request.acknowledged_at is None


def inbox(
    ctx: ServiceContext, *, actor: User, limit: int = 50, status: Status | None = None
) -> list[InboxItem]:
    """Open requests received for the actor's authority (in ``status`` only, if given), most
    recently received first."""
    # One bounded query: the open statuses and the order are the database's to apply, so the
    # cost does not grow with the authority's whole history of received requests.
    query = RequestQuery(
        authority_id=actor.authority_id,
        side=Side.REQUESTED,
        statuses=OPEN_STATUSES if status is None else OPEN_STATUSES & {status},
        newest_first=True,
        limit=limit,
    )
    found = requests.find(ctx, actor=actor, query=query)
    return [InboxItem(view, waiting_acknowledgement(view.request)) for view in found]
