"""``comity demo run|seed|up|scenario``: demo nodes of fictional States, ready to use.

``run`` and ``seed`` give one node for the fictional State XA with example requests. ``up`` sets
up and runs a network of three fictional States (XA, XB, XC): one process per node, each with
its own database, keys and blob folder, a directory signed for the three, and demo users of
every role. ``scenario`` drives that running network over the officers' API.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import IO, Annotated, Any

import httpx2
import typer
from rich.console import Console
from rich.table import Table

import comity.cli.scenario as scenario_driver
from comity import federation_setup
from comity.bootstrap import (
    build_directory_payload,
    init_node_dir,
    new_directory_operator_key,
    sign_directory_payload,
)
from comity.cli.context import console, errors, open_node, reports_errors
from comity.cli.node import run_server
from comity.config import NODE_FILE, Settings
from comity.domain.errors import DomainError
from comity.domain.values import ConductCategory, Role
from comity.services import demo
from comity.services import node as node_service

app = typer.Typer(help="Demo nodes with fictional data.", no_args_is_help=True)

DemoDir = Annotated[Path, typer.Option("--dir", help="Where the demo node lives.")]
NetworkDir = Annotated[Path, typer.Option("--dir", help="Where the demo network lives.")]

NETWORK_STATES = ("XA", "XB", "XC")
CREDENTIALS_FILE = scenario_driver.CREDENTIALS_FILE
OPERATOR_KEY_FILE = "operator.key"
# The operator's public anchor, kept beside its key: the key file holds only the private key,
# and a node re-created later must pin the same anchor as the others.
OPERATOR_ANCHOR_FILE = "operator-anchor.json"
OPERATOR_NAME = "Comity demo secretariat"
# Node i serves officers on base+i and other nodes (mutual TLS) on base+100+i.
FEDERATION_OFFSET = 100
DIRECTORY_VALIDITY = timedelta(days=30)
# A reused network re-signs its directory this long before it would go stale.
DIRECTORY_RENEWAL = timedelta(days=7)
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
LOG_FILE = "node.log"
SCENARIO_WIDTH = 200
# Settings a node must take from its own node.json, never from the shell that runs the demo:
# three nodes sharing one database URL or one port would trample each other.
_NODE_OWN_SETTINGS = (
    "COMITY_DATABASE_URL",
    "COMITY_STATE",
    "COMITY_DATA_DIR",
    "COMITY_PORT",
    "COMITY_FEDERATION_PORT",
    "COMITY_PUBLIC_ENDPOINT",
)


def _penalties(**months: int) -> dict[str, int]:
    """A penalty table: the conduct categories given, in months (absent: not an offence)."""
    unknown = set(months) - {str(category) for category in ConductCategory}
    if unknown:
        raise ValueError(f"unknown conduct categories: {sorted(unknown)}")
    return dict(months)


# What each fictional State publishes about itself. They differ on purpose, so the legal checks
# have something to find: XB does not extradite its nationals and wants a judge's order for
# traffic data; XC restricts transfers of personal data to XA and does not criminalise grooming.
STATE_PARTICULARS: dict[str, dict[str, Any]] = {
    "XA": {
        "name": "Republic of Xanadu A",
        "languages": ["en"],
        "authorities": {
            "central": {
                "kind": "central_authority",
                "name": "Central Authority of Xanadu A (Ministry of Justice)",
                "time_zone": "UTC",
                "hours": "Mon-Fri 08:00-18:00",
            },
            "poc247": {
                "kind": "poc_24_7",
                "name": "Xanadu A National Cybercrime 24/7 Point of Contact",
                "time_zone": "UTC",
                "hours": "24/7",
            },
            "mfa": {"kind": "foreign_ministry", "name": "Ministry of Foreign Affairs of Xanadu A"},
        },
        "declarations": {
            "extradites_nationals": True,
            "traffic_data_requires_judicial_authorisation": False,
            "accepts_electronic_originals": True,
            "political_offence_exception": True,
            "cross_border_transfer_restrictions": [],
        },
        "penalties": _penalties(
            illegal_access=36,
            illegal_interception=60,
            data_interference=60,
            system_interference=84,
            misuse_of_devices=24,
            computer_forgery=60,
            computer_fraud=96,
            csam=120,
            grooming=60,
            non_consensual_images=36,
            laundering=120,
        ),
    },
    "XB": {
        "name": "Kingdom of Xanadu B",
        "languages": ["fr", "en"],
        "authorities": {
            "central": {
                "kind": "central_authority",
                "name": "Autorité centrale du Royaume de Xanadu B",
                "time_zone": "Europe/Paris",
                "hours": "lun.-ven. 09:00-17:00",
            },
            "poc247": {
                "kind": "poc_24_7",
                "name": "Point de contact 24/7 de Xanadu B",
                "time_zone": "Europe/Paris",
                "hours": "24/7",
            },
            "mfa": {"kind": "foreign_ministry", "name": "Ministère des Affaires étrangères (XB)"},
        },
        "declarations": {
            "extradites_nationals": False,
            "traffic_data_requires_judicial_authorisation": True,
            "accepts_electronic_originals": True,
            "political_offence_exception": True,
            "cross_border_transfer_restrictions": [],
        },
        "penalties": _penalties(
            illegal_access=24,
            illegal_interception=36,
            data_interference=36,
            system_interference=60,
            misuse_of_devices=12,
            computer_forgery=60,
            computer_fraud=84,
            csam=120,
            grooming=48,
            laundering=120,
        ),
    },
    "XC": {
        "name": "Federal Union of Xanadu C",
        "languages": ["es", "en"],
        "authorities": {
            "central": {
                "kind": "central_authority",
                "name": "Autoridad Central de la Unión de Xanadu C",
                "time_zone": "America/Bogota",
                "hours": "lun.-vie. 08:00-17:00",
            },
            "poc247": {
                "kind": "poc_24_7",
                "name": "Punto de contacto 24/7 de Xanadu C",
                "time_zone": "America/Bogota",
                "hours": "24/7",
            },
            "mfa": {"kind": "foreign_ministry", "name": "Ministerio de Relaciones Exteriores (XC)"},
        },
        "declarations": {
            "extradites_nationals": True,
            "traffic_data_requires_judicial_authorisation": False,
            "accepts_electronic_originals": False,
            "political_offence_exception": False,
            "cross_border_transfer_restrictions": [
                {
                    "to": "XA",
                    "ground": "No adequacy finding for XA: personal data only with safeguards "
                    "approved by the data-protection authority.",
                }
            ],
        },
        "penalties": _penalties(
            illegal_access=48,
            illegal_interception=48,
            data_interference=48,
            system_interference=72,
            computer_forgery=48,
            computer_fraud=72,
            csam=144,
            non_consensual_images=24,
            laundering=96,
        ),
    },
}


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
            min=1, max=65_000, help="Node i listens on base+i (API) and base+100+i (federation)."
        ),
    ] = 8401,
    host: Annotated[str, typer.Option(help="Address the officers' API listens on.")] = "127.0.0.1",
) -> None:
    """Set up (or reuse) three demo nodes XA, XB, XC and run them until Ctrl-C."""
    nodes = prepare_network(data_dir, base_port=base_port, host=host)
    write_credentials(data_dir, nodes)
    _print_network(data_dir, nodes)
    raise typer.Exit(_supervise(nodes, host=host))


@app.command("scenario")
def scenario(data_dir: NetworkDir = Path(".comity/demo")) -> None:
    """Drive an MLA request and an emergency preservation XA → XB over the running network."""
    # The timeline's lines are wide; piped into a file or a test they should not wrap at 80.
    output = console if console.is_terminal else Console(width=SCENARIO_WIDTH)
    raise typer.Exit(scenario_driver.run(data_dir, output))


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


# --- The three-State network (`comity demo up`) ---------------------------------------------


@dataclass(frozen=True)
class DemoNode:
    """One node of the demo network: its State, folder and ports."""

    state: str
    data_dir: Path
    port: int
    federation_port: int
    host: str

    @property
    def base_url(self) -> str:
        """Where officers reach the node's API."""
        # A wildcard address is where the node listens, not an address to connect to.
        client_host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{client_host}:{self.port}"

    @property
    def federation_url(self) -> str:
        """Where other nodes reach this one (mutual TLS); its certificates name 127.0.0.1."""
        return f"https://127.0.0.1:{self.federation_port}"

    def settings(self) -> Settings:
        """The node's settings, with its ports and address whatever the environment says."""
        return Settings.for_node(
            self.data_dir,
            state=self.state,
            port=self.port,
            federation_port=self.federation_port,
            public_endpoint=self.federation_url,
            database_url=None,
        )


