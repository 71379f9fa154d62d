"""A request's practice life cycle on its page (issue 8): where the case stands in its form's
own steps, the clock (when it ends, the alarms raised, the reminders ahead), every step taken
by either State or by the clock, and a form for each step this officer's State may take now.

The forms are built from the life cycle's table: one field per value the step records (text,
a date and time in UTC, a choice, a number, a yes/no) and the reasons of a reasoned step. The
services decide, exactly as for the API: a refused step comes back as the error page with the
same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from comity.domain.errors import DomainError, FieldIssue, InvalidFieldsError
from comity.domain.practice.lifecycle import StepRule, Value, ValueKind, ValueRule
from comity.domain.practice.registry import lifecycle_for
from comity.domain.requests import CooperationRequest
from comity.domain.values import Role, Side
from comity.services import practice
from comity.services.context import ServiceContext
from comity.services.practice import PracticeView
from comity.web.ui.page import FormOfficer, Officer, refused, services

router = APIRouter(include_in_schema=False)

# What ``<input type="datetime-local">`` sends: minutes, read as UTC (the form says so).
LOCAL = "%Y-%m-%dT%H:%M"
MAX_TEXT = 4000
# The roles that take the requested State's steps, and the requesting State's.
ACTING_ROLES: Mapping[Side, frozenset[Role]] = {
    Side.REQUESTED: frozenset({Role.EXECUTOR, Role.DUTY_OFFICER}),
    Side.REQUESTING: frozenset({Role.DRAFTER, Role.APPROVER, Role.DUTY_OFFICER}),
}


@dataclass(frozen=True)
class PracticePanel:
    """What the request page shows of the practice: the view, and whether this officer may
    take the steps listed as available."""

    view: PracticeView
    may_act: bool


def practice_panel(
    ctx: ServiceContext, officer: Officer, request: CooperationRequest
) -> PracticePanel | None:
    """The panel of a request whose form runs a practice life cycle, None for the others."""
    if lifecycle_for(request.type_code) is None:
        return None
    found = practice.view(ctx, actor=officer.user, request_id=request.id)
    may_act = any(officer.has(role) for role in ACTING_ROLES[request.side])
    return PracticePanel(found, may_act)


def read_values(rule: StepRule, form: FormData) -> dict[str, Value]:
    """The values the form gives for ``rule``'s step, typed as the table says; a value left
    empty is not sent (the services say whether the step needs it). A date it cannot read, or
    a number that is not one, is an ``InvalidFieldsError`` naming the field."""
    values: dict[str, Value] = {}
    issues: list[FieldIssue] = []
    specs = list(rule.values)
    if rule.reasoned:
        specs.append(ValueRule("reason"))
    for spec in specs:
        raw = form.get(f"v_{spec.name}")
        text = raw.strip()[:MAX_TEXT] if isinstance(raw, str) else ""
        if spec.kind is ValueKind.FLAG:
            values[spec.name] = text == "on"
        elif not text:
            continue
        elif spec.kind is ValueKind.INSTANT:
            try:
                values[spec.name] = datetime.strptime(text, LOCAL).replace(tzinfo=UTC).isoformat()
            except ValueError:
                issues.append(FieldIssue(f"values.{spec.name}", "invalid", "a date and time"))
        elif spec.kind is ValueKind.COUNT:
            if text.isdigit():
                values[spec.name] = int(text)
            else:
                issues.append(FieldIssue(f"values.{spec.name}", "invalid", "a whole number"))
        else:
            values[spec.name] = text
    if issues:
        raise InvalidFieldsError(tuple(issues))
    return values


@router.post("/requests/{request_id}/practice", response_class=HTMLResponse)
async def take_practice_step(request: Request, request_id: str, officer: FormOfficer) -> Response:
    """Take the step the form names, on this State's side; back to the request's practice
    panel, or the error page saying why the step was refused."""
    ctx = services(request)
    form = await request.form()
    step = form.get("step")
    try:
        current = practice.view(ctx, actor=officer.user, request_id=request_id)
        rule = _available(current, step if isinstance(step, str) else "")
        practice.take_step(
            ctx,
            actor=officer.user,
            request_id=request_id,
            step_code=rule.code,
            values=read_values(rule, form),
        )
    except DomainError as error:
        return refused(request, officer, error)
    return RedirectResponse(f"/requests/{request_id}#practice", status_code=303)


def _available(current: PracticeView, step: str) -> StepRule:
    """The rule of ``step`` if this State may take it now; the services' own refusal (wrong
    state, other side) otherwise, so that the page and the API refuse alike."""
    for rule in current.available:
        if rule.code == step:
            return rule
    return current.lifecycle.rule(step)
