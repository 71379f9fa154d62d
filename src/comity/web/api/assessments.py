"""The stateless assessment: every reason the requested State could refuse or ask for more,
before a request leaves (and the same engine screens requests on arrival)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from comity.domain.legal.case import OffenceFacts, PersonFacts, RequestedSideFacts
from comity.domain.legal.findings import Severity
from comity.services import assessments as service
from comity.web.api.assessment_schemas import AssessmentIn, AssessmentOut
from comity.web.api.schemas import FindingOut, ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(prefix="/assessments", tags=["legal"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    422: {
        "model": ProblemOut,
        "description": "Unknown profile, type, conduct category or State, or invalid input",
    },
}


@router.post("", response_model=AssessmentOut, responses=_ERRORS)
def assess(body: AssessmentIn, ctx: Context, user: CurrentUser) -> AssessmentOut:
    """Assess a request against the law of the chosen framework profile and the two States'
    directory entries (``states`` overrides them for a what-if). Nothing is stored."""
    del user  # any signed-in user may ask
    result = service.assess(ctx, _command(body))
    findings = [FindingOut.of(finding) for finding in result.findings]
    return AssessmentOut(
        profile=result.profile,
        type=result.type_code,
        clear=result.clear,
        blocking=sum(1 for f in result.findings if f.severity is Severity.BLOCKING),
        warnings=sum(1 for f in result.findings if f.severity is Severity.WARNING),
        findings=findings,
    )


@router.get("/schema", responses={401: {"model": ProblemOut}})
def schema(user: CurrentUser) -> dict[str, Any]:
    """The JSON Schema of the assessment's input."""
    del user
    return AssessmentIn.model_json_schema()


def _command(body: AssessmentIn) -> service.AssessmentInput:
    side = body.requested_side
    return service.AssessmentInput(
        type_code=body.type,
        requesting_state=body.requesting_state,
        requested_state=body.requested_state,
        profile=body.profile,
        urgency=body.urgency,
        channel=body.channel,
        fields=body.fields,
        offences=[
            OffenceFacts(
                conduct=offence.conduct,
                max_penalty_months=offence.max_penalty_months,
                death_penalty_possible=offence.death_penalty_possible,
                committed_in_requested_state=offence.committed_in_requested_state,
                convention_offence=offence.convention_offence,
                fiscal=offence.fiscal,
                accessory=offence.accessory,
            )
            for offence in body.offences
        ],
        persons=[
            PersonFacts(role=person.role, nationalities=tuple(person.nationalities))
            for person in body.persons
        ],
        requested_side=RequestedSideFacts(
            essential_interests_prejudiced=side.essential_interests_prejudiced,
            discrimination_concerns=side.discrimination_concerns,
            prior_proceedings=side.prior_proceedings,
            time_barred=side.time_barred,
            own_investigation_disturbed=side.own_investigation_disturbed,
            consulted=side.consulted,
        ),
        states={
            code: service.StateOverride(
                penalties=(
                    {str(k): v for k, v in state.penalties.items()}
                    if state.penalties is not None
                    else None
                ),
                languages=state.languages,
                declarations=(
                    state.declarations.model_dump(exclude_none=True)
                    if state.declarations is not None
                    else None
                ),
            )
            for code, state in body.states.items()
        },
    )
