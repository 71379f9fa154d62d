"""The ``comity`` command: ``comity NOUN VERB [OPTIONS]``."""

from __future__ import annotations

import typer

from comity import __version__
from comity.cli import (
    audit,
    catalogue,
    db,
    demo,
    directory,
    dp,
    evidence,
    legal,
    node,
    request,
    roster,
    stats,
    user,
)

app = typer.Typer(
    help=(
        "Comity: a State's node for international cooperation against ICT crime. "
        "Each noun has its own verbs; add --help to any of them."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(node.app, name="node")
app.add_typer(db.app, name="db")
app.add_typer(user.app, name="user")
app.add_typer(catalogue.app, name="catalogue")
app.add_typer(request.app, name="request")
app.add_typer(demo.app, name="demo")
app.add_typer(directory.app, name="directory")
app.add_typer(legal.app, name="legal")
app.add_typer(dp.app, name="dp")
app.add_typer(stats.app, name="stats")
app.add_typer(evidence.app, name="evidence")
app.add_typer(audit.app, name="audit")
app.add_typer(roster.app, name="roster")


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    """Entry point of the ``comity`` script."""
    app()
