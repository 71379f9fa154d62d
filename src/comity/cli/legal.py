"""``comity legal findings``: every code the legal engine can return, with its legal basis."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from comity.cli.context import console
from comity.domain.legal.documentation import findings_markdown
from comity.domain.legal.engine import specs

app = typer.Typer(help="The legal engine's reference.", no_args_is_help=True)


@app.command("findings")
def findings(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/legal-findings.md.")
    ] = False,
) -> None:
    """List every finding code with its meaning and citations."""
    if markdown:
        print(findings_markdown(specs()), end="")  # noqa: T201 - the document is the output
        return
    table = Table(title="Legal findings")
    for column in ("code", "meaning", "ground", "legal basis"):
        table.add_column(column)
    for code, spec in specs().items():
        table.add_row(code, spec.title, spec.ground or "", "; ".join(spec.legal_basis))
    console.print(table)
