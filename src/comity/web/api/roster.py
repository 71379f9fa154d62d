"""The rosters of the 24/7 points of contact (issue 8 item 1; legal.md §5.2 N247-01).

A point's duty officers (or an administrator) read and change its roster; any signed-in
officer of the node may ask who is on duty at a point now, since that is whom colleagues
call. Shifts are instants in UTC; ``time_zone`` says the point's zone, in which its pages
show them.

The helpers here (the point a caller's roster means, the shifts with their officers' names)
are shared by the desk's pages and ``comity roster``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from comity.domain.access import Authority, User
from comity.domain.errors import (
    FieldIssue,
    InvalidFieldsError,
    NotFoundError,
)
from comity.domain.roster import Shift, ShiftRole
from comity.domain.values import AuthorityKind
from comity.services import node, roster, users
from comity.services.context import ServiceContext
from comity.web.api.schemas import Instant, ProblemOut, Strict
from comity.web.deps import Context, CurrentUser

router = APIRouter(prefix="/roster", tags=["roster"])

# What a listing shows when the caller gives no window: the week ahead.
DEFAULT_WINDOW = timedelta(days=7)

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    403: {"model": ProblemOut, "description": "Not a duty officer of the point or an admin"},
    404: {"model": ProblemOut, "description": "No such shift or 24/7 point"},
    422: {"model": ProblemOut, "description": "Invalid shift, officer, window or point"},
}

Username = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Contact = Annotated[str, StringConstraints(min_length=3, max_length=320)]
Note = Annotated[str, StringConstraints(max_length=2000)]
PointCode = Annotated[str | None, Query(max_length=60, description="A 24/7 point's code")]


class ShiftIn(Strict):
    """Put an officer of the point on its roster, from ``starts_at`` until ``ends_at``."""

    username: Username
    role: ShiftRole = Field(description="duty, backup or supervisor (the order of escalation)")
    starts_at: Instant
    ends_at: Instant
    contact: Contact | None = Field(
        default=None, description="Where the officer's alerts go during the shift (e-mail)"
    )
    handover_note: Note = ""


class ShiftOut(BaseModel):
    """One shift of a point's roster."""

    id: str
    authority: str = Field(description="The 24/7 point's code")
    username: str
    role: ShiftRole
    starts_at: datetime
    ends_at: datetime
    contact: str | None
    handover_note: str


class RosterOut(BaseModel):
    """A point's shifts that overlap [``from``, ``to``), earliest first."""

    authority: str
    time_zone: str = Field(description="The point's IANA time zone, in which its pages show times")
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    items: list[ShiftOut]


class OnDutyOut(BaseModel):
    """Who is on shift at a point now: duty officers, then backups, then supervisors."""

    authority: str
    time_zone: str
    at: datetime
    items: list[ShiftOut]


def points(ctx: ServiceContext) -> list[Authority]:
    """The node's 24/7 points of contact."""
    return [a for a in node.authorities(ctx) if a.kind is AuthorityKind.POC_24_7]


def point_of(ctx: ServiceContext, actor: User, code: str | None = None) -> Authority:
    """The 24/7 point whose roster ``actor`` means: the one called ``code``; without a code,
    the actor's own point, else (an administrator's) the node's only one."""
    found = points(ctx)
    if code is not None:
        for point in found:
            if code in (point.code, point.id):
                return point
        raise NotFoundError(f"there is no 24/7 point of contact {code!r} on this node")
    for point in found:
        if point.id == actor.authority_id:
            return point
    if len(found) == 1:
        return found[0]
    raise InvalidFieldsError(
        (FieldIssue("authority", "invalid", "name the 24/7 point of contact"),)
    )


def usernames(ctx: ServiceContext) -> dict[str, str]:
    """Every account's name by its id."""
    return {user.id: user.username for user in users.list_users(ctx)}


def shifts_out(ctx: ServiceContext, shifts: Iterable[Shift], point: Authority) -> list[ShiftOut]:
    """The shifts as the API answers them, with their officers' names."""
    names = usernames(ctx)
    return [
        ShiftOut(
            id=shift.id,
            authority=point.code,
            username=names.get(shift.user_id, shift.user_id),
            role=shift.role,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            contact=shift.contact,
            handover_note=shift.handover_note,
        )
        for shift in shifts
    ]


def window(
    ctx: ServiceContext, start: datetime | None, end: datetime | None
) -> tuple[datetime, datetime]:
    """A listing's window: from now (or ``start``) for 7 days (or until ``end``)."""
    start = start or ctx.clock.now()
    if end is not None:
        return start, end
    try:
        return start, start + DEFAULT_WINDOW
    except OverflowError:
        raise InvalidFieldsError(
            (FieldIssue("from", "invalid", "the window must end before the year 10000"),)
        ) from None


def listing(
    ctx: ServiceContext, actor: User, point: Authority, start: datetime, end: datetime
) -> Sequence[Shift]:
    """The point's shifts in [start, end), if ``actor`` may read its roster."""
    return roster.roster(ctx, actor=actor, start=start, end=end, authority_id=point.id)


@router.get("", response_model=RosterOut, response_model_by_alias=True, responses=_ERRORS)
def list_shifts(
    ctx: Context,
    user: CurrentUser,
    start: Annotated[Instant | None, Query(alias="from")] = None,
    end: Annotated[Instant | None, Query(alias="to")] = None,
    authority: PointCode = None,
) -> RosterOut:
    """Your 24/7 point's shifts overlapping [``from``, ``to``) (default: now to 7 days
    ahead; at most 62 days). An administrator may name the point (``authority``); 403 for
    anyone but the point's duty officers and administrators."""
    point = point_of(ctx, user, authority)
    start, end = window(ctx, start, end)
    shifts = listing(ctx, user, point, start, end)
    return RosterOut(
        authority=point.code,
        time_zone=point.time_zone,
        start=start,
        end=end,
        items=shifts_out(ctx, shifts, point),
    )


@router.get("/now", response_model=OnDutyOut, responses=_ERRORS)
def now_on_duty(ctx: Context, user: CurrentUser, authority: PointCode = None) -> OnDutyOut:
    """Who is on duty now at the 24/7 point ``authority`` (by default your own, else the
    node's): any signed-in officer may ask, to know whom to call."""
    point = point_of(ctx, user, authority)
    at = ctx.clock.now()
    shifts = roster.on_duty_now(ctx, point.id)
    return OnDutyOut(
        authority=point.code,
        time_zone=point.time_zone,
        at=at,
        items=shifts_out(ctx, shifts, point),
    )


@router.post("", status_code=201, response_model=ShiftOut, responses=_ERRORS)
def add(body: ShiftIn, ctx: Context, user: CurrentUser) -> ShiftOut:
    """Put an officer of a 24/7 point on its roster (the point is the officer's). Duty and
    backup shifts are for duty officers; a supervisor may be any officer of the point.
    422 for a shift that ends before it starts or runs over 14 days, or an unusable
    contact; 403 for anyone but the point's duty officers and administrators."""
    shift = roster.add_shift(
        ctx,
        actor=user,
        username=body.username,
        role=body.role,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        contact=body.contact,
        handover_note=body.handover_note,
    )
    point = point_of(ctx, user, shift.authority_id)
    return shifts_out(ctx, [shift], point)[0]


@router.delete("/{shift_id}", status_code=204, response_class=Response, responses=_ERRORS)
def remove(shift_id: str, ctx: Context, user: CurrentUser) -> Response:
    """Take a shift off its point's roster."""
    roster.remove_shift(ctx, actor=user, shift_id=shift_id)
    return Response(status_code=204)
