"""Demo walk of a confiscation by giving effect to the requesting State's order (type card
T22, route b; UNTOC 13(1)(b), 13(3)(b) [V]; UNCAC 55(1)(b), 55(3)(b) [V]): XB's court gives
effect to XA's final order, whose third parties were notified, and XB executes it, recording
the value realised in cents."""

from __future__ import annotations

from typing import Any

from comity.cli.walks.walk import REQUESTED, Move, Walk
from comity.services.demo import example_mla_fields


def example_confiscation_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request to execute a final confiscation order of the requesting State
    (fictional)."""
    mla = example_mla_fields(state)
    envelope = ("requesting_authority", "conducting_authority", "case_refs", "language",
                "offences", "facts_summary")  # fmt: skip
    return {name: mla[name] for name in envelope} | {
        "proceeding_nature": "prosecution",
        "assistance_sought": "Execute the confiscation order against the frozen account.",
        "purpose": "Confiscate the proceeds of the fraud held in the requested State.",
        "purpose_code": "criminal_proc",
        "route": "execute_foreign_order",
        "property": [
            {
                "description": "Balance of current account 0012-88412 at Example Bank",
                "location": "Example Bank, Capital of XB",
                "holder": "Example Trading Ltd",
                "estimated_value": 1100000,
                "currency": "EUR",
                "freezing_ref": "XB-COURT-FRZ-77",
            }
        ],
        "foreign_order": {
            "court": "Criminal Court of the Capital",
            "date": "2026-09-15",
            "reference": "CC-2026-2231",
            "copy_sha256": "5d" * 32,
        },
        "extent_of_execution": "The whole balance, up to 1,100,000 EUR.",
        "third_party_notice_statement": (
            "The account holder and the bank were served with notice of the proceedings and "
            "heard by the court; no third party claimed the funds."
        ),
        "order_final": True,
        "return_requested": True,
    }


WALK = Walk(
    title="Confiscation: a final foreign order given effect and executed (UNCAC 55(1)(b))",
    type_code="confiscation",
    fields=example_confiscation_fields,
    moves=(
        Move(REQUESTED, "give_effect",
             "XB's court gives effect to XA's final order; third parties were notified.",
             {"foreign_order_ref": "CC-2026-2231", "decision_ref": "XB-EXEQ-2026-4",
              "ordered_at": "@now", "order_finality": "final", "third_parties": "notified"},
             officer="executor", expect="order_made"),
        Move(REQUESTED, "execute", "XB executes the order: 1,084,321.55 EUR realised.",
             {"value_realised_cents": 108432155, "currency": "EUR", "executed_at": "@now"},
             officer="executor", expect="executed"),
    ),
)  # fmt: skip
