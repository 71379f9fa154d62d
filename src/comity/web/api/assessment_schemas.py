"""API models of the assessment: the facts of a case and the findings the engine returns."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from comity.domain.values import Channel, ConductCategory, Urgency
from comity.web.api.schemas import FindingOut, StateCode, Strict

Months = Annotated[int, Field(strict=True, ge=0, le=12_000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=60)]


class OffenceIn(Strict):
    """An offence the request concerns; the maximum penalty is the requesting State's."""

    conduct: ConductCategory
    max_penalty_months: Months | None = None
    death_penalty_possible: bool = False
    committed_in_requested_state: bool = False
    convention_offence: bool | None = Field(
        default=None, description="Omitted: every conduct category but `other` is one"
    )
    fiscal: bool = False
    accessory: bool = Field(
        default=False, description="Rides along with a qualifying offence (extradition)"
    )


class PersonIn(Strict):
    """A person the request concerns."""

    role: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    nationalities: list[StateCode] = Field(default_factory=list, max_length=10)


class RequestedSideIn(Strict):
    """What only the requested State knows; omitted values are not yet assessed."""

    essential_interests_prejudiced: bool | None = None
    discrimination_concerns: bool | None = None
    prior_proceedings: Literal["none", "pending", "final_judgment"] = "none"
    time_barred: bool | None = None
    own_investigation_disturbed: bool | None = None
    consulted: bool = False


class RestrictionIn(Strict):
    """A declared restriction on transfers of personal data to a State."""

    to: StateCode
    ground: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class DeclarationsIn(Strict):
    """Declarations that replace the directory's for a what-if (omitted: kept)."""

    extradites_nationals: bool | None = None
    traffic_data_requires_judicial_authorisation: bool | None = None
    accepts_electronic_originals: bool | None = None
    political_offence_exception: bool | None = None
    cross_border_transfer_restrictions: list[RestrictionIn] | None = Field(
        default=None, max_length=200
    )


class StateIn(Strict):
    """What replaces a State's directory entry for a what-if; a State missing from the
    directory must be described here."""

    penalties: dict[ConductCategory, Months] | None = Field(
        default=None, description="Conduct category → maximum penalty in months; absent: no offence"
    )
    languages: list[Annotated[str, StringConstraints(min_length=2, max_length=12)]] | None = None
    declarations: DeclarationsIn | None = None


class AssessmentIn(Strict):
    """A request to assess. Only the fields its type uses need be present."""

    profile: Code | None = Field(default=None, description="Framework profile; default if omitted")
    type: Code
    requesting_state: StateCode
    requested_state: StateCode
    urgency: Urgency = Urgency.ROUTINE
    channel: Channel | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    offences: list[OffenceIn] = Field(default_factory=list, max_length=100)
    persons: list[PersonIn] = Field(default_factory=list, max_length=100)
    requested_side: RequestedSideIn = Field(default_factory=RequestedSideIn)
    states: dict[StateCode, StateIn] = Field(default_factory=dict, max_length=10)


class AssessmentOut(BaseModel):
    """The findings for a case; ``clear`` is false while any finding blocks."""

    profile: str
    type: str
    clear: bool
    blocking: int
    warnings: int
    findings: list[FindingOut]
