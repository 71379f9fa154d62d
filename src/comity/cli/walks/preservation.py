"""The preservation walk (T05, Q17): XB's 24/7 point orders the data preserved and returns the
provider's confirmation without the central authority; XA asks for an extension, XB grants
it; then 121 days pass with no follow-up request and XB's clock releases the data, which both
States see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.services.demo import example_preservation_fields


def _fields(state: str) -> dict[str, Any]:
    return example_preservation_fields(state)


WALK = Walk(
    title="Expedited preservation of stored data (60 days, extension, expiry)",
    type_code="preservation",
    fields=_fields,
    urgency="urgent",
    channel="network_24_7",
    moves=(
        Move(
            REQUESTED,
            "order",
            "orders Example Hosting Ltd to preserve the data",
            {"provider": "Example Hosting Ltd", "order_ref": "PO-2026-31"},
            officer="duty",
        ),
        Move(
            REQUESTED,
            "confirm",
            "returns the provider's confirmation: 60 days start",
            {"confirmation_ref": "EH-7710"},
            officer="duty",
            expect="preserved",
        ),
        Move(
            REQUESTING,
            "request_extension",
            "asks for an extension: the formal request is being translated",
            {"reason": "The formal MLA request is being translated."},
            advance=timedelta(days=50),
        ),
        Move(REQUESTED, "grant_extension", "grants 60 more days", officer="duty"),
        Move(
            REQUESTED,
            "expire",
            "expires the preservation: no follow-up came, the data are released",
            advance=timedelta(days=71),
            clock=True,
            expect="released",
        ),
    ),
)
