"""The rosters of the 24/7 points of contact: who is on duty, backs up and supervises, when
(issue 8 item 1, Q12, Q21; legal.md §5.2 N247-01).

An administrator, or a duty officer of the point, puts officers of the point on its roster;
every change is audited. Alerts for an emergency that arrives go to the duty officers on
shift; when its acknowledgement target passes, to the backups and the supervisor on shift
(``services.escalation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from comity.domain.access import Authority, User
from comity.domain.errors import (
    FieldIssue,
    InvalidFieldsError,
    NotFoundError,
    PermissionDeniedError,
)
from comity.domain.events import ShiftAdded, ShiftRemoved
from comity.domain.roster import Shift, ShiftRole, check_shift, on_duty
from comity.domain.values import AuthorityKind, Role
from comity.services.context import ServiceContext
from comity.services.ports import UnitOfWork

# How far a roster listing reaches at most.
MAX_WINDOW = timedelta(days=62)


def add_shift(
    ctx: ServiceContext,
    *,
    actor: User,
    username: str,
    role: ShiftRole,
    starts_at: datetime,
    ends_at: datetime,
    contact: str | None = None,
    handover_note: str = "",
) -> Shift:
    """Put ``username`` (an officer of the actor's 24/7 point, or of the point an
    administrator names through that officer) on the point's roster."""
    check_shift(starts_at, ends_at, contact)
    with ctx.uow() as uow:
        officer = uow.users.by_username(username)
        if officer is None or not officer.active:
            raise InvalidFieldsError(
                (FieldIssue("username", "invalid", "no active user of that name"),)
            )
        point = _point(uow, actor, officer.authority_id)
        if role is not ShiftRole.SUPERVISOR and not officer.has(Role.DUTY_OFFICER):
            raise InvalidFieldsError(
                (FieldIssue("username", "invalid", "only duty officers take duty or backup"),)
            )
        shift = Shift(
            id=ctx.ids.new_id(),
            authority_id=point.id,
            user_id=officer.id,
            role=role,
            starts_at=starts_at,
            ends_at=ends_at,
            contact=contact,
            handover_note=handover_note[:2000],
        )
        uow.rosters.add(shift)
        uow.record(
            ShiftAdded(
                actor.id,
                ctx.clock.now(),
                shift.id,
                officer.id,
                str(role),
                starts_at.isoformat(),
                ends_at.isoformat(),
            )
        )
        uow.commit()
    return shift


def remove_shift(ctx: ServiceContext, *, actor: User, shift_id: str) -> None:
    """Take a shift off its point's roster."""
    with ctx.uow() as uow:
        shift = uow.rosters.get(shift_id)
        if shift is None:
            raise NotFoundError("no such shift")
        _point(uow, actor, shift.authority_id)
        uow.rosters.remove(shift_id)
        uow.record(ShiftRemoved(actor.id, ctx.clock.now(), shift_id))
        uow.commit()


def roster(
    ctx: ServiceContext,
    *,
    actor: User,
    start: datetime,
    end: datetime,
    authority_id: str | None = None,
) -> Sequence[Shift]:
    """The shifts of a 24/7 point (the actor's own by default; an administrator may name
    any) that overlap [start, end)."""
    if end <= start or end - start > MAX_WINDOW:
        raise InvalidFieldsError(
            (FieldIssue("to", "invalid", "the window must end after it starts, within 62 days"),)
        )
    with ctx.uow() as uow:
        point = _point(uow, actor, authority_id or actor.authority_id)
        return uow.rosters.between(point.id, start, end)


def on_duty_now(ctx: ServiceContext, authority_id: str) -> list[Shift]:
    """The shifts running now at a point: duty officers, then backups, then supervisors."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        return on_duty(uow.rosters.between(authority_id, now, now + timedelta(seconds=1)), now)


def _point(uow: UnitOfWork, actor: User, authority_id: str) -> Authority:
    """The 24/7 point whose roster the actor may manage: an administrator any point, a duty
    officer their own."""
    point = uow.authorities.get(authority_id)
    if point is None or point.kind is not AuthorityKind.POC_24_7:
        raise InvalidFieldsError(
            (FieldIssue("username", "invalid", "rosters are for 24/7 points of contact"),)
        )
    allowed = actor.has(Role.ADMIN) or (
        actor.has(Role.DUTY_OFFICER) and actor.authority_id == point.id
    )
    if not actor.active or not allowed:
        raise PermissionDeniedError("a point's roster is managed by its duty officers or an admin")
    return point
