"""Assessing a request against the law, before it leaves and when it arrives.

Builds the legal engine's case from what the caller gives and what the directory says of the
two States (a caller may override either State's penalties, languages and declarations for
a what-if), and runs the engine. Stateless: nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from comity.domain.directory import Declarations, Directory, TransferRestriction
from comity.domain.errors import DirectoryError
from comity.domain.legal.case import (
    Case,
    OffenceFacts,
    PersonFacts,
    RequestedSideFacts,
    StateFacts,
)
from comity.domain.legal.engine import assess as run_engine
from comity.domain.legal.engine import is_clear
from comity.domain.legal.findings import Finding
from comity.domain.requests import CooperationRequest
from comity.domain.values import Channel, ConductCategory, Urgency
from comity.services.context import ServiceContext


@dataclass(frozen=True)
class StateOverride:
    """A what-if for one State: what replaces its directory entry's values (None: keep)."""

    penalties: Mapping[str, int] | None = None
    languages: Sequence[str] | None = None
    declarations: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AssessmentInput:
    """What the assessment API receives (see ``web/api/assessments.py`` for the schema)."""

    type_code: str
    requesting_state: str
    requested_state: str
    profile: str | None = None
    urgency: Urgency = Urgency.ROUTINE
    channel: Channel | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    offences: Sequence[OffenceFacts] = ()
    persons: Sequence[PersonFacts] = ()
    requested_side: RequestedSideFacts = field(default_factory=RequestedSideFacts)
    states: Mapping[str, StateOverride] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    """The engine's findings for one case, and whether any of them blocks."""

    profile: str
    type_code: str
    findings: tuple[Finding, ...]

    @property
    def clear(self) -> bool:
        """True if no finding blocks."""
        return is_clear(self.findings)


def assess(ctx: ServiceContext, command: AssessmentInput) -> Assessment:
    """Assess a request described in full by the caller."""
    rtype = ctx.catalogue.type(command.type_code)
    profile = (
        ctx.catalogue.profile(command.profile) if command.profile else ctx.catalogue.default_profile
    )
    directory = _directory(ctx)
    case = Case(
        profile=profile,
        rtype=rtype,
        requesting=_state(directory, command.requesting_state, command.states),
        requested=_state(directory, command.requested_state, command.states),
        urgency=command.urgency,
        channel=command.channel or rtype.default_channel,
        fields=dict(command.fields),
        offences=tuple(command.offences),
        persons=tuple(command.persons),
        requested_side=command.requested_side,
    )
    return Assessment(profile.code, rtype.code, run_engine(case))


def assess_request(ctx: ServiceContext, request: CooperationRequest) -> Assessment:
    """Assess a stored request, with the facts its fields carry and the directory's States."""
    return assess(ctx, request_input(request))


def case_of(
    ctx: ServiceContext, request: CooperationRequest, *, requested_side: RequestedSideFacts
) -> Case:
    """The engine's case for a stored request, with what the requested State has established;
    a State the directory does not know is taken as unknown (no penalty table), so decisions
    on a request never depend on the federation being reachable."""
    command = request_input(request)
    directory = _directory(ctx)
    rtype = ctx.catalogue.type(request.type_code)

    def known(code: str) -> StateFacts:
        try:
            return _state(directory, code, {})
        except DirectoryError:
            return StateFacts(code=code)

    return Case(
        profile=ctx.catalogue.profile(request.profile),
        rtype=rtype,
        requesting=known(request.requesting_state),
        requested=known(request.requested_state),
        urgency=request.urgency,
        channel=request.channel,
        fields=dict(request.fields),
        offences=tuple(command.offences),
        persons=tuple(command.persons),
        requested_side=requested_side,
    )


def request_input(request: CooperationRequest) -> AssessmentInput:
    """The assessment input a stored request gives: its header, its fields, and the offences
    and persons its fields describe."""
    fields = request.fields
    return AssessmentInput(
        type_code=request.type_code,
        requesting_state=request.requesting_state,
        requested_state=request.requested_state,
        profile=request.profile,
        urgency=request.urgency,
        channel=request.channel,
        fields=fields,
        offences=tuple(_offences(fields.get("offences"))),
        persons=tuple(_persons(fields.get("persons"))),
    )


def _offences(raw: Any) -> list[OffenceFacts]:
    """Offences from a request's ``offences`` field (conduct category and maximum penalty)."""
    found: list[OffenceFacts] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        try:
            conduct = ConductCategory(str(item.get("conduct") or item.get("category")))
        except ValueError:
            conduct = ConductCategory.OTHER
        months = item.get("max_penalty_months")
        found.append(
            OffenceFacts(
                conduct=conduct,
                max_penalty_months=months if isinstance(months, int) else None,
                death_penalty_possible=item.get("death_penalty_possible") is True,
                committed_in_requested_state=item.get("committed_in_requested_state") is True,
                fiscal=item.get("fiscal") is True,
            )
        )
    return found


def _persons(raw: Any) -> list[PersonFacts]:
    found: list[PersonFacts] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping):
            nationalities = item.get("nationalities")
            found.append(
                PersonFacts(
                    role=str(item.get("role") or "concerned"),
                    nationalities=tuple(
                        str(n) for n in (nationalities if isinstance(nationalities, list) else [])
                    ),
                )
            )
    return found


def _directory(ctx: ServiceContext) -> Directory | None:
    if ctx.federation is None:
        return None
    try:
        return ctx.federation.trust.current()
    except DirectoryError:
        return None


def _state(
    directory: Directory | None, code: str, overrides: Mapping[str, StateOverride]
) -> StateFacts:
    """A State as the directory describes it, with the caller's what-if applied on top."""
    override = overrides.get(code)
    entry = directory.states.get(code) if directory is not None else None
    if entry is None and override is None:
        raise DirectoryError(
            f"{code} is not in this node's directory; describe it under `states` to assess"
        )
    state = StateFacts(code=code)
    if entry is not None:
        state = StateFacts(
            code=code,
            penalties=dict(entry.penalties),
            languages=entry.languages,
            declarations=entry.declarations,
        )
    if override is None:
        return state
    if override.penalties is not None:
        state = replace(state, penalties=dict(override.penalties))
    if override.languages is not None:
        state = replace(state, languages=tuple(override.languages))
    if override.declarations is not None:
        state = replace(
            state, declarations=_declarations(state.declarations, override.declarations)
        )
    return state


def _declarations(base: Declarations, changes: Mapping[str, Any]) -> Declarations:
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "cross_border_transfer_restrictions":
            values[name] = tuple(
                TransferRestriction(str(item["to"]), str(item["ground"])) for item in value
            )
        else:
            values[name] = bool(value)
    return replace(base, **values)
