"""Evidence packages for officers: seal and send under a request, follow the transfer, open.

Sealing streams the files into a package for the request's other State (outside any
transaction: it can take minutes), then one unit of work records the package, its first
custody record (``sealed``) and the audit entry; the relay transfers it from there. Opening a
file checks the request's usage policy like any other use of its data (purpose, retention),
records the access in the DPO's register, the custody chain and the audit log, then streams
the plaintext, every chunk checked before it is handed over. A chunk that no longer matches
its digest withholds the package (``CUSTODY_BROKEN``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from comity.domain.access import Action, User
from comity.domain.case_uco import build_case_document
from comity.domain.custody import CustodyAction, next_record
from comity.domain.directory import Directory
from comity.domain.errors import (
    ConflictError,
    CustodyBrokenError,
    DigestMismatchError,
    DomainError,
    FieldIssue,
    InvalidFieldsError,
    NotFoundError,
    PermissionDeniedError,
    RetentionExpiredError,
    TrustError,
)
from comity.domain.evidence import AcquisitionRecord, FileEntry, Manifest
from comity.domain.evidence_packages import (
    Direction,
    EvidenceOpened,
    EvidencePackage,
    PackageStatus,
)
from comity.domain.requests import CooperationRequest
from comity.domain.workflow import Status
from comity.services import data_protection, outgoing
from comity.services.context import EvidenceKit, ServiceContext
from comity.services.evidence_ports import CustodyEntry
from comity.services.ports import UnitOfWork
from comity.services.requests import load

__all__ = [
    "PackageView",
    "append_custody",
    "check_may_send",
    "copy_custody",
    "erase_packages",
    "export_case",
    "for_request",
    "get",
    "kit",
    "open_file",
    "reverify",
    "seal_and_send",
]

log = logging.getLogger("comity.evidence")


@dataclass(frozen=True)
class PackageView:
    """A package as an officer sees it: status, progress, files and custody chain."""

    package: EvidencePackage
    manifest: Manifest
    custody: tuple[CustodyEntry, ...]


def kit(ctx: ServiceContext) -> EvidenceKit:
    """The node's evidence adapters; a node without keys cannot handle evidence."""
    if ctx.evidence is None or ctx.federation is None:
        raise PermissionDeniedError("this node has no keys: it cannot seal or receive evidence")
    return ctx.evidence


def node_actor(ctx: ServiceContext) -> str:
    """The custody actor of what the node does by itself (transfer, checks)."""
    return f"node:{ctx.state}"


def seal_and_send(
    ctx: ServiceContext,
    *,
    actor: User,
    request_id: str,
    paths: Sequence[Path],
    acquisition: AcquisitionRecord,
    progress: Callable[[int], None] | None = None,
) -> PackageView:
    """Seal ``paths`` for the request's other State and queue the package for transfer."""
    evidence = kit(ctx)
    if not paths:
        raise InvalidFieldsError((FieldIssue("files", "missing", "give at least one file"),))
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = _exchanged(load(uow, actor, request_id, Action.SEND_EVIDENCE))
    directory = outgoing.trusted_directory(ctx, now)
    recipient = directory.state(outgoing.counterpart(request))
    package_id = ctx.ids.new_id()
    manifest, token, _ = evidence.files.seal(
        paths,
        package_id=package_id,
        recipient=recipient,
        request_reference=str(request.exchange_id),
        acquisition=acquisition,
        now=now,
        progress=progress,
    )
    try:
        with ctx.uow() as uow:
            package = EvidencePackage(
                package_id=package_id,
                request_id=request.id,
                direction=Direction.OUTGOING,
                peer_state=recipient.code,
                status=PackageStatus.SENDING,
                merkle_root=manifest.merkle_root,
                chunk_count=len(manifest.chunks),
                total_bytes=manifest.total_bytes,
                sealed_bytes=sum(length for _, length in manifest.sealed_chunk_lengths()),
                created_at=now,
                updated_at=now,
            )
            package.seal(actor_id=actor.id, now=now)
            uow.packages.add(package, token)
            append_custody(
                ctx,
                uow,
                package,
                CustodyAction.SEALED,
                actor=actor.id,
                at=now,
                digest=manifest.merkle_root,
            )
            uow.record(*package.events)
            ctx.faults.hit("evidence.seal.before_commit")
            uow.commit()
    except BaseException:
        # Not recorded, so never to be sent: nothing of it may stay on disk.
        evidence.files.discard(Direction.OUTGOING, package_id)
        raise
    ctx.faults.hit("evidence.seal.after_commit")
    copy_custody(ctx, package)
    return get(ctx, actor=actor, package_id=package_id)


