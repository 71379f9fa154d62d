"""``comity user add|list``: accounts of the node's officers."""

from __future__ import annotations

from typing import Annotated

import typer

from comity.cli.context import DirOption, console, open_node, reports_errors
from comity.domain.commands import AddUser
from comity.domain.values import Role
from comity.services import users

app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)


@app.command("add")
@reports_errors
def add(
    data_dir: DirOption,
    username: Annotated[str, typer.Option(help="Login name.")],
    role: Annotated[list[Role], typer.Option(help="A role; repeat for several.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    authority: Annotated[
        str | None, typer.Option(help="Authority code or id; the central authority if omitted.")
    ] = None,
) -> None:
    """Create an account with one or more roles for one of the node's authorities."""
    with open_node(data_dir) as container:
        user = users.add_user(
            container.services,
            command=AddUser(
                username=username,
                password=password,
                roles=frozenset(role),
                authority_code=authority,
            ),
            actor_id="operator",
        )
    console.print(f"User {user.username} ({', '.join(sorted(user.roles))}) created: {user.id}")


@app.command("list")
@reports_errors
def list_users(data_dir: DirOption) -> None:
    """List the node's accounts."""
    with open_node(data_dir) as container:
        for user in users.list_users(container.services):
            console.print(f"{user.username:<16} {', '.join(sorted(user.roles))}")
