"""``comity node init|serve``: create a node directory and run the node's web server."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from comity.bootstrap import Container, init_node_dir
from comity.cli.context import DirOption, console, open_node, reports_errors
from comity.config import Settings
from comity.services import node as node_service
from comity.web.app import create_app

app = typer.Typer(help="Create and run a State's node.", no_args_is_help=True)


@app.command("init")
@reports_errors
def init(
    state: Annotated[str, typer.Option(help="The State's two-letter code, e.g. XA.")],
    data_dir: DirOption,
    database_url: Annotated[
        str | None, typer.Option(help="PostgreSQL URL; SQLite in the directory if omitted.")
    ] = None,
) -> None:
    """Create a node: its directory, database schema and default authorities."""
    overrides = {"state": state} | ({"database_url": database_url} if database_url else {})
    try:
        settings = Settings.for_node(data_dir, **overrides)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    init_node_dir(settings)
    with open_node(data_dir) as container:
        container.upgrade_database()
        authorities = node_service.ensure_authorities(container.services)
    console.print(f"Node [bold]{state}[/bold] ready in {data_dir}")
    for authority in authorities:
        console.print(f"  {authority.code:<12} {authority.name}")


@app.command("serve")
@reports_errors
def serve(
    data_dir: DirOption,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the node's API (migrations must be applied: `comity db upgrade`)."""
    with open_node(data_dir) as container:
        run_server(container, host=host, port=port)


def run_server(container: Container, *, host: str, port: int) -> None:
    """Run uvicorn on ``container``'s app until interrupted."""
    if container.database_revision() is None:
        console.print("[red]The database has no schema yet: run `comity db upgrade`.[/red]")
        raise typer.Exit(2)
    console.print(f"Comity node {container.settings.state} on http://{host}:{port}/api/v1/")
    uvicorn.run(create_app(container), host=host, port=port, log_level="info")
