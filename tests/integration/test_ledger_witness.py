"""Three States' nodes witness each other's audit logs (C2SP tlog-witness, L-06 to L-08).

The nodes are real containers with their own databases and keys, and every witness call goes
through the recipient's real federation app with RFC 9421 signatures (in-process, no sockets).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Connection, delete, select, update

from comity.domain.commands import AddUser
from comity.domain.ledger.checkpoints import (
    Checkpoint,
    SignedNote,
    format_add_checkpoint,
    parse_note,
)
from comity.domain.ledger.merkle import (
    Frontier,
    consistency_proof,
    consistency_ranges,
    leaf_hash,
    nodes_for,
)
from comity.domain.ledger.origins import log_origin, witness_name
from comity.domain.values import Role
from comity.services import ledger, ledger_audit, users
from comity.services.ledger_rounds import WitnessRelay
from comity.store.tables import (
    audit_checkpoint,
    audit_cosignature,
    audit_head,
    audit_leaf,
    audit_node,
    witnessed_log,
)
from tests.federation_harness import PASSWORD, FedNode, InProcessPeers

Nodes = dict[str, FedNode]


def _activity(node: FedNode, count: int = 3) -> None:
    for _ in range(count):
        users.add_user(
            node.ctx,
            command=AddUser(f"u{node.ctx.ids.new_id()[:8]}", PASSWORD, frozenset({Role.DRAFTER})),
        )


def _peers(node: FedNode) -> InProcessPeers:
    assert node.ctx.ledger is not None
    peers = node.ctx.ledger.peers
    assert isinstance(peers, InProcessPeers)
    return peers


def _alerts(node: FedNode) -> list[tuple[str, str]]:
    with node.ctx.uow() as uow:
        return [(a.kind, a.state) for a in uow.ledger.alerts()]


def _note(node: FedNode, checkpoint: Checkpoint) -> SignedNote:
    assert node.ctx.ledger is not None
    body = checkpoint.body()
    return SignedNote(body, (node.ctx.ledger.keys.sign(checkpoint.origin, body),))


def _add(sender: FedNode, recipient: str, old: int, proof: list[bytes], note: SignedNote) -> object:
    body = format_add_checkpoint(old, proof, note)
    return _peers(sender).witness_response(
        recipient, "/add-checkpoint", body, "text/plain; charset=utf-8"
    )


def test_each_checkpoint_is_cosigned_by_the_other_two_and_verifies(nodes: Nodes) -> None:
    xa = nodes["XA"]
    _activity(xa)
    first = WitnessRelay().run_once(xa.ctx, force=True)
    assert first.signed is not None and sorted(first.cosigned_by) == ["XB", "XC"]
    _activity(xa, 5)
    second = WitnessRelay().run_once(xa.ctx, force=True)
    assert second.signed is not None and second.signed.size > first.signed.size
    # The second round sent a consistency proof from the size each witness cosigned.
    assert sorted(second.cosigned_by) == ["XB", "XC"]
    report = ledger.verify_node_log(xa.ctx)
    assert (report.checkpoints, report.cosignatures) == (2, 4)
    for witness in ("XB", "XC"):
        with nodes[witness].ctx.uow() as uow:
            recorded = uow.ledger.witnessed("XA")
        assert recorded is not None and recorded.size == second.signed.size
    assert ledger_audit.own_log_health(xa.ctx) == "ok"


def test_witness_answers_follow_the_c2sp_status_codes(nodes: Nodes) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    _activity(xa)
    WitnessRelay().run_once(xa.ctx, force=True)
    with xa.ctx.uow() as uow:
        latest = uow.ledger.latest_checkpoint()
    assert latest is not None
    note = parse_note(latest.note)
    size = latest.size
    now = int(xa.ctx.clock.now().timestamp())

    same = _add(xa, "XB", size, [], note)
    assert same.status_code == 200  # type: ignore[attr-defined]
    line = same.text  # type: ignore[attr-defined]
    assert xa.ctx.ledger is not None
    verified = parse_note(note.body + "\n" + line)
    directory = xa.ctx.federation.trust.current()  # type: ignore[union-attr]
    xa.ctx.ledger.keys.verify_cosignature(verified, witness_name("XB"), directory.state("XB"))

    wrong_old = _add(xa, "XB", size - 1, [], note)
    assert wrong_old.status_code == 409  # type: ignore[attr-defined]
    assert wrong_old.headers["content-type"].startswith("text/x.tlog.size")  # type: ignore[attr-defined]
    assert wrong_old.text.strip() == str(size)  # type: ignore[attr-defined]

    backwards = _add(xa, "XB", size + 5, [], note)
    assert backwards.status_code == 400  # type: ignore[attr-defined]

    foreign = Checkpoint(origin=log_origin("ZZ"), size=size, root=latest.root, time=now)
    assert _add(xa, "XB", 0, [], _note(xa, foreign)).status_code == 404  # type: ignore[attr-defined]

    # XC's key signing XA's checkpoint: the log's own key did not sign it.
    forged = _note(nodes["XC"], Checkpoint(log_origin("XA"), size + 1, latest.root, now))
    assert _add(xa, "XB", size, [], forged).status_code == 403  # type: ignore[attr-defined]

    bigger = Checkpoint(log_origin("XA"), size + 1, b"\x01" * 32, now)
    bad_proof = _add(xa, "XB", size, [b"\x02" * 32], _note(xa, bigger))
    assert bad_proof.status_code == 422  # type: ignore[attr-defined]

    fork = Checkpoint(log_origin("XA"), size, b"\x03" * 32, now)
    forked = _add(xa, "XB", size, [], _note(xa, fork))
    assert forked.status_code == 422  # type: ignore[attr-defined]
    assert forked.json()["code"] == "EQUIVOCATION"  # type: ignore[attr-defined]
    alerts = [a for a in _alerts_full(xb) if a.kind == "equivocation"]
    assert alerts and alerts[0].evidence["recorded"] and alerts[0].evidence["presented"]
    # The witness's record did not move: it still holds the size it cosigned.
    with xb.ctx.uow() as uow:
        recorded = uow.ledger.witnessed("XA")
    assert recorded is not None and (recorded.size, recorded.root) == (size, latest.root)


def _alerts_full(node: FedNode) -> list[ledger_audit.AuditAlert]:
    with node.ctx.uow() as uow:
        return uow.ledger.alerts()


def test_a_tampered_row_is_reported_by_the_node_and_by_its_witnesses(nodes: Nodes) -> None:
    xa = nodes["XA"]
    _activity(xa)
    WitnessRelay().run_once(xa.ctx, force=True)
    _activity(xa)
    with xa.container.engine.begin() as connection:
        connection.execute(
            update(audit_leaf).where(audit_leaf.c.leaf_index == 2).values(tag="user:account:gone")
        )
    report = WitnessRelay().run_once(xa.ctx, force=True)
    assert report.integrity is not None and "leaf 2" in report.integrity
    assert report.signed is None
    assert ("integrity", "XA") in _alerts(xa)
    assert ledger_audit.own_log_health(xa.ctx) == "failed"
    for witness in ("XB", "XC"):
        assert ("integrity_reported", "XA") in _alerts(nodes[witness])


def test_a_rewritten_history_signed_by_the_log_is_refused_by_its_witnesses(
    nodes: Nodes,
) -> None:
    """An intruder with the node's key edits a leaf, rebuilds the tree, drops the
    checkpoints that betray it and signs again: the witnesses still hold the old view."""
    xa = nodes["XA"]
    _activity(xa, 4)
    WitnessRelay().run_once(xa.ctx, force=True)
    with xa.container.engine.begin() as connection:
        row = connection.execute(
            select(audit_leaf.c.leaf, audit_leaf.c.actor_id).where(audit_leaf.c.leaf_index == 1)
        ).one()
        # Another actor on leaf 1, in the text and the column alike: the leaf stays canonical.
        connection.execute(
            update(audit_leaf)
            .where(audit_leaf.c.leaf_index == 1)
            .values(
                leaf=row.leaf.replace(f'"actor":"{row.actor_id}"', '"actor":"intruder"'),
                actor_id="intruder",
            )
        )
        _rebuild(connection)
        connection.execute(delete(audit_cosignature))
        connection.execute(delete(audit_checkpoint))
    _activity(xa)
    relay = WitnessRelay()
    report = relay.run_once(xa.ctx, force=True)
    assert report.signed is not None  # the intruder's node signs its new history…
    assert report.cosigned_by == []  # …and no witness cosigns it.
    assert set(report.refused) == {"XB", "XC"}
    for witness in ("XB", "XC"):
        assert ("equivocation", "XA") in _alerts(nodes[witness])
    assert ("refused", "XA") in _alerts(xa)
    # The refusals are alerted once, not at every round that follows (even a forced one).
    assert relay.run_once(xa.ctx, force=True).refused == {}
    assert _alerts(xa).count(("refused", "XA")) == 2


def test_a_log_restored_from_an_older_backup_is_caught(nodes: Nodes) -> None:
    xa = nodes["XA"]
    _activity(xa)
    first = WitnessRelay().run_once(xa.ctx, force=True).signed
    _activity(xa, 6)
    second = WitnessRelay().run_once(xa.ctx, force=True).signed
    assert first is not None and second is not None
    # Restoring the backup taken at the first checkpoint, a second later (checkpoint times
    # are whole seconds: a witness tells a rollback from a late delivery by them).
    time.sleep(1.1)
    with xa.container.engine.begin() as connection:
        connection.execute(delete(audit_leaf).where(audit_leaf.c.leaf_index >= first.size))
        connection.execute(
            delete(audit_cosignature).where(audit_cosignature.c.checkpoint_size > first.size)
        )
        connection.execute(delete(audit_checkpoint).where(audit_checkpoint.c.size > first.size))
        _rebuild(connection)
    _activity(xa)
    report = WitnessRelay().run_once(xa.ctx, force=True)
    assert report.cosigned_by == []
    assert ("rollback", "XA") in _alerts(xa)
    for witness in ("XB", "XC"):
        assert ("rollback", "XA") in _alerts(nodes[witness])


def test_a_log_showing_two_witnesses_two_histories_is_caught_when_they_compare(
    nodes: Nodes,
) -> None:
    xa, xb, xc = nodes["XA"], nodes["XB"], nodes["XC"]
    now = int(xa.ctx.clock.now().timestamp())
    one = _note(xa, Checkpoint(log_origin("XA"), 7, b"\x11" * 32, now))
    two = _note(xa, Checkpoint(log_origin("XA"), 7, b"\x22" * 32, now))
    assert _add(xa, "XB", 0, [], one).status_code == 200  # type: ignore[attr-defined]
    assert _add(xa, "XC", 0, [], two).status_code == 200  # type: ignore[attr-defined]
    _activity(xb)
    WitnessRelay().run_once(xb.ctx, force=True)  # XB's round shares what it saw of XA.
    assert ("equivocation", "XA") in _alerts(xc)
    assert ("equivocation", "XC") in _alerts(xb)
    evidence = next(a for a in _alerts_full(xc) if a.kind == "equivocation").evidence
    assert {evidence["recorded"], evidence["presented"]} == {one.text(), two.text()}


def test_the_log_grows_only_by_verified_consistency(nodes: Nodes) -> None:
    """A witness keeps the largest size it cosigned: an honest extension passes with the
    proof the log computes, from exactly that size."""
    xa = nodes["XA"]
    _activity(xa, 2)
    WitnessRelay().run_once(xa.ctx, force=True)
    with xa.ctx.uow() as uow:
        old = uow.ledger.latest_checkpoint()
    _activity(xa, 3)
    assert old is not None
    with xa.ctx.uow() as uow:
        head = uow.ledger.head()
        proof = consistency_proof(
            old.size,
            head.size,
            uow.ledger.nodes(nodes_for(consistency_ranges(old.size, head.size))),
        )
    now = int((xa.ctx.clock.now() + timedelta(seconds=1)).timestamp())
    note = _note(xa, Checkpoint(log_origin("XA"), head.size, head.root, now))
    assert _add(xa, "XB", old.size, proof, note).status_code == 200  # type: ignore[attr-defined]
    with nodes["XB"].container.engine.connect() as connection:
        assert (
            connection.execute(
                select(witnessed_log.c.size).where(witnessed_log.c.state == "XA")
            ).scalar_one()
            == head.size
        )


def _rebuild(connection: Connection) -> None:
    connection.execute(delete(audit_node))
    frontier = Frontier()
    for text in connection.execute(
        select(audit_leaf.c.leaf).order_by(audit_leaf.c.leaf_index)
    ).scalars():
        for (level, index), digest in frontier.append(leaf_hash(text.encode())):
            connection.execute(audit_node.insert().values(level=level, idx=index, hash=digest))
    connection.execute(
        update(audit_head).values(
            size=frontier.size,
            frontier=[h.hex() for h in frontier.hashes],
            root=frontier.root().hex(),
        )
    )


def test_two_checkpoints_racing_never_move_the_witness_back(nodes: Nodes) -> None:
    """L-07: checkpoints of N and N+K arrive together; whichever wins, the witness ends at
    N+K and never cosigns N after N+K (check and record are one transaction)."""
    xa = nodes["XA"]
    _activity(xa)
    WitnessRelay().run_once(xa.ctx, force=True)
    with xa.ctx.uow() as uow:
        base = uow.ledger.latest_checkpoint()
    assert base is not None
    _activity(xa, 2)
    with xa.ctx.uow() as uow:
        middle = uow.ledger.head()
    _activity(xa, 2)
    with xa.ctx.uow() as uow:
        top = uow.ledger.head()
        proofs = {
            size: consistency_proof(
                base.size,
                size,
                uow.ledger.nodes(nodes_for(consistency_ranges(base.size, size))),
            )
            for size in (middle.size, top.size)
        }
    now = int(xa.ctx.clock.now().timestamp())
    notes = {
        head.size: _note(xa, Checkpoint(log_origin("XA"), head.size, head.root, now))
        for head in (middle, top)
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = dict(
            zip(
                notes,
                pool.map(
                    lambda size: _add(xa, "XB", base.size, proofs[size], notes[size]).status_code,  # type: ignore[attr-defined]
                    list(notes),
                ),
                strict=True,
            )
        )
    assert answers[top.size] == 200 or answers[middle.size] == 200
    with nodes["XB"].ctx.uow() as uow:
        recorded = uow.ledger.witnessed("XA")
    assert recorded is not None
    # The smaller one either went first (then the larger was a 409 for a stale old size) or
    # was refused; the record is never the smaller one after the larger was accepted.
    if answers[top.size] == 200:
        assert recorded.size == top.size
        assert answers[middle.size] in (200, 409)
        if answers[middle.size] == 200:
            assert recorded.size == top.size
    else:
        assert recorded.size == middle.size and answers[top.size] == 409


def test_deeply_nested_views_are_refused_not_a_server_error(nodes: Nodes) -> None:
    # Found by the fault tier's fuzzing (F-01): 5 000 nested arrays exhausted json's recursion
    # limit and the RecursionError escaped the witness route as a 500.
    peers = _peers(nodes["XA"])
    for body in (b"[" * 5000, b'{"views": ' * 5000):
        answer = peers.witness_response("XB", "/views", body, "application/json")
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == "CHECKPOINT_INVALID"