def network_nodes(data_dir: Path, *, base_port: int, host: str) -> list[DemoNode]:
    """The demo network's nodes: node i on base+i and base+100+i, in ``data_dir/<State>``."""
    return [
        DemoNode(
            state=state,
            data_dir=data_dir / state,
            port=base_port + index,
            federation_port=base_port + FEDERATION_OFFSET + index,
            host=host,
        )
        for index, state in enumerate(NETWORK_STATES, start=1)
    ]


def prepare_network(data_dir: Path, *, base_port: int, host: str) -> list[DemoNode]:
    """Set up what is missing of the demo network in ``data_dir`` and reuse the rest.

    A node whose ``node.json`` exists is kept as it is (database, keys, users); the directory
    is signed again only when a node is new, moved to other ports, or the installed directory
    is missing, differs between nodes or is close to its next update.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    now = federation_setup.utc_now()
    nodes = network_nodes(data_dir, base_port=base_port, host=host)
    changed = [_prepare_node(node, now) for node in nodes]
    operator_anchor, new_operator = _operator_anchor(data_dir)
    sequence = _next_directory_sequence(nodes, now, force=any(changed) or new_operator)
    if sequence is not None:
        _publish_directory(data_dir, nodes, operator_anchor, sequence=sequence, now=now)
        console.print(f"Directory #{sequence} signed for {', '.join(NETWORK_STATES)}.")
    else:
        console.print("Reusing the installed directory.")
    return nodes


def _prepare_node(node: DemoNode, now: datetime) -> bool:
    """Create the node's folder, database, keys and users where missing; True if what the
    directory says about the node changed (new keys, other ports)."""
    settings = node.settings()
    node_file = node.data_dir / NODE_FILE
    changed = False
    if not node_file.exists():
        init_node_dir(settings)
        changed = True
    elif _stored_address(node_file) != _wanted_address(node):
        # Asked for other ports than last time: the node moves, and the directory follows.
        init_node_dir(settings)
        changed = True
    (node.data_dir / "blobs").mkdir(mode=0o700, exist_ok=True)
    with open_node(node.data_dir, **_address_overrides(node)) as container:
        container.upgrade_database()
        node_service.ensure_authorities(container.services)
        if not federation_setup.has_keys(settings):
            name = STATE_PARTICULARS[node.state]["name"]
            federation_setup.create_node_keys(settings, now=now, name=name)
            federation_setup.write_particulars(settings, STATE_PARTICULARS[node.state])
            changed = True
        created = demo.seed_accounts(container.services)
    if created:
        console.print(f"{node.state}: {len(created)} demo users created.")
    return changed


def _address_overrides(node: DemoNode) -> dict[str, Any]:
    return {"state": node.state, "database_url": None}


def _wanted_address(node: DemoNode) -> dict[str, Any]:
    return {
        "port": node.port,
        "federation_port": node.federation_port,
        "public_endpoint": node.federation_url,
    }


def _stored_address(node_file: Path) -> dict[str, Any]:
    stored = json.loads(node_file.read_text("utf-8"))
    return {key: stored.get(key) for key in ("port", "federation_port", "public_endpoint")}


def _operator_anchor(data_dir: Path) -> tuple[dict[str, Any], bool]:
    """The directory operator's public anchor, creating its key the first time."""
    key_file = data_dir / OPERATOR_KEY_FILE
    anchor_file = data_dir / OPERATOR_ANCHOR_FILE
    if key_file.exists():
        if not anchor_file.exists():
            errors.print(
                f"{anchor_file} is missing while {key_file} exists: remove {data_dir} to start "
                "the demo network afresh."
            )
            raise typer.Exit(2)
        anchor: dict[str, Any] = json.loads(anchor_file.read_text("utf-8"))
        return anchor, False
    anchor = new_directory_operator_key(key_file)
    anchor_file.write_text(json.dumps(anchor, indent=2) + "\n", "utf-8")
    return anchor, True


