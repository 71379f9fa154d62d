"""Plain builders for domain objects, with defaults a test can override."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from comity.catalogue.loader import packaged_catalogue
from comity.domain.access import User
from comity.domain.catalogue import Catalogue
from comity.domain.requests import CooperationRequest, Draft
from comity.domain.values import Channel, Role, Urgency
from comity.domain.workflow import Status
from comity.services.demo import example_mla_fields, example_preservation_fields

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

# What an empty request for mutual legal assistance lacks before it may be submitted: the
# envelope's minimum (statement Q11; UNTOC art. 18(15)) and the measures sought.
MLA_MINIMUM = frozenset(
    {
        "fields.requesting_authority",
        "fields.conducting_authority",
        "fields.case_refs",
        "fields.language",
        "fields.offences",
        "fields.facts_summary",
        "fields.proceeding_nature",
        "fields.assistance_sought",
        "fields.purpose",
        "fields.purpose_code",
        "fields.measures",
    }
)

__all__ = [
    "T0",
    "a_request",
    "a_user",
    "catalogue",
    "example_mla_fields",
    "example_preservation_fields",
]


def catalogue() -> Catalogue:
    """The packaged catalogue."""
    return packaged_catalogue()


def a_user(user_id: str = "u-drafter", *roles: Role, authority_id: str = "auth-1") -> User:
    """A user with ``roles`` (drafter by default) in ``authority_id``."""
    return User(
        id=user_id,
        username=user_id,
        authority_id=authority_id,
        roles=frozenset(roles or (Role.DRAFTER,)),
    )


def a_request(
    type_code: str = "mla",
    *,
    fields: dict[str, Any] | None = None,
    urgency: Urgency | None = None,
    channel: Channel | None = None,
    profile: str = "ahc-2022-proposal",
    actor: User | None = None,
    now: datetime = T0,
    incoming: bool = False,
) -> CooperationRequest:
    """A draft (or, with ``incoming``, a received request) of ``type_code``."""
    rtype = catalogue().type(type_code)
    draft = Draft(
        type_code=type_code,
        profile=profile,
        requesting_state="XB" if incoming else "XA",
        requested_state="XA" if incoming else "XB",
        authority_id=(actor or a_user()).authority_id,
        urgency=urgency or rtype.default_urgency,
        channel=channel or rtype.default_channel,
        fields=fields if fields is not None else example_mla_fields(),
    )
    if incoming:
        return CooperationRequest.incoming(
            request_id="req-1",
            reference="XB-1",
            draft=draft,
            rtype=rtype,
            actor_id="system",
            now=now,
        )
    return CooperationRequest.draft(
        request_id="req-1",
        reference="XA-1",
        draft=draft,
        rtype=rtype,
        actor=actor or a_user(),
        now=now,
    )


def walk(request: CooperationRequest, *steps: Status, start: datetime = T0) -> CooperationRequest:
    """Move ``request`` through ``steps``, one hour apart, with a reason on each."""
    for index, step in enumerate(steps, start=1):
        request.move(to=step, actor_id="u-exec", now=start + timedelta(hours=index), reason="r")
    return request
