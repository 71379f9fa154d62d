"""The node's side of its audit log: checking it, signing checkpoints over it, and having
the other States' nodes witness them (C2SP tlog-checkpoint, tlog-witness).

A checkpoint is signed only over a log that verified: a node never signs a tree that does
not extend the checkpoints it signed before. Checkpoints go to every other State in the
directory; each returns a cosignature, or says why not. A refusal (the witness saw a
different history) and a log that fails its own check are alerts, recorded as leaves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from comity.domain.directory import StateEntry
from comity.domain.errors import AuditIntegrityError, DomainError
from comity.domain.events import LedgerAlertRaised
from comity.domain.ledger.checkpoints import (
    Checkpoint,
    SignedNote,
    format_add_checkpoint,
    parse_note,
)
from comity.domain.ledger.merkle import (
    consistency_proof,
    consistency_ranges,
    nodes_for,
    perfect_nodes,
    range_hash,
)
from comity.domain.ledger.origins import log_origin, witness_name
from comity.services.context import ServiceContext
from comity.services.ledger_ports import (
    AuditAlert,
    LedgerKit,
    StoredCheckpoint,
    StoredCosignature,
)
from comity.services.ledger_verify import LogReport, verify_log
from comity.services.outgoing import trusted_directory
from comity.services.ports import UnitOfWork

log = logging.getLogger("comity.ledger")

# The system actor id recorded on leaves the node writes by itself.
NODE_ACTOR = "node"


@dataclass
class RoundReport:
    """What one checkpoint round did."""

    signed: StoredCheckpoint | None = None
    cosigned_by: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)
    integrity: str | None = None


def kit(ctx: ServiceContext) -> LedgerKit:
    """The ledger's ports; a node without keys keeps its log but signs no checkpoint."""
    if ctx.ledger is None:
        raise AuditIntegrityError(
            "this node has no signing key: its audit log is kept, but no checkpoint is signed"
        )
    return ctx.ledger


def self_check(ctx: ServiceContext) -> LogReport:
    """Recompute the whole log and check every checkpoint signed over it; an inconsistency
    raises ``AuditIntegrityError`` naming the first bad leaf, and is recorded as an alert."""
    with ctx.uow() as uow:
        try:
            return verify_log(uow.ledger)
        except AuditIntegrityError as error:
            failure = error
    raise_alert(ctx, kind="integrity", state=ctx.state, detail=failure.detail)
    raise failure


