"""Every difference legal.md §7 lists between the statement's model, the UN convention and the
Budapest Convention, as the outcome each framework profile gives (issue 4, item 6).

Each row names the difference (D01 to D30) and a function of the profile whose result differs
where the texts differ: a finding's severity, a refusal ground, a type's availability or a
channel, or for differences no check depends on yet, the profile's own setting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from comity.domain.legal.engine import assess
from comity.domain.legal.refusal import refusal_grounds
from comity.domain.values import Channel, Urgency
from tests.builders import catalogue
from tests.legal_builders import a_case, a_state, an_offence

PROFILES = ("ahc-2022-proposal", "uncc-2024", "budapest")


def severity(code: str, type_code: str = "mla", **changes: Any) -> Callable[[str], str]:
    """The severity of ``code`` for a case under the profile, or ``-`` if it does not fire."""

    def outcome(profile: str) -> str:
        found = [f for f in assess(a_case(type_code, profile, **changes)) if f.code == code]
        return ",".join(sorted({str(f.severity) for f in found})) or "-"

    return outcome


def ground(type_code: str, code: str) -> Callable[[str], str]:
    """How a refusal ground stands for the type under the profile (``-``: not available)."""

    def outcome(profile: str) -> str:
        grounds = {g.code: g for g in refusal_grounds(a_case(type_code, profile))}
        found = grounds.get(code)
        return str(found.kind) if found is not None else "-"

    return outcome


def availability(type_code: str) -> Callable[[str], str]:
    return lambda profile: str(catalogue().type(type_code).basis_under(profile).availability)


def has_channel(type_code: str, channel: Channel) -> Callable[[str], bool]:
    return lambda profile: channel in catalogue().type(type_code).channels_under(profile)


def flag(name: str) -> Callable[[str], Any]:
    def outcome(profile: str) -> Any:
        value = catalogue().profile(profile).flags[name]
        return tuple(value) if isinstance(value, list) else value

    return outcome


def threshold(name: str) -> Callable[[str], int]:
    return lambda profile: catalogue().profile(profile).thresholds[name]


TWO_YEARS = {"offences": (an_offence("computer_fraud", max_penalty_months=24),)}
OTHER_OFFENCE = {
    "offences": (an_offence("other", max_penalty_months=24),),
    "requested": a_state("XB", penalties={"other": 24}),
}
NOT_AN_OFFENCE_IN_XB = {"requested": a_state("XB", penalties={})}
TRAFFIC = {
    "fields": {
        "data_categories": ["traffic"],
        "data_targets": [
            {
                "description": "Connection logs",
                "identifiers": ["203.0.113.7"],
                "date_from": "2026-01-01",
                "date_to": "2026-02-01",
                "data_categories": ["traffic"],
            }
        ],
    }
}
SUBSCRIBER_BY_POLICE = {
    "channel": Channel.POLICE,
    "fields": {
        "data_categories": ["subscriber"],
        "data_targets": [
            {
                "description": "Account holder",
                "identifiers": ["account 88412"],
                "date_from": "2026-01-01",
                "date_to": "2026-02-01",
                "data_categories": ["subscriber"],
            }
        ],
    },
}
DEATH_PENALTY = {"offences": (an_offence("computer_fraud", death_penalty_possible=True),)}
TRANSBORDER = {"fields": {"access_method": "transborder"}}

# (difference, outcome under each profile, expected outcomes in PROFILES order)
DIFFERENCES: list[tuple[str, Callable[[str], Any], tuple[Any, ...]]] = [
    ("D01 offence catalogue", flag("offence_catalogue"), ("seed_23", "uncc_11", "bc_arts_2_11")),
    (
        "D02 non-convention offences",
        severity("NOT_SERIOUS_OFFENCE", **OTHER_OFFENCE),
        ("warning", "blocking", "-"),
    ),
    (
        "D03 serious filter on convention offences",
        severity("NOT_SERIOUS_OFFENCE", **TWO_YEARS),
        ("warning", "-", "-"),
    ),
    (
        "D03 exceptional override",
        severity("EXCEPTIONAL_JUSTIFICATION_REQUIRED", **TWO_YEARS),
        ("blocking", "-", "-"),
    ),
    ("D04 civil and administrative cases", availability("civil_admin_assistance"),
     ("available", "treaty_only", "treaty_only")),
    ("D05 extradition threshold", threshold("extradition_min_months"), (12, 12, 12)),
    ("D06 extradition grounds: essential interests", ground("extradition", "essential_interests"),
     ("discretionary", "-", "-")),
    ("D06 extradition grounds: domestic law and treaties", ground("extradition", "domestic_treaty"),
     ("-", "discretionary", "discretionary")),
    ("D07 political offence", ground("extradition", "political_offence"),
     ("prohibited", "discretionary", "mandatory_bar")),
    ("D08 death penalty without assurance",
     severity("DEATH_PENALTY_ASSURANCE_REQUIRED", "extradition", **DEATH_PENALTY),
     ("blocking", "-", "-")),
    ("D09 MLA grounds: legal system", ground("mla", "legal_system"), ("-", "discretionary", "-")),
    ("D10 onward transfer", flag("onward_transfer_mode"),
     ("prohibited", "prior_authorisation", "prior_authorisation")),
    ("D11 human-rights checks", flag("hr_safeguard_checks"), ("minimal", "full", "full")),
    ("D12 extradition copy ahead", has_channel("extradition", Channel.COPY_AHEAD),
     (True, False, False)),
    # The UN convention names no e-mail copy ahead of the original (40(13)-(14)); BC 25(3) does.
    ("D13 MLA copy ahead", has_channel("mla", Channel.COPY_AHEAD), (True, False, True)),
    ("D14 secure platform", flag("secure_platform_required"), (True, False, False)),
    ("D15 minimum content", flag("min_content_set"), ("seed_q11", "per_article", "per_article")),
    ("D16 emergency MLA", availability("emergency_mla"),
     ("available", "treaty_only", "available")),
    ("D17 provisional measures", availability("preservation"),
     ("available", "available", "available")),
    ("D18 interception", availability("interception"), ("available", "available", "available")),
    ("D19 covert investigation", availability("covert_investigation"),
     ("available", "unavailable", "treaty_only")),
    ("D20 trans-border access", severity("TRANSBORDER_ACCESS_NOT_PERMITTED", **TRANSBORDER),
     ("blocking", "blocking", "-")),
    ("D21 24/7 functions", flag("emergency_mla_type"), ("enabled", "via_24_7_only", "enabled")),
    ("D22 video hearing equipment", flag("vc_equipment_by_requesting_state"),
     (True, False, False)),
    ("D23 consular route", availability("consular_action"),
     ("available", "unavailable", "treaty_only")),
    ("D24 subscriber data police-to-police",
     severity("POLICE_CHANNEL_PERMITTED", "subscriber_info", **SUBSCRIBER_BY_POLICE),
     ("info", "-", "-")),
    ("D24 traffic data need a judge", severity("JUDICIAL_AUTHORISATION_REQUIRED", **TRAFFIC),
     ("blocking", "warning", "warning")),
    ("D25 asset return of public funds", flag("mandatory_public_funds_return"),
     (True, False, False)),
    ("D26 transfers", availability("transfer_proceedings"),
     ("available", "available", "treaty_only")),
    ("D27 UN models", flag("extradition_grounds_source"),
     ("convention_list", "domestic_and_treaty", "domestic_and_treaty")),
    ("D28 legal persons", flag("civil_admin_assistance"),
     ("general", "legal_persons_only", "legal_persons_only")),
    ("D29 dual criminality in extradition",
     severity("DUAL_CRIMINALITY_NOT_MET", "extradition", **NOT_AN_OFFENCE_IN_XB),
     ("blocking", "warning", "blocking")),
    ("D30 nationals: extradite or prosecute", flag("aut_dedere_on_nationality_refusal"),
     (True, True, True)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("difference", "outcome", "expected"),
    DIFFERENCES,
    ids=[row[0] for row in DIFFERENCES],
)
def test_each_profile_gives_its_own_outcome(
    difference: str, outcome: Callable[[str], Any], expected: tuple[Any, ...]
) -> None:
    assert tuple(outcome(profile) for profile in PROFILES) == expected, difference


def test_every_listed_difference_has_a_row() -> None:
    listed = {row[0].split()[0] for row in DIFFERENCES}
    assert listed == {f"D{n:02d}" for n in range(1, 31)}


def test_an_emergency_under_the_uncc_goes_through_the_24_7_network() -> None:
    # D16: the convention has no stand-alone emergency MLA; the urgency still needs its facts.
    case = a_case("emergency_mla", "uncc-2024", urgency=Urgency.EMERGENCY)
    assert "EMERGENCY_NOT_SUBSTANTIATED" in {f.code for f in assess(case)}
