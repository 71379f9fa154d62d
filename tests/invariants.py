"""The twelve invariants of security-test-plan §3, checked over nodes' databases, evidence
stores and logs after every step of the fault and stateful tests.

    nodes = [NodeStore.of(settings, logs=[...]), ...]   # in-process nodes
    nodes = [NodeStore.for_dir(process.data_dir, process.logs), ...]   # node processes
    assert_invariants(nodes, canaries=["Ivan Petrov", ...], quiescent=True)

``violations`` returns every broken invariant, one line each starting with its id
("INV-1 XB: ..."); ``assert_invariants`` raises with that list and records the figures
``invariant_checks`` and ``invariant_violations``. Some invariants hold only once traffic
has settled: ``quiescent=True`` adds them (no message left pending, every stored evidence
object verifies, no orphan blob), since a node killed a moment ago may hold a message it has
not sent yet, or a chunk it has not committed yet, and neither is a fault.

Each check reads the stored rows directly, not through the services, so that a bug in a
service cannot hide itself; only the evidence re-verification (INV-6) uses the node's own
evidence store, because recomputing a package needs its keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from comity.bootstrap import build
from comity.config import Settings
from comity.domain.delivery import NEGATIVE_STAGES, DeliveryStatus, Stage
from comity.domain.errors import DomainError
from comity.domain.evidence_packages import Direction, PackageStatus
from comity.domain.usage import UsagePolicy
from comity.services.evidence import evidence_directory, kit
from comity.store.engine import make_engine
from comity.store.tables import (
    audit_leaf,
    cooperation_request,
    data_access,
    delivery_evidence,
    evidence_package,
    inbox_message,
    outbox_message,
    quarantine_record,
)
from tests.figures import record
from tests.ledger_invariants import audit_gaps, canaries_found

TERMINAL = {str(s) for s in DeliveryStatus} - {str(DeliveryStatus.PENDING)}
# Packages whose chunks must be on disk: sealed here, or arrived and checked.
HELD_ON_DISK = {
    str(PackageStatus.SENDING),
    str(PackageStatus.DELIVERED),
    str(PackageStatus.RELEASED),
    str(PackageStatus.WITHHELD),
}
# How long a retention date may have passed before the node's sweep must have erased it.
RETENTION_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class NodeStore:
    """Where one node keeps what the invariants read: its settings (database, evidence
    store, keys) and the log files its process wrote."""

    settings: Settings
    logs: tuple[Path, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, settings: Settings, logs: Iterable[Path] = ()) -> NodeStore:
        """The store of a node built from ``settings``."""
        return cls(settings=settings, logs=tuple(logs))

    @classmethod
    def for_dir(cls, data_dir: Path, logs: Iterable[Path] = ()) -> NodeStore:
        """The store of the node whose folder is ``data_dir`` (a ``comity node serve``
        process reads the same ``node.json``)."""
        return cls(settings=Settings.for_node(data_dir), logs=tuple(logs))

    @property
    def state(self) -> str:
        return self.settings.state


@dataclass
class _Read:
    """One node's rows, read once per check."""

    node: NodeStore
    engine: Engine
    outbox: list[Any]
    inbox: list[Any]
    evidence: list[Any]
    requests: list[Any]


def violations(
    nodes: Sequence[NodeStore], *, canaries: Iterable[str] = (), quiescent: bool = False
) -> list[str]:
    """Every invariant broken across ``nodes`` (empty when all hold)."""
    found: list[str] = []
    reads: dict[str, _Read] = {}
    try:
        for node in nodes:
            engine = make_engine(node.settings.resolved_database_url)
            with engine.connect() as connection:
                reads[node.state] = _Read(
                    node=node,
                    engine=engine,
                    outbox=list(connection.execute(select(outbox_message)).mappings()),
                    inbox=list(connection.execute(select(inbox_message)).mappings()),
                    evidence=list(connection.execute(select(delivery_evidence)).mappings()),
                    requests=list(connection.execute(select(cooperation_request)).mappings()),
                )
        wanted = list(canaries)
        for read in reads.values():
            found += _once_per_message(read)
            found += _terminal_final(read, quiescent)
            found += _receipts_bind_bytes(read)
            found += _audit_complete(read, wanted)
            found += _purpose_kept(read)
            found += _retention_kept(read)
            found += _rejections_typed(read)
            found += _logs_clean(read, wanted)
            if quiescent:
                found += _custody_and_orphans(read)
        for sender in reads.values():
            for receiver in reads.values():
                if sender is not receiver:
                    found += _delivered_means_present(sender, receiver, quiescent)
    finally:
        for read in reads.values():
            read.engine.dispose()
    return found


