"""``comity audit``: verify the node's audit log, sign a checkpoint now, read its alerts, and
verify an exported audit trail offline."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Annotated

import typer

from comity.cli.context import EXIT_REFUSED, DirOption, console, errors, open_node, reports_errors
from comity.domain.errors import DomainError
from comity.federation_setup import verify_audit_export
from comity.services import ledger, ledger_audit
from comity.services.ledger_rounds import WitnessRelay

app = typer.Typer(help="The tamper-evident audit log and its witnesses.", no_args_is_help=True)


@app.command("verify")
@reports_errors
def verify(data_dir: DirOption) -> None:
    """Recompute the whole log from its leaves and check every checkpoint and cosignature;
    exit 2 naming the first bad leaf."""
    with open_node(data_dir) as container:
        report = ledger.verify_node_log(container.services)
    console.print(
        f"Audit log verified: {report.size} leaves, root {_b64(report.root)}, "
        f"{report.checkpoints} checkpoint(s), {report.cosignatures} cosignature(s)"
    )


@app.command("status")
@reports_errors
def status(data_dir: DirOption) -> None:
    """The log's size and root, its latest checkpoint and who cosigned it, recent alerts."""
    with open_node(data_dir) as container:
        found = ledger_audit.status(container.services)
        health = ledger_audit.own_log_health(container.services)
    console.print(f"Audit log: {found.size} leaves, root {_b64(found.root)} ({health})")
    if found.checkpoint is None:
        console.print("No checkpoint signed yet")
    else:
        cosigners = ", ".join(found.cosigned_by) or "nobody yet"
        console.print(
            f"Latest checkpoint: {found.checkpoint.size} leaves, signed "
            f"{found.checkpoint.signed_at.isoformat()}, cosigned by {cosigners}"
        )
    for alert in found.alerts:
        console.print(
            f"[red]alert[/red] {alert.raised_at.isoformat()} {alert.kind} {alert.state}: "
            f"{alert.detail}",
            highlight=False,
        )


@app.command("checkpoint")
@reports_errors
def checkpoint(data_dir: DirOption) -> None:
    """Check the log, sign a checkpoint now and send it to the witnesses (a running node
    does this on its own every few leaves or seconds)."""
    with open_node(data_dir) as container:
        report = WitnessRelay().run_once(container.services, force=True)
    if report.integrity:
        errors.print(f"[red]error AUDIT_INTEGRITY[/red]: {report.integrity}", highlight=False)
        raise typer.Exit(EXIT_REFUSED)
    signed = report.signed
    console.print(
        f"Signed a checkpoint of {signed.size} leaves" if signed else "No new leaf to sign"
    )
    console.print(f"Cosigned by: {', '.join(report.cosigned_by) or 'nobody'}")
    for state, code in sorted(report.refused.items()):
        console.print(f"[red]{state} refused[/red]: {code}", highlight=False)
    if report.unreachable:
        console.print(f"Unreachable: {', '.join(report.unreachable)}")


@app.command("verify-export")
def verify_export(
    file: Annotated[Path, typer.Argument(help="An exported audit trail (JSON)")],
    log_key: Annotated[
        str | None,
        typer.Option(
            "--log-key", help="Pin the log's public key (base64) instead of trusting the file's"
        ),
    ] = None,
) -> None:
    """Check an exported audit trail with no database and no network: the checkpoint's
    signature, every cosignature, and every leaf's inclusion proof. Exit 2 on any fault."""
    try:
        pinned = base64.b64decode(log_key, validate=True) if log_key else None
        report = verify_audit_export(file.read_bytes(), pinned_log_key=pinned)
    except (OSError, binascii.Error) as error:
        errors.print(f"[red]error[/red]: {error}", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    except DomainError as error:
        errors.print(f"[red]error {error.code}[/red]: {error.detail}", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    console.print(
        f"Export verified: {report.leaves} leaf/leaves of request {report.request_id} in "
        f"{report.origin}'s checkpoint of {report.checkpoint_size} leaves, cosigned by "
        f"{', '.join(report.witnesses) or 'nobody'}"
    )
    console.print(f"Log key SHA-256: {report.log_key_sha256} (compare with the directory's)")
    if report.not_yet_checkpointed:
        console.print(f"{report.not_yet_checkpointed} later leaf/leaves not yet in a checkpoint")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
