"""The provisional-arrest walk (T02, ECE 16(4)): XB arrests the person; 18 days pass without
the extradition request and XB's clock raises the review alarm; at 40 days it makes the
release due, and XB releases the person, which XA sees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, Move, Walk
from comity.services.demo import example_mla_fields


def _fields(state: str) -> dict[str, Any]:
    base = example_mla_fields(state)
    return {
        "requesting_authority": base["requesting_authority"],
        "case_refs": base["case_refs"],
        "language": "en",
        "offences": base["offences"],
        "facts_summary": base["facts_summary"],
        "purpose": "Arrest of the suspect pending the extradition request.",
        "purpose_code": "criminal_proc",
        "urgency_reasons": "The suspect holds a ticket to leave the requested State on Friday.",
        "persons": [
            {
                "role": "suspect",
                "names": "Jon EXAMPLE",
                "date_of_birth": "1990-05-17",
                "nationalities": [state],
            }
        ],
        "extradition_purpose": "prosecution",
        "warrant": {
            "kind": "arrest_warrant",
            "issuing_court": "Investigating judge, District Court",
            "date": "2026-04-10",
            "reference": "AW-2026-118",
        },
        "extradition_request_intended": True,
        "person": {
            "names": "Jon EXAMPLE",
            "description": "Male, about 1.80 m, scar on the left hand; uses the alias 'jex'.",
        },
    }


WALK = Walk(
    title="Provisional arrest pending extradition (18-day alarm, 40-day limit)",
    type_code="provisional_arrest",
    fields=_fields,
    urgency="urgent",
    channel="central_authority",
    moves=(
        Move(
            REQUESTED,
            "arrest",
            "arrests the person at the airport",
            {"arrested_at": "@now"},
            expect="arrested",
        ),
        Move(
            REQUESTED,
            "",
            "the extradition request has not come",
            advance=timedelta(days=18),
            alarm="provisional_arrest.review",
        ),
        Move(
            REQUESTED,
            "release_due",
            "makes the release due: 40 days without the request",
            advance=timedelta(days=22),
            clock=True,
            expect="release_due",
            alarm="provisional_arrest.limit",
        ),
        Move(
            REQUESTED,
            "release",
            "releases the person (a later re-arrest stays possible, ECE 16(5))",
            {"reason": "No extradition request within 40 days (ECE 16(4))."},
            expect="released",
        ),
    ),
)
