"""Setting up a node: its authorities. Keys and the directory come with the federation work."""

from __future__ import annotations

from collections.abc import Sequence

from comity.domain.access import Authority
from comity.domain.events import AuthorityAdded
from comity.domain.values import AuthorityKind
from comity.services.context import ServiceContext

# The authorities every State's node starts with; the operator may add more later.
DEFAULT_AUTHORITIES: tuple[tuple[str, str, AuthorityKind], ...] = (
    ("central", "Central Authority", AuthorityKind.CENTRAL_AUTHORITY),
    ("poc247", "24/7 Point of Contact", AuthorityKind.POC_24_7),
    ("prosecutor", "Office of the Prosecutor General", AuthorityKind.COMPETENT_AUTHORITY),
    ("police", "National Cybercrime Police Unit", AuthorityKind.POLICE),
    ("mfa", "Ministry of Foreign Affairs", AuthorityKind.FOREIGN_MINISTRY),
)


def ensure_authorities(ctx: ServiceContext, *, time_zone: str = "UTC") -> Sequence[Authority]:
    """Create the default authorities that do not exist yet; return all of them."""
    with ctx.uow() as uow:
        for code, name, kind in DEFAULT_AUTHORITIES:
            if uow.authorities.by_code(code) is None:
                authority = Authority(
                    id=ctx.ids.new_id(),
                    state=ctx.state,
                    code=code,
                    name=f"{name} of {ctx.state}",
                    kind=kind,
                    time_zone=time_zone,
                )
                uow.authorities.add(authority)
                uow.record(AuthorityAdded("system", ctx.clock.now(), authority.id, str(kind)))
        uow.commit()
        return uow.authorities.list()


def authorities(ctx: ServiceContext) -> Sequence[Authority]:
    """Every authority of the node."""
    with ctx.uow() as uow:
        return uow.authorities.list()
