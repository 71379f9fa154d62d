"""``comity directory keygen|build|sign|verify|show``: the operator's side of the directory.

The directory operator keeps an Ed25519 key (``keygen``), collects the entries each State's
root signed into a list (``build``) and signs the list (``sign``). Anyone holding the trust
anchors a node pins can check a directory (``verify``) and read it (``show``). Private keys
are only ever read from or written to their files, never printed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from comity.cli.context import EXIT_REFUSED, console, errors, print_json, reports_errors
from comity.domain.directory import DECLARATION_FLAGS, StateEntry, entry_document
from comity.federation_setup import (
    VerifiedDirectory,
    build_directory_payload,
    new_directory_operator_key,
    sign_directory_payload,
    verify_directory_token,
)

app = typer.Typer(
    help="Build, sign, verify and read the signed directory of States Party.",
    no_args_is_help=True,
)

# Exit code of `verify` for a directory whose signatures hold but whose next update has
# passed: nodes refuse it (TRUST_STALE), and a script must be able to tell that from a forgery.
EXIT_STALE = 3

ExistingFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A file to read.")
]
AnchorsOption = Annotated[
    Path,
    typer.Option(
        "--anchors",
        exists=True,
        dir_okay=False,
        readable=True,
        help='Trust anchors JSON: {"operator": {kid, jwk}, "roots": {STATE: {kid, jwk}}}.',
    ),
]


@app.command("keygen")
@reports_errors
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Where to write the new private key.")],
) -> None:
    """Create the operator's signing key (mode 600) and print the anchor nodes pin for it."""
    try:
        anchor = new_directory_operator_key(out)
    except FileExistsError:
        errors.print(f"{out} already exists; refusing to replace a key.", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    errors.print(f"Operator key written to {out}; give nodes this anchor to pin:")
    print_json(anchor)


@app.command("build")
@reports_errors
def build(
    entry_files: Annotated[
        list[Path],
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="Files each holding a signed entry."
        ),
    ],
    sequence: Annotated[int, typer.Option(help="The list's sequence number (at least 1).")],
    valid_days: Annotated[int, typer.Option(help="Days from issue to the next update.")],
    operator: Annotated[str, typer.Option(help="The directory operator's name.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the unsigned list.")],
    issued_at: Annotated[
        str | None,
        typer.Option(help="Issue time, ISO 8601 with a time zone; now if omitted."),
    ] = None,
) -> None:
    """Collect signed State entries into the unsigned list the operator signs."""
    issued = _instant(issued_at) if issued_at else datetime.now(UTC)
    payload = build_directory_payload(
        [path.read_text("utf-8").strip() for path in entry_files],
        sequence=sequence,
        issued_at=issued,
        next_update=issued + timedelta(days=valid_days),
        operator=operator,
    )
    out.write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
    console.print(
        f"Directory #{payload['sequence']} with {len(payload['entries'])} entries written to "
        f"{out}; next update {payload['next_update']}. Sign it with `comity directory sign`.",
        highlight=False,
    )


