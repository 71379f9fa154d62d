"""What an auditor reads from the audit log: proofs, checkpoints, alerts, and a request's
complete trail, exported with everything needed to verify it offline."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from comity.domain.access import User
from comity.domain.errors import DirectoryError, NotFoundError, PermissionDeniedError
from comity.domain.events import AuditTrailExported
from comity.domain.ledger.checkpoints import SignedNote, parse_note
from comity.domain.ledger.merkle import (
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    inclusion_ranges,
    nodes_for,
    perfect_nodes,
    range_hash,
)
from comity.domain.ledger.origins import log_origin, witness_name
from comity.domain.values import Role
from comity.services.context import ServiceContext
from comity.services.ledger import kit
from comity.services.ledger_ports import AuditAlert, LedgerRepository, StoredCheckpoint
from comity.services.outgoing import trusted_directory

# Who reads the log: auditors, and the DPO and administrators of the node.
AUDIT_ROLES = (Role.AUDITOR, Role.DPO, Role.ADMIN)
EXPORT_FORMAT = "comity-audit-export/1"


@dataclass(frozen=True)
class InclusionProof:
    """Leaf ``index`` is in the tree of ``size`` leaves whose root is ``root``."""

    index: int
    size: int
    leaf: str
    root: bytes
    proof: list[bytes]
    checkpoint: str | None


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of ``old`` leaves is a prefix of the tree of ``new`` leaves."""

    old: int
    new: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]
    checkpoints: dict[int, str]


@dataclass(frozen=True)
class LedgerStatus:
    """The log at a glance, for the health check and the auditor's page."""

    size: int
    root: bytes
    checkpoint: StoredCheckpoint | None
    cosigned_by: list[str]
    alerts: list[AuditAlert]


def own_log_health(ctx: ServiceContext) -> str:
    """``failed`` when the latest alert about this node's own log is an integrity or
    rollback failure newer than its latest checkpoint, ``ok`` otherwise."""
    with ctx.uow() as uow:
        latest = uow.ledger.latest_checkpoint()
        for alert in uow.ledger.alerts(limit=20):
            if alert.state == ctx.state and alert.kind in ("integrity", "rollback"):
                if latest is None or alert.raised_at >= latest.signed_at:
                    return "failed"
    return "ok"


def check_auditor(actor: User) -> None:
    """Only auditors, DPOs and administrators read the audit log."""
    if not actor.active or not actor.has(*AUDIT_ROLES):
        raise PermissionDeniedError("the audit log is for the auditor, DPO and admin roles")


def status(ctx: ServiceContext) -> LedgerStatus:
    """Size, root, latest checkpoint and who cosigned it, and the latest alerts."""
    with ctx.uow() as uow:
        head = uow.ledger.head()
        latest = uow.ledger.latest_checkpoint()
        cosigned = [c.witness_state for c in uow.ledger.cosignatures(latest.size)] if latest else []
        return LedgerStatus(
            size=head.size,
            root=head.root,
            checkpoint=latest,
            cosigned_by=cosigned,
            alerts=uow.ledger.alerts(limit=20),
        )


def inclusion(ctx: ServiceContext, *, actor: User, leaf: int, size: int | None) -> InclusionProof:
    """The inclusion proof of ``leaf`` in the tree of ``size`` leaves (by default the latest
    checkpoint's, so the proof checks against a signed root; the log's whole size when the
    leaf came after it)."""
    check_auditor(actor)
    with ctx.uow() as uow:
        head = uow.ledger.head()
        latest = uow.ledger.latest_checkpoint()
        if size is None:
            size = latest.size if latest is not None and leaf < latest.size else head.size
        if not 0 <= leaf < size <= head.size:
            raise NotFoundError(f"there is no leaf {leaf} in a tree of {size} leaves")
        texts = [stored.text for stored in uow.ledger.leaves(leaf, leaf + 1)]
        nodes = uow.ledger.nodes(
            nodes_for(inclusion_ranges(leaf, size)) | set(perfect_nodes(0, size))
        )
        return InclusionProof(
            index=leaf,
            size=size,
            leaf=texts[0],
            root=range_hash(0, size, nodes),
            proof=inclusion_proof(leaf, size, nodes),
            checkpoint=_checkpoint_note(uow.ledger, size),
        )


