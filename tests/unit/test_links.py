"""Which fields of a request name another request."""

from __future__ import annotations

from dataclasses import replace

from comity.domain.links import references_of, refers_to
from tests.builders import a_request


def test_a_follow_up_names_the_preservation_it_follows() -> None:
    base = a_request()
    request = replace(base, fields={**base.fields, "preservation_ref": " XA-1 "})
    assert references_of(request) == {"XA-1": "preservation_ref"}
    assert refers_to(request, "XA-1") == "preservation_ref"
    assert refers_to(request, base.fields["purpose"]) is None


def test_blank_and_malformed_references_name_nothing() -> None:
    # A copy received from another State's node may hold anything in these fields.
    request = replace(a_request(), fields={"preservation_ref": "  ", "parent_reference": ["X"]})
    assert references_of(request) == {}
