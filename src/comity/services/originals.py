"""Formal originals: a request rendered as PDF/A in a chosen language, signed (PAdES) with the
node's document-signing key, and kept attached to the request.

Where the signed PDFs are kept: in the database (table ``request_original``, migration 0005),
not as files in the node directory. An original is small (tens of KiB), must be committed with
its audit entry (both or neither), and must be backed up, copied and erased with the request
it belongs to; a file beside the database would need a second consistency protocol (the one
evidence packages need because they are GiB, which originals are not).

Every rendition is a use of the request's data: it is checked against the request's usage
policy (its stated purpose) and recorded in the DPO's register as an ``export``, allowed or
denied, like a read.
"""

from __future__ import annotations

import hashlib

from comity.domain.access import Action, User
from comity.domain.errors import DomainError, NotFoundError
from comity.domain.originals import OriginalDocument, OriginalSigned, direction, entries
from comity.domain.values import Side
from comity.services import data_protection
from comity.services.context import ServiceContext
from comity.services.originals_ports import OriginalsKit, StoredOriginal
from comity.services.requests import load


def _kit(ctx: ServiceContext) -> OriginalsKit:
    if ctx.originals is None:
        raise NotFoundError("this node does not produce formal originals")
    return ctx.originals


def render_original(ctx: ServiceContext, actor: User, request_id: str, lang: str) -> bytes:
    """The request as a signed PDF/A original in ``lang``, which stays attached to it."""
    kit = _kit(ctx)
    dir_ = direction(lang)
    kit.signer.require_key()
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.VIEW)
        policy = data_protection.policy_of(ctx, uow, request)
        purpose = policy.purpose_code
        try:
            data_protection.check_kept(request)
            policy.check_use(purpose, now)
        except DomainError as error:
            data_protection.record_access(ctx, uow, actor, request, purpose, "export", now, error)
            uow.commit()
            raise
        data_protection.record_access(ctx, uow, actor, request, purpose, "export", now)
        authority = uow.authorities.get(request.authority_id)
        uow.commit()
    rtype = ctx.catalogue.type(request.type_code)
    profile = ctx.catalogue.profile(request.profile)
    authority_name = authority.name if authority is not None else request.authority_id
    document = OriginalDocument(
        lang=lang,
        dir=dir_,
        title=rtype.title,
        reference=request.reference,
        status=request.status.value,
        requesting_state=request.requesting_state,
        requested_state=request.requested_state,
        authority=authority_name,
        profile=profile.title,
        urgency=request.urgency.value,
        channel=request.channel.value,
        legal_basis=rtype.basis_under(profile.code).citations,
        approved=request.approved_by is not None or request.side is Side.REQUESTED,
        rendered_at=now,
        entries=entries(rtype, request.fields),
    )
    pdf = kit.renderer.render(document)
    if request.side is Side.REQUESTING:
        reason = f"Request {request.reference} of {authority_name}, {ctx.state}"
    else:
        reason = (
            f"Rendition of request {request.reference} received from {request.requesting_state}"
        )
    signed = kit.signer.sign(pdf, reason=reason, location=ctx.state, contact=authority_name)
    original = StoredOriginal(
        id=ctx.ids.new_id(),
        request_id=request.id,
        lang=lang,
        created_at=now,
        created_by=actor.id,
        sha256=hashlib.sha256(signed.pdf).hexdigest(),
        signer_subject=signed.signer_subject,
        certificate_sha256=signed.certificate_sha256,
        pdf=signed.pdf,
    )
    kit.archive.keep(
        original,
        OriginalSigned(
            actor.id, now, request.id, original.id, lang, original.sha256, signed.certificate_sha256
        ),
    )
    return signed.pdf


def originals_of(ctx: ServiceContext, actor: User, request_id: str) -> list[StoredOriginal]:
    """The signed originals attached to a request the actor may view, oldest first."""
    kit = _kit(ctx)
    with ctx.uow() as uow:
        load(uow, actor, request_id, Action.VIEW)
    return kit.archive.for_request(request_id)