def sign_checkpoint(ctx: ServiceContext, *, full_check: bool = True) -> StoredCheckpoint | None:
    """Sign a checkpoint over the log as it is now, after checking that it extends the last
    one (and, with ``full_check``, after recomputing it); None when nothing was added."""
    ledger = kit(ctx)
    if full_check:
        self_check(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        head = uow.ledger.head()
        latest = uow.ledger.latest_checkpoint()
        if latest is not None and latest.size == head.size and latest.root == head.root:
            return None
        failure = _extension_fault(uow, latest, head.size)
        if failure is None:
            checkpoint = Checkpoint(
                origin=log_origin(ctx.state),
                size=head.size,
                root=head.root,
                time=int(now.timestamp()),
            )
            body = checkpoint.body()
            note = SignedNote(body, (ledger.keys.sign(checkpoint.origin, body),))
            stored = StoredCheckpoint(
                size=head.size, root=head.root, signed_at=now, note=note.text()
            )
            ctx.faults.hit("ledger.checkpoint.signed_before_store")
            uow.ledger.add_checkpoint(stored)
            # No leaf for a checkpoint: one would make the next checkpoint due at once.
            uow.commit()
            ctx.faults.hit("ledger.checkpoint.after_store")
            return stored
    raise_alert(ctx, kind="integrity", state=ctx.state, detail=failure)
    raise AuditIntegrityError(failure)


def _extension_fault(uow: UnitOfWork, latest: StoredCheckpoint | None, size: int) -> str | None:
    if latest is None:
        return None
    if size == latest.size:
        return "the log's root changed although no leaf was added since its last checkpoint"
    if size < latest.size:
        return (
            f"the log has {size} leaves but this node signed a checkpoint of {latest.size}: "
            "it was rolled back"
        )
    proof_nodes = uow.ledger.nodes(perfect_nodes(0, latest.size))
    if range_hash(0, latest.size, proof_nodes) != latest.root:
        return (
            f"the first {latest.size} leaves no longer give the root of the checkpoint "
            "signed over them"
        )
    return None


def raise_alert(
    ctx: ServiceContext,
    *,
    kind: str,
    state: str,
    detail: str,
    evidence: dict[str, object] | None = None,
) -> AuditAlert:
    """Record an alert and its leaf in one commit (a log that fails its check still takes
    leaves: the alert itself must be on record)."""
    now = ctx.clock.now()
    alert = AuditAlert(
        id=ctx.ids.new_id(),
        raised_at=now,
        kind=kind,
        state=state,
        detail=detail[:2000],
        evidence=evidence or {},
    )
    with ctx.uow() as uow:
        uow.ledger.add_alert(alert)
        uow.record(
            LedgerAlertRaised(
                actor_id=NODE_ACTOR, at=now, object_id=alert.id, kind=kind, state=state
            )
        )
        uow.commit()
    log.error("audit alert (%s) about %s: %s", kind, state, alert.detail)
    return alert


def witness_states(ctx: ServiceContext, now: datetime) -> list[StateEntry]:
    """The States whose nodes witness this node's log: every other State in the directory."""
    directory = trusted_directory(ctx, now)
    return [entry for code, entry in sorted(directory.states.items()) if code != ctx.state]


def send_for_cosigning(ctx: ServiceContext, entry: StateEntry) -> str:
    """Send the latest checkpoint to one witness, from the last size it cosigned; store the
    cosignature. The answer: ``cosigned``, ``unreachable``, or the refusal's code."""
    ledger = kit(ctx)
    with ctx.uow() as uow:
        latest = uow.ledger.latest_checkpoint()
        if latest is None:
            return "nothing"
        old = uow.ledger.last_cosigned(entry.code)
        if old == latest.size:
            return "cosigned"
    if old > latest.size:
        raise_alert(
            ctx,
            kind="rollback",
            state=ctx.state,
            detail=f"{entry.code} cosigned a checkpoint of {old} leaves, but this log's latest "
            f"has {latest.size}: its checkpoints were removed",
        )
        return "ROLLBACK"
    note = parse_note(latest.note)
    for _attempt in range(2):
        body = format_add_checkpoint(old, _proof(ctx, old, latest.size), note)
        ctx.faults.hit("ledger.cosign.before_request")
        answer = ledger.peers.add_checkpoint(entry, body)
        if answer.status == "conflict" and answer.size != old and answer.size <= latest.size:
            # The witness last saw another size (a cosignature lost on the way): from there.
            old = answer.size
            continue
        break
    if answer.status == "cosigned":
        return _keep_cosignature(ctx, entry, latest, note, answer.signed)
    if answer.code == "CHECKPOINT_ROLLBACK" or (
        answer.status == "conflict" and answer.size > latest.size
    ):
        raise_alert(
            ctx,
            kind="rollback",
            state=ctx.state,
            detail=(
                f"{entry.code} has witnessed a larger tree of this log than the "
                f"{latest.size} leaves it has now: it was rolled back or restored from an "
                "older backup"
            ),
        )
        return "ROLLBACK"
    if answer.status in ("refused", "conflict"):
        raise_alert(
            ctx,
            kind="refused",
            state=ctx.state,
            detail=f"{entry.code} refused to cosign checkpoint {latest.size}: {answer.code} "
            f"{answer.detail}",
            evidence={"checkpoint": latest.note},
        )
        return answer.code or "REFUSED"
    return "unreachable"


def _keep_cosignature(
    ctx: ServiceContext, entry: StateEntry, latest: StoredCheckpoint, note: SignedNote, line: str
) -> str:
    try:
        cosigned = parse_note(note.body + "\n" + line)
        kit(ctx).keys.verify_cosignature(cosigned, witness_name(entry.code), entry)
    except DomainError as error:
        log.warning("%s sent a cosignature that does not verify: %s", entry.code, error.code)
        return error.code
    with ctx.uow() as uow:
        uow.ledger.add_cosignature(
            StoredCosignature(
                checkpoint_size=latest.size,
                witness_state=entry.code,
                received_at=ctx.clock.now(),
                line=line,
            )
        )
        ctx.faults.hit("ledger.cosign.before_store")
        uow.commit()
    return "cosigned"


def _proof(ctx: ServiceContext, old: int, new: int) -> list[bytes]:
    with ctx.uow() as uow:
        nodes = uow.ledger.nodes(nodes_for(consistency_ranges(old, new)))
    return consistency_proof(old, new, nodes)


def verify_node_log(ctx: ServiceContext) -> LogReport:
    """Recompute the whole log and check every checkpoint's signature and every
    cosignature against the directory's keys (historic keys included; an out-of-date
    directory still serves to check old signatures). ``AuditIntegrityError`` names the
    first fault; a bad signature raises its own error."""
    keys = ctx.ledger.keys if ctx.ledger is not None else None
    directory = ctx.federation.trust.current() if ctx.federation is not None else None

    with ctx.uow() as uow:

        def check_note(checkpoint: StoredCheckpoint) -> int:
            if keys is None or directory is None:
                return 0
            note = parse_note(checkpoint.note)
            try:
                keys.verify(note, log_origin(ctx.state), directory.state(ctx.state))
            except DomainError as error:
                raise AuditIntegrityError(
                    f"the checkpoint of {checkpoint.size} leaves is not signed by this node's "
                    f"key: {error.detail}"
                ) from None
            verified = 0
            for cosignature in uow.ledger.cosignatures(checkpoint.size):
                state = cosignature.witness_state
                try:
                    cosigned = parse_note(note.body + "\n" + cosignature.line)
                    keys.verify_cosignature(cosigned, witness_name(state), directory.state(state))
                except DomainError as error:
                    raise AuditIntegrityError(
                        f"{state}'s cosignature of the checkpoint of {checkpoint.size} leaves "
                        f"does not verify: {error.detail}"
                    ) from None
                verified += 1
            return verified

        return verify_log(uow.ledger, check_note=check_note)