def _next_directory_sequence(
    nodes: Sequence[DemoNode], now: datetime, *, force: bool
) -> int | None:
    """The sequence number of the directory to sign now, or None if the installed one will do."""
    sequences: list[int] = []
    renew = force
    for node in nodes:
        try:
            installed = federation_setup.verified_directory(node.settings()).directory
        except DomainError:
            # No directory, or one that no longer verifies: sign a new one.
            renew = True
            continue
        sequences.append(installed.sequence)
        entry = installed.states.get(node.state)
        if (
            installed.next_update - now < DIRECTORY_RENEWAL
            or set(installed.states) != set(NETWORK_STATES)
            or entry is None
            or entry.endpoint != node.federation_url
        ):
            renew = True
    if len(set(sequences)) > 1:
        renew = True
    return max(sequences, default=0) + 1 if renew else None


def _publish_directory(
    data_dir: Path,
    nodes: Sequence[DemoNode],
    operator_anchor: dict[str, Any],
    *,
    sequence: int,
    now: datetime,
) -> None:
    """Sign a directory listing every node and install it, with the anchors, on each."""
    entries = [federation_setup.signed_entry(node.settings()) for node in nodes]
    anchors = {
        "operator": operator_anchor,
        "roots": {node.state: federation_setup.root_anchor(node.settings()) for node in nodes},
    }
    payload = build_directory_payload(
        entries,
        sequence=sequence,
        issued_at=now,
        next_update=now + DIRECTORY_VALIDITY,
        operator=OPERATOR_NAME,
    )
    token, _kid = sign_directory_payload(payload, data_dir / OPERATOR_KEY_FILE)
    for node in nodes:
        settings = node.settings()
        federation_setup.pin_anchors(settings, anchors)
        federation_setup.install_directory(settings, token)


