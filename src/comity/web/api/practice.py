"""A request's practice life cycle (issue 8): where the case stands in its form's own steps,
what this State may do next, the clock (expiry, alarms, reminders), and taking a step."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from comity.services import practice as service
from comity.services.practice import PracticeView
from comity.web.api.schemas import ProblemOut, Strict
from comity.web.deps import Context, CurrentUser

router = APIRouter(tags=["practice"])

StepCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,39}$")]
ValueText = Annotated[str, StringConstraints(max_length=4000)]

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    403: {"model": ProblemOut, "description": "Not this side's or this role's step"},
    404: {"model": ProblemOut, "description": "No such request in your scope, or no life cycle"},
    409: {"model": ProblemOut, "description": "Not a step the record allows now"},
    422: {"model": ProblemOut, "description": "Missing or malformed values, or no reasons"},
}


class StepOut(BaseModel):
    """A step taken."""

    code: str
    side: str = Field(description="requesting, requested, or system (the clock)")
    actor_id: str
    at: datetime
    values: dict[str, str | int | bool]


class ValueSpecOut(BaseModel):
    """A value a step records."""

    name: str
    kind: str
    required: bool
    choices: list[str]


class AvailableOut(BaseModel):
    """A step this State may take now."""

    code: str
    to_state: str | None
    values: list[ValueSpecOut]
    reasoned: bool = Field(description="The step needs a `reason` value")
    basis: list[str]


class AlarmOut(BaseModel):
    """An alarm the clock raised (the 18-day review, the 40-day limit…)."""

    code: str
    level: str
    due_at: datetime
    text: str


class ReminderOut(BaseModel):
    """A reminder still ahead (before a preservation expires)."""

    at: datetime
    text: str


class PracticeOut(BaseModel):
    """The request's practice life cycle as this State sees it."""

    request_id: str
    lifecycle: str
    state: str
    steps: list[StepOut]
    available: list[AvailableOut]
    ends_at: datetime | None = Field(description="When the clock runs out (expiry, limit)")
    alarms: list[AlarmOut]
    reminders: list[ReminderOut]

    @classmethod
    def of(cls, found: PracticeView) -> PracticeOut:
        return cls(
            request_id=found.request.id,
            lifecycle=found.lifecycle.code,
            state=found.record.state,
            steps=[
                StepOut(
                    code=s.code,
                    side=str(s.side),
                    actor_id=s.actor_id,
                    at=s.at,
                    values=dict(s.values),
                )
                for s in found.record.steps
            ],
            available=[
                AvailableOut(
                    code=rule.code,
                    to_state=rule.target,
                    values=[
                        ValueSpecOut(
                            name=v.name,
                            kind=str(v.kind),
                            required=v.required,
                            choices=list(v.choices),
                        )
                        for v in rule.values
                    ],
                    reasoned=rule.reasoned,
                    basis=list(rule.basis),
                )
                for rule in found.available
            ],
            ends_at=found.clock.ends_at,
            alarms=[
                AlarmOut(code=a.code, level=a.level, due_at=a.due_at, text=a.text)
                for a in found.clock.alarms
            ],
            reminders=[ReminderOut(at=at, text=text) for at, text in found.clock.reminders],
        )


class StepIn(Strict):
    """A step to take, with the values it records (a reasoned step needs `reason`)."""

    step: StepCode
    values: dict[Annotated[str, StringConstraints(max_length=40)], ValueText | int | bool] = Field(
        default_factory=dict, max_length=20
    )


@router.get("/requests/{request_id}/practice", response_model=PracticeOut, responses=_ERRORS)
def practice(request_id: str, ctx: Context, user: CurrentUser) -> PracticeOut:
    """Where the request stands in its form's practice life cycle, the steps this State may
    take now, and the clock: a preservation's expiry and reminders, a provisional arrest's
    alarms and release limit."""
    return PracticeOut.of(service.view(ctx, actor=user, request_id=request_id))


@router.post("/requests/{request_id}/practice/steps", response_model=PracticeOut, responses=_ERRORS)
def take_step(request_id: str, body: StepIn, ctx: Context, user: CurrentUser) -> PracticeOut:
    """Take one step on this State's side (the requested State orders and confirms a
    preservation, grants an extension; the requesting State asks for one, withdraws…). It is
    audited and sent to the other State, whose copy takes the same step."""
    found = service.take_step(
        ctx, actor=user, request_id=request_id, step_code=body.step, values=body.values
    )
    return PracticeOut.of(found)
