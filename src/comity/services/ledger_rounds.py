"""The node's ledger thread: checkpoints when due, cosignatures collected, views compared.

Each round checks the log (the whole log up to ``full_check_limit`` leaves, otherwise at
start-up and every ``full_check_interval``), signs a checkpoint when ``every_leaves`` new
leaves or ``interval`` has passed, sends it to every witness that has not cosigned it,
and shares the checkpoints of third logs this node cosigned. Witnesses that did not answer
are tried again one interval later; a log that fails its check is reported to them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from comity.domain.directory import StateEntry
from comity.domain.errors import AuditIntegrityError, DomainError
from comity.services import ledger_witness
from comity.services.context import ServiceContext
from comity.services.ledger import (
    RoundReport,
    kit,
    raise_alert,
    self_check,
    send_for_cosigning,
    sign_checkpoint,
    witness_states,
)

log = logging.getLogger("comity.ledger")


class WitnessRelay:
    """Runs checkpoint rounds; remembers, in memory, when it last did each kind of work."""

    def __init__(self) -> None:
        self._last_full_check: datetime | None = None
        self._last_contact: dict[str, datetime] = {}
        self._failure: tuple[datetime, str] | None = None
        # Witness -> when it last refused this log's checkpoint (and was alerted about).
        self._refused: dict[str, datetime] = {}

    def run_once(self, ctx: ServiceContext, *, force: bool = False) -> RoundReport:
        """One round; ``force`` signs and sends now, whatever the schedule says."""
        ledger = kit(ctx)
        now = ctx.clock.now()
        report = RoundReport()
        with ctx.uow() as uow:
            head = uow.ledger.head()
            latest = uow.ledger.latest_checkpoint()
        due = head.size > 0 and (
            latest is None
            or force
            or head.size - latest.size >= ledger.every_leaves
            or (head.size > latest.size and now - latest.signed_at >= ledger.interval)
        )
        if self._failure is not None and not force:
            # A failed log is checked again (and its alert raised again) only once a full-check
            # interval has passed, not every round: the alert and the report went out.
            failed_at, detail = self._failure
            if now - failed_at < ledger.full_check_interval:
                report.integrity = detail
                return report
        periodic = (
            self._last_full_check is None
            or now - self._last_full_check >= ledger.full_check_interval
        )
        full = head.size <= ledger.full_check_limit or periodic
        if due or periodic:
            try:
                if due:
                    ctx.faults.hit("audit_after_leaf_before_checkpoint")
                    report.signed = sign_checkpoint(ctx, full_check=full)
                else:
                    self_check(ctx)
                if full or not due:
                    self._last_full_check = now
                self._failure = None
            except AuditIntegrityError as error:
                report.integrity = error.detail
                self._failure = (now, error.detail)
                self._report_integrity(ctx, now)
                return report
        for entry in witness_states(ctx, now):
            last = self._last_contact.get(entry.code)
            if not (due or force) and last is not None and now - last < ledger.interval:
                continue
            refused_at = self._refused.get(entry.code)
            if refused_at is not None and now - refused_at < ledger.full_check_interval:
                # That witness refused this log's history and the alert is raised. Every later
                # checkpoint extends the same history (and the alert's own leaf makes one
                # due), so asking at every round would only raise the alert again: it is asked
                # again once a full-check interval has passed.
                continue
            self._last_contact[entry.code] = now
            try:
                outcome = send_for_cosigning(ctx, entry)
                if outcome == "cosigned":
                    report.cosigned_by.append(entry.code)
                elif outcome == "unreachable":
                    report.unreachable.append(entry.code)
                elif outcome != "nothing":
                    report.refused[entry.code] = outcome
                    self._refused[entry.code] = now
                self._share_views(ctx, entry)
            except DomainError as error:
                log.warning("witness %s: %s %s", entry.code, error.code, error.detail)
                report.refused[entry.code] = error.code
        return report

    def _share_views(self, ctx: ServiceContext, entry: StateEntry) -> None:
        body = ledger_witness.views_body(ctx, recipient=entry.code)
        answer = kit(ctx).peers.share_views(entry, body)
        if answer.status == "refused" and answer.code == "EQUIVOCATION":
            raise_alert(
                ctx,
                kind="equivocation",
                state=entry.code,
                detail=f"{entry.code} was shown another history of a log than this node: "
                + answer.detail,
            )

    def _report_integrity(self, ctx: ServiceContext, now: datetime) -> None:
        """Tell every witness that this log failed its check."""
        ledger = kit(ctx)
        body = ledger_witness.integrity_report_body(ctx, time=int(now.timestamp()))
        for entry in witness_states(ctx, now):
            answer = ledger.peers.report_integrity(entry, body)
            if answer.status != "cosigned":
                log.warning("could not tell %s of the failed check: %s", entry.code, answer.code)
