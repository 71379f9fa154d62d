"""Demo walk of assistance in administrative proceedings linked to an ICT offence (type card
T27; Statement Q2, Q4; UNTOC 18(2) [V]; BC 12(3) [V]): XA's data-protection authority fines the
company whose unprotected server leaked the phishing victims' data and asks XB for the
company's records; XB confirms the case admissible (administrative proceedings on a legal
person's liability), obtains the records under its own law and returns them."""

from __future__ import annotations

from typing import Any

from comity.cli.walks.walk import REQUESTED, Move, Walk
from comity.services.demo import example_mla_fields


def example_civil_admin_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request for assistance in administrative proceedings against a company
    (fictional)."""
    mla = example_mla_fields(state)
    return {
        "requesting_authority": mla["requesting_authority"],
        "conducting_authority": {
            "name": f"Data Protection Authority of {state}",
            "functions": "Conducts the administrative proceedings and imposes the fine",
        },
        "case_refs": [{"case_no": "DPA-2026-031", "authority": "Data Protection Authority"}],
        "language": "en",
        "offences": mla["offences"],
        "facts_summary": (
            "The customer data used in the phishing campaign leaked from an unprotected "
            "server of Example Analytics Ltd, registered in the requested State. The "
            "authority has opened administrative proceedings on the company's liability."
        ),
        "proceeding_nature": "administrative",
        "assistance_sought": "Copies of the company's security policies and incident log.",
        "purpose": "Decide the company's administrative liability for the data leak.",
        "purpose_code": "admin_proc",
        "related_illegal_act": "Computer-related fraud by phishing, using the leaked data",
        "legal_person_liability": True,
        "legal_person": {
            "name": "Example Analytics Ltd",
            "registration_number": "EA-445566",
            "seat": "XB",
        },
        "leads_to_criminal_court": False,
        "measures": ["provide_records"],
    }


WALK = Walk(
    title="Assistance in administrative proceedings on a company's liability (Q2, Q4)",
    type_code="civil_admin_assistance",
    fields=example_civil_admin_fields,
    moves=(
        Move(REQUESTED, "confirm_admissible",
             "XB confirms the case admissible: administrative, on a legal person's liability.",
             {"proceedings_kind": "administrative",
              "offence_link": "The leaked data were used in the phishing fraud.",
              "legal_person_liability": True},
             officer="executor", expect="admitted"),
        Move(REQUESTED, "execute", "XB obtains the company's records under its own law.",
             {"measures_taken": "Production order served; policies and incident log obtained."},
             officer="executor", expect="executed"),
        Move(REQUESTED, "return_result", "XB returns the records to XA.",
             {"result": "Certified copies of 14 documents", "result_ref": "OUT-2026-77"},
             officer="executor", expect="completed"),
    ),
)  # fmt: skip
