"""An emergency's clock as the requested State's 24/7 point lives it (issue 8 item 1; legal.md
§5.2): from arrival to the duty officer's acknowledgement, and from there to the first answer.

The first answer is the first thing this State did about the request after acknowledging it
that the requesting State sees: a step of its own in the shared workflow (registered, more
information asked, decided…) or in the form's practice life cycle (the preservation ordered,
the person arrested). Steps mirrored from the other State and the clock's own steps are not
answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from comity.domain.practice.lifecycle import PracticeRecord, StepSide
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side


@dataclass(frozen=True)
class EmergencyClock:
    """When the request arrived, was acknowledged and first answered (None: not yet), and
    how long each stretch took."""

    arrived_at: datetime
    acknowledged_at: datetime | None
    answered_at: datetime | None

    @property
    def to_acknowledge(self) -> timedelta | None:
        """Arrival to acknowledgement."""
        return None if self.acknowledged_at is None else self.acknowledged_at - self.arrived_at

    @property
    def to_answer(self) -> timedelta | None:
        """Acknowledgement to first answer."""
        if self.acknowledged_at is None or self.answered_at is None:
            return None
        return self.answered_at - self.acknowledged_at


def emergency_clock(
    request: CooperationRequest, record: PracticeRecord | None = None
) -> EmergencyClock:
    """The clock of a request this State received; its practice ``record`` if it has one."""
    acknowledged = request.acknowledged_at
    if request.side is not Side.REQUESTED or acknowledged is None:
        return EmergencyClock(request.created_at, acknowledged, None)
    moments = [
        entry.at
        for entry in request.history
        if entry.from_status is not None
        and entry.at >= acknowledged
        and not entry.detail.get("mirrored")
    ]
    if record is not None:
        moments.extend(
            step.at
            for step in record.steps
            if step.side is StepSide.REQUESTED and step.at >= acknowledged
        )
    return EmergencyClock(request.created_at, acknowledged, min(moments, default=None))
