"""Several nodes on one machine: the demo network, the tests' federations, the benchmarks.

Each node gets its folder, schema, authorities, accounts and keys; one directory lists them all,
signed with an operator key kept next to them. Production onboarding differs (each State signs
its entry with its offline root and pins anchors received out of band), so this stays apart
from the node's own set-up code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from comity import federation_setup
from comity.bootstrap import build, init_node_dir
from comity.config import Settings
from comity.domain.commands import AddUser
from comity.domain.values import Role
from comity.federation_setup import new_directory_operator_key
from comity.services.node import ensure_authorities
from comity.services.users import add_user


def create_local_network(
    root: Path,
    nodes: Sequence[Settings],
    *,
    accounts: Mapping[str, tuple[frozenset[Role], str]],
    password: str,
    now: datetime,
    valid_for: timedelta = timedelta(days=30),
    particulars: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """Set up several nodes on one machine (demo, tests, benchmarks): each node's folder,
    schema, authorities, accounts and keys, then one directory for all of them signed with an
    operator key kept in ``root``. Returns the directory token."""
    for settings in nodes:
        init_node_dir(settings)
        container = build(settings)
        try:
            container.upgrade_database()
            ensure_authorities(container.services)
            for username, (roles, authority) in accounts.items():
                add_user(
                    container.services,
                    command=AddUser(username, password, roles, authority_code=authority),
                )
        finally:
            container.close()
        federation_setup.create_node_keys(settings, now=now, name=f"State {settings.state}")
        if particulars and settings.state in particulars:
            federation_setup.write_particulars(settings, particulars[settings.state])
    operator_key = root / "operator.key"
    anchor_file = root / "operator.json"
    if not operator_key.exists():
        anchor = new_directory_operator_key(operator_key)
        anchor_file.write_text(json.dumps(anchor), "utf-8")
    return federation_setup.publish_directory(
        nodes,
        operator_key=operator_key,
        operator_anchor=json.loads(anchor_file.read_text("utf-8")),
        sequence=1,
        issued_at=now,
        next_update=now + valid_for,
        operator="Comity local secretariat",
    )
