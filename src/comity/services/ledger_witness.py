"""This node as a witness of the other States' audit logs (C2SP tlog-witness).

A checkpoint is cosigned only if its log's key signed it and it extends, by a verified
consistency proof, the last checkpoint of that log this node cosigned; check and record are
one transaction, so the recorded size never goes down. A checkpoint that contradicts an
earlier one (same size, other root; a tree that does not extend it; a smaller tree signed
later) is an equivocation: it is refused and kept, with the earlier one, as the alert's proof.
Witnesses also compare what they saw of third logs (gossip), so a log that shows each
witness a different history is caught in one round.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from comity.domain.errors import (
    CheckpointError,
    CheckpointRollbackError,
    EquivocationError,
    SignerUntrustedError,
    UnknownLogError,
)
from comity.domain.ledger.checkpoints import (
    SignedNote,
    parse_add_checkpoint,
    parse_checkpoint,
    parse_note,
)
from comity.domain.ledger.origins import log_origin, state_of_origin, witness_name
from comity.domain.ledger.witness import Recorded, check_add_checkpoint, compare_views
from comity.services.context import ServiceContext
from comity.services.ledger import kit, raise_alert
from comity.services.ledger_ports import WitnessedLog
from comity.services.outgoing import trusted_directory

# The body of a note by which a log tells its witnesses it failed its own check.
INTEGRITY_LINE = "integrity-failure"
# At most this many third-party checkpoints are compared per gossip call.
MAX_VIEWS = 64


def add_checkpoint(ctx: ServiceContext, *, sender_state: str, body: bytes) -> str:
    """Cosign the checkpoint in ``body`` (C2SP ``add-checkpoint``); the cosignature line."""
    ledger = kit(ctx)
    old_size, proof, note = parse_add_checkpoint(body)
    checkpoint = parse_checkpoint(note.body)
    now = ctx.clock.now()
    directory = trusted_directory(ctx, now)
    state = _log_state(ctx, checkpoint.origin, sender_state, directory.states)
    entry = directory.state(state)
    ledger.keys.verify(note, checkpoint.origin, entry)
    failure: EquivocationError | CheckpointRollbackError | None = None
    with ctx.uow() as uow:
        recorded = uow.ledger.witnessed(state, lock=True)
        try:
            if (
                recorded is not None
                and checkpoint.size < recorded.size
                and checkpoint.time > recorded.time
            ):
                # Signed after a larger one: the log went back. (An older checkpoint arriving
                # late, or racing a newer one, was signed before it: that is a plain 409.)
                raise CheckpointRollbackError(
                    f"{state} signed a checkpoint of {checkpoint.size} leaves after one of "
                    f"{recorded.size}: its log was rolled back"
                )
            check_add_checkpoint(
                recorded=None
                if recorded is None
                else Recorded(size=recorded.size, root=recorded.root, time=recorded.time),
                old_size=old_size,
                proof=proof,
                checkpoint=checkpoint,
            )
        except (EquivocationError, CheckpointRollbackError) as error:
            failure = error
        else:
            ctx.faults.hit("witness_after_check_before_persist")
            uow.ledger.save_witnessed(
                WitnessedLog(
                    state=state,
                    size=checkpoint.size,
                    root=checkpoint.root,
                    time=checkpoint.time,
                    note=note.text(),
                    witnessed_at=now,
                )
            )
            uow.commit()
    if failure is not None:
        raise_alert(
            ctx,
            kind="equivocation" if isinstance(failure, EquivocationError) else "rollback",
            state=state,
            detail=failure.detail,
            evidence={
                "recorded": recorded.note if recorded is not None else None,
                "presented": note.text(),
            },
        )
        raise failure
    signature = ledger.keys.cosign(witness_name(ctx.state), note.body, int(now.timestamp()))
    return signature.line()


def compare_shared_views(ctx: ServiceContext, *, sender_state: str, body: bytes) -> int:
    """Compare the checkpoints of third logs another witness cosigned with this node's own
    records; each contradiction is an alert, and ``EquivocationError`` tells the sender."""
    ledger = kit(ctx)
    notes = _views(body)
    directory = trusted_directory(ctx, ctx.clock.now())
    conflicts: list[str] = []
    for text in notes:
        note = parse_note(text)
        theirs = parse_checkpoint(note.body)
        state = state_of_origin(theirs.origin)
        if state in (sender_state, ctx.state) or state not in directory.states:
            continue
        ledger.keys.verify(note, theirs.origin, directory.state(state))
        with ctx.uow() as uow:
            mine = uow.ledger.witnessed(state)
        if mine is None:
            continue
        try:
            compare_views(parse_checkpoint(parse_note(mine.note).body), theirs)
        except EquivocationError as error:
            raise_alert(
                ctx,
                kind="equivocation",
                state=state,
                detail=f"{sender_state} was shown another history of {state}'s log: "
                + error.detail,
                evidence={"recorded": mine.note, "presented": note.text()},
            )
            conflicts.append(state)
    if conflicts:
        raise EquivocationError(
            "these logs showed this witness another history than they showed you: "
            + ", ".join(conflicts)
        )
    return len(notes)


def receive_integrity_report(ctx: ServiceContext, *, sender_state: str, body: bytes) -> None:
    """Record that ``sender_state``'s node found its own log broken (a note its key signed)."""
    ledger = kit(ctx)
    try:
        note = parse_note(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CheckpointError("the integrity report is not UTF-8 text") from error
    lines = note.body.split("\n")
    if len(lines) != 4 or lines[0] != log_origin(sender_state) or lines[1] != INTEGRITY_LINE:
        raise CheckpointError("the integrity report is malformed")
    entry = trusted_directory(ctx, ctx.clock.now()).state(sender_state)
    ledger.keys.verify(note, lines[0], entry)
    raise_alert(
        ctx,
        kind="integrity_reported",
        state=sender_state,
        detail=f"{sender_state}'s node reports that its audit log failed its integrity check",
        evidence={"report": note.text()},
    )


def integrity_report_body(ctx: ServiceContext, *, time: int) -> bytes:
    """The signed note by which this node tells its witnesses its log failed its check."""
    origin = log_origin(ctx.state)
    body = f"{origin}\n{INTEGRITY_LINE}\ntime {time}\n"
    return SignedNote(body, (kit(ctx).keys.sign(origin, body),)).text().encode("utf-8")


def views_body(ctx: ServiceContext, *, recipient: str) -> bytes:
    """The checkpoints of third logs this node cosigned, to show ``recipient`` (gossip)."""
    with ctx.uow() as uow:
        witnessed = uow.ledger.witnessed_all()
    notes = [w.note for w in witnessed if w.state != recipient][:MAX_VIEWS]
    return json.dumps({"views": notes}, separators=(",", ":")).encode("utf-8")


def _views(body: bytes) -> list[str]:
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        # Deep nesting exhausts the decoder's recursion limit: malformed input like any other.
        raise CheckpointError("the shared views are not JSON") from error
    views = raw.get("views") if isinstance(raw, dict) else None
    if not isinstance(views, list) or len(views) > MAX_VIEWS:
        raise CheckpointError("the shared views must be a list of at most 64 notes")
    if not all(isinstance(v, str) for v in views):
        raise CheckpointError("each shared view must be a signed note")
    return views


def _log_state(ctx: ServiceContext, origin: str, sender_state: str, known: Collection[str]) -> str:
    state = state_of_origin(origin)
    if state == ctx.state:
        raise UnknownLogError("this node does not witness its own log")
    if state not in known:
        raise UnknownLogError(f"{state} is not a State Party in the directory")
    if state != sender_state:
        # A log submits its own checkpoints; another State's node cannot speak for it.
        raise SignerUntrustedError(f"{sender_state} cannot submit {state}'s checkpoints")
    return state
