"""The drafting wizard's steps and field paths: which of a type's fields each step holds, how
a field's path (``fields.offences[0].label``) reads under the catalogue's labels, and the HTML
anchor and link that lead to it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from comity.domain.catalogue import FieldSpec, FieldType, RequestType
from comity.web.ui.i18n import N_

# The request's header: what ``EditDraft.header`` changes, named as the domain's issues name it.
HEADER = ("requested_state", "profile", "urgency", "channel")

HEADER_LABELS: Mapping[str, str] = {
    "requested_state": N_("Requested State"),
    "profile": N_("Legal framework"),
    "urgency": N_("Urgency"),
    "channel": N_("Channel"),
    "type_code": N_("Form of cooperation"),
}

# The envelope's fields in steps that read like the paper forms officers know: who asks and in
# which case, what the case is about, what is asked and why, then deadlines and annexes. Fields
# a type leaves out are skipped; the type's own fields follow in a step of their own.
_ENVELOPE_STEPS: tuple[tuple[str, bool, tuple[str, ...]], ...] = (
    (
        N_("State, urgency and channel"),
        True,
        ("urgency_reasons", "emergency_facts", "emergency_nexus", "copy_sent_via", "copy_sent_at"),
    ),
    (
        N_("Authority and case"),
        False,
        (
            "requesting_authority",
            "conducting_authority",
            "case_refs",
            "related_requests",
            "proceeding_nature",
            "language",
            "translation_attached",
        ),
    ),
    (N_("Offences, facts and persons"), False, ("offences", "facts_summary", "persons")),
    (
        N_("Assistance and purpose"),
        False,
        (
            "assistance_sought",
            "special_procedure",
            "purpose",
            "purpose_code",
            "legal_basis",
            "exceptional_justification",
            "impact_if_refused",
        ),
    ),
    (
        N_("Deadline, confidentiality and attachments"),
        False,
        ("requested_deadline", "deadline_reasons", "confidentiality", "attachments"),
    ),
)

ITEM_PATH = re.compile(r"^(.*)\[(\d+)\]$")


@dataclass(frozen=True)
class Step:
    """One step of the wizard: a title and the top-level fields it holds."""

    number: int
    title: str
    names: tuple[str, ...] = ()
    # The title is the catalogue's (the type's own step) rather than the page's.
    catalogue_title: bool = False
    header: bool = False
    review: bool = False


def anchor_of(path: str) -> str:
    """An HTML id for a field path: ``fields.offences[0].label`` → ``f-offences-0-label``."""
    bare = path.removeprefix("fields.")
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", bare).strip("-")


def steps_for(rtype: RequestType) -> tuple[Step, ...]:
    """The wizard's steps for a type: the envelope's groups, the type's own fields, review."""
    present = [spec.name for spec in rtype.fields]
    taken: set[str] = set()
    steps: list[Step] = []
    for title, header, names in _ENVELOPE_STEPS:
        taken.update(names)
        mine = tuple(name for name in names if name in present)
        if mine or header:
            steps.append(Step(len(steps) + 1, title, mine, header=header))
    rest = tuple(name for name in present if name not in taken)
    if rest:
        steps.append(Step(len(steps) + 1, rtype.title, rest, catalogue_title=True))
    steps.append(Step(len(steps) + 1, N_("Review and submit"), review=True))
    return tuple(steps)


def step_of(steps: Sequence[Step], path: str) -> Step:
    """The step that holds the field at ``path`` (the header's step for header values)."""
    top = re.split(r"[.\[]", path.removeprefix("fields."), maxsplit=1)[0]
    for step in steps:
        if top in step.names:
            return step
    return steps[0]


def spec_at(rtype: RequestType, path: str) -> list[tuple[FieldSpec, int | None]]:
    """The specs along ``path`` with the item index where the path enters a list item."""
    found: list[tuple[FieldSpec, int | None]] = []
    specs = rtype.fields
    for part in path.removeprefix("fields.").split("."):
        match = ITEM_PATH.match(part)
        name, index = (match.group(1), int(match.group(2))) if match else (part, None)
        spec = next((candidate for candidate in specs if candidate.name == name), None)
        if spec is None:
            break
        found.append((spec, index))
        if spec.type is FieldType.LIST and spec.items is not None:
            specs = spec.items.fields
        else:
            specs = spec.fields
    return found


def label_parts(rtype: RequestType, path: str) -> tuple[str, ...]:
    """How a path reads: the catalogue labels along it, with the items' numbers."""
    if path in HEADER_LABELS:
        return (HEADER_LABELS[path],)
    parts: list[str] = []
    for spec, index in spec_at(rtype, path):
        parts.append(spec.label)
        if index is not None:
            parts.append(str(index + 1))
    return tuple(parts) or (path,)


def link_to(request_id: str, steps: Sequence[Step], path: str, current: int | None) -> str:
    """A link to the field at ``path``: on the current step its anchor, else its step's page."""
    step = step_of(steps, path)
    anchor = "#" + anchor_of(path)
    if current is not None and step.number == current:
        return anchor
    return f"/drafts/{request_id}?step={step.number}{anchor}"
