"""Demo walk of a joint investigation team (type card T15; ECMA2P 20 [V]; 2AP 12 [K]): XA
proposes the team, XB agrees on the terms, both sign, and the team works in its shared space
(notes, a task, an evidence package under the agreed use terms, a request to use it for another
offence and XB's consent); XA proposes an extension and XB agrees; the clock reminds both 30
and 7 days before the new end, and at the end XB's clock ends the period; XA closes the team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields

#: The proposed period, from today: four months (the agreement's own instants are written
#: relative to the demo clock in the moves).
PERIOD = timedelta(days=120)


def example_joint_investigation_fields(state: str = "XA") -> dict[str, Any]:
    """A complete proposal to set up a joint investigation team on a ransomware case
    (fictional)."""
    mla = example_mla_fields(state)
    today = datetime.now(UTC).date()
    envelope = ("requesting_authority", "conducting_authority", "case_refs", "language",
                "offences", "facts_summary", "proceeding_nature", "purpose_code")  # fmt: skip
    return {name: mla[name] for name in envelope} | {
        "assistance_sought": (
            "A joint investigation team with the requested State's cybercrime unit, working "
            "in the requested State under its law."
        ),
        "purpose": "Set up a joint team to identify and prosecute the phishing group.",
        "team_purpose": (
            "Identify the operators of the phishing campaign and trace the funds moved "
            "through mule accounts in both States."
        ),
        "composition": [
            {
                "state": state,
                "authority": "Prosecutor General, Cybercrime Division",
                "name": "A. Example",
                "function": "Prosecutor",
            },
            {
                "state": "XB",
                "authority": "National Cybercrime Unit",
                "name": "B. Example",
                "function": "Investigating officer",
            },
        ],
        "state_of_operation": "XB",
        "leader": "Investigating judge of XB",
        "period_start": today.isoformat(),
        "period_end": (today + PERIOD).isoformat(),
        "extension_rule": "By written agreement of both leaders before the end.",
        "location": "Capital of XB",
        "evidence_use_terms": (
            "Information obtained is used for the team's purpose; for other offences only with "
            "the prior consent of the State where it was obtained (ECMA2P 20(10))."
        ),
        "confidentiality_terms": "Team members only; no disclosure without both leaders.",
        "central_authority_cosign": False,
    }


#: The terms XB records when it agrees.
TERMS: dict[str, str | int | bool] = {
    "purpose": "Identify the phishing operators and trace the funds",
    "starts_at": "@now",
    "ends_at": "@now+120d",
    "leader_requesting": "A. Example, Prosecutor (XA)",
    "leader_requested": "Investigating judge of XB",
    "members": "A. Example (XA prosecutor); B. Example (XB cybercrime unit)",
    "state_of_operation": "XB",
    "use_terms": "ecma2p_20_10",
    "confidentiality": "Team members only; no disclosure without both leaders.",
}


def _walk() -> Walk:
    return Walk(
        title="Joint investigation team (agreement, shared space, extension, end)",
        type_code="joint_investigation",
        fields=example_joint_investigation_fields,
        moves=(
            Move(REQUESTED, "agree", "XB agrees to the team on the recorded terms", TERMS,
                 officer="executor", expect="agreed"),
            Move(REQUESTING, "sign_agreement", "XA signs the agreement",
                 {"signatory": "Prosecutor General of XA"}, officer="drafter",
                 expect="signed_once"),
            Move(REQUESTED, "countersign_agreement", "XB signs: the team is active",
                 {"signatory": "Central Authority of XB"}, officer="executor", expect="active"),
            Move(REQUESTING, "add_note", "XA notes the server images received",
                 {"text": "Server images received from the hosting provider."},
                 officer="drafter", expect="active"),
            Move(REQUESTED, "add_task", "XB asks XA to trace the payments",
                 {"title": "Trace the payments to the mule accounts",
                  "assigned_state": "requesting"}, officer="executor", expect="active"),
            Move(REQUESTED, "share_package", "XB shares the decrypted images (team purpose)",
                 {"package_id": "PKG-XB-1", "description": "Decrypted server images"},
                 officer="executor", expect="active"),
            Move(REQUESTING, "complete_task", "XA completes the payment trace",
                 {"task": "1", "outcome": "12 mule accounts identified"}, officer="drafter",
                 expect="active"),
            Move(REQUESTING, "request_other_use", "XA asks to use the images for extortion",
                 {"package_id": "PKG-XB-1", "offence": "Extortion of a hospital"},
                 officer="drafter", expect="active"),
            Move(REQUESTED, "consent_other_use", "XB consents (ECMA2P 20(10)(b))",
                 {"package_id": "PKG-XB-1"}, officer="executor", expect="active"),
            Move(REQUESTING, "propose_extension", "XA proposes two more months",
                 {"new_end_at": "@now+180d", "reason": "New leads on the money mules."},
                 officer="drafter", expect="extension_proposed"),
            Move(REQUESTED, "agree_extension", "XB agrees: the team works two more months",
                 officer="executor", expect="active"),
            Move(REQUESTED, "period_ended",
                 "six months on (reminders 30 and 7 days before), XB's clock ends the period",
                 advance=timedelta(days=181), clock=True, expect="ended"),
            Move(REQUESTING, "close", "XA closes the team with its summary",
                 {"summary": "Two suspects charged; funds traced; evidence shared."},
                 officer="drafter", expect="closed"),
        ),
    )  # fmt: skip


WALK = _walk()
