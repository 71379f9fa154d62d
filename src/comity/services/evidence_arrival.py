"""Evidence arriving from another State's node: offer, chunks, completion.

Everything here runs after the call's HTTP signature verified (``sender_state`` is the State
whose key signed it), and verifies before it parses: the manifest's signature against the
directory (signed by the sender State), the custody chain's signatures and links, each
chunk's SHA-256 against the signed manifest. A chunk is stored under its final name only once
it checked, so what the node holds survives a crash and is reported back to the sender, which
resumes from there. The package is released to officers only when every chunk is held and the
whole package verifies, with three custody records (``received``, ``verified``, ``stored``)
that go back to the sender; otherwise it is withheld with a signed ``rejected`` record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from comity.domain.custody import CustodyAction
from comity.domain.errors import (
    ConflictError,
    DigestMismatchError,
    DomainError,
    NotFoundError,
    SchemaInvalidError,
    SignerUntrustedError,
    TrustError,
    WrongRecipientError,
)
from comity.domain.evidence import Manifest
from comity.domain.evidence_packages import (
    Direction,
    EvidencePackage,
    PackageStatus,
    missing_chunks,
)
from comity.domain.requests import CooperationRequest
from comity.services import outgoing
from comity.services.context import ServiceContext
from comity.services.evidence import append_custody, copy_custody, kit, node_actor
from comity.services.evidence_ports import CustodyEntry
from comity.services.ports import UnitOfWork

__all__ = ["Arrival", "complete", "offer", "receive_chunk"]

# The custody records the receiver adds when it releases a package, in order.
_ON_RELEASE = (CustodyAction.RECEIVED, CustodyAction.VERIFIED, CustodyAction.STORED)


@dataclass(frozen=True)
class Arrival:
    """The receiver's answer: the package's status here, the chunks it holds and, once it is
    released or refused, the custody records it added (signed by this node)."""

    status: PackageStatus
    held: frozenset[int]
    custody: tuple[str, ...] = ()
    code: str = ""
    detail: str = ""

    @property
    def refused(self) -> bool:
        """True if the package is withheld for good."""
        return self.status is PackageStatus.WITHHELD


def offer(ctx: ServiceContext, *, sender_state: str, package_id: str, body: bytes) -> Arrival:
    """A sender announces a package: verify it, record it (once), answer what is held."""
    evidence = kit(ctx)
    now = ctx.clock.now()
    fields = _offer_fields(body)
    directory = outgoing.trusted_directory(ctx, now)
    manifest = evidence.trust.read_manifest(fields["manifest"], directory)
    if manifest.package_id != package_id:
        raise SchemaInvalidError("the manifest is for another package than the call names")
    if manifest.sender_state != sender_state:
        raise SignerUntrustedError("the manifest's sender is not the State that sent it")
    if manifest.recipient_state != ctx.state:
        raise WrongRecipientError(f"the package is for {manifest.recipient_state}")
    records = evidence.trust.verify_custody(
        fields["custody"],
        directory,
        package_id=package_id,
        sender_state=sender_state,
        merkle_root=manifest.merkle_root,
    )
    with ctx.uow() as uow:
        existing = uow.packages.get(package_id)
        if existing is not None:
            if uow.packages.manifest(package_id) != fields["manifest"]:
                raise ConflictError("a different package with this id arrived before")
            if existing.status is PackageStatus.RECEIVING:
                # The sender resumes: what this node half-wrote before a crash goes first.
                evidence.files.accept(package_id, fields["manifest"], fields["key"])
            return _arrival(ctx, uow, existing)
        request = _request_for(uow, manifest, sender_state)
        package = EvidencePackage(
            package_id=package_id,
            request_id=request.id,
            direction=Direction.INCOMING,
            peer_state=sender_state,
            status=PackageStatus.RECEIVING,
            merkle_root=manifest.merkle_root,
            chunk_count=len(manifest.chunks),
            total_bytes=manifest.total_bytes,
            sealed_bytes=sum(length for _, length in manifest.sealed_chunk_lengths()),
            created_at=now,
            updated_at=now,
        )
        uow.packages.add(package, fields["manifest"])
        for record, token in zip(records, fields["custody"], strict=True):
            uow.packages.add_custody(package_id, CustodyEntry(record=record, token=token))
        # The files are prepared inside the transaction: if the disk is full nothing is
        # recorded, and the sender offers again later.
        evidence.files.accept(package_id, fields["manifest"], fields["key"])
        ctx.faults.hit("evidence.offer.before_commit")
        uow.commit()
    return Arrival(PackageStatus.RECEIVING, evidence.files.held(package_id))


def receive_chunk(
    ctx: ServiceContext,
    *,
    sender_state: str,
    package_id: str,
    index: int,
    data: bytes,
    digest: str | None = None,
) -> Arrival:
    """Store one chunk if it matches the signed manifest; the same chunk again is accepted
    once (idempotent). ``DIGEST_MISMATCH`` for a chunk that does not match. ``digest`` is
    the chunk's SHA-256 where the caller already computed it."""
    evidence = kit(ctx)
    with ctx.uow() as uow:
        package = _package_from(uow, package_id, sender_state)
        if package.status is not PackageStatus.RECEIVING:
            return _arrival(ctx, uow, package)
        manifest = evidence.trust.stored_manifest(uow.packages.manifest(package_id))
    held = evidence.files.held(package_id)
    if index not in held:
        try:
            manifest.check_sealed_chunk(
                index, digest or hashlib.sha256(data).hexdigest(), len(data)
            )
        except DigestMismatchError as error:
            _note_refused_chunk(ctx, package_id, index, error)
            raise
        ctx.faults.hit("evidence.chunk.before_store")
        evidence.files.store_chunk(package_id, index, data)
        ctx.faults.hit("evidence.chunk.after_store")
        held = held | {index}
    return Arrival(PackageStatus.RECEIVING, held)


