"""``comity roster add|list|remove``: the 24/7 point's roster from the command line (issue 8
item 1). Acting ``--as`` a duty officer of the point or an administrator, as on its pages;
instants are ISO 8601 with a UTC offset (``2026-12-01T08:00+01:00``, ``…Z``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from comity.cli.context import DirOption, console, open_node, reports_errors
from comity.domain.errors import FieldIssue, InvalidFieldsError
from comity.domain.roster import ShiftRole
from comity.services import roster, users
from comity.web.api.roster import listing, point_of, usernames, window

app = typer.Typer(
    help="The 24/7 point's roster: who is on duty, backs up, supervises.", no_args_is_help=True
)
AsUser = Annotated[
    str, typer.Option("--as", help="Act as this user (a duty officer of the point or an admin).")
]
Point = Annotated[
    str | None,
    typer.Option("--point", help="The 24/7 point's code (an admin's default: the node's)."),
]


def instant(text: str, name: str) -> datetime:
    """``text`` as an instant; refused without a UTC offset, which would leave it unclear."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise InvalidFieldsError(
            (FieldIssue(name, "invalid", "an ISO 8601 instant with a UTC offset"),)
        )
    return value


@app.command("add")
@reports_errors
def add(
    data_dir: DirOption,
    as_user: AsUser,
    user: Annotated[str, typer.Option("--user", help="The officer put on the roster.")],
    role: Annotated[ShiftRole, typer.Option("--role", help="duty, backup or supervisor.")],
    start: Annotated[str, typer.Option("--from", help="When the shift starts (ISO instant).")],
    end: Annotated[str, typer.Option("--to", help="When the shift ends (ISO instant).")],
    contact: Annotated[
        str | None, typer.Option("--contact", help="Where the officer's alerts go (e-mail).")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="The hand-over note.")] = "",
) -> None:
    """Put an officer of a 24/7 point on its roster; prints the shift's id."""
    starts_at, ends_at = instant(start, "from"), instant(end, "to")
    with open_node(data_dir) as container:
        ctx = container.services
        actor = users.user_by_name(ctx, username=as_user)
        shift = roster.add_shift(
            ctx,
            actor=actor,
            username=user,
            role=role,
            starts_at=starts_at,
            ends_at=ends_at,
            contact=contact,
            handover_note=note,
        )
    console.print(
        f"Shift {shift.id} added: {user} on {shift.role} from {shift.starts_at.isoformat()} "
        f"to {shift.ends_at.isoformat()}.",
        highlight=False,
        markup=False,
    )


@app.command("list")
@reports_errors
def list_shifts(
    data_dir: DirOption,
    as_user: AsUser,
    start: Annotated[
        str | None, typer.Option("--from", help="From this instant (default: now).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Until this instant (default: 7 days on).")
    ] = None,
    point: Point = None,
) -> None:
    """The point's shifts in the window, in its time zone, earliest first."""
    since = None if start is None else instant(start, "from")
    until = None if end is None else instant(end, "to")
    with open_node(data_dir) as container:
        ctx = container.services
        actor = users.user_by_name(ctx, username=as_user)
        found = point_of(ctx, actor, point)
        since, until = window(ctx, since, until)
        shifts = listing(ctx, actor, found, since, until)
        names = usernames(ctx)
    zone = ZoneInfo(found.time_zone)
    console.print(
        f"{found.name} ({found.code}), times in {found.time_zone}:", highlight=False, markup=False
    )
    if not shifts:
        console.print("No shift in this window.")
    for shift in shifts:
        console.print(
            f"{shift.id}  {shift.role:<10} {names.get(shift.user_id, shift.user_id):<16} "
            f"{shift.starts_at.astimezone(zone):%Y-%m-%d %H:%M} → "
            f"{shift.ends_at.astimezone(zone):%Y-%m-%d %H:%M}  {shift.contact or '—'}"
            + (f"\n    hand-over: {shift.handover_note}" if shift.handover_note else ""),
            highlight=False,
            markup=False,
        )


@app.command("remove")
@reports_errors
def remove(
    shift_id: Annotated[str, typer.Argument(help="The shift's id (from `comity roster list`).")],
    data_dir: DirOption,
    as_user: AsUser,
) -> None:
    """Take a shift off its point's roster."""
    with open_node(data_dir) as container:
        ctx = container.services
        actor = users.user_by_name(ctx, username=as_user)
        roster.remove_shift(ctx, actor=actor, shift_id=shift_id)
    console.print(f"Shift {shift_id} removed.", highlight=False, markup=False)