def check_may_send(ctx: ServiceContext, *, actor: User, request_id: str) -> None:
    """Raise as ``seal_and_send`` would for the request itself (scope, role, a request both
    States hold that has not ended): checked before a long upload starts, not after it."""
    with ctx.uow() as uow:
        _exchanged(load(uow, actor, request_id, Action.SEND_EVIDENCE))


def for_request(ctx: ServiceContext, *, actor: User, request_id: str) -> list[PackageView]:
    """The request's packages, oldest first."""
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.VIEW)
        return [_view(ctx, uow, package) for package in uow.packages.for_request(request.id)]


def get(ctx: ServiceContext, *, actor: User, package_id: str) -> PackageView:
    """One package, if the actor may see its request (otherwise not found)."""
    with ctx.uow() as uow:
        package = _visible(uow, actor, package_id, Action.VIEW)[0]
        view = _view(ctx, uow, package)
    if package.direction is Direction.INCOMING and package.status is PackageStatus.RECEIVING:
        # What has arrived is what is on disk: chunks are renamed into place once checked.
        held = kit(ctx).files.held(package_id)
        lengths = dict(view.manifest.sealed_chunk_lengths())
        package.progress(
            chunks=len(held),
            sealed_bytes=sum(lengths.get(index, 0) for index in held),
            now=package.updated_at,
        )
    return view


