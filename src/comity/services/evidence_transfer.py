"""Transferring sealed packages to the receiving State's node, resuming where it stopped.

One pass takes each package still to send: the first time, a ``sent`` custody record; then
the offer (manifest, wrapped key, custody chain), whose answer says which chunks the receiver
already holds; then every missing chunk, each idempotent; then completion, whose answer
carries the receiver's signed ``received``, ``verified`` and ``stored`` records. Whatever
breaks — this node, the receiver, the network — the next pass starts again from the offer
and sends only what is still missing. A refusal the receiver signed is final; any other
failure is retried with growing delays.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from comity.domain.custody import CustodyAction
from comity.domain.directory import Directory, StateEntry
from comity.domain.errors import CustodyBrokenError, DigestMismatchError, DomainError
from comity.domain.evidence_packages import Direction, EvidencePackage, PackageStatus
from comity.services import outgoing
from comity.services.context import ServiceContext
from comity.services.evidence import (
    append_custody,
    copy_custody,
    kit,
    mark_broken,
    node_actor,
)
from comity.services.evidence_ports import CustodyEntry, TransferAnswer

__all__ = ["TransferRelay"]

log = logging.getLogger("comity.evidence")

# Progress is written to the database at most this often (seconds) while chunks go.
PROGRESS_INTERVAL = 1.0
# Chunks sent at the same time to one receiver.
IN_FLIGHT = 3


@dataclass
class _Backoff:
    attempts: int = 0
    next_at: float = 0.0


@dataclass
class TransferRelay:
    """Sends due packages; keeps each package's retry delay between passes."""

    first_delay: float = 1.0
    max_delay: float = 300.0
    monotonic: Callable[[], float] = time.monotonic
    _backoff: dict[str, _Backoff] = field(default_factory=dict)

    def run_once(self, ctx: ServiceContext) -> int:
        """One pass over the packages still to send; how many were settled."""
        settled = 0
        with ctx.uow() as uow:
            due = [
                package
                for package in uow.packages.sending()
                if self._backoff.get(package.package_id, _Backoff()).next_at <= self.monotonic()
            ]
        for package in due:
            try:
                done = self._transfer(ctx, package)
            except DomainError as error:
                log.warning("evidence %s held: %s", package.package_id, error.code)
                done = False
            if done:
                settled += 1
                self._backoff.pop(package.package_id, None)
            else:
                self._retry_later(package.package_id)
        return settled

    def _retry_later(self, package_id: str) -> None:
        backoff = self._backoff.setdefault(package_id, _Backoff())
        delay = min(self.max_delay, self.first_delay * 2.0 ** min(backoff.attempts, 30))
        backoff.attempts += 1
        backoff.next_at = self.monotonic() + delay

    def _transfer(self, ctx: ServiceContext, package: EvidencePackage) -> bool:
        """Take the package as far as it goes now; True once delivered or refused."""
        evidence = kit(ctx)
        directory = outgoing.trusted_directory(ctx, ctx.clock.now())
        recipient = directory.state(package.peer_state)
        chain = _chain_with_sent(ctx, package)
        with ctx.uow() as uow:
            manifest_token = uow.packages.manifest(package.package_id)
        body = json.dumps(
            {
                "manifest": manifest_token,
                "key": evidence.files.key(Direction.OUTGOING, package.package_id),
                "custody": [entry.token for entry in chain],
            }
        ).encode("utf-8")
        ctx.faults.hit("evidence.send.before_offer")
        answer = evidence.peers.offer(recipient, package.package_id, body)
        ctx.faults.hit("evidence.send.after_offer")
        if answer.outcome != "ok":
            return _not_yet(package, answer)
        if not answer.custody:
            if not self._send_missing(ctx, package, recipient, answer.held):
                return False
            answer = evidence.peers.complete(recipient, package.package_id)
            ctx.faults.hit("evidence.send.after_complete_before_delivered")
            if answer.outcome != "ok":
                return _not_yet(package, answer)
            if not answer.custody:
                return False  # Chunks went missing on the other side: the next pass sends them.
        # Settled on the other side: released, or refused with a signed "rejected" record.
        return self._delivered(ctx, package, directory, answer)

    def _send_missing(
        self,
        ctx: ServiceContext,
        package: EvidencePackage,
        recipient: StateEntry,
        held: frozenset[int],
    ) -> bool:
        """Send every chunk the receiver lacks, a few at a time; True if all arrived.

        Several chunks are in flight at once so that the receiver's writing of one overlaps
        the network and hashing of the next: one at a time, each round trip waits on the
        other side's disk. Memory stays at ``IN_FLIGHT`` chunks."""
        evidence = kit(ctx)
        with ctx.uow() as uow:
            lengths = dict(
                evidence.trust.stored_manifest(
                    uow.packages.manifest(package.package_id)
                ).sealed_chunk_lengths()
            )
        have = set(held)
        todo = iter(sorted(set(lengths) - have))
        last_saved = self.monotonic()
        _save_progress(ctx, package.package_id, have, lengths)
        failure: TransferAnswer | None = None
        pending: dict[Future[TransferAnswer], int] = {}
        with ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="evidence-send") as pool:
            while True:
                while failure is None and len(pending) < IN_FLIGHT:
                    index = next(todo, None)
                    if index is None:
                        break
                    try:
                        data = evidence.files.read_chunk(package.package_id, index)
                    except DigestMismatchError as error:
                        failure = TransferAnswer("retry", code="OWN_COPY_BROKEN")
                        mark_broken(ctx, package.package_id, error)
                        break
                    call = pool.submit(
                        evidence.peers.put_chunk, recipient, package.package_id, index, data
                    )
                    pending[call] = index
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for call in done:
                    index = pending.pop(call)
                    answer = call.result()
                    if answer.outcome != "ok":
                        failure = failure or answer
                        continue
                    have.add(index)
                    ctx.faults.hit("evidence.send.after_chunk")
                if self.monotonic() - last_saved >= PROGRESS_INTERVAL:
                    _save_progress(ctx, package.package_id, have, lengths)
                    last_saved = self.monotonic()
        _save_progress(ctx, package.package_id, have, lengths)
        if failure is None:
            return True
        if failure.code == DigestMismatchError.code:
            # The receiver checked our chunk against our own signed manifest: our stored
            # copy is damaged, and sending it again cannot help.
            mark_broken(ctx, package.package_id, DigestMismatchError(failure.detail))
        return False

    def _delivered(
        self,
        ctx: ServiceContext,
        package: EvidencePackage,
        directory: Directory,
        answer: TransferAnswer,
    ) -> bool:
        """Record the receiver's signed custody records and mark the package delivered."""
        evidence = kit(ctx)
        now = ctx.clock.now()
        with ctx.uow() as uow:
            current = uow.packages.get(package.package_id)
            if current is None or current.status is not PackageStatus.SENDING:
                return True
            chain = list(uow.packages.custody(package.package_id))
            tokens = [entry.token for entry in chain] + list(answer.custody)
            # The whole chain must verify with the receiver's records after ours: a receiver
            # cannot rewrite what this node recorded.
            records = evidence.trust.verify_custody(
                tokens,
                directory,
                package_id=package.package_id,
                sender_state=ctx.state,
                merkle_root=package.merkle_root,
            )
            for record, token in zip(records[len(chain) :], answer.custody, strict=True):
                uow.packages.add_custody(
                    package.package_id, CustodyEntry(record=record, token=token)
                )
            if records[-1].action is CustodyAction.REJECTED:
                current.refuse(
                    code=answer.code or CustodyAction.REJECTED.value,
                    detail=answer.detail or "the receiving State refused the package",
                    actor_id=node_actor(ctx),
                    now=now,
                )
            else:
                current.deliver(actor_id=node_actor(ctx), now=now)
            uow.packages.save(current)
            uow.record(*current.events)
            uow.commit()
        ctx.faults.hit("evidence.send.after_delivered_commit")
        copy_custody(ctx, current)
        return True


