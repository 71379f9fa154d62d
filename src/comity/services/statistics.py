"""Review statistics for the convention's review mechanism: anonymous counts and turnaround
times of a period, from the node's requests sent and received (domain.statistics).

Reading them is for the auditor, the DPO and the administrator, or the node's operator at the
command line; each export writes one audit entry (``audit:statistics:exported``, the period's
digest as its object) in a unit of work that commits before the export is handed over.
"""

from __future__ import annotations

from dataclasses import dataclass

from comity.domain.access import User
from comity.domain.errors import FieldIssue, InvalidFieldsError, PermissionDeniedError
from comity.domain.events import StatisticsExported
from comity.domain.periods import parse_period
from comity.domain.statistics import Report, build_report, check_min_cell
from comity.domain.values import Channel, Role
from comity.services.context import ServiceContext
from comity.services.statistics_formats import MEDIA_TYPES, render
from comity.services.statistics_ports import StatisticsKit

READERS = (Role.AUDITOR, Role.DPO, Role.ADMIN)
# Who exports at the command line: whoever holds the node directory, and with it the database.
OPERATOR = "operator"


@dataclass(frozen=True)
class Export:
    """The statistics of one period, as a file."""

    report: Report
    media_type: str
    filename: str
    body: str


def export(
    ctx: ServiceContext,
    *,
    actor: User,
    first: str,
    last: str,
    file_format: str = "json",
    min_cell: int | None = None,
) -> Export:
    """The statistics from day ``first`` to day ``last`` (``YYYY-MM-DD``, UTC, included) as
    ``json`` or ``csv``, counts below ``min_cell`` (the node's setting by default, and at
    least it) suppressed. For the auditor, DPO and administrator roles (``FORBIDDEN``)."""
    if not actor.active or not actor.has(*READERS):
        raise PermissionDeniedError("review statistics are for the auditor, DPO and admin roles")
    return _export(ctx, actor.id, first, last, file_format, min_cell)


def export_as_operator(
    ctx: ServiceContext,
    *,
    first: str,
    last: str,
    file_format: str = "json",
    min_cell: int | None = None,
) -> Export:
    """``export`` for the node's operator at the command line (audited as ``operator``)."""
    return _export(ctx, OPERATOR, first, last, file_format, min_cell)


def _export(
    ctx: ServiceContext,
    actor_id: str,
    first: str,
    last: str,
    file_format: str,
    min_cell: int | None,
) -> Export:
    kit = _kit(ctx)
    period = parse_period(first, last)
    k = check_min_cell(min_cell, kit.min_cell)
    if file_format not in MEDIA_TYPES:
        raise InvalidFieldsError((FieldIssue("format", "invalid", "json or csv"),))
    now = ctx.clock.now()
    report = build_report(
        kit.facts.between(period.begins, period.ends),
        state=ctx.state,
        period=period,
        generated_at=now,
        k=k,
        categories={
            "type": ctx.catalogue.types,
            "channel": [str(channel) for channel in Channel],
            "profile": ctx.catalogue.profiles,
            "state_pair": [
                pair
                for other in kit.facts.states()
                if other != ctx.state
                for pair in (f"{ctx.state}->{other}", f"{other}->{ctx.state}")
            ],
        },
    )
    media_type, body = render(report, file_format)
    with ctx.uow() as uow:
        uow.record(
            StatisticsExported(
                actor_id,
                now,
                period.digest(),
                period_from=period.first.isoformat(),
                period_to=period.last.isoformat(),
                file_format=file_format,
                min_cell=k,
            )
        )
        uow.commit()
    filename = f"comity-statistics-{ctx.state}-{period.first}-{period.last}.{file_format}"
    return Export(report=report, media_type=media_type, filename=filename, body=body)


def _kit(ctx: ServiceContext) -> StatisticsKit:
    if ctx.statistics is None:
        raise PermissionDeniedError("this node has no source of review statistics")
    return ctx.statistics
