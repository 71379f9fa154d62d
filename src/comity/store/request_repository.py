"""Requests, their history, search text and deadlines, as rows. Repositories never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.orm import Session

from comity.domain.deadlines import Deadline
from comity.domain.errors import ConcurrencyError
from comity.domain.requests import CooperationRequest, HistoryEntry
from comity.domain.usage import ADDITIONAL_USE, UsagePolicy
from comity.domain.values import Channel, Side, Urgency
from comity.domain.workflow import Status, is_open
from comity.services.ports import RequestQuery
from comity.store import search
from comity.store.tables import cooperation_request, deadline, request_history, request_search


class SQLRequestRepository:
    """Cooperation requests with their history and search text."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.seen: dict[str, CooperationRequest] = {}
        # What this session knows is stored of each request: how many history entries, and
        # the digest of the content its search text was built from. A save then writes only
        # what changed (a status step needs no re-indexing, nor a count of the history).
        self._stored: dict[str, tuple[int, str]] = {}

    def add(self, request: CooperationRequest) -> None:
        self._session.execute(insert(cooperation_request).values(**_request_row(request)))
        self._write_history(request, known=0)
        self._index(request)
        self._remember(request)

    def get(self, request_id: str) -> CooperationRequest | None:
        return self._one(cooperation_request.c.id == request_id)

    def save(self, request: CooperationRequest) -> None:
        values = _request_row(request)
        values["version"] = request.version + 1
        # An UPDATE's result is a cursor result, which knows how many rows matched.
        result = cast(
            CursorResult[Any],
            self._session.execute(
                update(cooperation_request)
                .where(
                    cooperation_request.c.id == request.id,
                    cooperation_request.c.version == request.version,
                )
                .values(**values)
            ),
        )
        if result.rowcount != 1:
            raise ConcurrencyError("the request was changed by someone else; reload it")
        request.version += 1
        stored = self._stored.get(request.id)
        if stored is None:
            known = self._session.scalar(
                select(func.count()).where(request_history.c.request_id == request.id)
            )
            stored = (int(known or 0), "")
        self._write_history(request, known=stored[0])
        if request.digest() != stored[1]:
            self._index(request)
        self._remember(request)

    def _remember(self, request: CooperationRequest) -> None:
        self.seen[request.id] = request
        self._stored[request.id] = (len(request.history), request.digest())

    def by_exchange(self, requesting_state: str, exchange_id: str) -> CooperationRequest | None:
        return self._one(
            cooperation_request.c.requesting_state == requesting_state,
            cooperation_request.c.exchange_id == exchange_id,
        )

    def _one(self, *conditions: Any) -> CooperationRequest | None:
        row = self._session.execute(select(cooperation_request).where(*conditions)).mappings()
        found = row.first()
        if found is None:
            return None
        request = self._hydrate([found])[0]
        self._remember(request)
        return request

    def find(self, query: RequestQuery) -> Sequence[CooperationRequest]:
        table = cooperation_request
        statement = select(table).where(table.c.authority_id == query.authority_id)
        if query.status is not None:
            statement = statement.where(table.c.status == str(query.status))
        if query.type_code is not None:
            statement = statement.where(table.c.type_code == query.type_code)
        if query.state is not None:
            statement = statement.where(
                or_(table.c.requesting_state == query.state, table.c.requested_state == query.state)
            )
        if query.side is not None:
            statement = statement.where(table.c.side == str(query.side))
        if query.statuses:
            statement = statement.where(table.c.status.in_(sorted(map(str, query.statuses))))
        if query.due_before is not None:
            statement = statement.where(
                exists().where(
                    and_(deadline.c.request_id == table.c.id, deadline.c.due_at < query.due_before)
                )
            )
        if query.text:
            ids = search.matching_ids(query.text, self._session.get_bind().dialect.name)
            if ids is not None:
                statement = statement.where(table.c.id.in_(ids))
        newest = table.c.created_at if query.newest_first else table.c.updated_at
        statement = (
            statement.order_by(newest.desc(), table.c.id).limit(query.limit).offset(query.offset)
        )
        rows = self._session.execute(statement).mappings().all()
        return self._hydrate(rows)

    def count_by_status(self, authority_id: str) -> dict[Status, int]:
        table = cooperation_request
        rows = self._session.execute(
            select(table.c.status, func.count())
            .where(table.c.authority_id == authority_id)
            .group_by(table.c.status)
        ).all()
        return {Status(status): int(count) for status, count in rows}

    def _hydrate(self, rows: Sequence[RowMapping]) -> list[CooperationRequest]:
        """Requests from their rows, with every history loaded in one query (not one each)."""
        histories: dict[str, list[HistoryEntry]] = {row["id"]: [] for row in rows}
        if histories:
            entries = self._session.execute(
                select(request_history)
                .where(request_history.c.request_id.in_(list(histories)))
                .order_by(request_history.c.request_id, request_history.c.seq)
            ).mappings()
            for entry in entries:
                histories[entry["request_id"]].append(
                    HistoryEntry(
                        seq=entry["seq"],
                        from_status=Status(entry["from_status"]) if entry["from_status"] else None,
                        to_status=Status(entry["to_status"]),
                        actor_id=entry["actor_id"],
                        at=entry["at"],
                        reason=entry["reason"],
                        detail=dict(entry["detail"] or {}),
                    )
                )
        return [_request(row, histories[row["id"]]) for row in rows]

    def _write_history(self, request: CooperationRequest, *, known: int) -> None:
        new = [entry for entry in request.history if entry.seq > known]
        if new:
            self._session.execute(
                insert(request_history),
                [
                    {
                        "request_id": request.id,
                        "seq": entry.seq,
                        "from_status": str(entry.from_status) if entry.from_status else None,
                        "to_status": str(entry.to_status),
                        "actor_id": entry.actor_id,
                        "at": entry.at,
                        "reason": entry.reason,
                        "detail": dict(entry.detail),
                    }
                    for entry in new
                ],
            )

    def _index(self, request: CooperationRequest) -> None:
        self._session.execute(
            delete(request_search).where(request_search.c.request_id == request.id)
        )
        if request.erased_at is not None:
            # Erased data leave no searchable trace either.
            return
        body = search.document([request.reference, request.type_code, request.fields])
        self._session.execute(insert(request_search).values(request_id=request.id, body=body))

    def past_retention(self, now: datetime, limit: int) -> Sequence[str]:
        table = cooperation_request
        return list(
            self._session.scalars(
                select(table.c.id)
                .where(table.c.retention_until <= now, table.c.erased_at.is_(None))
                .order_by(table.c.retention_until, table.c.id)
                .limit(limit)
            )
        )

    def awaiting_acknowledgement(self, created_before: datetime, limit: int) -> Sequence[str]:
        table = cooperation_request
        return list(
            self._session.scalars(
                select(table.c.id)
                .where(
                    table.c.side == str(Side.REQUESTED),
                    table.c.urgency == str(Urgency.EMERGENCY),
                    table.c.acknowledged_at.is_(None),
                    table.c.created_at <= created_before,
                    table.c.status.in_([str(s) for s in Status if is_open(s)]),
                )
                .order_by(table.c.created_at, table.c.id)
                .limit(limit)
            )
        )

    def additional_uses(self, parent_reference: str) -> Sequence[CooperationRequest]:
        table = cooperation_request
        rows = (
            self._session.execute(
                select(table).where(
                    table.c.type_code == ADDITIONAL_USE, table.c.side == str(Side.REQUESTING)
                )
            )
            .mappings()
            .all()
        )
        # Few requests are of this type; the parent is matched here rather than in JSON, the
        # same way on both engines.
        mine = [
            row for row in rows if (row["fields"] or {}).get("parent_reference") == parent_reference
        ]
        return self._hydrate(mine)


