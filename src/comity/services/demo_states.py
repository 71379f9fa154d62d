"""What each fictional State of the demo network publishes about itself.

They differ on purpose, so the legal checks have something to find.
"""

from __future__ import annotations

from typing import Any

from comity.domain.values import ConductCategory


def _penalties(**months: int) -> dict[str, int]:
    """A penalty table: the conduct categories given, in months (absent: not an offence)."""
    unknown = set(months) - {str(category) for category in ConductCategory}
    if unknown:
        raise ValueError(f"unknown conduct categories: {sorted(unknown)}")
    return dict(months)


# What each fictional State publishes about itself. They differ on purpose, so the legal checks
# have something to find: XB does not extradite its nationals and wants a judge's order for
# traffic data; XC restricts transfers of personal data to XA and does not criminalise grooming.
STATE_PARTICULARS: dict[str, dict[str, Any]] = {
    "XA": {
        "name": "Republic of Xanadu A",
        "languages": ["en"],
        "authorities": {
            "central": {
                "kind": "central_authority",
                "name": "Central Authority of Xanadu A (Ministry of Justice)",
                "time_zone": "UTC",
                "hours": "Mon-Fri 08:00-18:00",
            },
            "poc247": {
                "kind": "poc_24_7",
                "name": "Xanadu A National Cybercrime 24/7 Point of Contact",
                "time_zone": "UTC",
                "hours": "24/7",
            },
            "mfa": {"kind": "foreign_ministry", "name": "Ministry of Foreign Affairs of Xanadu A"},
        },
        "declarations": {
            "extradites_nationals": True,
            "traffic_data_requires_judicial_authorisation": False,
            "accepts_electronic_originals": True,
            "political_offence_exception": True,
            "cross_border_transfer_restrictions": [],
        },
        "penalties": _penalties(
            illegal_access=36,
            illegal_interception=60,
            data_interference=60,
            system_interference=84,
            misuse_of_devices=24,
            computer_forgery=60,
            computer_fraud=96,
            csam=120,
            grooming=60,
            non_consensual_images=36,
            laundering=120,
        ),
    },
    "XB": {
        "name": "Kingdom of Xanadu B",
        "languages": ["fr", "en"],
        "authorities": {
            "central": {
                "kind": "central_authority",
                "name": "Autorité centrale du Royaume de Xanadu B",
                "time_zone": "Europe/Paris",
                "hours": "lun.-ven. 09:00-17:00",
            },
            "poc247": {
                "kind": "poc_24_7",
                "name": "Point de contact 24/7 de Xanadu B",
                "time_zone": "Europe/Paris",
                "hours": "24/7",
            },
            "mfa": {"kind": "foreign_ministry", "name": "Ministère des Affaires étrangères (XB)"},
        },
        "declarations": {
            "extradites_nationals": False,
            "traffic_data_requires_judicial_authorisation": True,
            "accepts_electronic_originals": True,
            "political_offence_exception": True,
            "cross_border_transfer_restrictions": [],
        },
        "penalties": _penalties(
            illegal_access=24,
            illegal_interception=36,
            data_interference=36,
            system_interference=60,
            misuse_of_devices=12,
            computer_forgery=60,
            computer_fraud=84,
            csam=120,
            grooming=48,
            laundering=120,
        ),
    },
    "XC": {
        "name": "Federal Union of Xanadu C",
        "languages": ["es", "en"],
        "authorities": {
            "central": {
                "kind": "central_authority",
                "name": "Autoridad Central de la Unión de Xanadu C",
                "time_zone": "America/Bogota",
                "hours": "lun.-vie. 08:00-17:00",
            },
            "poc247": {
                "kind": "poc_24_7",
                "name": "Punto de contacto 24/7 de Xanadu C",
                "time_zone": "America/Bogota",
                "hours": "24/7",
            },
            "mfa": {"kind": "foreign_ministry", "name": "Ministerio de Relaciones Exteriores (XC)"},
        },
        "declarations": {
            "extradites_nationals": True,
            "traffic_data_requires_judicial_authorisation": False,
            "accepts_electronic_originals": False,
            "political_offence_exception": False,
            "cross_border_transfer_restrictions": [
                {
                    "to": "XA",
                    "ground": "No adequacy finding for XA: personal data only with safeguards "
                    "approved by the data-protection authority.",
                }
            ],
        },
        "penalties": _penalties(
            illegal_access=48,
            illegal_interception=48,
            data_interference=48,
            system_interference=72,
            computer_forgery=48,
            computer_fraud=72,
            csam=144,
            non_consensual_images=24,
            laundering=96,
        ),
    },
}
