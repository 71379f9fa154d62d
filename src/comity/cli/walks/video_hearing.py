"""Demo walk of a hearing by video conference (type card T16; ECMA2P 9 [V]; 2AP 11 [K]): XB
accepts with its own equipment and an interpreter, schedules the hearing in both States' time
zones (New York for XA's judge, Tokyo for the witness in XB), the clock reminds a day and two
hours before and warns when the hour has passed until XB records the hearing held; XB records
the minutes' digest, and XA countersigns the same digest."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_mla_fields

#: The minutes of the hearing (a stand-in text): both States sign the digest of the document.
MINUTES = (
    "Minutes of the hearing of witness C. Example by video conference, held under the direction "
    "of the investigating judge of XA; present in XB: the judge of XB, the witness, the "
    "interpreter (Japanese). The witness was sworn under XB law."
)
MINUTES_SHA256 = hashlib.sha256(MINUTES.encode("utf-8")).hexdigest()


def example_video_hearing_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request to hear a witness by video conference (fictional)."""
    mla = example_mla_fields(state)
    envelope = ("requesting_authority", "conducting_authority", "case_refs", "language",
                "offences", "facts_summary", "proceeding_nature", "purpose_code")  # fmt: skip
    return {name: mla[name] for name in envelope} | {
        "assistance_sought": (
            "Hearing of a witness by video conference, with the requested State's judge "
            "present and an interpreter for Japanese."
        ),
        "purpose": "Hear the hosting provider's former administrator as a witness.",
        "hearing_person": {
            "names": "C. Example",
            "date_of_birth": "1985-02-03",
            "nationalities": ["XB"],
            "address": "Capital of XB",
            "language": "ja",
        },
        "hearing_role": "witness",
        "medium": "video",
        "reason_no_personal_appearance": (
            "The witness cannot travel for health reasons; the trial cannot wait."
        ),
        "presiding_authority": {
            "name": "District Court of XA",
            "presiding_officer": "Investigating judge",
        },
        "participants": [
            {"name": "A. Example", "function": "Prosecutor"},
            {"name": "D. Example", "function": "Defence counsel"},
        ],
        "interpreter": {"needed": True, "language": "ja"},
        "equipment_provided_by": "requested",
        "cost_arrangements": "Interpretation borne by XA (2AP 11); other costs by XB.",
    }


WALK = Walk(
    title="Hearing by video conference across time zones (minutes signed by both)",
    type_code="video_hearing",
    fields=example_video_hearing_fields,
    moves=(
        Move(REQUESTED, "accept", "XB accepts: its equipment, XA's judge presides, interpreter",
             {"equipment_provided_by": "requested",
              "presiding_authority": "Investigating judge, District Court of XA",
              "interpreter": True, "interpreter_language": "ja", "hearing_role": "witness",
              "medium": "video"}, officer="executor", expect="accepted"),
        Move(REQUESTED, "schedule", "XB schedules the hearing (New York and Tokyo times)",
             {"scheduled_at": "@now+3d", "requesting_time_zone": "America/New_York",
              "requested_time_zone": "Asia/Tokyo", "venue": "District Court of XB, room 4"},
             officer="executor", expect="scheduled"),
        Move(REQUESTED, "", "the hour passes before XB records the hearing: the clock warns",
             advance=timedelta(days=3, hours=1), alarm="video_hearing.not_held"),
        Move(REQUESTED, "conduct", "XB records the hearing held an hour ago",
             {"held_at": "@now-1h"}, officer="executor", expect="conducted"),
        Move(REQUESTED, "record_minutes", "XB records the minutes (ECMA2P 9(6))",
             {"minutes_sha256": MINUTES_SHA256,
              "persons_present": "Judge of XB; witness; interpreter",
              "oaths": "Witness sworn under XB law", "place": "District Court of XB"},
             officer="executor", expect="minutes_recorded"),
        Move(REQUESTING, "countersign_minutes", "XA countersigns the same minutes",
             {"minutes_sha256": MINUTES_SHA256}, officer="drafter", expect="completed"),
    ),
)  # fmt: skip
