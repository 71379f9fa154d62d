"""What the lists of an authority's requests share: the requests in one status, the names of
the officers who handled them, and the urgency order."""

from __future__ import annotations

from comity.domain.requests import CooperationRequest
from comity.domain.values import Side, Urgency
from comity.domain.workflow import Status
from comity.services import requests, users
from comity.services.context import ServiceContext
from comity.services.ports import RequestQuery
from comity.services.requests import RequestView
from comity.web.ui.page import Officer

_URGENCY_ORDER = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}
# The lists show one page of requests: an authority has far fewer in one status at a time.
_LIST_LIMIT = 200


def authority_requests(ctx: ServiceContext, officer: Officer, status: Status) -> list[RequestView]:
    """The requests the officer's authority sent or is drafting that stand in ``status``."""
    return requests.find(
        ctx,
        actor=officer.user,
        query=RequestQuery(
            authority_id=officer.user.authority_id,
            status=status,
            side=Side.REQUESTING,
            limit=_LIST_LIMIT,
        ),
    )


def usernames(ctx: ServiceContext) -> dict[str, str]:
    """Every account's username by id (to name drafters and approvers)."""
    return {user.id: user.username for user in users.list_users(ctx)}


def urgency_rank(item: CooperationRequest) -> int:
    """Emergencies first, then urgent requests, then the rest."""
    return _URGENCY_ORDER.get(item.urgency, len(_URGENCY_ORDER))
