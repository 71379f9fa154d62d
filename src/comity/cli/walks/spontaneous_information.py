"""Demo walk of spontaneous information (type card T13; BC 26 [V], ECMA2P 11 [V], UNTOC
18(4)-(5) [V]): XA passes XB, unasked, the lead it found in its own investigation, on condition
that XB keeps it confidential and uses it for intelligence only; XB accepts the conditions,
which then bind it; later XB notifies XA before disclosing, in a trial, an exculpatory part of
the information (UNTOC 18(5)), reports what the information was used for, and closes."""

from __future__ import annotations

from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields


def example_spontaneous_information_fields(state: str = "XA") -> dict[str, Any]:
    """Complete spontaneous information about mule accounts in the receiving State
    (fictional), with conditions attached."""
    mla = example_mla_fields(state)
    envelope = ("requesting_authority", "case_refs", "language", "offences", "facts_summary")
    return {name: mla[name] for name in envelope} | {
        "purpose": "Let the receiving State open its own investigation of the mule accounts.",
        "purpose_code": "criminal_proc",
        "information": (
            "Our phishing investigation found that 1.1 million of the stolen funds went to "
            "twelve accounts at Example Bank in your State, opened in March 2026 with forged "
            "identity documents. The account numbers and transfer dates are attached."
        ),
        "information_kind": ["proceeds_of_crime", "suspect_identity"],
        "why_useful": "The accounts and their holders are in your jurisdiction.",
        "receiving_authority": "Financial crime unit of the national police",
        "proceeds_related": True,
        "conditions": {
            "confidential": True,
            "use_restrictions": "Intelligence only; ask before using it as evidence.",
        },
    }


WALK = Walk(
    title="Spontaneous information with binding conditions (BC 26, UNTOC 18(4)-(5))",
    type_code="spontaneous_information",
    fields=example_spontaneous_information_fields,
    moves=(
        Move(REQUESTED, "accept_conditions",
             "XB accepts the confidentiality and use conditions: they now bind it.",
             officer="executor", expect="bound"),
        Move(REQUESTED, "notify_exculpatory_disclosure",
             "XB notifies XA before disclosing an exculpatory transfer record at trial.",
             {"material": "The transfer record showing one account holder was abroad",
              "proceedings": "Trial of an account holder, District Court of XB"},
             officer="executor", expect="bound"),
        Move(REQUESTING, "request_consultation", "XA asks to be consulted on the disclosure.",
             {"points": "Disclose the record without the bank's internal references."},
             officer="drafter", expect="bound"),
        Move(REQUESTED, "report_use",
             "XB reports the use: an investigation of the mule accounts was opened.",
             {"use": "Investigation FC-2026-88 opened; four accounts frozen."},
             officer="executor", expect="bound"),
        Move(REQUESTED, "close", "XB closes the record; the conditions stay binding.",
             officer="executor", expect="closed"),
    ),
)  # fmt: skip