def consistency(ctx: ServiceContext, *, actor: User, old: int, new: int) -> ConsistencyProof:
    """The consistency proof between the trees of ``old`` and ``new`` leaves."""
    check_auditor(actor)
    with ctx.uow() as uow:
        head = uow.ledger.head()
        if not 0 <= old <= new <= head.size:
            raise NotFoundError(
                f"no consistency proof from {old} to {new} leaves: the log has {head.size}"
            )
        nodes = uow.ledger.nodes(
            nodes_for(consistency_ranges(old, new))
            | set(perfect_nodes(0, old))
            | set(perfect_nodes(0, new))
        )
        notes = {
            size: note
            for size in (old, new)
            if (note := _checkpoint_note(uow.ledger, size)) is not None
        }
        return ConsistencyProof(
            old=old,
            new=new,
            old_root=range_hash(0, old, nodes),
            new_root=range_hash(0, new, nodes),
            proof=consistency_proof(old, new, nodes),
            checkpoints=notes,
        )


def alerts(ctx: ServiceContext, *, actor: User, limit: int = 100) -> list[AuditAlert]:
    """The latest alerts about this node's log and the logs it witnesses."""
    check_auditor(actor)
    with ctx.uow() as uow:
        return uow.ledger.alerts(limit=limit)


def export_trail(ctx: ServiceContext, *, actor: User, request_id: str) -> dict[str, Any]:
    """Every leaf naming the request that the latest checkpoint covers, each with its
    inclusion proof, the checkpoint with its cosignatures, and the public keys that signed
    them: ``comity audit verify-export`` checks it all with no database and no network.
    The export is itself a leaf."""
    check_auditor(actor)
    ledger = kit(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        latest = uow.ledger.latest_checkpoint()
        if latest is None:
            raise NotFoundError("no checkpoint has been signed yet: try again in a minute")
        leaves = uow.ledger.leaves_of_request(request_id)
        if not leaves:
            raise NotFoundError(f"no audit leaf names request {request_id}")
        covered = [leaf for leaf in leaves if leaf.index < latest.size]
        nodes = uow.ledger.nodes(
            set().union(*(nodes_for(inclusion_ranges(leaf.index, latest.size)) for leaf in covered))
        )
        note = _with_cosignatures(uow.ledger, latest)
        witnesses = _witness_keys(ctx, uow.ledger.cosignatures(latest.size))
        document: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "origin": log_origin(ctx.state),
            "request_id": request_id,
            "exported_at": now.isoformat(),
            "log_key": _b64(ledger.keys.public_key()),
            "witnesses": witnesses,
            "checkpoint": note,
            "leaves": [
                {
                    "index": leaf.index,
                    "leaf": leaf.text,
                    "proof": [p.hex() for p in inclusion_proof(leaf.index, latest.size, nodes)],
                }
                for leaf in covered
            ],
            "not_yet_checkpointed": len(leaves) - len(covered),
        }
        # The whole file is signed too, so that no byte of it (not even the parts no proof
        # covers, such as the export time) can change unnoticed.
        body = export_body(document)
        document["signature"] = ledger.keys.sign(export_signer(ctx.state), body).line().strip()
        uow.record(
            AuditTrailExported(
                actor_id=actor.id,
                at=now,
                object_id=request_id,
                request_id=request_id,
                leaves=len(covered),
                checkpoint_size=latest.size,
            )
        )
        uow.commit()
    return document


def export_body(document: dict[str, Any]) -> str:
    """The text an export's signature covers: the document without its signature, as
    canonical JSON (sorted keys, no spaces, ASCII), ending with a newline."""
    unsigned = {name: value for name, value in document.items() if name != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"


def export_signer(state: str) -> str:
    """The name a node signs its audit exports as."""
    return f"{log_origin(state)}/export"


def _checkpoint_note(ledger: LedgerRepository, size: int) -> str | None:
    checkpoint = ledger.checkpoint(size)
    return None if checkpoint is None else _with_cosignatures(ledger, checkpoint)


def _with_cosignatures(ledger: LedgerRepository, checkpoint: StoredCheckpoint) -> str:
    note = parse_note(checkpoint.note)
    lines = [c.line for c in ledger.cosignatures(checkpoint.size)]
    if not lines:
        return note.text()
    cosigned = parse_note(note.body + "\n" + "".join(lines))
    return SignedNote(note.body, note.signatures + cosigned.signatures).text()


def _witness_keys(ctx: ServiceContext, cosignatures: list[Any]) -> list[dict[str, Any]]:
    ledger = kit(ctx)
    try:
        directory = trusted_directory(ctx, ctx.clock.now())
    except DirectoryError:
        return []
    keys = []
    for cosignature in cosignatures:
        state = cosignature.witness_state
        if state in directory.states:
            keys.append(
                {
                    "state": state,
                    "name": witness_name(state),
                    "keys": [
                        _b64(k) for k in ledger.keys.state_public_keys(directory.state(state))
                    ],
                }
            )
    return keys


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
