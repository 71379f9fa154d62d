"""The grounds for refusal a requested State may invoke, as data (legal.md §2.1, §2.2, §7).

Which of them apply to a case is decided in ``refusal.refusal_grounds`` from the type and the
profile's flags and instruments; this module only lists them with their kind and citations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

EXTRADITION_TYPES = frozenset({"extradition", "provisional_arrest"})

# Forms of cooperation that are mutual legal assistance in the sense of UNTOC 18 / UNCC 40 /
# BC 25-34 (legal.md §1.1, T03-T12, T16, T17, T20-T22, T24, T27). Police cooperation,
# spontaneous information, joint teams, transfers, consular action, asset return and workflow
# messages have their own regimes and are not refused on the MLA grounds.
MLA_TYPES = frozenset(
    {
        "mla",
        "emergency_mla",
        "preservation",
        "traffic_disclosure",
        "stored_data",
        "realtime_traffic",
        "interception",
        "subscriber_info",
        "emergency_disclosure",
        "video_hearing",
        "service_documents",
        "temporary_transfer",
        "freezing",
        "confiscation",
        "covert_investigation",
        "civil_admin_assistance",
    }
)

# Expedited preservation and disclosure of preserved traffic data may only be refused on the
# grounds of BC 29(4)-(5) and 30(2) (R-MLA-PRES-LIMIT).
PRESERVATION_TYPES = frozenset({"preservation", "traffic_disclosure"})

# Provisional measures on assets: the confiscation articles add their own grounds.
ASSET_TYPES = frozenset({"freezing", "confiscation"})


class GroundKind(StrEnum):
    """How a ground binds the requested State (legal.md §2 modelling)."""

    # The instrument says assistance "shall not" be granted.
    MANDATORY_BAR = "mandatory_bar"
    # "May refuse" or "no obligation": a person decides.
    DISCRETIONARY = "discretionary"
    # The instrument forbids a refusal resting on this ground alone.
    PROHIBITED = "prohibited"


@dataclass(frozen=True)
class RefusalGround:
    """One ground the requested State may (or, if prohibited, may not) invoke."""

    code: str
    title: str
    kind: GroundKind
    legal_basis: tuple[str, ...]


def define_ground(code: str, title: str, kind: GroundKind, *basis: str) -> RefusalGround:
    return RefusalGround(code=code, title=title, kind=kind, legal_basis=basis)


D = GroundKind.DISCRETIONARY
M = GroundKind.MANDATORY_BAR
P = GroundKind.PROHIBITED

# The statement's own list of extradition grounds (Q13), in its order. Q13 also says the grounds
# should be those of the existing extradition treaties, in particular the ECE: its mandatory
# bars for a final judgment (art. 9) and lapse of time (art. 10) are kept as such.
CONVENTION_EXTRADITION = (
    define_ground(
        "lis_pendens",
        "The requested State is prosecuting the person for the same offence",
        D,
        "Statement Q13",
        "ECE art. 8",
    ),
    define_ground(
        "ne_bis_in_idem",
        "The requested State has given a final judgment for the same offence",
        M,
        "Statement Q13",
        "ECE art. 9",
    ),
    define_ground(
        "discrimination",
        "The request aims to prosecute or punish the person on discriminatory grounds or is "
        "politically motivated",
        D,
        "Statement Q13",
        "UNTOC art. 16(14)",
        "UNCAC art. 44(15)",
    ),
    define_ground(
        "essential_interests",
        "Extradition would prejudice the requested State's sovereignty, security, public order "
        "or other essential interests",
        D,
        "Statement Q13",
    ),
    define_ground(
        "death_penalty",
        "The offence is punishable by death and the assurances given are not sufficient",
        D,
        "Statement Q13",
        "ECE art. 11",
    ),
    define_ground(
        "territoriality",
        "The offence was committed in whole or in part in the requested State's territory",
        D,
        "Statement Q13",
        "ECE art. 7(1)",
    ),
    define_ground(
        "nationality",
        "The person is a national of the requested State",
        D,
        "Statement Q13",
        "ECE art. 6(1)(a)",
    ),
    define_ground(
        "time_barred",
        "Prosecution or punishment is barred by lapse of time",
        M,
        "Statement Q13",
        "ECE art. 10",
    ),
    # Q15: the statement accepts references to extradition treaties both States are parties to,
    # but not a deferral to the requested State's domestic law.
    define_ground(
        "extradition_treaty",
        "A ground in an extradition treaty to which both States are parties",
        D,
        "Statement Q15",
    ),
)

# The UN and Budapest model: few grounds in the convention, the rest from domestic law and
# treaties (UNTOC 16(7), UNCC 37(8), BC 24(5)).
TREATY_EXTRADITION = (
    define_ground(
        "discrimination",
        "The request aims to prosecute or punish the person on discriminatory grounds",
        D,
        "UNTOC art. 16(14)",
        "UNCAC art. 44(15)",
        "UNCC art. 37(15)",
    ),
    define_ground(
        "nationality",
        "The person is a national of the requested State (extradite or prosecute)",
        D,
        "UNTOC art. 16(10)",
        "UNCC art. 37(11)",
        "BC art. 24(6)",
    ),
    define_ground(
        "domestic_treaty",
        "A ground under the requested State's law or an applicable extradition treaty",
        D,
        "UNTOC art. 16(7)",
        "UNCAC art. 44(8)",
        "UNCC art. 37(8)",
        "BC art. 24(5)",
    ),
)

# Where the European Convention on Extradition is one of the profile's instruments, its grounds
# are treaty grounds the requested State may name directly.
ECE_EXTRADITION = (
    define_ground(
        "lis_pendens", "The requested State is prosecuting for the same offence", D, "ECE art. 8"
    ),
    define_ground("ne_bis_in_idem", "A final judgment in the requested State", M, "ECE art. 9"),
    define_ground("time_barred", "Barred by lapse of time", M, "ECE art. 10"),
    define_ground(
        "territoriality", "Committed in the requested State's territory", D, "ECE art. 7(1)"
    ),
    define_ground("death_penalty", "Death penalty without sufficient assurance", D, "ECE art. 11"),
)

FISCAL_EXTRADITION = define_ground(
    "fiscal",
    "The offence is considered to involve fiscal matters",
    P,
    "UNTOC art. 16(15)",
    "UNCAC art. 44(16)",
    "UNCC art. 37(16)",
    "ECE art. 5",
)

# The MLA grounds a profile may list in ``mla_grounds`` (D09).
MLA_GROUNDS: Mapping[str, RefusalGround] = {
    "form": define_ground(
        "form",
        "The request does not conform to the requirements of the article",
        D,
        "UNTOC art. 18(21)(a)",
        "UNCC art. 40(21)(a)",
    ),
    "essential_interests": define_ground(
        "essential_interests",
        "Execution would prejudice the requested State's sovereignty, security, public order or "
        "other essential interests",
        D,
        "Statement Q14",
        "UNTOC art. 18(21)(b)",
        "UNCC art. 40(21)(b)",
        "BC art. 27(4)(b)",
    ),
    "domestic_prohibition": define_ground(
        "domestic_prohibition",
        "The requested State's law bars the action for a similar domestic offence",
        D,
        "UNTOC art. 18(21)(c)",
        "UNCC art. 40(21)(c)",
    ),
    "legal_system": define_ground(
        "legal_system",
        "Granting would be contrary to the requested State's legal system for mutual assistance",
        D,
        "UNTOC art. 18(21)(d)",
        "UNCC art. 40(21)(d)",
    ),
    "discrimination": define_ground(
        "discrimination",
        "The request aims to prosecute or punish a person on discriminatory grounds",
        D,
        "UNCC art. 40(22)",
    ),
    "political_offence": define_ground(
        "political_offence",
        "The request concerns a political offence or an offence connected with one",
        D,
        "BC art. 27(4)(a)",
        "ECMA art. 2(a)",
    ),
    "domestic_treaty": define_ground(
        "domestic_treaty",
        "A ground under the requested State's law or an applicable mutual assistance treaty",
        D,
        "BC art. 25(4)",
    ),
}

MLA_DUAL_CRIMINALITY = define_ground(
    "dual_criminality",
    "The conduct is not an offence in the requested State (coercive measures)",
    D,
    "UNTOC art. 18(9)",
    "UNCAC art. 46(9)(b)",
    "BC art. 25(5)",
)

MLA_PROHIBITED = (
    define_ground(
        "fiscal",
        "The offence is also considered to involve fiscal matters",
        P,
        "UNTOC art. 18(22)",
        "UNCAC art. 46(22)",
        "UNCC art. 40(23)",
        "BC art. 25(4)",
    ),
    define_ground(
        "bank_secrecy",
        "Bank secrecy",
        P,
        "UNTOC art. 18(8)",
        "UNCAC art. 46(8)",
        "UNTOC art. 12(6)",
    ),
)

PRESERVATION_GROUNDS = (
    define_ground(
        "essential_interests",
        "Execution would prejudice the requested State's sovereignty, security, public order or "
        "other essential interests",
        D,
        "BC art. 29(5)(b)",
        "BC art. 30(2)(b)",
        "UNCC art. 42",
    ),
    define_ground(
        "political_offence",
        "The request concerns a political offence or an offence connected with one",
        D,
        "BC art. 29(5)(a)",
        "BC art. 30(2)(a)",
    ),
)

# BC 29(4): a reservation lets a State refuse preservation for want of dual criminality, but
# only for offences other than the convention's.
PRESERVATION_DUAL_CRIMINALITY = define_ground(
    "dual_criminality",
    "Dual criminality cannot be fulfilled at the time of disclosure (offence outside the "
    "convention, by reservation)",
    D,
    "BC art. 29(4)",
    "UNCC art. 42",
)

ASSET_GROUNDS = (
    define_ground(
        "insufficient_evidence",
        "Sufficient evidence was not received in time, or the property is of minimal value",
        D,
        "UNCAC art. 55(7)",
    ),
)

CONFISCATION_OUTSIDE_CONVENTION = define_ground(
    "offence_outside_convention",
    "The offence is not one the convention covers",
    D,
    "UNTOC art. 13(7)",
)

# Q16 (and the de-politicisation clauses UNCAC 44(4), UNCC 37(4)): convention offences are not
# political offences, and cooperation is not refused on that ground alone.
POLITICAL_EXCLUDED = define_ground(
    "political_offence",
    "Political offence (convention offences are never political offences)",
    P,
    "Statement Q16",
    "UNCAC art. 44(4)",
)

POLITICAL_EXTRADITION: Mapping[str, RefusalGround] = {
    "allowed": define_ground(
        "political_offence",
        "The offence is regarded by the requested State as a political offence",
        M,
        "ECE art. 3(1)",
        "BC art. 24(5)",
    ),
    "per_domestic_law": define_ground(
        "political_offence",
        "Political offence, where the requested State's law or a treaty provides for it",
        D,
        "UNTOC art. 16(7)",
        "UNCC art. 37(8)",
    ),
}