_ROLE_ORDER = (
    Role.DUTY_OFFICER,
    Role.APPROVER,
    Role.EXECUTOR,
    Role.DPO,
    Role.ADMIN,
    Role.DRAFTER,
)


def _main_role(account: demo.DemoAccount) -> Role:
    """The role an account is there to show (``senior`` drafts too, but is there to approve)."""
    return next(role for role in _ROLE_ORDER if role in account.roles)


def write_credentials(data_dir: Path, nodes: Sequence[DemoNode]) -> Path:
    """Write ``credentials.json`` (owner-only): each State's URLs and demo users."""
    document = {
        node.state: {
            "base_url": node.base_url,
            "federation_url": node.federation_url,
            "users": [
                {
                    "username": account.username,
                    "password": demo.DEMO_PASSWORD,
                    "role": str(_main_role(account)),
                    "roles": sorted(str(role) for role in account.roles),
                    "authority": account.authority,
                }
                for account in demo.DEMO_ACCOUNTS
            ],
        }
        for node in nodes
    }
    path = data_dir / CREDENTIALS_FILE
    # Created owner-only, so the passwords are never readable by others, even for an instant.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(document, indent=2) + "\n")
    path.chmod(0o600)
    return path


def _print_network(data_dir: Path, nodes: Sequence[DemoNode]) -> None:
    states = Table(title=f"Demo network in {data_dir}")
    for column in ("State", "name", "officers' API", "federation (mTLS)"):
        # URLs are to be copied: folded onto a second line rather than cut short.
        states.add_column(column, overflow="fold")
    for node in nodes:
        name = STATE_PARTICULARS[node.state]["name"]
        states.add_row(node.state, name, f"{node.base_url}/api/v1/", node.federation_url)
    console.print(states)
    users = Table(title=f"Demo users on every node (password for all: {demo.DEMO_PASSWORD})")
    for column in ("username", "role", "roles", "authority"):
        users.add_column(column)
    for account in demo.DEMO_ACCOUNTS:
        users.add_row(
            account.username,
            str(_main_role(account)),
            ", ".join(sorted(account.roles)),
            account.authority,
        )
    console.print(users)
    console.print(f"Credentials written to {data_dir / CREDENTIALS_FILE}")


