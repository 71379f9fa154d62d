"""A request's timeline as both the API and the pages show it: business steps, transport
evidences, custody records of its evidence packages and their failures, in one list."""

from __future__ import annotations

from comity.services.requests import RequestView
from comity.web.api.schemas import TimelineItem

# At the same instant a step comes before the evidences of the message that carries it.
_KIND_ORDER = {"status": 0, "evidence": 1, "custody": 2, "package": 3}


_FAILURES = frozenset({"rejected", "custody_broken"})


def timeline_of(view: RequestView) -> list[TimelineItem]:
    """Business steps and transport evidences in one list, by time then kind."""
    items = (
        [
            TimelineItem(
                at=entry.at,
                kind="status",
                from_status=entry.from_status,
                to_status=entry.to_status,
                reason=entry.reason,
                detail=dict(entry.detail),
            )
            for entry in view.request.history
        ]
        + [
            TimelineItem(
                at=item.at,
                kind="evidence",
                stage=str(item.stage),
                message_type=item.message_type,
                counterpart_state=item.counterpart_state,
                code=item.code,
                message_id=item.message_id,
            )
            for item in view.evidences
        ]
        + [
            TimelineItem(
                at=entry.record.at,
                kind="custody",
                stage=str(entry.record.action),
                counterpart_state=entry.record.place,
                package_id=package.package_id,
                detail={"digest": entry.record.digest, "file": entry.record.file}
                if entry.record.file
                else {"digest": entry.record.digest},
                code=entry.record.detail if entry.record.action.value in _FAILURES else None,
            )
            for package, entry in view.custody
        ]
        + [
            # A package that failed shows why, even when no custody record says it.
            TimelineItem(
                at=package.updated_at,
                kind="package",
                stage=str(package.status),
                counterpart_state=package.peer_state,
                package_id=package.package_id,
                code=package.failure_code,
                reason=package.failure_detail,
            )
            for package in view.packages
            if package.failure_code
        ]
    )
    # A stable sort keeps the history's and the evidences' own order within a tie.
    return sorted(items, key=lambda item: (item.at, _KIND_ORDER[item.kind]))