def assert_invariants(
    nodes: Sequence[NodeStore], *, canaries: Iterable[str] = (), quiescent: bool = False
) -> None:
    """Raise with every broken invariant; records the check and its violations as figures."""
    broken = violations(nodes, canaries=canaries, quiescent=quiescent)
    record("invariant_checks")
    record("invariant_violations", len(broken))
    assert not broken, "invariants broken:\n" + "\n".join(broken)


def _once_per_message(read: _Read) -> list[str]:
    """INV-1 at one node: one business object per (sender, message); one ``delivered``
    evidence per sent message."""
    state = read.node.state
    found = []
    copies = Counter(
        (row["requesting_state"], row["exchange_id"])
        for row in read.requests
        if row["side"] == "requested" and row["exchange_id"]
    )
    found += [
        f"INV-1 {state}: {count} copies of request {key[1]} from {key[0]}"
        for key, count in copies.items()
        if count > 1
    ]
    delivered = Counter(
        row["message_id"] for row in read.evidence if row["stage"] == str(Stage.DELIVERED)
    )
    found += [
        f"INV-1 {state}: message {message_id} has {count} delivered evidences"
        for message_id, count in delivered.items()
        if count > 1
    ]
    return found


def _terminal_final(read: _Read, quiescent: bool) -> list[str]:
    """INV-4: a message ends in exactly one terminal state matching its evidences; nothing
    negative is later overridden by a delivery; nothing pending once traffic settled."""
    state = read.node.state
    found = []
    stages: dict[str, list[Any]] = {}
    for row in sorted(read.evidence, key=lambda r: r["id"]):
        stages.setdefault(row["message_id"], []).append(row["stage"])
    for row in read.outbox:
        status, message_id = row["status"], row["message_id"]
        seen = stages.get(message_id, [])
        if status not in TERMINAL and status != str(DeliveryStatus.PENDING):
            found.append(f"INV-4 {state}: message {message_id} in unknown status {status}")
        if status == str(DeliveryStatus.ACKNOWLEDGED) and str(Stage.DELIVERED) not in seen:
            found.append(f"INV-4 {state}: {message_id} acknowledged without a delivered evidence")
        if str(Stage.DELIVERED) in seen and status != str(DeliveryStatus.ACKNOWLEDGED):
            found.append(f"INV-4 {state}: {message_id} delivered but {status}")
        negative = [i for i, stage in enumerate(seen) if stage in NEGATIVE_STAGES]
        if negative and str(Stage.DELIVERED) in seen[negative[0] :]:
            found.append(f"INV-4 {state}: {message_id} delivered after a negative evidence")
        if status in TERMINAL and row["finished_at"] is None:
            found.append(f"INV-4 {state}: {message_id} is {status} with no finishing time")
        if quiescent and status == str(DeliveryStatus.PENDING):
            found.append(f"INV-4 {state}: {message_id} still pending after traffic settled")
    return found


def _jws_payload(token: str | None) -> dict[str, Any] | None:
    """The payload of a compact JWS, unverified: the receipt was verified when it arrived;
    here only what it says is compared with the stored bytes."""
    if not token or token.count(".") != 2:
        return None
    middle = token.split(".")[1]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4)))
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


def _receipts_bind_bytes(read: _Read) -> list[str]:
    """INV-3: the stored digest is the digest of the stored signed bytes, and the receipt the
    sender holds names that digest and that message."""
    state = read.node.state
    found = []
    for row in read.outbox:
        envelope = row["envelope"].encode("utf-8")
        if hashlib.sha256(envelope).hexdigest() != row["digest"]:
            found.append(f"INV-3 {state}: {row['message_id']} digest differs from its bytes")
        if row["receipt"] is None:
            continue
        payload = _jws_payload(row["receipt"])
        if payload is None:
            found.append(f"INV-3 {state}: {row['message_id']} holds an unreadable receipt")
        elif (
            payload.get("envelope_sha256") != row["digest"]
            or payload.get("message_id") != row["message_id"]
        ):
            found.append(f"INV-3 {state}: {row['message_id']} receipt is for other bytes")
    return found


