"""The facts review statistics read: implements ``services.statistics_ports.ReviewFacts``.

Read-only, over its own sessions. It selects the header columns that categorise a request
(side, type, channel, profile, States) and the instants of its status steps: never the fields,
the reference, the reasons, the details of a step or who took it. The request's id is used to
group the steps and stays here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import groupby

from sqlalchemy import select, union
from sqlalchemy.orm import Session, sessionmaker

from comity.domain.statistics import CaseFacts, Step
from comity.domain.values import Side
from comity.domain.workflow import Status
from comity.store.tables import cooperation_request, request_history


class SQLReviewFacts:
    """Anonymous facts of the requests with an activity in a period, for statistics."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def between(self, begins: datetime, ends: datetime) -> Sequence[CaseFacts]:
        """Every request created before ``ends`` and changed at or after ``begins`` (each
        step and acknowledgement sets ``updated_at``, so this holds every request with an
        activity in the period), with its steps in order, in one statement."""
        r, h = cooperation_request, request_history
        statement = (
            select(
                r.c.id,
                r.c.side,
                r.c.type_code,
                r.c.channel,
                r.c.profile,
                r.c.requesting_state,
                r.c.requested_state,
                r.c.acknowledged_at,
                h.c.to_status,
                h.c.at,
            )
            .join(h, h.c.request_id == r.c.id)
            .where(r.c.created_at < ends, r.c.updated_at >= begins)
            .order_by(r.c.id, h.c.seq)
        )
        with self._sessions() as session:
            rows = session.execute(statement).all()
        facts: list[CaseFacts] = []
        for _, group in groupby(rows, key=lambda row: row.id):
            steps = list(group)
            first = steps[0]
            facts.append(
                CaseFacts(
                    side=Side(first.side),
                    type_code=first.type_code,
                    channel=first.channel,
                    profile=first.profile,
                    requesting_state=first.requesting_state,
                    requested_state=first.requested_state,
                    steps=tuple(Step(Status(row.to_status), row.at) for row in steps),
                    acknowledged_at=first.acknowledged_at,
                )
            )
        return facts

    def states(self) -> Sequence[str]:
        """Every State named as requesting or requested by any request, sorted."""
        r = cooperation_request
        statement = union(select(r.c.requesting_state), select(r.c.requested_state))
        with self._sessions() as session:
            return sorted(session.scalars(statement))