def _not_yet(package: EvidencePackage, answer: TransferAnswer) -> bool:
    """An unsigned answer is never final: the package is tried again later."""
    log.warning("evidence %s not sent yet: %s %s", package.package_id, answer.code, answer.detail)
    return False


def _chain_with_sent(ctx: ServiceContext, package: EvidencePackage) -> list[CustodyEntry]:
    """The package's chain, with a ``sent`` record added the first time it goes out."""
    with ctx.uow() as uow:
        chain = list(uow.packages.custody(package.package_id))
        if any(entry.record.action is CustodyAction.SENT for entry in chain):
            return chain
        if package.status is not PackageStatus.SENDING:  # pragma: no cover - filtered above
            raise CustodyBrokenError("the package is not being sent")
        chain.append(
            append_custody(
                ctx,
                uow,
                package,
                CustodyAction.SENT,
                actor=node_actor(ctx),
                at=ctx.clock.now(),
                digest=package.merkle_root,
                detail=f"to {package.peer_state}",
            )
        )
        uow.commit()
    return chain


def _save_progress(
    ctx: ServiceContext, package_id: str, have: set[int], lengths: dict[int, int]
) -> None:
    with ctx.uow() as uow:
        package = uow.packages.get(package_id)
        if package is None or package.status is not PackageStatus.SENDING:
            return
        package.progress(
            chunks=len(have),
            sealed_bytes=sum(lengths[index] for index in have),
            now=ctx.clock.now(),
        )
        uow.packages.save(package)
        uow.commit()
