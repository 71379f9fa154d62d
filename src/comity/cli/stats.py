"""``comity stats export``: review statistics of a period, as JSON or CSV."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from comity.cli.context import DirOption, console, errors, open_node, reports_errors
from comity.services import statistics

app = typer.Typer(
    help="Review statistics: anonymous counts and turnaround times.", no_args_is_help=True
)


class Format(StrEnum):
    """The file formats of an export."""

    JSON = "json"
    CSV = "csv"


@app.command("export")
@reports_errors
def export(
    data_dir: DirOption,
    first: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (UTC).")],
    last: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (UTC), included.")],
    file_format: Annotated[Format, typer.Option("--format", help="json or csv.")] = Format.JSON,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file, not standard output.")
    ] = None,
    min_cell: Annotated[
        int | None,
        typer.Option("--min-cell", min=1, help="Smallest count shown (the node's at least)."),
    ] = None,
) -> None:
    """Counts, turnaround percentiles and acknowledgement times of the requests this node
    sent and received with an activity in the period, small counts suppressed; no ids,
    references, names or free text. Each export is in the audit log, by the actor operator."""
    with open_node(data_dir) as container:
        result = statistics.export_as_operator(
            container.services,
            first=first,
            last=last,
            file_format=str(file_format),
            min_cell=min_cell,
        )
    if out is None:
        typer.echo(result.body, nl=False)
        return
    try:
        out.write_text(result.body, "utf-8", newline="")
    except OSError as error:
        errors.print(f"Cannot write {out}: {error.strerror}", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"Wrote the statistics from {first} to {last} to {out}", highlight=False)
