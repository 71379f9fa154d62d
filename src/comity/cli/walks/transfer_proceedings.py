"""Demo walk of a transfer of criminal proceedings (type card T18; TPCM [V]): XA sends the
criminal file with its limitation date, XB asks for supplementary information with a
time-limit (TPCM 14), XA supplies it, XB accepts (XA's right to prosecute is suspended, TPCM
21), tells the victim of the one-month objection window (TPCM 24(2)) and, months later, the
outcome of the proceedings (TPCM 16). The prolonged limitation and the complaint window are
deadlines the clock shows; the law makes no step of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields


def example_transfer_proceedings_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request to transfer the proceedings of a phishing fraud (fictional)."""
    mla = example_mla_fields(state)
    envelope = ("requesting_authority", "conducting_authority", "case_refs", "language",
                "offences", "facts_summary", "purpose", "purpose_code")  # fmt: skip
    return {name: mla[name] for name in envelope} | {
        "proceeding_nature": "prosecution",
        "assistance_sought": "Take over the prosecution of the suspect for the fraud.",
        "purpose": "Have the suspect prosecuted where he lives and the evidence is.",
        "suspect": {
            "names": "Jan Example",
            "date_of_birth": "1990-05-14",
            "nationalities": ["XB"],
            "residence": "Capital of XB",
            "location": "Capital of XB",
        },
        "transfer_grounds": ["resident", "national", "evidence_location"],
        "administration_of_justice_reasons": (
            "The suspect is a national and resident of the requested State, which does not "
            "extradite its nationals; the servers and the mule accounts are there."
        ),
        "dual_criminality_statement": "Computer fraud is an offence under both Criminal Codes.",
        "criminal_file": [
            {"title": "Police report CYB-2026-0412", "form": "certified_copy"},
            {"title": "Bank statements of the mule accounts", "form": "certified_copy"},
        ],
        "limitation_expiry_requesting": "2036-03-31",
        "limitation_expiry_requested": "2034-03-31",
        "complaint_required": True,
    }


#: The limitation date recorded with the file (the request's field, at midnight UTC).
LIMITATION = datetime(2036, 3, 31, tzinfo=UTC)

WALK = Walk(
    title="Transfer of criminal proceedings (TPCM)",
    type_code="transfer_proceedings",
    fields=example_transfer_proceedings_fields,
    moves=(
        Move(REQUESTING, "transmit_file", "XA sends the criminal file (2 certified copies).",
             {"file_ref": "CYB-2026-0412/F", "documents": 2,
              "limitation_ends_at": LIMITATION.isoformat()},
             officer="drafter", expect="transmitted"),
        Move(REQUESTED, "ask_information", "XB asks for the witness statements, with a time-limit.",
             {"questions": "Please send the statements of the bank's fraud team.",
              "answer_by": "@now+30d"},
             officer="executor", expect="information_requested"),
        Move(REQUESTING, "supply_information", "XA sends the statements.",
             {"supplement_ref": "CYB-2026-0412/S1"}, officer="drafter", expect="transmitted",
             advance=timedelta(days=10)),
        Move(REQUESTED, "accept", "XB accepts: XA's right to prosecute is suspended.",
             {"decision_ref": "XB-PG-2026-88"}, officer="executor", expect="accepted",
             advance=timedelta(days=5)),
        Move(REQUESTED, "notify_complainant", "XB tells the bank it has one month to object.",
             {"notified_at": "@now"}, officer="executor",
             expect="accepted"),
        Move(REQUESTED, "notify_outcome", "XB reports the conviction: the record ends.",
             {"outcome": "convicted", "decision_ref": "XB-COURT-2026-431"},
             officer="executor", expect="concluded", advance=timedelta(days=120)),
    ),
)  # fmt: skip