def open_file(
    ctx: ServiceContext,
    *,
    actor: User,
    package_id: str,
    path: str,
    purpose_code: str | None = None,
) -> tuple[FileEntry, Iterator[bytes]]:
    """Open one file of a package as a checked, decrypted stream.

    The usage policy of the package's request applies (``PURPOSE_DENIED``,
    ``RETENTION_EXPIRED``); the access, allowed or not, is in the register, and an allowed
    one is an ``opened`` custody record. A package not yet released (or withheld) cannot be
    opened (``CUSTODY_BROKEN`` for a withheld one)."""
    evidence = kit(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        package, request = _visible(uow, actor, package_id, Action.OPEN_EVIDENCE)
        manifest = evidence.trust.stored_manifest(uow.packages.manifest(package_id))
        try:
            entry = manifest.file(path)
        except KeyError:
            raise NotFoundError("the package has no such file") from None
        _check_readable(package)
        policy = data_protection.policy_of(ctx, uow, request)
        purpose = policy.purpose_code if purpose_code is None else purpose_code
        try:
            data_protection.check_kept(request)
            policy.check_use(purpose, now)
        except DomainError as error:
            data_protection.record_access(
                ctx, uow, actor, request, purpose, "open", now, error=error
            )
            uow.record(EvidenceOpened(actor.id, now, package_id, entry.sha256, "denied"))
            uow.commit()
            raise
        data_protection.record_access(ctx, uow, actor, request, purpose, "open", now)
        uow.record(EvidenceOpened(actor.id, now, package_id, entry.sha256, "allowed"))
        append_custody(
            ctx,
            uow,
            package,
            CustodyAction.OPENED,
            actor=actor.id,
            at=now,
            digest=entry.sha256,
            file=entry.path,
        )
        uow.commit()
    copy_custody(ctx, package)
    stream = evidence.files.open_file(package.direction, package_id, path, evidence_directory(ctx))
    return entry, _guarded(ctx, package_id, stream)


def reverify(ctx: ServiceContext, *, actor: User, package_id: str) -> PackageView:
    """Check a stored package again, every chunk and file; a fault withholds it."""
    with ctx.uow() as uow:
        package = _visible(uow, actor, package_id, Action.OPEN_EVIDENCE)[0]
    _check_readable(package)
    now = ctx.clock.now()
    try:
        kit(ctx).files.verify(package.direction, package_id, evidence_directory(ctx))
    except (DigestMismatchError, TrustError) as error:
        mark_broken(ctx, package_id, error)
        raise CustodyBrokenError(f"the package no longer verifies: {error.detail}") from None
    with ctx.uow() as uow:
        current = uow.packages.get(package_id)
        assert current is not None
        append_custody(
            ctx,
            uow,
            current,
            CustodyAction.VERIFIED,
            actor=actor.id,
            at=now,
            digest=current.merkle_root,
        )
        uow.commit()
    copy_custody(ctx, package)
    return get(ctx, actor=actor, package_id=package_id)


def export_case(
    ctx: ServiceContext, *, actor: User, package_id: str, purpose_code: str | None = None
) -> dict[str, Any]:
    """The package's files, hashes, acquisition and custody chain as CASE/UCO JSON-LD.

    Handing evidence over for a case file is a use of the request's data: the usage policy
    applies and the export is in the register, the audit log and the custody chain (whose
    ``exported`` record the document already carries)."""
    evidence = kit(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        package, request = _visible(uow, actor, package_id, Action.OPEN_EVIDENCE)
        _check_readable(package)
        policy = data_protection.policy_of(ctx, uow, request)
        purpose = policy.purpose_code if purpose_code is None else purpose_code
        try:
            data_protection.check_kept(request)
            policy.check_use(purpose, now)
        except DomainError as error:
            data_protection.record_access(
                ctx, uow, actor, request, purpose, "export", now, error=error
            )
            uow.commit()
            raise
        data_protection.record_access(ctx, uow, actor, request, purpose, "export", now)
        append_custody(
            ctx,
            uow,
            package,
            CustodyAction.EXPORTED,
            actor=actor.id,
            at=now,
            digest=package.merkle_root,
            detail="CASE/UCO JSON-LD",
        )
        manifest = evidence.trust.stored_manifest(uow.packages.manifest(package_id))
        records = [entry.record for entry in uow.packages.custody(package_id)]
        uow.commit()
    copy_custody(ctx, package)
    return build_case_document(manifest, records)


def erase_packages(
    ctx: ServiceContext, uow: UnitOfWork, request_id: str, now: datetime
) -> list[EvidencePackage]:
    """Mark the request's packages deleted, each with a ``deleted`` custody record, in the
    caller's transaction (the retention sweep's); the caller erases the files after commit."""
    erased: list[EvidencePackage] = []
    for package in uow.packages.for_request(request_id):
        if package.status is PackageStatus.DELETED:
            continue
        package.delete(actor_id=node_actor(ctx), now=now)
        uow.packages.save(package)
        append_custody(
            ctx,
            uow,
            package,
            CustodyAction.DELETED,
            actor=node_actor(ctx),
            at=now,
            digest=package.merkle_root,
            detail="end of retention",
        )
        uow.record(*package.events)
        erased.append(package)
    return erased


def remove_files(ctx: ServiceContext, packages: Sequence[EvidencePackage]) -> None:
    """Erase the chunks and keys of packages marked deleted; their chains stay beside them."""
    for package in packages:
        kit(ctx).files.delete(package.direction, package.package_id)
        copy_custody(ctx, package)


def remove_leftover_files(ctx: ServiceContext) -> None:
    """Erase the files of packages already marked deleted: a node that stopped between the
    erasure's commit and the files' removal left them on disk, and no later erasure of the
    request comes back for them (removing files that are gone is a no-op)."""
    if ctx.evidence is None:
        return
    with ctx.uow() as uow:
        deleted = list(uow.packages.deleted())
    for package in deleted:
        kit(ctx).files.delete(package.direction, package.package_id)


def remove_orphan_folders(ctx: ServiceContext, *, older_than: timedelta) -> int:
    """Remove package folders that have no package row and that nothing has written to for
    ``older_than``: a node killed between sealing (or accepting) a package on disk and
    committing its row leaves one, which no later step would ever reach (INV-11). The wait
    spares a package being sealed right now; returns how many were removed."""
    if ctx.evidence is None:
        return 0
    files = kit(ctx).files
    folders = list(files.settled_folders(older_than))
    with ctx.uow() as uow:
        recorded = uow.packages.recorded([package_id for _, package_id in folders])
    orphans = [(direction, package_id) for direction, package_id in folders
               if package_id not in recorded]  # fmt: skip
    for direction, package_id in orphans:
        log.warning("removing evidence folder %s/%s: no package was recorded", direction,
                    package_id)  # fmt: skip
        files.discard(direction, package_id)
    return len(orphans)


def mark_broken(ctx: ServiceContext, package_id: str, error: DomainError) -> None:
    """Withhold a package whose stored bytes no longer match (custody record and audit)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        package = uow.packages.get(package_id)
        if package is None or package.status in (PackageStatus.WITHHELD, PackageStatus.DELETED):
            return
        # On the sending side the node's own copy is damaged: it stops sending it, for good.
        package.refuse(
            code=CustodyBrokenError.code, detail=error.detail, actor_id=node_actor(ctx), now=now
        )
        uow.packages.save(package)
        append_custody(
            ctx,
            uow,
            package,
            CustodyAction.CUSTODY_BROKEN,
            actor=node_actor(ctx),
            at=now,
            digest=package.merkle_root,
            detail=error.code,
        )
        uow.record(*package.events)
        uow.commit()
    copy_custody(ctx, package)


def append_custody(
    ctx: ServiceContext,
    uow: UnitOfWork,
    package: EvidencePackage,
    action: CustodyAction,
    *,
    actor: str,
    at: datetime,
    digest: str,
    file: str | None = None,
    detail: str | None = None,
) -> CustodyEntry:
    """Sign the next custody record of ``package`` and add it in the caller's transaction."""
    chain = uow.packages.custody(package.package_id)
    last = chain[-1] if chain else None
    record = next_record(
        None if last is None else last.token,
        None if last is None else last.record,
        package_id=package.package_id,
        action=action,
        actor=actor,
        at=at,
        place=ctx.state,
        digest=digest,
        file=file,
        detail=detail,
    )
    entry = CustodyEntry(record=record, token=kit(ctx).trust.sign_custody(record))
    uow.packages.add_custody(package.package_id, entry)
    return entry


def evidence_directory(ctx: ServiceContext) -> Directory:
    """The directory stored packages are checked against when they are read here.

    Not refused when past its next update: the package was verified against a fresh one when
    it arrived or was sealed, and reading what the node holds never waits for the federation
    (the keys to check a signature made then are the ones this directory still lists)."""
    return outgoing.federation(ctx).trust.current()


def copy_custody(ctx: ServiceContext, package: EvidencePackage) -> None:
    """Copy the chain beside the package so that it travels with it when copied out."""
    with ctx.uow() as uow:
        tokens = [entry.token for entry in uow.packages.custody(package.package_id)]
    kit(ctx).files.write_custody(package.direction, package.package_id, tokens)


def _guarded(ctx: ServiceContext, package_id: str, stream: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from stream
    except DigestMismatchError as error:
        mark_broken(ctx, package_id, error)
        raise CustodyBrokenError(f"the package no longer verifies: {error.detail}") from None


def _check_readable(package: EvidencePackage) -> None:
    if package.status is PackageStatus.WITHHELD or (
        package.status is PackageStatus.FAILED and package.failure_code == CustodyBrokenError.code
    ):
        raise CustodyBrokenError(
            f"the package is withheld ({package.failure_code}): {package.failure_detail}"
        )
    if package.status is PackageStatus.DELETED:
        raise RetentionExpiredError(
            "the package was erased at the end of its retention; its custody chain remains"
        )
    if not package.readable:
        raise PermissionDeniedError(f"the package is {package.status}: it cannot be opened")


def _exchanged(request: CooperationRequest) -> CooperationRequest:
    if not request.is_exchanged or request.exchange_id is None:
        raise PermissionDeniedError(
            "evidence travels only under a request both States hold: send it first"
        )
    if request.erased_at is not None:
        data_protection.check_kept(request)
    if request.status in _ENDED:
        raise ConflictError(
            f"the request is {request.status}: no evidence travels under it any more"
        )
    return request


# A request that ended without execution, or was closed, carries no new evidence.
_ENDED = frozenset({Status.WITHDRAWN, Status.REFUSED, Status.EXPIRED, Status.CLOSED})


def _visible(
    uow: UnitOfWork, actor: User, package_id: str, action: Action
) -> tuple[EvidencePackage, CooperationRequest]:
    package = uow.packages.get(package_id)
    if package is None:
        raise NotFoundError("no such evidence package")
    try:
        request = load(uow, actor, package.request_id, action)
    except NotFoundError:
        raise NotFoundError("no such evidence package") from None
    return package, request


def _view(ctx: ServiceContext, uow: UnitOfWork, package: EvidencePackage) -> PackageView:
    return PackageView(
        package=package,
        manifest=kit(ctx).trust.stored_manifest(uow.packages.manifest(package.package_id)),
        custody=tuple(uow.packages.custody(package.package_id)),
    )
