"""The CASE/UCO JSON-LD builder: shape, stable identifiers, the custody chain in order.

The document is validated against the CASE ontology by ``case_validate`` in
tests/integration/test_case_export.py; these tests pin the shape the builder promises.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from comity.domain.case_uco import CONTEXT, build_case_document
from comity.domain.custody import CustodyAction, CustodyRecord, next_record
from comity.domain.errors import CustodyBrokenError
from comity.domain.evidence import AcquisitionRecord, FileEntry, Manifest

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ROOT = "12" * 32
UUID_END = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def manifest() -> Manifest:
    return Manifest(
        package_id="pkg-1",
        sender_state="XA",
        recipient_state="XB",
        request_reference="REQ-1",
        chunk_size=1024,
        chunks=("ef" * 32,),
        merkle_root=ROOT,
        files=(
            FileEntry("mail/a.mbox", 10, "application/mbox", "ab" * 32, 0, 1),
            FileEntry("empty.txt", 0, "text/plain", "cd" * 32, 1, 0),
        ),
        acquisition=AcquisitionRecord(
            "Officer A", NOW, "logical copy", "dd 9.4", "laptop S/N 1", "REQ-1"
        ),
        created_at=NOW,
    )


def custody() -> list[CustodyRecord]:
    steps: list[tuple[CustodyAction, str, str, str, str | None, str | None]] = [
        (CustodyAction.SEALED, "node:XA", "XA", ROOT, None, None),
        (CustodyAction.RECEIVED, "node:XB", "XB", ROOT, None, None),
        (CustodyAction.OPENED, "user-42", "XB", "ab" * 32, "mail/a.mbox", "for REQ-1"),
    ]
    records: list[CustodyRecord] = []
    token: str | None = None
    for index, (action, actor, place, digest, file, detail) in enumerate(steps):
        records.append(
            next_record(
                token,
                records[-1] if records else None,
                package_id="pkg-1",
                action=action,
                actor=actor,
                at=NOW + timedelta(hours=index),
                place=place,
                digest=digest,
                file=file,
                detail=detail,
            )
        )
        token = f"token-{index}"
    return records


def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["@id"]: node for node in document["@graph"]}


def of_type(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in document["@graph"] if node["@type"] == kind]


def test_the_context_declares_every_prefix_used_and_the_package_prefix() -> None:
    document = build_case_document(manifest(), custody())
    context = document["@context"]
    assert context == {**CONTEXT, "kb": "urn:comity:evidence:pkg-1:"}
    used: set[str] = set()

    def collect(value: Any) -> None:
        # Compact IRIs appear as member names, types and identifiers, never in plain text.
        if isinstance(value, dict):
            for name, item in value.items():
                if name == "@value":
                    continue
                if name in ("@id", "@type"):
                    used.add(item.split(":")[0])
                else:
                    used.add(name.split(":")[0])
                    collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(document["@graph"])
    assert used == set(context)


def test_every_node_has_a_stable_identifier_ending_in_a_uuid_and_no_blank_node() -> None:
    document = build_case_document(manifest(), custody())
    assert document == build_case_document(manifest(), custody())
    identifiers = [node["@id"] for node in document["@graph"]]
    assert len(identifiers) == len(set(identifiers))
    for identifier in identifiers:
        assert identifier.startswith("kb:") and UUID_END.search(identifier), identifier

    def nested(value: Any) -> None:
        # Every object inside a node is a reference to a node or a typed literal, never a node.
        if isinstance(value, dict):
            assert set(value) in ({"@id"}, {"@type", "@value"}), value
            if "@id" in value:
                assert value["@id"] in identifiers
        elif isinstance(value, list):
            for item in value:
                nested(item)

    for node in document["@graph"]:
        for name, value in node.items():
            if name not in ("@id", "@type"):
                nested(value)
    # Another package gets other identifiers.
    other = build_case_document(Manifest(**{**vars(manifest()), "package_id": "pkg-2"}))
    assert not set(identifiers) & {node["@id"] for node in other["@graph"]}


def test_files_carry_their_name_path_size_media_type_and_sha256() -> None:
    document = build_case_document(manifest())
    nodes = by_id(document)
    files = of_type(document, "observable:File")
    assert len(files) == 2
    facets = [nodes[ref["@id"]] for ref in files[0]["core:hasFacet"]]
    assert [facet["@type"] for facet in facets] == [
        "observable:FileFacet",
        "observable:ContentDataFacet",
    ]
    file_facet, content = facets
    assert file_facet["observable:fileName"] == "a.mbox"
    assert file_facet["observable:filePath"] == "mail/a.mbox"
    assert file_facet["observable:sizeInBytes"] == {"@type": "xsd:integer", "@value": "10"}
    assert content["observable:mimeType"] == "application/mbox"
    digest = nodes[content["observable:hash"]["@id"]]
    assert digest["@type"] == "types:Hash"
    assert digest["types:hashMethod"] == "SHA256"
    assert digest["types:hashValue"] == {"@type": "xsd:hexBinary", "@value": "ab" * 32}


def test_the_acquisition_is_an_investigative_action_with_its_provenance() -> None:
    document = build_case_document(manifest())
    nodes = by_id(document)
    (acquisition,) = of_type(document, "case-investigation:InvestigativeAction")
    assert acquisition["core:name"] == "acquisition"
    assert acquisition["action:startTime"] == {
        "@type": "xsd:dateTime",
        "@value": "2025-03-01T12:00:00Z",
    }
    performer = nodes[acquisition["action:performer"]["@id"]]
    assert performer == {**performer, "@type": "identity:Identity", "core:name": "Officer A"}
    assert nodes[acquisition["action:instrument"]["@id"]]["core:name"] == "dd 9.4"
    source = nodes[acquisition["action:object"]["@id"]]
    assert source["@type"] == "observable:ObservableObject"
    assert source["core:name"] == "laptop S/N 1"
    results = [nodes[ref["@id"]]["@type"] for ref in acquisition["action:result"]]
    assert results == ["observable:File", "observable:File", "case-investigation:ProvenanceRecord"]
    (provenance,) = of_type(document, "case-investigation:ProvenanceRecord")
    assert provenance["case-investigation:exhibitNumber"] == "pkg-1"
    assert ROOT in provenance["core:description"]
    assert len(provenance["core:object"]) == 2


def test_custody_records_are_actions_chained_in_order() -> None:
    document = build_case_document(manifest(), custody())
    nodes = by_id(document)
    actions = of_type(document, "case-investigation:InvestigativeAction")
    assert [action["core:name"] for action in actions] == [
        "acquisition",
        "custody 0: sealed",
        "custody 1: received",
        "custody 2: opened",
    ]
    acquisition_provenance = actions[0]["action:result"][-1]["@id"]
    previous_action, previous_provenance = actions[0]["@id"], acquisition_provenance
    for action in actions[1:]:
        assert action["case-investigation:wasInformedBy"] == {"@id": previous_action}
        assert action["action:object"][0] == {"@id": previous_provenance}
        previous_action, previous_provenance = action["@id"], action["action:result"]["@id"]
    sealed, received, opened = actions[1:]
    assert nodes[sealed["action:performer"]["@id"]]["@type"] == "identity:Organization"
    assert nodes[opened["action:performer"]["@id"]] == {
        "@id": opened["action:performer"]["@id"],
        "@type": "identity:Identity",
        "core:name": "user-42",
    }
    assert nodes[sealed["action:location"]["@id"]]["core:name"] == "XA"
    # One location node per State, one identity per actor.
    assert received["action:location"] == opened["action:location"]
    assert len(of_type(document, "location:Location")) == 2
    assert opened["action:startTime"]["@value"] == "2025-03-01T14:00:00Z"
    # The file-level step concerns that file only; package-level steps every file.
    assert len(sealed["action:object"]) == 3
    opened_result = nodes[opened["action:result"]["@id"]]
    (concerned,) = opened_result["core:object"]
    file_facet = nodes[nodes[concerned["@id"]]["core:hasFacet"][0]["@id"]]
    assert file_facet["observable:filePath"] == "mail/a.mbox"
    assert (
        "SHA-256 of mail/a.mbox " + "ab" * 32 + "; for REQ-1" in opened_result["core:description"]
    )
    assert "Merkle root " + ROOT in nodes[sealed["action:result"]["@id"]]["core:description"]


def test_a_record_about_a_file_the_package_does_not_hold_is_refused() -> None:
    records = custody()
    stray = CustodyRecord(**{**vars(records[2]), "file": "other.bin"})
    with pytest.raises(CustodyBrokenError, match=r"record 2 is about 'other\.bin'"):
        build_case_document(manifest(), [*records[:2], stray])
