"""The 24/7 point's roster in the officers' pages (issue 8 item 1; legal.md §5.2 N247-01).

The desk shows who is on duty now: the duty officers, backups and supervisor on shift, each
until when in the point's time zone, and the duty shift's hand-over note. ``/desk/roster``
lists the next 7 days' shifts with a form to add one and a button to remove each; only the
point's duty officers and administrators get it, as the services decide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from comity.domain.access import Authority
from comity.domain.errors import DomainError, InvalidFieldsError, PermissionDeniedError
from comity.domain.roster import Shift, ShiftRole
from comity.domain.values import Role
from comity.services import roster, users
from comity.services.context import ServiceContext
from comity.web.api.roster import DEFAULT_WINDOW, listing, point_of, usernames
from comity.web.errors import FORM_INVALID
from comity.web.ui.i18n import N_
from comity.web.ui.page import FormOfficer, Officer, SignedIn, refused, render, services

router = APIRouter(include_in_schema=False)

# How a shift's role reads on the pages.
SHIFT_ROLES: Mapping[str, str] = {
    ShiftRole.DUTY: N_("Duty"),
    ShiftRole.BACKUP: N_("Backup"),
    ShiftRole.SUPERVISOR: N_("Supervisor"),
}
ROLE_ORDER = tuple(ShiftRole)
# What the form says for each field the services refuse (their own text is in English).
FIELD_ERRORS: Mapping[str, str] = {
    "username": N_(
        "Choose an active officer of this point: duty and backup shifts are for duty officers."
    ),
    "role": N_("Choose duty, backup or supervisor."),
    "ends_at": N_("The shift must end after it starts, and last at most 14 days."),
    "contact": N_("Give an e-mail address such as duty@xa.example, or leave it empty."),
}
# What the form says for a date and time it cannot read.
DATE_ERRORS: Mapping[str, str] = {
    "starts_at": N_("Give the date and time the shift starts."),
    "ends_at": N_("Give the date and time the shift ends."),
}
# What ``<input type="datetime-local">`` sends: minutes, in the point's time zone.
LOCAL = "%Y-%m-%dT%H:%M"
MAX_NOTE = 2000
MAX_CONTACT = 320
DEFAULT_SHIFT = timedelta(hours=8)


@dataclass(frozen=True)
class Line:
    """A shift as the pages show it: its officer's name, its times in the point's zone."""

    shift: Shift
    username: str
    starts_at: datetime
    ends_at: datetime
    on_duty: bool


@dataclass(frozen=True)
class OnDuty:
    """The desk's panel: who is on shift at the point now, by role."""

    point: Authority
    duty: tuple[Line, ...]
    backups: tuple[Line, ...]
    supervisors: tuple[Line, ...]


def zone_of(point: Authority) -> ZoneInfo:
    """The point's time zone (UTC if its name is unknown here)."""
    try:
        return ZoneInfo(point.time_zone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def lines(
    ctx: ServiceContext, point: Authority, shifts: Sequence[Shift], now: datetime
) -> list[Line]:
    """The shifts with their officers' names and their times in the point's zone."""
    names = usernames(ctx)
    zone = zone_of(point)
    return [
        Line(
            shift=shift,
            username=names.get(shift.user_id, shift.user_id),
            starts_at=shift.starts_at.astimezone(zone),
            ends_at=shift.ends_at.astimezone(zone),
            on_duty=shift.covers(now),
        )
        for shift in shifts
    ]


def on_duty(ctx: ServiceContext, officer: Officer) -> OnDuty | None:
    """Who is on shift now at the officer's 24/7 point (None on a node without one)."""
    try:
        point = point_of(ctx, officer.user)
    except DomainError:
        return None
    found = lines(ctx, point, roster.on_duty_now(ctx, point.id), ctx.clock.now())

    def having(role: ShiftRole) -> tuple[Line, ...]:
        return tuple(line for line in found if line.shift.role is role)

    return OnDuty(
        point, having(ShiftRole.DUTY), having(ShiftRole.BACKUP), having(ShiftRole.SUPERVISOR)
    )


def _may_manage(officer: Officer) -> bool:
    return officer.has(Role.DUTY_OFFICER) or officer.has(Role.ADMIN)


def _not_allowed() -> PermissionDeniedError:
    return PermissionDeniedError("a point's roster is managed by its duty officers or an admin")


def _form_defaults(now: datetime, zone: ZoneInfo) -> dict[str, str]:
    """An empty form: a shift from the next full hour, for 8 hours."""
    start = now.astimezone(zone).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "username": "",
        "role": str(ShiftRole.DUTY),
        "starts_at": start.strftime(LOCAL),
        "ends_at": (start + DEFAULT_SHIFT).strftime(LOCAL),
        "contact": "",
        "handover_note": "",
    }


