"""``comity node init|serve``: create a node directory and run the node's web server."""

from __future__ import annotations

import ssl
import threading
from typing import Annotated

import typer
import uvicorn

from comity import federation_setup
from comity.bootstrap import Container, init_node_dir
from comity.cli.context import DirOption, console, open_node, reports_errors
from comity.config import Settings
from comity.services import node as node_service
from comity.web.app import create_app
from comity.web.federation import create_federation_app

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
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the node's API (migrations must be applied: `comity db upgrade`); the
    federation listener too when the node has keys and a directory."""
    with open_node(data_dir) as container:
        run_server(container, host=host, port=port or container.settings.port)


def run_server(container: Container, *, host: str, port: int) -> None:
    """Run the officers' API until interrupted; with keys and a directory, also the
    mutual-TLS federation listener and the outbox relay, stopped together on exit."""
    if container.database_revision() is None:
        console.print("[red]The database has no schema yet: run `comity db upgrade`.[/red]")
        raise typer.Exit(2)
    settings = container.settings
    stop = threading.Event()
    background: list[threading.Thread] = []
    federation_server: uvicorn.Server | None = None
    if container.services.federation is not None and settings.federation_port:
        keyfile, certfile, ca_bundle = federation_setup.tls_server_files(settings)
        federation_server = uvicorn.Server(
            uvicorn.Config(
                create_federation_app(container),
                host=host,
                port=settings.federation_port,
                log_level="warning",
                ssl_keyfile=keyfile,
                ssl_certfile=certfile,
                ssl_ca_certs=ca_bundle,
                ssl_cert_reqs=ssl.CERT_REQUIRED,
            )
        )
        # Signals are handled by the officers' server in the main thread; this one is told
        # to stop when that one returns.
        background.append(threading.Thread(target=federation_server.run, daemon=True))
        background.append(threading.Thread(target=container.run_relay, args=(stop,), daemon=True))
        console.print(
            f"Federation endpoint (mutual TLS) on https://{host}:{settings.federation_port}/"
        )
    for thread in background:
        thread.start()
    console.print(f"Comity node {settings.state} on http://{host}:{port}/api/v1/")
    try:
        uvicorn.run(create_app(container), host=host, port=port, log_level="info")
    finally:
        stop.set()
        if federation_server is not None:
            federation_server.should_exit = True
        for thread in background:
            thread.join(timeout=10)