def _delivered_means_present(sender: _Read, receiver: _Read, quiescent: bool) -> list[str]:
    """INV-1 and INV-2 across two nodes: every message the sender holds a delivery receipt
    for is at the receiver, with the same bytes, once; every request it delivered has
    exactly one copy there."""
    found = []
    there = {(row["sender_state"], row["message_id"]): row for row in receiver.inbox}
    exchanges = {row["id"]: row["exchange_id"] for row in sender.requests}
    copies = Counter(
        row["exchange_id"]
        for row in receiver.requests
        if row["side"] == "requested" and row["requesting_state"] == sender.node.state
    )
    s, r = sender.node.state, receiver.node.state
    for row in sender.outbox:
        if row["recipient_state"] != r or row["status"] != str(DeliveryStatus.ACKNOWLEDGED):
            continue
        arrived = there.get((s, row["message_id"]))
        if arrived is None:
            found.append(f"INV-2 {s}->{r}: {row['message_id']} receipted but absent at {r}")
            continue
        if arrived["digest"] != row["digest"]:
            found.append(f"INV-3 {s}->{r}: {row['message_id']} arrived with other bytes")
        if row["type"] == "request.submit" and quiescent:
            exchange = exchanges.get(row["request_id"])
            if exchange and copies[exchange] != 1:
                found.append(
                    f"INV-1 {s}->{r}: request {exchange} delivered, {copies[exchange]} copies"
                )
    return found


def _audit_complete(read: _Read, canaries: list[str]) -> list[str]:
    """INV-5 and INV-12 in the log: the log recomputes, every committed change has its leaf,
    and no canary is in a leaf, checkpoint, witnessed note or alert."""
    state = read.node.state
    try:
        gaps = audit_gaps(read.engine)
    except DomainError as error:
        return [f"INV-5 {state}: the audit log does not verify: {error}"]
    found = [f"INV-5 {state}: {gap}" for gap in gaps]
    found += [
        f"INV-12 {state}: canary {c[:4]}… in the audit log"
        for c in canaries_found(read.engine, canaries)
    ]
    return found


def _purpose_kept(read: _Read) -> list[str]:
    """INV-7: every allowed use of a request's data was within its recorded purpose (or an
    additional purpose the originating State accepted), and every allowed forward went to a
    recipient the originating State authorised."""
    state = read.node.state
    policies = {
        row["id"]: UsagePolicy.from_record(row["usage_policy"])
        for row in read.requests
        if row["usage_policy"]
    }
    found = []
    with read.engine.connect() as connection:
        for row in connection.execute(
            select(data_access).where(data_access.c.outcome == "allowed")
        ).mappings():
            policy = policies.get(row["request_id"])
            if policy is None:
                continue
            purposes = {policy.purpose_code, *policy.additional_purposes}
            if row["action"] == "forward":
                if row["recipient_state"] not in policy.onward_recipients:
                    found.append(
                        f"INV-7 {state}: {row['request_id']} forwarded to "
                        f"{row['recipient_state']} without authorisation"
                    )
            elif row["purpose_code"] not in purposes:
                found.append(f"INV-7 {state}: {row['request_id']} used for {row['purpose_code']}")
    return found


def _retention_kept(read: _Read) -> list[str]:
    """INV-8: no request's data readable well past its retention date unless held; an erased
    request keeps no field values."""
    state = read.node.state
    now = datetime.now(UTC)
    found = []
    for row in read.requests:
        policy = row["usage_policy"] or {}
        until = row["retention_until"]
        if row["erased_at"] is not None:
            if any(value not in (None, "", [], {}) for value in (row["fields"] or {}).values()):
                found.append(f"INV-8 {state}: erased request {row['id']} still has values")
        elif (
            until is not None
            and until.replace(tzinfo=until.tzinfo or UTC) + RETENTION_GRACE < now
            and not policy.get("legal_hold", False)
        ):
            found.append(f"INV-8 {state}: request {row['id']} kept past its retention date")
    return found


