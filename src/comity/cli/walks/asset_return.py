"""Demo walk of the return of confiscated assets (type card T23; legal.md §6; UNCAC 57 [V];
statement Q20): XB records the register, decides to return the net proceeds to XA, records the
digest of the signed disposal statement, transfers the amount, and XA acknowledges receipt."""

from __future__ import annotations

from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields


def example_asset_return_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request to return the confiscated proceeds of the fraud (fictional)."""
    mla = example_mla_fields(state)
    envelope = ("requesting_authority", "case_refs", "language", "offences", "facts_summary")
    return {name: mla[name] for name in envelope} | {
        "assistance_sought": "Return the confiscated funds, net of reasonable expenses.",
        "purpose": "Return the confiscated proceeds so that the fraud's victims are repaid.",
        "purpose_code": "criminal_proc",
        "confiscation_ref": "CC-2026-2231",
        "assets": [
            {
                "description": "Funds confiscated from account 0012-88412 at Example Bank",
                "location": "Treasury of XB",
                "estimated_value": 1084321.55,
                "currency": "EUR",
                "confiscation_order_ref": "XB-EXEQ-2026-4",
                "final_judgment_requesting": True,
                "offence_class": "other_convention_offence",
            }
        ],
        "disposition_sought": "return_to_requesting_state",
        "victims": [
            {
                "name": "Customers of Example Bank (1,200)",
                "claim_amount": 3400000,
                "currency": "EUR",
            },
        ],
        "expenses": [{"kind": "judicial", "amount": 12500, "currency": "EUR"}],
    }


WALK = Walk(
    title="Return of confiscated assets with the signed disposal statement (UNCAC 57)",
    type_code="asset_return",
    fields=example_asset_return_fields,
    moves=(
        Move(REQUESTED, "register", "XB records the register: one asset, 1,084,321.55 EUR.",
             {"register_ref": "XB-REG-2026-5", "assets": 1}, officer="executor",
             expect="registered"),
        Move(REQUESTED, "decide_disposal",
             "XB decides to return the net proceeds to XA for its victims.",
             {"disposition": "return_to_requesting_state",
              "reason": "Priority to returning the proceeds so XA can compensate the victims "
                        "(UNTOC 14(2); UNCAC 57(3)(c))."},
             officer="executor", expect="disposal_decided"),
        Move(REQUESTED, "issue_statement", "XB records the digest of the signed statement.",
             {"statement_sha256": "9f" * 32, "statement_id": "demo-statement-1"},
             officer="executor", expect="statement_issued"),
        Move(REQUESTED, "transfer", "XB transfers 1,071,821.55 EUR (12,500 EUR costs kept).",
             {"amount_cents": 107182155, "currency": "EUR", "transfer_ref": "SWIFT-XB-2026-77"},
             officer="executor", expect="transferred"),
        Move(REQUESTING, "acknowledge_receipt", "XA's treasury acknowledges receipt.",
             {"receipt_ref": "XA-TREASURY-2026-9"}, officer="drafter", expect="returned"),
    ),
)  # fmt: skip
