"""Demo walk of a transfer of a sentenced person (type card T19; TSP [V]): XA, the sentencing
State, asks XB, the State of the prisoner's nationality, to take over the sentence. XB records
the receipt (two years left: more than the six months of TSP 3(1)(c)) and asks for its
consul's verification (TSP 7(2)); XA records the prisoner's consent, XB's consul verifies it
and XB's clock opens the agreement. XB will continue the sentence (TSP 9); each State agrees,
XB's clock records that both did, the transfer is scheduled and carried out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields


def example_transfer_sentenced_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request to transfer a prisoner to the State of his nationality (fictional)."""
    mla = example_mla_fields(state)
    envelope = ("requesting_authority", "case_refs", "language", "offences", "facts_summary",
                "purpose_code")  # fmt: skip
    return {name: mla[name] for name in envelope} | {
        "proceeding_nature": "enforcement",
        "purpose": "Let the prisoner serve the rest of his sentence in his own country.",
        "requesting_state_role": "sentencing_state",
        "prisoner": {
            "names": "Jan Example",
            "date_of_birth": "1990-05-14",
            "place_of_birth": "Capital of XB",
            "nationalities": ["XB"],
            "place_of_detention": "Central Prison of XA",
        },
        "nationality_proof": {"title": "Passport of XB no. P1234567"},
        "judgment": {
            "court": "Criminal Court of XA",
            "date": "2025-11-03",
            "reference": "CC-2025-1187",
            "final": True,
            "law_applied": "Criminal Code art. 231 (computer-related fraud)",
        },
        "sentence": {"length_months": 36, "start": "2025-03-01", "time_served_days": 365},
        "remaining_sentence_months": 24,
        "prisoner_consent": True,
        "consent_record": {
            "date": "2026-02-20",
            "given_by": "prisoner",
            "consular_verification_offered": True,
        },
        "dual_criminality_law": "Criminal Code of XB art. 287 (computer fraud).",
        "enforcement_mode": "continue",
    }


WALK = Walk(
    title="Transfer of a sentenced person (TSP)",
    type_code="transfer_sentenced",
    fields=example_transfer_sentenced_fields,
    moves=(
        Move(REQUESTED, "receive", "XB records the receipt: two years left; consul to verify.",
             {"received_at": "@now",
              "sentence_end": "@now+730d", "consular_verification": True},
             officer="executor", expect="received"),
        Move(REQUESTING, "record_consent", "XA records the prisoner's written consent.",
             {"given_at": "@now-10d", "by": "person"}, officer="drafter",
             expect="received"),
        Move(REQUESTED, "verify_consent", "XB's consul verifies the consent (TSP 7(2)).",
             {"verified_at": "@now", "consul": "Consul of XB in XA"},
             officer="executor", advance=timedelta(days=8)),
        Move(REQUESTED, "conditions_met", "XB's clock opens the agreement.",
             clock=True, expect="agreeing"),
        Move(REQUESTED, "set_enforcement", "XB will continue the sentence (TSP 9(1)(a)).",
             {"enforcement_mode": "continue"}, officer="executor", expect="agreeing"),
        Move(REQUESTED, "agree_requested", "XB agrees to the transfer.",
             {"agreement_ref": "XB-MOJ-2026-19"}, officer="executor", expect="agreeing",
             advance=timedelta(days=14)),
        Move(REQUESTING, "agree_requesting", "XA agrees to the transfer.",
             {"agreement_ref": "XA-MOJ-2026-77"}, officer="drafter",
             advance=timedelta(days=3)),
        Move(REQUESTED, "agreed", "XB's clock records that both States agreed.",
             clock=True, expect="agreed"),
        Move(REQUESTING, "schedule_transfer", "XA sets the handover at XA's airport.",
             {"transfer_at": "@now+20d", "place": "Airport of XA"},
             officer="drafter", expect="scheduled"),
        Move(REQUESTED, "transfer", "XB's escort takes charge of the prisoner: transferred.",
             officer="executor", expect="transferred", advance=timedelta(days=30)),
    ),
)  # fmt: skip
