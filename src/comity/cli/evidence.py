"""``comity evidence seal|verify|export-case``: electronic evidence packages from the command line.

``seal`` streams files into a package signed by this node and encrypted to the recipient
State's key from the installed directory, and starts its custody chain; ``verify`` checks a
package and its custody chain offline, prints the chain, and exits 2 naming the first fault;
``export-case`` writes a verified package's files, hashes, acquisition and custody chain as
CASE/UCO JSON-LD.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from comity import federation_setup
from comity.cli.context import DirOption, console, open_node, reports_errors
from comity.config import Settings
from comity.domain.custody import CustodyRecord
from comity.domain.evidence import AcquisitionRecord
from comity.services import evidence, users

app = typer.Typer(
    help="Seal, send, follow, verify and export electronic evidence packages.",
    no_args_is_help=True,
)
AsUser = Annotated[str, typer.Option("--as", help="Act as this user of the node.")]


@contextmanager
def _progress_bar(label: str, paths: Sequence[Path]) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar (bytes, rate, time left) on a terminal; silent otherwise."""
    total = sum(path.stat().st_size for path in paths if path.is_file())
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not sys.stdout.isatty(),
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@app.command("send")
@reports_errors
def send(
    paths: Annotated[list[Path], typer.Argument(help="The files to seal (regular files only).")],
    data_dir: DirOption,
    as_user: AsUser,
    request: Annotated[str, typer.Option("--request", help="The request's id on this node.")],
    acquired_by: Annotated[str, typer.Option(help="Who acquired the evidence.")] = "unknown",
    method: Annotated[str, typer.Option(help="How it was acquired.")] = "unspecified",
    tool: Annotated[str, typer.Option(help="The tool and version used.")] = "unspecified",
    source: Annotated[str, typer.Option(help="The device or account.")] = "unspecified",
) -> None:
    """Seal PATH... into this node's evidence store for the other State of request --request;
    the running node transfers it (resuming after any break) and the receiver verifies it."""
    with open_node(data_dir) as container:
        ctx = container.services
        actor = users.user_by_name(ctx, username=as_user)
        now = ctx.clock.now()
        acquisition = AcquisitionRecord(acquired_by, now, method, tool, source, request)
        with _progress_bar("sealing", paths) as advance:
            view = evidence.seal_and_send(
                ctx,
                actor=actor,
                request_id=request,
                paths=paths,
                acquisition=acquisition,
                progress=advance,
            )
    package = view.package
    console.print(
        f"Package {package.package_id} sealed for {package.peer_state}: "
        f"{len(view.manifest.files)} file(s), {package.total_bytes} bytes, "
        f"{package.chunk_count} chunk(s); the node sends it now.",
        highlight=False,
    )


@app.command("status")
@reports_errors
def status(
    package_id: Annotated[str, typer.Argument(help="The package id.")],
    data_dir: DirOption,
    as_user: AsUser,
) -> None:
    """A package's status, transfer progress and custody chain on this node."""
    with open_node(data_dir) as container:
        ctx = container.services
        actor = users.user_by_name(ctx, username=as_user)
        view = evidence.get(ctx, actor=actor, package_id=package_id)
    package = view.package
    share = 100.0 * package.bytes_done / package.sealed_bytes if package.sealed_bytes else 100.0
    console.print(
        f"Package {package.package_id} ({package.direction}, {package.peer_state}): "
        f"{package.status}, {package.chunks_done}/{package.chunk_count} chunk(s), {share:.1f} %",
        highlight=False,
    )
    if package.failure_code:
        console.print(f"  {package.failure_code}: {package.failure_detail}", highlight=False)
    for entry in view.custody:
        console.print(custody_line(entry.record), highlight=False, markup=False)


@app.command("seal")
@reports_errors
def seal(
    paths: Annotated[list[Path], typer.Argument(help="The files to seal (regular files only).")],
    data_dir: DirOption,
    to: Annotated[str, typer.Option("--to", help="The recipient State, e.g. XB.")],
    request: Annotated[str, typer.Option("--request", help="The request this answers.")],
    out: Annotated[Path | None, typer.Option("--out", help="The package directory.")] = None,
    acquired_by: Annotated[str, typer.Option(help="Who acquired the evidence.")] = "unknown",
    method: Annotated[str, typer.Option(help="How it was acquired.")] = "unspecified",
    tool: Annotated[str, typer.Option(help="The tool and version used.")] = "unspecified",
    source: Annotated[str, typer.Option(help="The device or account.")] = "unspecified",
) -> None:
    """Seal PATH... into a package for State --to, under request --request, with the first
    record of its custody chain."""
    settings = Settings.for_node(data_dir)
    now = federation_setup.utc_now()
    package_id = str(uuid.uuid4())
    out_dir = out or Path(f"evidence-{package_id}")
    acquisition = AcquisitionRecord(acquired_by, now, method, tool, source, request)
    with _progress_bar("sealing", paths) as advance:
        manifest = federation_setup.seal_evidence(
            settings,
            paths,
            out_dir=out_dir,
            recipient_state=to,
            request_reference=request,
            acquisition=acquisition,
            package_id=package_id,
            now=now,
            progress=advance,
        )
    console.print(
        f"Package {manifest.package_id} sealed in {out_dir}: {len(manifest.files)} file(s), "
        f"{manifest.total_bytes} bytes, {len(manifest.chunks)} chunk(s), "
        f"Merkle root {manifest.merkle_root}",
        highlight=False,
    )


@app.command("verify")
@reports_errors
def verify(
    pkg: Annotated[Path, typer.Argument(help="The package directory.")],
    data_dir: DirOption,
) -> None:
    """Verify a package offline (signature, paths, Merkle root, chunks, custody chain; contents
    too if the package is addressed to this node) and print its custody chain."""
    report, records = federation_setup.verify_evidence(Settings.for_node(data_dir), pkg)
    scope = "contents checked" if report.contents_checked else "contents not decrypted"
    console.print(
        f"Package {report.package_id} verifies: {report.files} file(s), {report.bytes} bytes, "
        f"{report.chunks} chunk(s) ({scope}).",
        highlight=False,
    )
    console.print(f"Custody chain: {len(records)} record(s), unbroken.", highlight=False)
    for record in records:
        console.print(custody_line(record), highlight=False, markup=False)


@app.command("export-case")
@reports_errors
def export_case(
    pkg: Annotated[Path, typer.Argument(help="The package directory.")],
    data_dir: DirOption,
    out: Annotated[Path, typer.Option("--out", help="The JSON-LD file to write.")],
) -> None:
    """Verify a package and its custody chain, then write them as CASE/UCO JSON-LD."""
    manifest, records = federation_setup.export_evidence_case(Settings.for_node(data_dir), pkg, out)
    console.print(
        f"Package {manifest.package_id} exported to {out} as CASE/UCO JSON-LD: "
        f"{len(manifest.files)} file(s), {len(records)} custody record(s).",
        highlight=False,
    )


def custody_line(record: CustodyRecord) -> str:
    """One custody record on one line: sequence, time, place, action, actor, digest prefix."""
    at = record.at.isoformat().replace("+00:00", "Z")
    line = (
        f"  {record.sequence:>3}  {at}  {record.place}  {record.action.value}  {record.actor}"
        f"  {record.digest[:16]}"
    )
    return line + (f"  {record.file}" if record.file else "")
