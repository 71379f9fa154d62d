"""``comity demo run|seed|up|scenario``: demo nodes of fictional States, ready to use.

``run`` and ``seed`` give one node for the fictional State XA with example requests. ``up`` sets
up and runs a network of three fictional States (XA, XB, XC): one process per node, each with
its own database, keys and blob folder, a directory signed for the three, and demo users of
every role. ``scenario`` drives that running network over the officers' API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import comity.cli.scenario as scenario_driver
from comity.bootstrap import (
    init_node_dir,
)
from comity.cli.context import console, open_node, reports_errors
from comity.cli.demo_network import prepare_network, print_network, write_credentials
from comity.cli.node import run_server
from comity.cli.supervisor import supervise
from comity.cli.walks import all_walks
from comity.config import NODE_FILE, Settings
from comity.services import demo

app = typer.Typer(help="Demo nodes with fictional data.", no_args_is_help=True)

DemoDir = Annotated[Path, typer.Option("--dir", help="Where the demo node lives.")]
NetworkDir = Annotated[Path, typer.Option("--dir", help="Where the demo network lives.")]

SCENARIO_WIDTH = 200


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


@app.command("up")
@reports_errors
def up(
    data_dir: NetworkDir = Path(".comity/demo"),
    base_port: Annotated[
        int,
        typer.Option(
            min=1,
            max=65_000,
            help="XA listens on base (API) and base+100 (federation), XB on base+1…",
        ),
    ] = 8401,
    host: Annotated[str, typer.Option(help="Address the officers' API listens on.")] = "127.0.0.1",
) -> None:
    """Set up (or reuse) three demo nodes XA, XB, XC and run them until Ctrl-C."""
    nodes = prepare_network(data_dir, base_port=base_port, host=host)
    write_credentials(data_dir, nodes)
    print_network(data_dir, nodes)
    raise typer.Exit(supervise(nodes, host=host))


@app.command("scenario")
def scenario(
    data_dir: NetworkDir = Path(".comity/demo"),
    every_life_cycle: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Then walk every form's practice life cycle to its end, moving the demo "
            "network's clock forward to show its timers.",
        ),
    ] = False,
) -> None:
    """Drive an MLA request and an emergency preservation XA → XB over the running network
    (and, with --all, every practice life cycle)."""
    # The timeline's lines are wide; piped into a file or a test they should not wrap at 80.
    output = console if console.is_terminal else Console(width=SCENARIO_WIDTH)
    walks = all_walks() if every_life_cycle else ()
    raise typer.Exit(scenario_driver.run(data_dir, output, walks))


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
