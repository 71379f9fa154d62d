"""The legal basis of each line of an asset-disposal statement under each framework profile,
and the one disposal rule that differs between the instruments (legal.md §6, §7 D25).

Citations carry legal.md's confidence markers: [V] checked against a full text, [K] article
reliable but paragraph to re-check (legal.md §10), so a [K] citation is data here, not logic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from comity.domain.errors import UnknownProfileError


@dataclass(frozen=True)
class DisposalRules:
    """How a framework profile disposes of assets: the one rule that differs between the
    instruments (legal.md §7 D25) and the legal basis each line cites under it."""

    profile: str
    mandatory_public_funds_return: bool
    gross_basis: str
    expenses_basis: str
    owners_basis: str
    public_funds_basis: str
    victims_basis: str
    sharing_basis: str
    kept_basis: str


_DOMESTIC = "domestic law of the requested State"
# The Budapest Convention has no article on the disposal of confiscated assets (legal.md §7:
# T21-T23 only via treaty or domestic law), so each line rests on domestic law or the
# States' agreement.
RULES: Mapping[str, DisposalRules] = {
    "ahc-2022-proposal": DisposalRules(
        profile="ahc-2022-proposal",
        mandatory_public_funds_return=True,
        gross_basis="UNCAC 57(1) [V]; UNTOC 14(1) [V]; statement Q20",
        expenses_basis="UNCAC 57(4) [V]; statement Q20",
        owners_basis="UNCAC 57(1), 57(2) [V]; statement Q20",
        public_funds_basis="UNCAC 57(3)(a) [V]; statement Q20",
        victims_basis="UNCAC 57(3)(c) [V]; UNTOC 14(2) [V]; statement Q20",
        sharing_basis="UNTOC 14(3)(b) [V]; UNCAC 57(5) [V]",
        kept_basis="UNCAC 57(1) [V]; UNTOC 14(1) [V]; statement Q20",
    ),
    "uncc-2024": DisposalRules(
        profile="uncc-2024",
        mandatory_public_funds_return=False,
        gross_basis="UNCC 52(1) [K]",
        expenses_basis="UNCC 52 [K]",
        owners_basis="UNCC 52(1) [K]; UNCC 50 [K]",
        public_funds_basis="UNCC 52(2) [K]",
        victims_basis="UNCC 52(2) [K]",
        sharing_basis="UNCC 52(3)(b) [K]",
        kept_basis="UNCC 52(1) [K]",
    ),
    "budapest": DisposalRules(
        profile="budapest",
        mandatory_public_funds_return=False,
        gross_basis=_DOMESTIC,
        expenses_basis=_DOMESTIC,
        owners_basis=_DOMESTIC,
        public_funds_basis="agreement between the States",
        victims_basis=_DOMESTIC,
        sharing_basis="agreement between the States",
        kept_basis=_DOMESTIC,
    ),
}


def rules_for(profile: str) -> DisposalRules:
    """The disposal rules of a framework profile; ``UnknownProfileError`` for another code."""
    try:
        return RULES[profile]
    except KeyError:
        raise UnknownProfileError(f"no asset-disposal rules for profile {profile!r}") from None
