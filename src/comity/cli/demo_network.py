"""The three-State demo network (`comity demo up`): set up or reuse the nodes, sign the
directory for them, and write the credentials file."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from comity import federation_setup
from comity.bootstrap import init_node_dir, read_clock_offset
from comity.cli.context import console, errors, open_node
from comity.cli.scenario_client import CREDENTIALS_FILE
from comity.config import NODE_FILE, Settings
from comity.domain.errors import DomainError
from comity.domain.values import Role
from comity.federation_setup import new_directory_operator_key
from comity.services import demo
from comity.services import node as node_service
from comity.services.demo_states import STATE_PARTICULARS

NETWORK_STATES = ("XA", "XB", "XC")
OPERATOR_KEY_FILE = "operator.key"
# The operator's public anchor, kept beside its key: the key file holds only the private key,
# and a node re-created later must pin the same anchor as the others.
OPERATOR_ANCHOR_FILE = "operator-anchor.json"
OPERATOR_NAME = "Comity demo secretariat"
# The i-th node (XA is node 0) serves officers on base+i and other nodes (mTLS) on base+100+i.
FEDERATION_OFFSET = 100
# Ten years, not the 30 days a real secretariat would sign for: the demo clock is moved forward
# (``CLOCK_OFFSET_FILE``) by the walks that show a 60-day expiry or a 45-day speciality lapse,
# about two years a run of ``comity demo scenario --all``, and the demo directory must stay
# valid on the moved clock for several runs.
DIRECTORY_VALIDITY = timedelta(days=10 * 365)
# A reused network re-signs its directory this long before it would go stale.
DIRECTORY_RENEWAL = timedelta(days=7)


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
    """The demo network's nodes: node i (XA is 0) on base+i and base+100+i, in
    ``data_dir/<State>``; by default XA on 8401/8501, XB on 8402/8502, XC on 8403/8503."""
    return [
        DemoNode(
            state=state,
            data_dir=data_dir / state,
            port=base_port + index,
            federation_port=base_port + FEDERATION_OFFSET + index,
            host=host,
        )
        for index, state in enumerate(NETWORK_STATES)
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
    _demo_cadence(node_file)
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


def _demo_cadence(node_file: Path) -> None:
    """Demo nodes sign an audit checkpoint every 10 s (60 s in production), so that their
    witnessing can be watched (a value already in node.json or the environment wins), and
    read the network's shared clock offset."""
    stored = json.loads(node_file.read_text("utf-8"))
    stored.setdefault("ledger_checkpoint_seconds", DEMO_CHECKPOINT_SECONDS)
    stored.setdefault("practice_interval", DEMO_PRACTICE_SECONDS)
    # Every node of the network reads one clock offset, so that time passes for all at once.
    stored["clock_offset_file"] = str(node_file.parent.parent.resolve() / CLOCK_OFFSET_FILE)
    node_file.write_text(json.dumps(stored, indent=2) + "\n", "utf-8")


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
    federation_setup.publish_directory(
        [node.settings() for node in nodes],
        operator_key=data_dir / OPERATOR_KEY_FILE,
        operator_anchor=operator_anchor,
        sequence=sequence,
        issued_at=now,
        next_update=now + DIRECTORY_VALIDITY,
        operator=OPERATOR_NAME,
    )


# The file, in the network's folder, that every demo node reads its clock offset from.
CLOCK_OFFSET_FILE = "clock-offset"

# How often demo nodes take the practice steps their clock makes due.
DEMO_PRACTICE_SECONDS = 2.0

# How often demo nodes sign a checkpoint over their audit log.
DEMO_CHECKPOINT_SECONDS = 10.0

_ROLE_ORDER = (
    Role.DUTY_OFFICER,
    Role.APPROVER,
    Role.EXECUTOR,
    Role.DPO,
    Role.AUDITOR,
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


def print_network(data_dir: Path, nodes: Sequence[DemoNode]) -> None:
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


def clock_offset(data_dir: Path) -> timedelta:
    """How far the demo network's clock runs ahead of real time."""
    return read_clock_offset(data_dir / CLOCK_OFFSET_FILE)


def advance_clock(data_dir: Path, by: timedelta) -> timedelta:
    """Move the demo network's clock forward by ``by``; the new offset. Every node reads it at
    its next reading of the clock."""
    offset = clock_offset(data_dir) + by
    target = data_dir / CLOCK_OFFSET_FILE
    partial = target.with_suffix(".tmp")
    partial.write_text(f"{offset.total_seconds():.3f}\n", "ascii")
    partial.replace(target)
    return offset
