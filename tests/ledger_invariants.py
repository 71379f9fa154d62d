"""The audit log's invariants over a node's database (security-test-plan INV-5, INV-12, L-09,
L-12): the log verifies, every committed change of each kind has its leaf, and no canary value
seeded into case data appears in a leaf, a checkpoint, a witnessed note or an alert."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from comity.services.ledger_verify import verify_log
from comity.store.ledger_repository import SQLLedgerRepository
from comity.store.tables import (
    audit_alert,
    audit_checkpoint,
    audit_leaf,
    authority,
    cooperation_request,
    data_access,
    deletion_record,
    evidence_package,
    inbox_message,
    outbox_message,
    practice_step,
    request_history,
    user_account,
    witnessed_log,
)


def audit_gaps(engine: Engine) -> list[str]:
    """What the node committed without its leaf (empty when the log is complete), after
    checking that the whole log recomputes."""
    with Session(engine) as session:
        verify_log(SQLLedgerRepository(session))
    gaps: list[str] = []
    with engine.connect() as connection:
        leaves = connection.execute(
            select(audit_leaf.c.tag, audit_leaf.c.object_id, audit_leaf.c.details)
        ).all()
        named = {(row.tag, row.object_id) for row in leaves}

        def expect(tag: str | tuple[str, ...], ids: Iterable[str], what: str) -> None:
            tags = (tag,) if isinstance(tag, str) else tag
            for object_id in ids:
                if not any((t, object_id) in named for t in tags):
                    gaps.append(f"{what} {object_id} has no {'/'.join(tags)} leaf")

        expect(
            "node:authority:created",
            connection.execute(select(authority.c.id)).scalars(),
            "authority",
        )
        expect(
            "user:account:created", connection.execute(select(user_account.c.id)).scalars(), "user"
        )
        expect(
            ("request:draft:created", "request:incoming:recorded"),
            connection.execute(select(cooperation_request.c.id)).scalars(),
            "request",
        )
        expect(
            "message:outbound:queued",
            connection.execute(select(outbox_message.c.message_id)).scalars(),
            "outgoing message",
        )
        expect(
            "message:inbound:accepted",
            connection.execute(select(inbox_message.c.message_id)).scalars(),
            "incoming message",
        )
        expect(
            "request:data:erased",
            connection.execute(select(deletion_record.c.request_id)).scalars(),
            "erased request",
        )
        expect(
            ("evidence:package:sealed", "evidence:package:received", "evidence:package:withheld"),
            connection.execute(
                select(evidence_package.c.package_id).where(
                    evidence_package.c.status.in_(("released", "withheld", "delivered"))
                )
            ).scalars(),
            "evidence package",
        )
        accesses = Counter(
            (row.request_id, row.action, row.outcome)
            for row in connection.execute(
                select(data_access.c.request_id, data_access.c.action, data_access.c.outcome)
            )
        )
        leafed = Counter(
            (row.object_id, row.details.get("action"), row.details.get("outcome"))
            for row in leaves
            if row.tag == "request:data:accessed"
        )
        for key, count in accesses.items():
            if leafed[key] < count:
                gaps.append(f"data accesses {key}: {count} recorded, {leafed[key]} leaves")
        moves = Counter(
            (row.request_id, row.to_status)
            for row in connection.execute(
                select(request_history.c.request_id, request_history.c.to_status).where(
                    request_history.c.from_status.is_not(None)
                )
            )
        )
        moved = Counter(
            (row.object_id, row.details.get("to_status"))
            for row in leaves
            if row.tag == "request:status:changed"
        )
        for key, count in moves.items():
            if moved[key] < count:
                gaps.append(f"status changes {key}: {count} in history, {moved[key]} leaves")
        steps = Counter(connection.execute(select(practice_step.c.request_id)).scalars())
        stepped = Counter(row.object_id for row in leaves if row.tag == "request:practice:stepped")
        for request_id, count in steps.items():
            if stepped[request_id] < count:
                gaps.append(
                    f"practice steps of {request_id}: {count} taken, {stepped[request_id]} leaves"
                )
    return gaps


def canaries_found(engine: Engine, canaries: Iterable[str]) -> list[str]:
    """The canaries present anywhere in the log, its checkpoints, the notes it witnessed or
    its alerts (lower-cased comparison; empty when none leaked)."""
    wanted = [c.casefold() for c in canaries if c]
    with engine.connect() as connection:
        texts = [
            *connection.execute(select(audit_leaf.c.leaf)).scalars(),
            *connection.execute(select(audit_checkpoint.c.note)).scalars(),
            *connection.execute(select(witnessed_log.c.note)).scalars(),
            *(
                f"{row.detail} {row.evidence}"
                for row in connection.execute(select(audit_alert.c.detail, audit_alert.c.evidence))
            ),
        ]
    found = []
    for text in texts:
        folded = str(text).casefold()
        found.extend(c for c in wanted if c in folded)
    return sorted(set(found))