def _request(row: RowMapping, history: list[HistoryEntry]) -> CooperationRequest:
    return CooperationRequest(
        id=row["id"],
        reference=row["reference"],
        side=Side(row["side"]),
        type_code=row["type_code"],
        profile=row["profile"],
        requesting_state=row["requesting_state"],
        requested_state=row["requested_state"],
        authority_id=row["authority_id"],
        urgency=Urgency(row["urgency"]),
        channel=Channel(row["channel"]),
        fields=dict(row["fields"]),
        status=Status(row["status"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        submitted_by=row["submitted_by"],
        approved_by=row["approved_by"],
        approval_digest=row["approval_digest"],
        exchange_id=row["exchange_id"],
        remote_status=Status(row["remote_status"]) if row["remote_status"] else None,
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        original_received_at=row["original_received_at"],
        usage_policy=UsagePolicy.from_record(row["usage_policy"]) if row["usage_policy"] else None,
        erased_at=row["erased_at"],
        history=history,
    )


def _request_row(request: CooperationRequest) -> dict[str, Any]:
    policy = request.usage_policy
    return {
        "id": request.id,
        "reference": request.reference,
        "side": str(request.side),
        "type_code": request.type_code,
        "profile": request.profile,
        "requesting_state": request.requesting_state,
        "requested_state": request.requested_state,
        "authority_id": request.authority_id,
        "urgency": str(request.urgency),
        "channel": str(request.channel),
        "status": str(request.status),
        "fields": request.fields,
        "version": request.version,
        "created_by": request.created_by,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
        "submitted_by": request.submitted_by,
        "approved_by": request.approved_by,
        "approval_digest": request.approval_digest,
        "exchange_id": request.exchange_id,
        "remote_status": str(request.remote_status) if request.remote_status else None,
        "acknowledged_at": request.acknowledged_at,
        "acknowledged_by": request.acknowledged_by,
        "original_received_at": request.original_received_at,
        "usage_policy": policy.as_record() if policy else None,
        "retention_until": policy.retention_until if policy else None,
        "erased_at": request.erased_at,
    }


class SQLDeadlineRepository:
    """Deadlines as rows, recomputed whenever their request changes."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def replace_for(self, request_id: str, deadlines: Sequence[Deadline]) -> None:
        self._session.execute(delete(deadline).where(deadline.c.request_id == request_id))
        if deadlines:
            self._session.execute(
                insert(deadline),
                [
                    {
                        "request_id": request_id,
                        "code": item.code,
                        "label": item.label,
                        "kind": item.kind,
                        "due_at": item.due_at,
                        "basis": list(item.basis),
                    }
                    for item in deadlines
                ],
            )

    def due_before(self, *, authority_id: str, when: datetime, limit: int) -> Sequence[Deadline]:
        rows = self._session.execute(
            select(deadline)
            .join(cooperation_request, cooperation_request.c.id == deadline.c.request_id)
            .where(cooperation_request.c.authority_id == authority_id, deadline.c.due_at < when)
            .order_by(deadline.c.due_at, deadline.c.code, deadline.c.id)
            .limit(limit)
        ).mappings()
        return [
            Deadline(
                request_id=row["request_id"],
                code=row["code"],
                label=row["label"],
                kind=row["kind"],
                due_at=row["due_at"],
                basis=tuple(row["basis"]),
            )
            for row in rows
        ]