@dataclass
class _Running:
    """A node process and the log its output goes to."""

    node: DemoNode
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    @property
    def log_path(self) -> Path:
        return self.node.data_dir / LOG_FILE


def _supervise(nodes: Sequence[DemoNode], *, host: str) -> int:
    """Start every node, wait until all answer, then until Ctrl-C or SIGTERM; the exit code."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    running: list[_Running] = []
    try:
        for node in nodes:
            running.append(_start(node, host=host))
        failed = _wait_healthy(running, stop)
        if failed is not None:
            _report_death(failed)
            return 2
        if stop.is_set():
            return 0
        console.print(
            "Network up: "
            + ", ".join(f"{item.node.state} {item.node.base_url}" for item in running)
            + ". Ctrl-C stops every node."
        )
        console.print(f"In another terminal: comity demo scenario --dir {nodes[0].data_dir.parent}")
        while not stop.wait(0.5):
            for item in running:
                if item.process.poll() is not None:
                    _report_death(item)
                    return 2
        return 0
    finally:
        _stop_all(running)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(node: DemoNode, *, host: str) -> _Running:
    """Start ``comity node serve`` for ``node``, its output appended to its log."""
    env = {key: value for key, value in os.environ.items() if key not in _NODE_OWN_SETTINGS}
    env["PYTHONUNBUFFERED"] = "1"
    log_path = node.data_dir / LOG_FILE
    log = log_path.open("ab")
    log.write(f"\n--- comity demo up: starting {node.state} at {time.ctime()} ---\n".encode())
    log.flush()
    # `python -m comity` is the `comity` script without relying on it being on PATH.
    command = [sys.executable, "-m", "comity", "node", "serve", "--dir", str(node.data_dir)]
    command += ["--host", host]
    # Each node gets its own session, so a Ctrl-C in the terminal reaches only this
    # supervisor, which then stops the nodes one signal each (a second signal would make
    # uvicorn skip its graceful shutdown).
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    return _Running(node, process, log)


def _wait_healthy(running: Sequence[_Running], stop: threading.Event) -> _Running | None:
    """Wait until every node answers ``/healthz``; the first node that died, if one did."""
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(running)
    with httpx2.Client(timeout=1.0) as http:
        while waiting and not stop.is_set():
            for item in list(waiting):
                if item.process.poll() is not None:
                    return item
                try:
                    if http.get(f"{item.node.base_url}/healthz").status_code == 200:
                        waiting.remove(item)
                        console.print(f"{item.node.state} answers on {item.node.base_url}")
                except httpx2.TransportError:
                    pass
            if waiting and time.monotonic() > deadline:
                return waiting[0]
            if waiting:
                stop.wait(0.2)
    return None


def _report_death(item: _Running) -> None:
    state = item.node.state
    code = item.process.poll()
    what = f"exited with code {code}" if code is not None else "did not answer in time"
    errors.print(f"[red]Node {state} {what}.[/red] Last lines of {item.log_path}:")
    item.log.flush()
    lines = item.log_path.read_text("utf-8", errors="replace").splitlines()
    for line in lines[-30:]:
        errors.print(f"  {line}", markup=False, highlight=False)


def _stop_all(running: Sequence[_Running]) -> None:
    """Stop every node: SIGTERM to all, then SIGKILL for any still up after 10 s."""
    for item in running:
        if item.process.poll() is None:
            item.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for item in running:
        try:
            item.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            item.process.kill()
            item.process.wait()
        item.log.close()
        code = item.process.returncode
        # uvicorn ends by re-raising the signal it shut down on: that is a clean stop.
        clean = code in (0, -signal.SIGTERM, -signal.SIGINT)
        console.print(f"{item.node.state} stopped" + ("." if clean else f" (exit code {code})."))
