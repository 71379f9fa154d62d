"""The draft's side panel: what is still missing and the legal engine's findings, each with a
link to the field it concerns (the approval page shows the same panel)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from comity.domain.catalogue import RequestType
from comity.domain.errors import (
    DirectoryError,
    FieldIssue,
)
from comity.domain.legal.findings import Finding
from comity.domain.requests import CooperationRequest
from comity.services import assessments
from comity.services.context import ServiceContext
from comity.web.ui.draft_form import (
    FieldError,
)
from comity.web.ui.draft_steps import (
    label_parts,
    link_to,
    steps_for,
)


@dataclass(frozen=True)
class Problem:
    """One entry of the side panel or the error summary: where, what, and a link there."""

    href: str
    parts: tuple[str, ...]
    message: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShownFinding:
    """A finding of the legal engine with links to the fields it read."""

    finding: Finding
    concerns: tuple[Problem, ...]


def problems(
    rtype: RequestType,
    issues: Sequence[FieldIssue],
    href: Any,
) -> tuple[Problem, ...]:
    """Issues as the panel lists them: the field's labels, the message, a link to it."""
    return tuple(
        Problem(href=href(issue.path), parts=label_parts(rtype, issue.path), message=issue.message)
        for issue in issues
    )


def shown_findings(
    rtype: RequestType, findings: Sequence[Finding], href: Any
) -> tuple[ShownFinding, ...]:
    """Findings with links to the request's fields they read (other inputs, such as a
    State's penalty table, are not fields of the request and get no link)."""
    names = {spec.name for spec in rtype.fields}
    found = []
    for finding in findings:
        concerns = []
        for raw in finding.paths:
            top = re.split(r"[.\[]", raw, maxsplit=1)[0]
            if top in names:
                path = f"fields.{raw}"
                concerns.append(Problem(href(path), label_parts(rtype, path), ""))
        found.append(ShownFinding(finding, tuple(concerns)))
    return tuple(found)


@dataclass(frozen=True)
class Panel:
    """What the side panel shows: what is missing, and the legal engine's findings."""

    missing: tuple[Problem, ...]
    findings: tuple[ShownFinding, ...]
    note: str = ""
    # Problems with the values on the screen (not saved yet), by field.
    invalid: tuple[Problem, ...] = ()


def assess(ctx: ServiceContext, request: CooperationRequest) -> tuple[tuple[Finding, ...], str]:
    """The legal engine's findings for ``request`` as it stands (stored or on the screen);
    none, and why, where a State is not in the directory."""
    try:
        return assessments.assess_request(ctx, request).findings, ""
    except DirectoryError as error:
        return (), error.detail


def panel_for(
    ctx: ServiceContext,
    request: CooperationRequest,
    rtype: RequestType,
    current: int | None,
    invalid: Mapping[str, FieldError] | None = None,
) -> Panel:
    """The side panel of a draft: its missing fields and findings, with links to the fields."""
    steps = steps_for(rtype)

    def href(path: str) -> str:
        return link_to(request.id, steps, path, current)

    findings, note = assess(ctx, request)
    return Panel(
        missing=problems(rtype, request.completeness(rtype), href),
        findings=shown_findings(rtype, findings, href),
        note=note,
        invalid=tuple(
            Problem(href(path), label_parts(rtype, path), error.text, error.params)
            for path, error in (invalid or {}).items()
        ),
    )
