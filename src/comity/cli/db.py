"""``comity db upgrade|downgrade|current``: the database schema (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from comity.cli.context import console, open_node, reports_errors

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)

DbDir = Annotated[
    Path,
    typer.Option(
        "--dir",
        help="Node directory; COMITY_DATABASE_URL, if set, chooses the database instead.",
    ),
]


@app.command("upgrade")
@reports_errors
def upgrade(data_dir: DbDir = Path(".comity/node")) -> None:
    """Apply every migration the database lacks."""
    with open_node(data_dir) as container:
        container.upgrade_database()
        console.print(f"Database at revision {container.database_revision()}")


@app.command("downgrade")
@reports_errors
def downgrade(
    revision: Annotated[str, typer.Option(help="Target revision; `base` removes everything.")],
    data_dir: DbDir = Path(".comity/node"),
) -> None:
    """Take the schema back to an earlier revision."""
    with open_node(data_dir) as container:
        container.downgrade_database(revision)
        console.print(f"Database at revision {container.database_revision()}")


@app.command("current")
@reports_errors
def current(data_dir: DbDir = Path(".comity/node")) -> None:
    """Show the revision the database is at."""
    with open_node(data_dir) as container:
        console.print(container.database_revision() or "(empty)")