def _rejections_typed(read: _Read) -> list[str]:
    """INV-10 (with INV-9, a message refused on trust is held as a quarantine record): every
    refusal carries a stable code and its audit leaf; a refused request created nothing."""
    state = read.node.state
    found = []
    with read.engine.connect() as connection:
        quarantined = list(connection.execute(select(quarantine_record)).mappings())
        refused_leaves = connection.execute(
            select(audit_leaf.c.object_id).where(audit_leaf.c.tag == "message:inbound:refused")
        ).all()
    found += [
        f"INV-10 {state}: quarantine record {row['id']} has no code"
        for row in quarantined
        if not row["code"]
    ]
    if len(refused_leaves) < len(quarantined):
        found.append(
            f"INV-10 {state}: {len(quarantined)} refusals, {len(refused_leaves)} audit leaves"
        )
    for row in read.inbox:
        if row["outcome"] == str(Stage.NOT_DELIVERED):
            if not row["code"]:
                found.append(f"INV-10 {state}: rejection {row['message_id']} has no code")
            if row["type"] == "request.submit" and row["request_id"] is not None:
                found.append(f"INV-10 {state}: rejected {row['message_id']} made a request")
    return found


def _logs_clean(read: _Read, canaries: list[str]) -> list[str]:
    """INV-12 in the process's logs: no canary, no private key material."""
    state = read.node.state
    secrets = ["PRIVATE KEY"]
    keys = read.node.settings.data_dir / "keys"
    for pem in sorted(keys.glob("*.key")) if keys.exists() else ():
        # The end of the base64 body: its start is the same ASN.1 header in every key of a
        # kind, so only the end tells this key's secret bytes apart.
        text = pem.read_bytes().decode("ascii", errors="ignore")
        body = "".join(line for line in text.splitlines() if "-----" not in line)
        if len(body) >= 24:
            secrets.append(body[-24:])
    found = []
    for log in read.node.logs:
        text = log.read_text("utf-8", errors="replace") if log.exists() else ""
        folded = text.casefold()
        if any(s in text for s in secrets):
            found.append(f"INV-12 {state}: key material in {log.name}")
        found += [
            f"INV-12 {state}: canary {c[:4]}… in {log.name}"
            for c in canaries
            if c and c.casefold() in folded
        ]
    return found


def _custody_and_orphans(read: _Read) -> list[str]:
    """INV-6 and INV-11: every package this node holds still verifies against its sealed
    digests (or is marked broken and withheld), and package folders and rows match."""
    state = read.node.state
    settings = read.node.settings
    with read.engine.connect() as connection:
        packages = list(
            connection.execute(
                select(
                    evidence_package.c.package_id,
                    evidence_package.c.direction,
                    evidence_package.c.status,
                )
            ).mappings()
        )
    root = settings.resolved_evidence_dir
    found = []
    on_disk = {
        (direction, path.name)
        for direction in (str(Direction.OUTGOING), str(Direction.INCOMING))
        if (root / direction).is_dir()
        for path in (root / direction).iterdir()
    }
    rows = {(row["direction"], row["package_id"]) for row in packages}
    found += [
        f"INV-11 {state}: folder {direction}/{package_id} has no package row"
        for direction, package_id in sorted(on_disk - rows)
    ]
    held = [row for row in packages if row["status"] in HELD_ON_DISK]
    found += [
        f"INV-11 {state}: package {row['package_id']} ({row['status']}) has no chunks on disk"
        for row in held
        if (row["direction"], row["package_id"]) not in on_disk
    ]
    verifiable = [row for row in held if row["status"] != str(PackageStatus.WITHHELD)]
    if not verifiable:
        return found
    container = build(settings)
    try:
        ctx = container.services
        directory = evidence_directory(ctx)
        for row in verifiable:
            try:
                kit(ctx).files.verify(Direction(row["direction"]), row["package_id"], directory)
            except (DomainError, OSError) as error:
                found.append(f"INV-6 {state}: package {row['package_id']} fails: {error}")
    finally:
        container.close()
    return found
