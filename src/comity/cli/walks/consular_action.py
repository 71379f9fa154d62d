"""Demo walk of a consular action (type card T17, consular route; VCCR 5(j) [K]; statement
Q23): XA's consulate in XB will serve a summons on one of XA's nationals there. XA opens the
action (the national is XA's; the profile requires the host to be told), its clock routes it
to the notice, XA notifies XB, XB acknowledges, the national agrees to attend, the consul
serves the summons and XA reports."""

from __future__ import annotations

from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields


def example_consular_action_fields(state: str = "XA") -> dict[str, Any]:
    """A complete notice that XA's consulate will serve a summons on an XA national
    (fictional)."""
    mla = example_mla_fields(state)
    envelope = ("requesting_authority", "case_refs", "language", "offences", "facts_summary")
    return {name: mla[name] for name in envelope} | {
        "assistance_sought": "Take note that our consulate will serve a summons on our national.",
        "purpose": "Summon a witness of the requesting State's nationality to its trial.",
        "purpose_code": "criminal_proc",
        "actions": ["serve_documents"],
        "consular_post": {"name": f"Consulate General of {state}", "city": "Capital of XB"},
        "national": {
            "names": "Ana WITNESS",
            "nationality": state,
            "address": "Harbour Street 4, Capital of XB",
            "role": "witness",
        },
        "voluntary_participation": True,
        "documents": [
            {"title": "Summons to appear as a witness", "kind": "summons", "language": "en"}
        ],
        "receiving_state_law_compatibility": (
            "The summons is handed over at the consulate to a national who comes voluntarily; "
            "no compulsion is used."
        ),
    }


WALK = Walk(
    title="Consular service on an own national, the host State informed (VCCR 5(j), Q23)",
    type_code="consular_action",
    fields=example_consular_action_fields,
    channel="diplomatic",
    moves=(
        Move(REQUESTING, "open", "XA opens the action: the addressee is an XA national.",
             {"addressee_nationality": REQUESTING, "requesting_state": REQUESTING,
              "host_notice_required": True}, officer="drafter"),
        Move(REQUESTING, "require_notice", "XA's clock: the profile requires notice to XB.",
             clock=True, expect="notice_due"),
        Move(REQUESTING, "notify_host", "XA informs XB of the service at its consulate.",
             {"notice_ref": "NV-2026-31", "scheduled_at": "@now+7d"}, officer="drafter",
             expect="host_notified"),
        Move(REQUESTED, "acknowledge", "XB acknowledges the notice.", officer="executor",
             expect="acknowledged"),
        Move(REQUESTING, "record_voluntary_participation", "The national agrees to attend.",
             {"consented_at": "@now"}, officer="drafter", expect="consented"),
        Move(REQUESTING, "serve", "The consul hands over the summons.",
             {"served_at": "@now", "proof_of_service_ref": "POS-2026-31"}, officer="drafter",
             expect="acted"),
        Move(REQUESTING, "report", "XA reports the service to XB.",
             {"report": "The summons was served at the consulate on the national."},
             officer="drafter", expect="completed"),
    ),
)  # fmt: skip