@app.command("sign")
@reports_errors
def sign(
    payload_file: ExistingFile,
    key: Annotated[Path, typer.Option("--key", help="The operator's private key (PEM).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed directory.")],
) -> None:
    """Sign an unsigned list with the operator key; the output file is the compact JWS."""
    try:
        payload = json.loads(payload_file.read_text("utf-8"))
    except ValueError as error:
        errors.print(f"{payload_file} is not JSON: {error}", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    if not isinstance(payload, dict):
        errors.print(f"{payload_file} does not hold a JSON object", highlight=False)
        raise typer.Exit(EXIT_REFUSED)
    try:
        token, kid = sign_directory_payload(payload, key)
    except (OSError, ValueError) as error:
        # A missing, unreadable or too widely readable key file: the message names the file only.
        errors.print(f"cannot use the operator key: {error}", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    out.write_text(token + "\n", "ascii")
    console.print(f"Directory #{payload['sequence']} signed by {kid}: {out}", highlight=False)


@app.command("verify")
@reports_errors
def verify(directory_file: ExistingFile, anchors: AnchorsOption) -> None:
    """Check every signature against the anchors; exit 3 if the directory is stale."""
    verified = _verified(directory_file, anchors)
    directory = verified.directory
    now = datetime.now(UTC)
    console.print(
        f"Directory #{directory.sequence} from {verified.operator}: signatures verified",
        highlight=False,
    )
    console.print(f"  issued       {directory.issued_at.isoformat()}", highlight=False)
    console.print(f"  next update  {directory.next_update.isoformat()}", highlight=False)
    console.print(f"  States       {', '.join(directory.states) or '(none)'}", highlight=False)
    if verified.left_out:
        console.print(
            f"  left out     {', '.join(verified.left_out)} (their roots are not pinned here)",
            highlight=False,
        )
    if now > directory.next_update:
        console.print(
            f"STALE: past its next update ({directory.next_update.isoformat()}); nodes refuse "
            "a stale directory (TRUST_STALE) once the grace period is over.",
            highlight=False,
        )
        raise typer.Exit(EXIT_STALE)
    console.print("  fresh        yes", highlight=False)


@app.command("show")
@reports_errors
def show(
    directory_file: ExistingFile,
    anchors: AnchorsOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show a verified directory: every State with its authorities, declarations, penalties."""
    verified = _verified(directory_file, anchors)
    directory = verified.directory
    if as_json:
        document: dict[str, Any] = {
            "sequence": directory.sequence,
            "issued_at": directory.issued_at.isoformat(),
            "next_update": directory.next_update.isoformat(),
            "operator": verified.operator,
            "states": {code: entry_document(e) for code, e in directory.states.items()},
            "left_out": list(verified.left_out),
        }
        # Plain JSON, not Rich's rendering, so long values such as PEM text are never wrapped.
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    console.print(
        f"[bold]Directory #{directory.sequence}[/bold] from {verified.operator}, issued "
        f"{directory.issued_at.isoformat()}, next update {directory.next_update.isoformat()}",
        highlight=False,
    )
    for entry in directory.states.values():
        console.print(_state_table(entry))
    if verified.left_out:
        console.print(f"Left out (roots not pinned here): {', '.join(verified.left_out)}")


def _verified(directory_file: Path, anchors: Path) -> VerifiedDirectory:
    """The directory in ``directory_file``, verified; domain errors reach ``reports_errors``."""
    return verify_directory_token(directory_file.read_text("utf-8").strip(), anchors)


def _state_table(entry: StateEntry) -> Table:
    """One State's entry as a two-column table."""
    table = Table(title=f"{entry.code} — {entry.name}", show_header=False, title_justify="left")
    table.add_column("member", style="bold")
    table.add_column("value")
    table.add_row("endpoint", entry.endpoint)
    table.add_row("profiles", ", ".join(entry.profiles) or "(none)")
    table.add_row("languages", ", ".join(entry.languages) or "(none)")
    table.add_row(
        "authorities",
        "\n".join(
            f"{a.kind}: {a.name} ({a.code}); {a.time_zone}"
            + (f", {a.hours}" if a.hours else "")
            + (f"; {a.contact}" if a.contact else "")
            for a in entry.authorities
        )
        or "(none)",
    )
    table.add_row("keys", "\n".join(f"{k.purpose} {k.kid}" for k in entry.keys) or "(none)")
    declarations = entry.declarations
    lines = [
        f"{flag}: {'yes' if getattr(declarations, flag) else 'no'}" for flag in DECLARATION_FLAGS
    ]
    lines.extend(
        f"no transfer to {r.to}: {r.ground}"
        for r in declarations.cross_border_transfer_restrictions
    )
    table.add_row("declarations", "\n".join(lines))
    # A conduct category absent from the table is not an offence in that State (dual
    # criminality), so say so rather than leave the reader to guess.
    penalties = [f"{category}: {months} months" for category, months in entry.penalties.items()]
    penalties.append("any other conduct: not an offence")
    table.add_row("penalties (maximum)", "\n".join(penalties))
    return table


def _instant(value: str) -> datetime:
    """An ISO 8601 date-time with a time zone, or a usage error."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{value!r} has no time zone (add Z or +00:00)")
    return moment
