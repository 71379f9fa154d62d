"""Evidence packages and their custody chains, as rows. Repositories never commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.orm import Session

from comity.domain.custody import CustodyAction, CustodyRecord
from comity.domain.evidence_packages import Direction, EvidencePackage, PackageStatus
from comity.services.evidence_ports import CustodyEntry
from comity.store.tables import evidence_custody, evidence_package

_STATE_COLUMNS = (
    "status",
    "chunks_done",
    "bytes_done",
    "updated_at",
    "released_at",
    "failure_code",
    "failure_detail",
)


class SQLPackageRepository:
    """Evidence packages this node sealed or received, and their custody chains."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, package: EvidencePackage, manifest: str) -> None:
        self._session.execute(
            insert(evidence_package).values(
                package_id=package.package_id,
                request_id=package.request_id,
                direction=str(package.direction),
                peer_state=package.peer_state,
                merkle_root=package.merkle_root,
                chunk_count=package.chunk_count,
                total_bytes=package.total_bytes,
                sealed_bytes=package.sealed_bytes,
                created_at=package.created_at,
                manifest=manifest,
                **_state(package),
            )
        )

    def get(self, package_id: str) -> EvidencePackage | None:
        row = (
            self._session.execute(
                select(evidence_package).where(evidence_package.c.package_id == package_id)
            )
            .mappings()
            .first()
        )
        return None if row is None else _package(row)

    def manifest(self, package_id: str) -> str:
        value = self._session.execute(
            select(evidence_package.c.manifest).where(evidence_package.c.package_id == package_id)
        ).scalar_one()
        return str(value)

    def save(self, package: EvidencePackage) -> None:
        self._session.execute(
            update(evidence_package)
            .where(evidence_package.c.package_id == package.package_id)
            .values(**_state(package))
        )

    def for_request(self, request_id: str) -> Sequence[EvidencePackage]:
        rows = self._session.execute(
            select(evidence_package)
            .where(evidence_package.c.request_id == request_id)
            .order_by(evidence_package.c.created_at, evidence_package.c.package_id)
        ).mappings()
        return [_package(row) for row in rows]

    def sending(self) -> Sequence[EvidencePackage]:
        rows = self._session.execute(
            select(evidence_package)
            .where(
                evidence_package.c.direction == str(Direction.OUTGOING),
                evidence_package.c.status == str(PackageStatus.SENDING),
            )
            .order_by(evidence_package.c.created_at, evidence_package.c.package_id)
        ).mappings()
        return [_package(row) for row in rows]

    def recorded(self, package_ids: Sequence[str]) -> frozenset[str]:
        found: set[str] = set()
        # In batches, so a store of many packages never builds one enormous IN list.
        for start in range(0, len(package_ids), 500):
            batch = list(package_ids[start : start + 500])
            found.update(
                self._session.scalars(
                    select(evidence_package.c.package_id).where(
                        evidence_package.c.package_id.in_(batch)
                    )
                )
            )
        return frozenset(found)

    def deleted(self) -> Sequence[EvidencePackage]:
        rows = self._session.execute(
            select(evidence_package)
            .where(evidence_package.c.status == str(PackageStatus.DELETED))
            .order_by(evidence_package.c.created_at, evidence_package.c.package_id)
        ).mappings()
        return [_package(row) for row in rows]

    def add_custody(self, package_id: str, entry: CustodyEntry) -> None:
        record = entry.record
        self._session.execute(
            insert(evidence_custody).values(
                package_id=package_id,
                sequence=record.sequence,
                previous=record.previous,
                action=str(record.action),
                at=record.at,
                place=record.place,
                actor=record.actor[:80],
                digest=record.digest,
                file=record.file,
                detail=record.detail,
                token=entry.token,
            )
        )

    def custody(self, package_id: str) -> Sequence[CustodyEntry]:
        rows = self._session.execute(
            select(evidence_custody)
            .where(evidence_custody.c.package_id == package_id)
            .order_by(evidence_custody.c.sequence)
        ).mappings()
        return [
            CustodyEntry(
                record=CustodyRecord(
                    package_id=row["package_id"],
                    sequence=row["sequence"],
                    previous=row["previous"],
                    action=CustodyAction(row["action"]),
                    actor=row["actor"],
                    at=row["at"],
                    place=row["place"],
                    digest=row["digest"],
                    file=row["file"],
                    detail=row["detail"],
                ),
                token=row["token"],
            )
            for row in rows
        ]


def _state(package: EvidencePackage) -> dict[str, Any]:
    return {name: _column(getattr(package, name)) for name in _STATE_COLUMNS}


def _column(value: Any) -> Any:
    return str(value) if isinstance(value, PackageStatus) else value


def _package(row: RowMapping) -> EvidencePackage:
    return EvidencePackage(
        package_id=row["package_id"],
        request_id=row["request_id"],
        direction=Direction(row["direction"]),
        peer_state=row["peer_state"],
        status=PackageStatus(row["status"]),
        merkle_root=row["merkle_root"],
        chunk_count=row["chunk_count"],
        total_bytes=row["total_bytes"],
        sealed_bytes=row["sealed_bytes"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        chunks_done=row["chunks_done"],
        bytes_done=row["bytes_done"],
        failure_code=row["failure_code"],
        failure_detail=row["failure_detail"],
        released_at=row["released_at"],
    )
