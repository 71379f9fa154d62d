"""``comity evidence export-case``: a real package and its custody chain as CASE/UCO JSON-LD,
checked by the CASE project's own validator (``case_validate`` from case-utils, SHACL).

case-utils is part of the ``case`` extra that ``make`` installs: a missing validator fails
these tests rather than skipping them, so CI cannot pass without the validation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from comity.cli.main import app
from comity.crypto.custody import CUSTODY_FILE, read_custody_file
from comity.crypto.keys import load_node_keys
from comity.domain.case_uco import CASE_VERSION
from comity.federation_setup import evidence_custody
from tests.federation_harness import create_network, node_settings
from tests.integration.test_evidence_custody import receive_and_open

CASE_VALIDATE = Path(sys.executable).parent / "case_validate"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})
    return result.exit_code, " ".join(result.stdout.split()), " ".join(result.stderr.split())


def case_validate(document: Path) -> subprocess.CompletedProcess[str]:
    """Run the real validator against the CASE release the export is written for."""
    assert CASE_VALIDATE.exists(), (
        f"{CASE_VALIDATE} is missing: install the case extra (make venv, or pip install -e "
        "'.[dev,case]')"
    )
    return subprocess.run(
        [str(CASE_VALIDATE), "--built-version", f"case-{CASE_VERSION}", str(document)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A package sealed in XA, received and opened in XB, exported from XB."""
    tmp = tmp_path_factory.mktemp("case")
    states = {s: node_settings(tmp, s, i) for i, s in enumerate(("XA", "XB"), start=1)}
    create_network(tmp, states)
    (tmp / "in").mkdir()
    (tmp / "in" / "mailbox.mbox").write_bytes(os.urandom(70_000))
    (tmp / "in" / "empty.log").write_bytes(b"")
    pkg = tmp / "pkg"
    code, out, err = run(
        "evidence", "seal", str(tmp / "in" / "mailbox.mbox"), str(tmp / "in" / "empty.log"),
        "--dir", str(states["XA"].data_dir), "--to", "XB", "--request", "REQ-7",
        "--out", str(pkg), "--acquired-by", "Officer A", "--tool", "dd 9.4",
        "--method", "logical copy", "--source", "laptop S/N 1",
    )  # fmt: skip
    assert code == 0, out + err
    manifest, (sealed,) = evidence_custody(states["XB"], pkg)
    keys = load_node_keys(states["XB"].data_dir / "keys", "XB")
    (token,) = read_custody_file(pkg)
    receive_and_open(pkg, keys, manifest, sealed, token, actor="user-7", file="mailbox.mbox")
    out_file = tmp / "package.jsonld"
    code, out, err = run(
        "evidence", "export-case", str(pkg), "--dir", str(states["XB"].data_dir),
        "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, out + err
    assert f"exported to {out_file} as CASE/UCO JSON-LD: 2 file(s), 3 custody record(s)" in out
    return out_file, {"states": states, "pkg": pkg, "tmp": tmp, "manifest": manifest}


def test_the_export_passes_case_validate(exported: tuple[Path, dict[str, Any]]) -> None:
    out_file, _ = exported
    result = case_validate(out_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Conforms: True" in result.stdout


def test_the_export_holds_the_files_hashes_acquisition_and_custody_chain(
    exported: tuple[Path, dict[str, Any]],
) -> None:
    out_file, context = exported
    manifest = context["manifest"]
    document = json.loads(out_file.read_text("utf-8"))
    graph = document["@graph"]
    hashes = {node["types:hashValue"]["@value"] for node in graph if node["@type"] == "types:Hash"}
    assert hashes == {entry.sha256 for entry in manifest.files}
    names = [
        node["core:name"]
        for node in graph
        if node["@type"] == "case-investigation:InvestigativeAction"
    ]
    assert names == ["acquisition", "custody 0: sealed", "custody 1: received", "custody 2: opened"]
    text = out_file.read_text("utf-8")
    for value in ("Officer A", "dd 9.4", "laptop S/N 1", "logical copy", "REQ-7", "node:XA"):
        assert value in text


def broken_copy(out_file: Path, name: str, change: Any) -> Path:
    document = json.loads(out_file.read_text("utf-8"))
    change(document["@graph"])
    broken = out_file.with_name(name)
    broken.write_text(json.dumps(document), "utf-8")
    return broken


def test_case_validate_catches_a_hash_that_is_not_hex_binary(
    exported: tuple[Path, dict[str, Any]],
) -> None:
    def not_hex(graph: list[dict[str, Any]]) -> None:
        for node in graph:
            if node["@type"] == "types:Hash":
                node["types:hashValue"]["@value"] = "zz" + node["types:hashValue"]["@value"][2:]

    result = case_validate(broken_copy(exported[0], "not-hex.jsonld", not_hex))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Conforms: False" in result.stdout
    assert "xsd:hexBinary" in result.stdout


def test_case_validate_catches_a_location_that_is_not_a_location(
    exported: tuple[Path, dict[str, Any]],
) -> None:
    def file_as_location(graph: list[dict[str, Any]]) -> None:
        a_file = next(node["@id"] for node in graph if node["@type"] == "observable:File")
        for node in graph:
            if "action:location" in node:
                node["action:location"] = {"@id": a_file}

    result = case_validate(broken_copy(exported[0], "bad-location.jsonld", file_as_location))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Conforms: False" in result.stdout
    assert "location:Location" in result.stdout


def test_a_broken_custody_chain_is_not_exported(exported: tuple[Path, dict[str, Any]]) -> None:
    _, context = exported
    pkg, tmp, states = context["pkg"], context["tmp"], context["states"]
    copy = tmp / "pkg-without-custody"
    copy.mkdir()
    for item in pkg.rglob("*"):
        if item.is_file() and item.name != CUSTODY_FILE:
            target = copy / item.relative_to(pkg)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.read_bytes())
    out_file = tmp / "no-custody.jsonld"
    code, _, err = run(
        "evidence", "export-case", str(copy), "--dir", str(states["XB"].data_dir),
        "--out", str(out_file),
    )  # fmt: skip
    assert code == 2
    assert "error CUSTODY_BROKEN" in err
    assert not out_file.exists()
