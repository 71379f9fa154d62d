"""An evidence package and its custody chain as CASE/UCO JSON-LD (CASE and UCO 1.5.0).

The document describes, without any blank node:

* each file as an ``observable:File`` with a ``observable:FileFacet`` (name, path in the
  package, size) and an ``observable:ContentDataFacet`` (size, media type, and its SHA-256 as
  a ``types:Hash`` whose value is an ``xsd:hexBinary``);
* the acquisition as a ``case-investigation:InvestigativeAction``: its performer, start time,
  instrument (the tool), object (the source device or account) and results (the files and a
  ``case-investigation:ProvenanceRecord`` holding them);
* each custody record as a further investigative action, with its time, performer (the
  record's opaque actor id), location (the State) and a provenance record as its result;
  each action takes the previous provenance record as its object and was informed by the
  previous action, so the chain reads in order from the acquisition on.

Identifiers are stable: the same package and chain always give the same document. Each
ends with a name-based UUID (RFC 9562 version 5) derived from the package id and the node's
role, as UCO advises, behind a readable ``urn:comity:evidence:<package id>:`` prefix. Only
what the signed manifest and the custody records hold goes in: no other personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from comity.domain.custody import CustodyRecord
from comity.domain.errors import CustodyBrokenError
from comity.domain.evidence import FileEntry, Manifest

__all__ = ["CASE_VERSION", "CONTEXT", "build_case_document"]

#: The CASE (and UCO) release whose vocabulary the document uses.
CASE_VERSION = "1.5.0"

_UCO = "https://ontology.unifiedcyberontology.org/uco/"
CONTEXT: dict[str, str] = {
    "action": f"{_UCO}action/",
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "core": f"{_UCO}core/",
    "identity": f"{_UCO}identity/",
    "location": f"{_UCO}location/",
    "observable": f"{_UCO}observable/",
    "tool": f"{_UCO}tool/",
    "types": f"{_UCO}types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def build_case_document(
    manifest: Manifest, custody: Sequence[CustodyRecord] = ()
) -> dict[str, Any]:
    """The CASE/UCO JSON-LD document for ``manifest`` and its verified custody records."""
    graph = _Graph(manifest.package_id)
    files = [graph.file(index, entry) for index, entry in enumerate(manifest.files)]
    acquisition = manifest.acquisition
    provenance = graph.node(
        "provenance-acquisition",
        "case-investigation:ProvenanceRecord",
        {
            "core:description": (
                f"Evidence package {manifest.package_id} sealed by {manifest.sender_state} for"
                f" {manifest.recipient_state} under request {manifest.request_reference};"
                f" Merkle root (RFC 9162, SHA-256 leaves) {manifest.merkle_root}"
            ),
            "case-investigation:exhibitNumber": manifest.package_id,
            "core:object": _refs(files),
        },
    )
    previous_action = graph.node(
        "acquisition",
        "case-investigation:InvestigativeAction",
        {
            "core:name": "acquisition",
            "core:description": (
                f"{acquisition.method} under request {acquisition.request_reference}"
            ),
            "action:performer": _ref(graph.identity(acquisition.acquired_by)),
            "action:startTime": _instant(acquisition.acquired_at),
            "action:instrument": _ref(
                graph.node(
                    "tool", "tool:Tool", {"core:name": acquisition.tool}, key=acquisition.tool
                )
            ),
            "action:object": _ref(
                graph.node(
                    "source",
                    "observable:ObservableObject",
                    {"core:name": acquisition.source},
                    key=acquisition.source,
                )
            ),
            "action:result": [*_refs(files), _ref(provenance)],
        },
    )
    by_path = {entry.path: file for entry, file in zip(manifest.files, files, strict=True)}
    for record in custody:
        if record.file is None:
            concerned = files
        elif record.file in by_path:
            concerned = [by_path[record.file]]
        else:
            raise CustodyBrokenError(
                f"custody record {record.sequence} is about {record.file!r}, which the"
                " package does not hold"
            )
        step = f"custody-{record.sequence}"
        what = "Merkle root" if record.file is None else f"SHA-256 of {record.file}"
        note = f"; {record.detail}" if record.detail else ""
        result = graph.node(
            f"provenance-{step}",
            "case-investigation:ProvenanceRecord",
            {
                "core:description": (
                    f"Custody record {record.sequence}: {record.action.value} by {record.actor}"
                    f" in {record.place}; {what} {record.digest}{note}"
                ),
                "case-investigation:exhibitNumber": manifest.package_id,
                "core:object": _refs(concerned),
            },
        )
        previous_action = graph.node(
            step,
            "case-investigation:InvestigativeAction",
            {
                "core:name": f"custody {record.sequence}: {record.action.value}",
                "action:performer": _ref(graph.identity(record.actor)),
                "action:startTime": _instant(record.at),
                "action:location": _ref(
                    graph.node(
                        "location", "location:Location", {"core:name": record.place}, record.place
                    )
                ),
                "action:object": [_ref(provenance), *_refs(concerned)],
                "action:result": _ref(result),
                "case-investigation:wasInformedBy": _ref(previous_action),
            },
        )
        provenance = result
    return {"@context": dict(CONTEXT, kb=graph.prefix), "@graph": graph.nodes}


class _Graph:
    """The document's nodes, each added once under a stable identifier."""

    def __init__(self, package_id: str) -> None:
        self.prefix = f"urn:comity:evidence:{package_id}:"
        self.nodes: list[dict[str, Any]] = []
        self._seen: set[str] = set()

    def node(self, role: str, kind: str, members: dict[str, Any], key: str | None = None) -> str:
        """Add a node (once per ``role`` and ``key``) and return its identifier."""
        name = role if key is None else f"{role}:{key}"
        identifier = f"kb:{role}-{uuid.uuid5(uuid.NAMESPACE_URL, self.prefix + name)}"
        if identifier not in self._seen:
            self._seen.add(identifier)
            self.nodes.append({"@id": identifier, "@type": kind, **members})
        return identifier

    def identity(self, actor: str) -> str:
        """A performer: a node (``node:XA``) is an organisation, anyone else an identity."""
        kind = "identity:Organization" if actor.startswith("node:") else "identity:Identity"
        return self.node("identity", kind, {"core:name": actor}, key=actor)

    def file(self, index: int, entry: FileEntry) -> str:
        """An ``observable:File`` with its file and content facets and its SHA-256."""
        role = f"file-{index}"
        size = {"@type": "xsd:integer", "@value": str(entry.size)}
        digest = self.node(
            f"{role}-sha256",
            "types:Hash",
            {
                "types:hashMethod": "SHA256",
                "types:hashValue": {"@type": "xsd:hexBinary", "@value": entry.sha256},
            },
        )
        facets = [
            self.node(
                f"{role}-file-facet",
                "observable:FileFacet",
                {
                    "observable:fileName": entry.path.rsplit("/", 1)[-1],
                    "observable:filePath": entry.path,
                    "observable:sizeInBytes": size,
                },
            ),
            self.node(
                f"{role}-content-facet",
                "observable:ContentDataFacet",
                {
                    "observable:sizeInBytes": size,
                    "observable:mimeType": entry.media_type,
                    "observable:hash": _ref(digest),
                },
            ),
        ]
        return self.node(role, "observable:File", {"core:hasFacet": _refs(facets)})


def _ref(identifier: str) -> dict[str, str]:
    return {"@id": identifier}


def _refs(identifiers: Sequence[str]) -> list[dict[str, str]]:
    return [_ref(identifier) for identifier in identifiers]


def _instant(moment: datetime) -> dict[str, str]:
    text = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"@type": "xsd:dateTime", "@value": text}
