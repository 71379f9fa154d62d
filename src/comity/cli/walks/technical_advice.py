"""Demo walk of technical advice between 24/7 points of contact (legal.md §5, N247-09; BC
35(1)(a) [V]; UNCC 41(3)(a) [K]): XA's point asks how long providers in XB keep connection
logs; XB's duty officer acknowledges it; the 24 hours run out (the clock's warning) before it
answers; XA asks a follow-up question, answered the same day, and closes the exchange."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields


def example_technical_advice_fields(state: str = "XA") -> dict[str, Any]:
    """A complete question to the other State's 24/7 point of contact (fictional)."""
    mla = example_mla_fields(state)
    return {
        "requesting_authority": {
            "name": f"24/7 Point of Contact of {state}",
            "kind": "poc_24_7",
            "officer": "Duty officer",
            "time_zone": "UTC",
        },
        "case_refs": mla["case_refs"],
        "language": "en",
        "purpose": "Draft a preservation request the provider can act on.",
        "purpose_code": "criminal_proc",
        "urgency_reasons": "The provider may delete the logs within days.",
        "question": (
            "How long do hosting providers in your State keep connection logs, and which "
            "identifiers does a preservation order need to name?"
        ),
        "topic": "data_preservation",
        "context": "Phishing pages hosted by Example Hosting Ltd, account 88412.",
    }


WALK = Walk(
    title="Technical advice between 24/7 points of contact (24-hour answer)",
    type_code="technical_advice",
    fields=example_technical_advice_fields,
    urgency="urgent",
    channel="network_24_7",
    moves=(
        Move(REQUESTED, "acknowledge", "XB's duty officer takes the question: 24 hours run.",
             officer="duty", expect="acknowledged"),
        Move(REQUESTED, "", "24 hours pass without an answer: the clock warns.",
             advance=timedelta(hours=25), alarm="technical_advice.answer"),
        Move(REQUESTED, "answer", "XB answers, an hour late.",
             {"answer": "Connection logs are kept for 6 months; name the account and period.",
              "references": "Electronic Communications Act s. 41"},
             officer="duty", expect="answered"),
        Move(REQUESTING, "follow_up", "XA asks a follow-up question.",
             {"question": "Does the order need a judge's signature?"},
             officer="drafter", expect="follow_up"),
        Move(REQUESTED, "answer", "XB answers the follow-up within the hour.",
             {"answer": "No: a prosecutor's order suffices for preservation."},
             officer="duty", expect="answered", advance=timedelta(hours=1)),
        Move(REQUESTING, "close", "XA has what it needs and closes the exchange.",
             officer="drafter", expect="closed"),
    ),
)  # fmt: skip
