"""``comity demo run|seed``: a demo node for the fictional State XA, ready to use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from comity.bootstrap import init_node_dir
from comity.cli.context import console, open_node, reports_errors
from comity.cli.node import run_server
from comity.config import NODE_FILE, Settings
from comity.services import demo

app = typer.Typer(help="A demo node with fictional data.", no_args_is_help=True)

DemoDir = Annotated[Path, typer.Option("--dir", help="Where the demo node lives.")]


@app.command("seed")
@reports_errors
def seed(data_dir: DemoDir = Path(".comity/demo"), state: str = "XA") -> None:
    """Create (or reuse) the demo node and its users and requests."""
    _prepare(data_dir, state)
    _print_credentials()


@app.command("run")
@reports_errors
def run(
    data_dir: DemoDir = Path(".comity/demo"),
    state: str = "XA",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Prepare the demo node, print its URL and credentials, and serve it."""
    _prepare(data_dir, state)
    _print_credentials()
    console.print(
        f"\nTry: curl -s -X POST http://{host}:{port}/api/v1/auth/token "
        f"-H 'content-type: application/json' "
        f'-d \'{{"username":"drafter","password":"{demo.DEMO_PASSWORD}"}}\'\n'
    )
    with open_node(data_dir) as container:
        run_server(container, host=host, port=port)


def _prepare(data_dir: Path, state: str) -> None:
    if not (data_dir / NODE_FILE).exists():
        init_node_dir(Settings.for_node(data_dir, state=state))
    with open_node(data_dir) as container:
        container.upgrade_database()
        created = demo.seed(container.services)
    console.print("Demo data created." if created else "Demo data already present.")


def _print_credentials() -> None:
    table = Table(title=f"Demo users (password for all: {demo.DEMO_PASSWORD})")
    for column in ("username", "roles", "authority"):
        table.add_column(column)
    for account in demo.DEMO_ACCOUNTS:
        table.add_row(account.username, ", ".join(sorted(account.roles)), account.authority)
    console.print(table)
