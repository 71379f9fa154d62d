"""How requests refer to one another: a follow-up names the preservation it follows, an
additional-use or supplementary request names its parent, a confiscation the freezing.

The catalogue holds these references as ordinary fields; this module says which fields are
references, so that a request's page can show the requests linked to it both ways."""

from __future__ import annotations

from comity.domain.requests import CooperationRequest

#: Top-level fields whose value is the reference of an earlier request, and what the earlier
#: request is to the one that names it.
LINK_FIELDS: dict[str, str] = {
    "preservation_ref": "preservation",
    "parent_preservation_ref": "preservation",
    "parent_reference": "parent",
    "confiscation_ref": "confiscation",
    "freezing_ref": "freezing",
}


def references_of(request: CooperationRequest) -> dict[str, str]:
    """The references ``request`` names, each with the field that names it."""
    found: dict[str, str] = {}
    for name in LINK_FIELDS:
        value = request.fields.get(name)
        if isinstance(value, str) and value.strip():
            found[value.strip()] = name
    return found


def refers_to(request: CooperationRequest, reference: str) -> str | None:
    """The field by which ``request`` names ``reference``, or None if it does not."""
    return references_of(request).get(reference)
