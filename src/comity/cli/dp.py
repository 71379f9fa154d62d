"""``comity dp sweep``: data protection chores the node also runs on its own."""

from __future__ import annotations

import typer

from comity.cli.context import DirOption, console, open_node, reports_errors
from comity.services import data_protection

app = typer.Typer(help="Data protection: retention.", no_args_is_help=True)


@app.command("sweep")
@reports_errors
def sweep(data_dir: DirOption) -> None:
    """Erase the data of every request past its retention date, leaving a deletion record
    (signed with the node's key where it has one). A running node does this every hour."""
    with open_node(data_dir) as container:
        erased = data_protection.sweep(container.services)
    console.print(f"Erased the data of {erased} request(s) past their retention date")