def _page(
    request: Request,
    officer: Officer,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    done: str = "",
) -> Response:
    """The roster page: the next 7 days' shifts and the form to add one."""
    ctx = services(request)
    if not _may_manage(officer):
        return refused(request, officer, _not_allowed())
    now = ctx.clock.now()
    try:
        point = point_of(ctx, officer.user)
        shifts = listing(ctx, officer.user, point, now, now + DEFAULT_WINDOW)
    except DomainError as error:
        return refused(request, officer, error)
    zone = zone_of(point)
    officers = sorted(
        (u for u in users.list_users(ctx) if u.authority_id == point.id and u.active),
        key=lambda u: u.username,
    )
    return render(
        request,
        "ui/roster.html",
        officer,
        FORM_INVALID if errors else 200,
        point=point,
        lines=sorted(
            lines(ctx, point, shifts, now),
            key=lambda line: (line.shift.starts_at, ROLE_ORDER.index(line.shift.role)),
        ),
        officers=officers,
        roles=list(ShiftRole),
        shift_roles=SHIFT_ROLES,
        form=form or _form_defaults(now, zone),
        errors=errors or {},
        done=done,
        max_note=MAX_NOTE,
        max_contact=MAX_CONTACT,
    )


@router.get("/desk/roster", response_class=HTMLResponse)
def roster_page(request: Request, officer: SignedIn, done: str = "") -> Response:
    """The point's shifts of the next 7 days, a form to add one, a button to remove each."""
    return _page(request, officer, done=done if done in ("added", "removed") else "")


def _parse(form: Mapping[str, str], zone: ZoneInfo) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's values for ``roster.add_shift``, and the messages of those it cannot take."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"username": form["username"].strip()}
    if not values["username"]:
        errors["username"] = FIELD_ERRORS["username"]
    try:
        values["role"] = ShiftRole(form["role"])
    except ValueError:
        errors["role"] = FIELD_ERRORS["role"]
    for name in ("starts_at", "ends_at"):
        try:
            local = datetime.strptime(form[name].strip(), LOCAL)
            values[name] = local.replace(tzinfo=zone)
        except ValueError:
            errors[name] = DATE_ERRORS[name]
    contact = form["contact"].strip()
    values["contact"] = contact or None
    if len(contact) > MAX_CONTACT:
        errors["contact"] = FIELD_ERRORS["contact"]
    values["handover_note"] = form["handover_note"].strip()[:MAX_NOTE]
    return values, errors


Text = Annotated[str, Form()]


@router.post("/desk/roster", response_class=HTMLResponse)
def add_shift(
    request: Request,
    officer: FormOfficer,
    username: Text = "",
    role: Text = "",
    starts_at: Text = "",
    ends_at: Text = "",
    contact: Text = "",
    handover_note: Text = "",
) -> Response:
    """Put an officer of the point on its roster; back to the roster, or the form with what
    to correct."""
    if not _may_manage(officer):
        return refused(request, officer, _not_allowed())
    ctx = services(request)
    form = {
        "username": username,
        "role": role,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "contact": contact,
        "handover_note": handover_note,
    }
    try:
        zone = zone_of(point_of(ctx, officer.user))
    except DomainError as error:
        return refused(request, officer, error)
    values, errors = _parse(form, zone)
    if not errors:
        try:
            roster.add_shift(ctx, actor=officer.user, **values)
        except InvalidFieldsError as error:
            errors = {
                issue.path: FIELD_ERRORS.get(issue.path, FIELD_ERRORS["username"])
                for issue in error.issues
            }
        except DomainError as error:
            return refused(request, officer, error)
    if errors:
        return _page(request, officer, form=form, errors=errors)
    return RedirectResponse("/desk/roster?done=added", status_code=303)


@router.post("/desk/roster/{shift_id}/remove", response_class=HTMLResponse)
def remove_shift(request: Request, shift_id: str, officer: FormOfficer) -> Response:
    """Take a shift off the roster."""
    if not _may_manage(officer):
        return refused(request, officer, _not_allowed())
    try:
        roster.remove_shift(services(request), actor=officer.user, shift_id=shift_id)
    except DomainError as error:
        return refused(request, officer, error)
    return RedirectResponse("/desk/roster?done=removed", status_code=303)
