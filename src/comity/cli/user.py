"""``comity user add|list|enrol-totp|disable``: accounts of the node's officers."""

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


@app.command("enrol-totp")
@reports_errors
def enrol_totp(
    data_dir: DirOption,
    username: Annotated[str, typer.Argument(help="The account's login name.")],
) -> None:
    """Enrol an authenticator app (TOTP, RFC 6238) for an account, replacing any earlier one.

    The ``otpauth://`` URI is printed once, here, for the officer to add to their app; its
    secret is kept in the node's database only, never logged or audited. From then on the account's
    sign-in needs the app's current code.
    """
    with open_node(data_dir) as container:
        uri = users.enrol_totp(container.services, username=username, actor_id="operator")
    console.print(f"Authenticator enrolled for {username}. Add this URI to the app (shown once):")
    # Printed without markup or wrapping so that it can be copied or turned into a QR code.
    console.print(uri, markup=False, soft_wrap=True)


@app.command("disable")
@reports_errors
def disable(
    data_dir: DirOption,
    username: Annotated[str, typer.Argument(help="The account's login name.")],
) -> None:
    """Disable an account: it cannot sign in, and every session it has ends at once."""
    with open_node(data_dir) as container:
        ended = users.disable_user(container.services, username=username, actor_id="operator")
    console.print(f"User {username} disabled; {ended} session(s) ended.")
