"""``comity node init|serve|entry|pin|install-directory|doc-key``: create a State's node with
its keys, take part in the federation's directory, and run the node's servers."""

from __future__ import annotations

import json
import ssl
import threading
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from comity import federation_setup
from comity.bootstrap import Container, init_node_dir
from comity.cli.context import DirOption, console, errors, open_node, reports_errors
from comity.config import Settings
from comity.domain.errors import DomainError
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
    port: Annotated[int | None, typer.Option(help="Port of the officers' API.")] = None,
    federation_port: Annotated[
        int | None, typer.Option(help="Port of the mutual-TLS listener for other nodes.")
    ] = None,
    public_endpoint: Annotated[
        str | None,
        typer.Option(help="Federation URL other nodes use, e.g. https://node.xa.example:8501"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="The State's name in the directory.")] = None,
    keys: Annotated[
        bool, typer.Option(help="Create the State's root, node and TLS keys (demo root).")
    ] = True,
) -> None:
    """Create a node: its directory, database schema, default authorities and keys."""
    given = {
        "state": state,
        "database_url": database_url,
        "port": port,
        "federation_port": federation_port,
        "public_endpoint": public_endpoint,
    }
    try:
        settings = Settings.for_node(
            data_dir, **{key: value for key, value in given.items() if value is not None}
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    init_node_dir(settings)
    with open_node(data_dir) as container:
        container.upgrade_database()
        authorities = node_service.ensure_authorities(container.services)
    console.print(f"Node [bold]{state}[/bold] ready in {data_dir}")
    for authority in authorities:
        console.print(f"  {authority.code:<12} {authority.name}")
    if keys and not federation_setup.has_keys(settings):
        federation_setup.create_node_keys(settings, now=federation_setup.utc_now(), name=name)
        console.print(
            f"Keys created in {federation_setup.keys_dir(settings)} (owner-only). Edit "
            f"{data_dir / federation_setup.ENTRY_FILE} with what {state} publishes, then "
            "`comity node entry` for the directory operator."
        )


@app.command("doc-key")
@reports_errors
def doc_key(data_dir: DirOption) -> None:
    """Create the node's document-signing key and certificate, which sign its formal
    originals (PDF), on a node created before originals existed; never replaces a key."""
    settings = Settings.for_node(data_dir)
    if federation_setup.has_document_key(settings):
        errors.print(
            f"[red]{federation_setup.keys_dir(settings)} already holds a document-signing key; "
            "it is never replaced.[/red]"
        )
        raise typer.Exit(1)
    subject = federation_setup.create_document_key(settings, now=federation_setup.utc_now())
    console.print(
        f"Document-signing key created in {federation_setup.keys_dir(settings)} (owner-only): "
        f"{subject}"
    )


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


@app.command("entry")
@reports_errors
def entry(
    data_dir: DirOption,
    out: Annotated[
        Path | None, typer.Option(help="Write the signed entry here instead of printing it.")
    ] = None,
) -> None:
    """The State's directory entry (particulars, endpoint, public keys, TLS CA), signed with
    the State root this node holds, for the directory operator's `comity directory build`."""
    settings = Settings.for_node(data_dir)
    token = federation_setup.signed_entry(settings)
    if out is None:
        print(token)  # noqa: T201 - the signed entry is this command's output
    else:
        out.write_text(token + "\n", "ascii")
        console.print(f"Signed entry of {settings.state} written to {out}")
    anchor = json.dumps(federation_setup.root_anchor(settings))
    errors.print(f"Root anchor of {settings.state} (for other nodes to pin): {anchor}")


@app.command("pin")
@reports_errors
def pin(
    data_dir: DirOption,
    anchors: Annotated[Path, typer.Argument(help="JSON: operator key and each State's root.")],
) -> None:
    """Pin the directory operator's key and the States' roots (received out of band)."""
    settings = Settings.for_node(data_dir)
    federation_setup.pin_anchors(settings, json.loads(anchors.read_text("utf-8")))
    console.print(f"Trust anchors pinned for {settings.state}.")


@app.command("install-directory")
@reports_errors
def install_directory(
    data_dir: DirOption,
    directory: Annotated[Path, typer.Argument(help="The signed directory (compact JWS).")],
) -> None:
    """Verify a signed directory against the pinned anchors and install it if it is newer."""
    settings = Settings.for_node(data_dir)
    verified = federation_setup.install_directory(settings, directory.read_text("ascii"))
    found = verified.directory
    console.print(
        f"Directory #{found.sequence} installed: {', '.join(sorted(found.states))}; "
        f"next update {found.next_update.isoformat()}"
    )


def _federation_tls(container: Container) -> tuple[str, str, str] | None:
    """The mutual-TLS files, or None (and why, on the console) if the node cannot federate yet:
    officers can still work on a node that has no keys or no directory installed."""
    if container.services.federation is None:
        return None
    try:
        return federation_setup.tls_server_files(container.settings)
    except DomainError as error:
        errors.print(
            f"[yellow]Federation listener not started ({error.code}): {error.detail}. "
            "Pin the anchors and install a directory (`comity node pin`, "
            "`comity node install-directory`), then restart.[/yellow]"
        )
        return None


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
    tls_files = _federation_tls(container)
    if tls_files is not None and settings.federation_port:
        keyfile, certfile, ca_bundle = tls_files
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
        background.append(
            threading.Thread(target=container.run_evidence_relay, args=(stop,), daemon=True)
        )
        background.append(threading.Thread(target=container.run_ledger, args=(stop,), daemon=True))
        console.print(
            f"Federation endpoint (mutual TLS) on https://{host}:{settings.federation_port}/"
        )
    # Alerts to the people on duty leave even when the node cannot federate.
    background.append(threading.Thread(target=container.run_notifier, args=(stop,), daemon=True))
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