def complete(ctx: ServiceContext, *, sender_state: str, package_id: str) -> Arrival:
    """Release the package if every chunk is held and it verifies; otherwise say what is
    missing (the sender sends it), or withhold it for good with a signed ``rejected``."""
    evidence = kit(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        package = _package_from(uow, package_id, sender_state)
        if package.status is not PackageStatus.RECEIVING:
            return _arrival(ctx, uow, package)
    held = evidence.files.held(package_id)
    if missing_chunks(package.chunk_count, held):
        return Arrival(PackageStatus.RECEIVING, held)
    directory = outgoing.trusted_directory(ctx, now)
    try:
        evidence.files.verify(Direction.INCOMING, package_id, directory)
    except (DigestMismatchError, TrustError) as error:
        if isinstance(error, TrustError) and error.code == "TRUST_STALE":
            raise
        return _withhold(ctx, package_id, error)
    ctx.faults.hit("evidence.complete.before_release")
    with ctx.uow() as uow:
        package = _package_from(uow, package_id, sender_state)
        if package.status is not PackageStatus.RECEIVING:
            return _arrival(ctx, uow, package)
        for action in _ON_RELEASE:
            append_custody(
                ctx,
                uow,
                package,
                action,
                actor=node_actor(ctx),
                at=now,
                digest=package.merkle_root,
            )
        package.release(actor_id=node_actor(ctx), now=now)
        uow.packages.save(package)
        uow.record(*package.events)
        arrival = _arrival(ctx, uow, package)
        uow.commit()
    ctx.faults.hit("evidence.complete.after_release")
    copy_custody(ctx, package)
    return arrival


def _note_refused_chunk(
    ctx: ServiceContext, package_id: str, index: int, error: DomainError
) -> None:
    """Record a refused chunk on the package (and so on its request's timeline)."""
    with ctx.uow() as uow:
        package = uow.packages.get(package_id)
        if package is None:  # pragma: no cover - the caller just read it
            return
        package.chunk_refused(
            index=index, code=error.code, detail=error.detail, now=ctx.clock.now()
        )
        uow.packages.save(package)
        uow.record(*package.events)
        uow.commit()


def _withhold(ctx: ServiceContext, package_id: str, error: DomainError) -> Arrival:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        package = uow.packages.get(package_id)
        if package is None:  # pragma: no cover - checked by the caller in this call
            raise NotFoundError("no such evidence package")
        package.refuse(code=error.code, detail=error.detail, actor_id=node_actor(ctx), now=now)
        append_custody(
            ctx,
            uow,
            package,
            CustodyAction.REJECTED,
            actor=node_actor(ctx),
            at=now,
            digest=package.merkle_root,
            detail=error.code,
        )
        uow.packages.save(package)
        uow.record(*package.events)
        arrival = _arrival(ctx, uow, package)
        uow.commit()
    copy_custody(ctx, package)
    return arrival


def _arrival(ctx: ServiceContext, uow: UnitOfWork, package: EvidencePackage) -> Arrival:
    """The answer for a package in any status: its own records once it is settled."""
    chain = uow.packages.custody(package.package_id)
    mine = tuple(entry.token for entry in chain if entry.record.place == ctx.state)
    held = (
        frozenset(range(package.chunk_count))
        if package.status is PackageStatus.RELEASED
        else kit(ctx).files.held(package.package_id)
    )
    return Arrival(
        package.status,
        held,
        mine if package.status is not PackageStatus.RECEIVING else (),
        package.failure_code or "",
        package.failure_detail or "",
    )


def _package_from(uow: UnitOfWork, package_id: str, sender_state: str) -> EvidencePackage:
    package = uow.packages.get(package_id)
    # Another State's package is as unknown as one that does not exist.
    if (
        package is None
        or package.direction is not Direction.INCOMING
        or package.peer_state != sender_state
    ):
        raise NotFoundError("no such evidence package: offer it first")
    return package


def _request_for(uow: UnitOfWork, manifest: Manifest, sender_state: str) -> CooperationRequest:
    """The request the package answers: one both States hold, with the sender as the other."""
    reference = manifest.request_reference
    for requesting_state in (sender_state, manifest.recipient_state):
        request = uow.requests.by_exchange(requesting_state, reference)
        if request is not None and outgoing.counterpart(request) == sender_state:
            return request
    raise NotFoundError("the package names no request exchanged with the sending State")


def _offer_fields(body: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SchemaInvalidError("the offer is not JSON") from None
    if not isinstance(raw, dict) or set(raw) != {"manifest", "key", "custody"}:
        raise SchemaInvalidError("the offer has exactly manifest, key and custody")
    if not isinstance(raw["manifest"], str) or not isinstance(raw["key"], str):
        raise SchemaInvalidError("the offer's manifest and key are compact tokens")
    custody = raw["custody"]
    if not isinstance(custody, list) or not all(isinstance(t, str) for t in custody):
        raise SchemaInvalidError("the offer's custody is a list of compact tokens")
    return raw
