"""The requests linked to a request: those it names (a preservation it follows, its parent)
and those that name it (the follow-up of a preservation, an additional-use request)."""

from __future__ import annotations

from dataclasses import dataclass

from comity.domain.access import User
from comity.domain.links import LINK_FIELDS, references_of, refers_to
from comity.domain.requests import CooperationRequest
from comity.services.context import ServiceContext
from comity.services.ports import RequestQuery
from comity.services.requests import get

# A reference is found through the full-text index, then matched exactly; this bounds the
# candidates read for one page.
_CANDIDATES = 50


@dataclass(frozen=True)
class LinkedRequest:
    """One request linked to another, and how: ``earlier`` (named by it) or ``later``."""

    request: CooperationRequest
    direction: str
    # The kind of link, from the naming field: preservation, parent, confiscation, freezing.
    kind: str


def linked(ctx: ServiceContext, *, actor: User, request_id: str) -> list[LinkedRequest]:
    """The requests of the actor's authority linked to ``request_id`` either way."""
    request = get(ctx, actor=actor, request_id=request_id).request
    found: list[LinkedRequest] = []
    with ctx.uow() as uow:
        for reference, field in references_of(request).items():
            query = RequestQuery(authority_id=actor.authority_id, text=reference, limit=_CANDIDATES)
            for other in uow.requests.find(query):
                if other.reference == reference and other.id != request.id:
                    found.append(LinkedRequest(other, "earlier", LINK_FIELDS[field]))
        query = RequestQuery(
            authority_id=actor.authority_id, text=request.reference, limit=_CANDIDATES
        )
        for other in uow.requests.find(query):
            field_name = refers_to(other, request.reference)
            if field_name is not None and other.id != request.id:
                found.append(LinkedRequest(other, "later", LINK_FIELDS[field_name]))
    return found
