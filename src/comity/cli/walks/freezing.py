"""Demo walk of a freezing for eventual confiscation (type card T21; UNCAC 54(2), 55(2), 55(7),
55(8) [V]): XB freezes the mule account; the 90-day review comes round (a reminder 14 days
before, then an overdue alarm), and XB reviews and continues the measure; later XB states its
intention to lift it, XA lets the 14-day window pass without arguing, XB's clock closes the
window and XB lifts the measure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, Move, Walk
from comity.services.demo import example_mla_fields


def example_freezing_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request to freeze the account that received the stolen funds (fictional)."""
    mla = example_mla_fields(state)
    envelope = ("requesting_authority", "conducting_authority", "case_refs", "language",
                "offences", "facts_summary", "proceeding_nature")  # fmt: skip
    return {name: mla[name] for name in envelope} | {
        "assistance_sought": "Freeze the account that received the proceeds of the fraud.",
        "purpose": "Keep the proceeds available for their confiscation after the trial.",
        "purpose_code": "criminal_proc",
        "urgency_reasons": "The holder moves the funds out of the account every few days.",
        "measures": ["trace", "freeze"],
        "assets": [
            {
                "description": "Current account 0012-88412 at Example Bank",
                "kind": "bank_account",
                "link_to_offence": "proceeds",
                "identifiers": ["XB00 1234 0012 8841 2"],
                "holder": "Example Trading Ltd",
                "location": "Example Bank, Capital of XB",
                "estimated_value": 1100000,
                "currency": "EUR",
            }
        ],
        "confiscation_grounds": (
            "1.1 million of the stolen funds were transferred to the account between January "
            "and March 2026; the law of the requesting State confiscates proceeds of fraud."
        ),
        "order_relied_on": {
            "issuing_authority": "Investigating judge, District Court",
            "reference": "FRZ-2026-31",
            "date": "2026-04-02",
        },
        "dissipation_risk": "Transfers abroad are made within days of each deposit.",
        "financial_records_requested": True,
    }


WALK = Walk(
    title="Freezing and seizure: 90-day review, lift only after hearing XA (UNCAC 55(8))",
    type_code="freezing",
    fields=example_freezing_fields,
    urgency="urgent",
    moves=(
        Move(REQUESTED, "order", "XB freezes the account by court order.",
             {"order_ref": "XB-COURT-FRZ-77", "measure": "freeze",
              "assets": "Account 0012-88412 at Example Bank", "ordered_at": "@now"},
             officer="executor", expect="in_force"),
        Move(REQUESTED, "",
             "90 days on (the reminder came 14 days before), the review is overdue: warning.",
             advance=timedelta(days=90), alarm="freezing.review_overdue"),
        Move(REQUESTED, "review", "XB reviews the measure and continues it for 90 days.",
             {"outcome": "continue"}, officer="executor", expect="in_force",
             advance=timedelta(days=1)),
        Move(REQUESTED, "intend_lift", "XB tells XA it intends to lift the freezing.",
             {"reason": "No evidence of the trial received in five months (UNCAC 55(7))."},
             officer="executor", expect="lift_notified", advance=timedelta(days=60)),
        Move(REQUESTED, "close_comment_window",
             "14 days without an argument from XA: XB's clock closes the window.",
             clock=True, expect="lift_open", advance=timedelta(days=14)),
        Move(REQUESTED, "lift", "XB lifts the freezing.",
             {"reason": "XA did not argue for continuation within 14 days (UNCAC 55(8))."},
             officer="executor", expect="lifted"),
    ),
)  # fmt: skip
