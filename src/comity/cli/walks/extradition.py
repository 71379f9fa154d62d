"""The extradition walk (T01): XB's court grants the extradition for the fraud, XB plans the
surrender with XA's escorts and hands the person over; XA asks XB's consent to prosecute an
earlier theft (speciality, ECE 14(1)(a)), XB consents; XA records the final discharge, and 46
days later XB's clock ends the speciality protection (ECE 14(1)(b)), which XA sees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields


def example_extradition_fields(state: str = "XA", nationality: str | None = None) -> dict[str, Any]:
    """A complete request for the extradition of a suspect of computer fraud (fictional), a
    national of ``nationality`` (the requesting State's by default)."""
    base = example_mla_fields(state)
    nationality = nationality or state
    return {
        "requesting_authority": {
            "name": f"Ministry of Justice of {state}, Extradition Unit",
            "kind": "central_authority",
            "email": "extradition@justice.example",
            "time_zone": "UTC",
        },
        "conducting_authority": base["conducting_authority"],
        "case_refs": base["case_refs"],
        "language": "en",
        "offences": base["offences"],
        "facts_summary": base["facts_summary"],
        "purpose": "Prosecution of the suspect for the phishing fraud.",
        "purpose_code": "criminal_proc",
        "persons": [
            {
                "role": "accused",
                "names": "Jon EXAMPLE",
                "date_of_birth": "1990-05-17",
                "nationalities": [nationality],
            }
        ],
        "extradition_purpose": "prosecution",
        "person": {
            "names": "Jon EXAMPLE",
            "description": "Male, about 1.80 m, scar on the left hand; uses the alias 'jex'.",
            "nationalities": [nationality],
            "date_of_birth": "1990-05-17",
            "location": "Capital City of XB",
        },
        "warrant": {
            "kind": "arrest_warrant",
            "issuing_court": "Investigating judge, District Court",
            "date": "2026-04-10",
            "reference": "AW-2026-118",
            "enforceable": True,
        },
        "relevant_enactments": ["Criminal Code art. 231 (computer fraud): up to 7 years."],
        "limitation_status": [
            {
                "offence": "Computer-related fraud",
                "time_barred": False,
                "basis": "Criminal Code art. 101: 10 years",
            }
        ],
    }


WALK = Walk(
    title="Extradition: decision per offence, surrender, speciality lapse after 45 days",
    type_code="extradition",
    fields=example_extradition_fields,
    channel="central_authority",
    moves=(
        Move(
            REQUESTED,
            "examine",
            "puts the request before the Court of Appeal",
            {"court": "Court of Appeal of XB"},
            officer="executor",
            expect="under_decision",
        ),
        Move(
            REQUESTED,
            "grant_offence",
            "the court grants extradition for the computer fraud",
            {"offence": "Computer-related fraud"},
            officer="executor",
            expect="offence_granted",
        ),
        Move(
            REQUESTED,
            "grant",
            "grants the extradition (ECE 18(1))",
            {"decision_ref": "CA-2026-17"},
            officer="executor",
            expect="granted",
        ),
        Move(
            REQUESTED,
            "plan_surrender",
            "sets the place and date of surrender, with XA's escorts (ECE 18(3))",
            {
                "date": "@now+7d",
                "place": "International airport of XB",
                "escorts": "Two officers of XA's police",
            },
            officer="executor",
            expect="surrender_planned",
        ),
        Move(
            REQUESTED,
            "surrender",
            "hands the person over to XA's escorts",
            {"surrendered_at": "@now"},
            officer="executor",
            advance=timedelta(days=7),
            expect="surrendered",
        ),
        Move(
            REQUESTING,
            "request_consent",
            "asks consent to prosecute an earlier theft (speciality, ECE 14(1)(a))",
            {"offence": "Theft of a laptop in 2025", "purpose": "prosecution"},
            officer="drafter",
            expect="surrendered",
        ),
        Move(
            REQUESTED,
            "grant_consent",
            "consents to the prosecution for the theft",
            {"offence": "Theft of a laptop in 2025"},
            officer="executor",
            expect="surrendered",
        ),
        Move(
            REQUESTING,
            "discharge",
            "records the person's final discharge after the trial",
            {"discharged_at": "@now"},
            officer="drafter",
            advance=timedelta(days=30),
            expect="discharged",
        ),
        Move(
            REQUESTED,
            "speciality_lapsed",
            "ends the speciality protection: 45 days after the discharge (ECE 14(1)(b))",
            advance=timedelta(days=46),
            clock=True,
            expect="speciality_ended",
        ),
    ),
)
