"""The custody chain with real node keys and files: signed records, custody.jsonl, and the
``comity evidence seal|verify`` commands that start and check it on two nodes, XA and XB."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from typer.testing import CliRunner

from comity import federation_setup
from comity.cli.main import app
from comity.config import Settings
from comity.crypto import custody as custody_file
from comity.crypto.custody import (
    CUSTODY_FILE,
    append_custody_file,
    read_custody_file,
    sign_record,
    verify_custody_for_node,
    verify_records,
    write_custody_file,
)
from comity.crypto.evidence import seal_package
from comity.crypto.keys import NodeKeys, generate_node_keys, load_node_keys
from comity.domain.custody import CustodyAction, CustodyRecord, next_record
from comity.domain.errors import (
    CustodyBrokenError,
    PackageUnsafeError,
    PolicyViolationError,
    SignatureInvalidError,
    SignerUntrustedError,
)
from comity.domain.evidence import AcquisitionRecord, Manifest
from tests.federation_harness import create_network, node_settings

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ROOT = "ab" * 32
runner = CliRunner()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> tuple[NodeKeys, NodeKeys]:
    root = tmp_path_factory.mktemp("keys")
    xa = generate_node_keys(root / "XA", "XA", now=NOW, with_root=False)
    xb = generate_node_keys(root / "XB", "XB", now=NOW, with_root=False)
    return xa, xb


def signers(*keys: NodeKeys) -> Callable[[str], tuple[str, Ed25519PublicKey]]:
    table = {k.signing_kid: (k.state, k.signing.public_key()) for k in keys}

    def resolve(kid: str) -> tuple[str, Ed25519PublicKey]:
        return table[kid]

    return resolve


def signed_chain(nodes: tuple[NodeKeys, NodeKeys]) -> list[str]:
    """sealed and sent in XA, received and opened (one file) in XB: four signed records."""
    xa, xb = nodes
    steps = [
        (xa, CustodyAction.SEALED, "node:XA", ROOT, None),
        (xa, CustodyAction.SENT, "node:XA", ROOT, None),
        # XB's clock runs behind XA's: custody does not compare times across States.
        (xb, CustodyAction.RECEIVED, "node:XB", ROOT, None),
        (xb, CustodyAction.OPENED, "user-42", "cd" * 32, "a.bin"),
    ]
    tokens: list[str] = []
    record: CustodyRecord | None = None
    for index, (keys, action, actor, digest, file) in enumerate(steps):
        record = next_record(
            tokens[-1] if tokens else None,
            record,
            package_id="pkg-1",
            action=action,
            actor=actor,
            at=NOW - timedelta(minutes=index),
            place=keys.state,
            digest=digest,
            file=file,
        )
        tokens.append(sign_record(record, keys))
    return tokens


def verify(
    tokens: list[str], nodes: tuple[NodeKeys, NodeKeys], *, require: bool = False
) -> list[CustodyRecord]:
    return verify_records(
        tokens,
        signers(*nodes),
        package_id="pkg-1",
        sender_state="XA",
        merkle_root=ROOT,
        require=require,
    )


def test_a_chain_signed_in_two_states_verifies(nodes: tuple[NodeKeys, NodeKeys]) -> None:
    records = verify(signed_chain(nodes), nodes)
    assert [(r.sequence, r.action.value, r.place) for r in records] == [
        (0, "sealed", "XA"),
        (1, "sent", "XA"),
        (2, "received", "XB"),
        (3, "opened", "XB"),
    ]
    assert records[3].file == "a.bin"


def test_signature_faults_keep_their_codes_and_name_the_record(
    nodes: tuple[NodeKeys, NodeKeys],
) -> None:
    tokens = signed_chain(nodes)
    header, payload, signature = tokens[2].split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(SignatureInvalidError, match=r"^custody record 2: "):
        verify([*tokens[:2], f"{header}.{payload}.{flipped}", tokens[3]], nodes)
    # XB's key is not trusted: its records cannot be verified.
    with pytest.raises(SignerUntrustedError, match=r"^custody record 2: "):
        verify_records(
            tokens, signers(nodes[0]), package_id="pkg-1", sender_state="XA", merkle_root=ROOT
        )
    with pytest.raises(PolicyViolationError, match=r"^custody record 1: "):
        verify([tokens[0], "not a token", *tokens[2:]], nodes)


def test_a_record_signed_by_another_state_than_its_place_is_broken(
    nodes: tuple[NodeKeys, NodeKeys],
) -> None:
    xb = nodes[1]
    tokens = signed_chain(nodes)
    record = verify(tokens[:1], nodes)[0]
    # XB signs a record claiming it happened in XA.
    forged = next_record(
        tokens[0],
        record,
        package_id="pkg-1",
        action=CustodyAction.SENT,
        actor="node:XA",
        at=NOW,
        place="XA",
        digest=ROOT,
    )
    with pytest.raises(CustodyBrokenError, match="record 1 is signed by XB, not by XA"):
        verify([tokens[0], sign_record(forged, xb)], nodes)


def test_chain_faults_are_custody_broken(nodes: tuple[NodeKeys, NodeKeys]) -> None:
    tokens = signed_chain(nodes)
    with pytest.raises(CustodyBrokenError, match="record 1 has sequence 2"):
        verify([tokens[0], *tokens[2:]], nodes)
    # A chain that starts after the seal: record 1 re-signed as if it were the first.
    sent = verify(tokens, nodes)[1]
    restarted = CustodyRecord(**{**vars(sent), "sequence": 0, "previous": "0" * 64})
    with pytest.raises(CustodyBrokenError, match="record 0 is sent, not sealed"):
        verify([sign_record(restarted, nodes[0])], nodes)


def test_no_records_is_an_empty_chain_unless_one_is_required(
    nodes: tuple[NodeKeys, NodeKeys],
) -> None:
    assert verify([], nodes) == []
    with pytest.raises(CustodyBrokenError, match="no custody records"):
        verify([], nodes, require=True)


def test_the_custody_file_is_written_appended_and_read_back(
    tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    tokens = signed_chain(nodes)
    assert read_custody_file(tmp_path) == []
    write_custody_file(tmp_path, tokens[:2])
    path = tmp_path / CUSTODY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text("ascii") == tokens[0] + "\n" + tokens[1] + "\n"
    for token in tokens[2:]:
        append_custody_file(tmp_path, token)
    assert read_custody_file(tmp_path) == tokens
    assert len(verify(read_custody_file(tmp_path), nodes)) == 4
    # Writing replaces the whole chain atomically and leaves no temporary file behind.
    write_custody_file(tmp_path, tokens[:1])
    assert read_custody_file(tmp_path) == tokens[:1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [CUSTODY_FILE]
    # Appending creates the file when a package has none yet.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    append_custody_file(fresh, tokens[0])
    assert read_custody_file(fresh) == tokens[:1]
    assert stat.S_IMODE((fresh / CUSTODY_FILE).stat().st_mode) == 0o600
    write_custody_file(fresh, [])
    assert read_custody_file(fresh) == []


def test_a_token_must_be_one_line(tmp_path: Path) -> None:
    for token in ("", "a\nb", "a\rb"):
        with pytest.raises(ValueError, match="one non-empty line"):
            append_custody_file(tmp_path, token)
        with pytest.raises(ValueError, match="one non-empty line"):
            write_custody_file(tmp_path, [token])
    assert not (tmp_path / CUSTODY_FILE).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a.b.c\nd.e", "cut short"),
        (b"a.b.c\n\nd.e.f\n", "line 2 of custody.jsonl is empty"),
        ("a.b.c\n\u00e9\n".encode(), "not ASCII"),
    ],
)
def test_a_damaged_custody_file_is_broken(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / CUSTODY_FILE).write_bytes(content)
    with pytest.raises(CustodyBrokenError, match=message):
        read_custody_file(tmp_path)


def test_appending_after_a_cut_short_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / CUSTODY_FILE).write_bytes(b"a.b.c\nd.e")
    with pytest.raises(CustodyBrokenError, match="cut short"):
        append_custody_file(tmp_path, "f.g.h")
    assert (tmp_path / CUSTODY_FILE).read_bytes() == b"a.b.c\nd.e"


def test_a_custody_file_too_large_is_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(custody_file, "MAX_CUSTODY_BYTES", 10)
    (tmp_path / CUSTODY_FILE).write_bytes(b"a.b.c\n" * 2)
    with pytest.raises(CustodyBrokenError, match="too large"):
        read_custody_file(tmp_path)


def test_a_custody_file_that_is_not_a_regular_file_is_unsafe(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_bytes(b"a.b.c\n")
    link_dir, fifo_dir, dir_dir = (tmp_path / name for name in ("link", "fifo", "dir"))
    for folder in (link_dir, fifo_dir, dir_dir):
        folder.mkdir()
    (link_dir / CUSTODY_FILE).symlink_to(target)
    os.mkfifo(fifo_dir / CUSTODY_FILE)
    (dir_dir / CUSTODY_FILE).mkdir()
    for folder in (link_dir, fifo_dir, dir_dir):
        with pytest.raises(PackageUnsafeError, match=r"custody\.jsonl"):
            read_custody_file(folder)
        with pytest.raises(PackageUnsafeError, match=r"custody\.jsonl"):
            append_custody_file(folder, "a.b.c")
    assert target.read_bytes() == b"a.b.c\n"


# --- Through the command line, on two nodes of a local network ------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


@dataclass
class Network:
    states: dict[str, Settings]
    pkg: Path
    tmp: Path


@pytest.fixture
def network(tmp_path: Path) -> Network:
    states = {s: node_settings(tmp_path, s, i) for i, s in enumerate(("XA", "XB"), start=1)}
    create_network(tmp_path, states)
    evidence = tmp_path / "a.bin"
    evidence.write_bytes(os.urandom(5000))
    pkg = tmp_path / "pkg"
    xa = str(states["XA"].data_dir)
    code, out, err = run(
        "evidence", "seal", str(evidence), "--dir", xa, "--to", "XB", "--request", "REQ-7",
        "--out", str(pkg),
    )  # fmt: skip
    assert code == 0, out + err
    return Network(states, pkg, tmp_path)


def test_seal_starts_the_chain_and_verify_prints_it(network: Network) -> None:
    states, pkg = network.states, network.pkg
    (token,) = read_custody_file(pkg)
    assert stat.S_IMODE((pkg / CUSTODY_FILE).stat().st_mode) == 0o600
    xb = str(states["XB"].data_dir)
    code, out, err = run("evidence", "verify", str(pkg), "--dir", xb)
    assert code == 0, out + err
    assert "Custody chain: 1 record(s), unbroken." in out
    manifest, (sealed,) = federation_setup.evidence_custody(states["XB"], pkg)
    assert (sealed.action, sealed.actor, sealed.place) == (CustodyAction.SEALED, "node:XA", "XA")
    assert sealed.digest == manifest.merkle_root
    assert sealed.at == manifest.created_at
    line = f"0  {sealed.at.isoformat().replace('+00:00', 'Z')}  XA  sealed  node:XA  "
    assert line + manifest.merkle_root[:16] in out

    # XB receives the package and opens its file: two records signed by XB's node.
    keys = load_node_keys(states["XB"].data_dir / "keys", "XB")
    receive_and_open(pkg, keys, manifest, sealed, token, actor="user-42", file="a.bin")
    code, out, err = run("evidence", "verify", str(pkg), "--dir", xb)
    assert code == 0, out + err
    assert "Custody chain: 3 record(s), unbroken." in out
    assert "  XB  received  node:XB  " in out
    assert f"  XB  opened  user-42  {manifest.files[0].sha256[:16]}  a.bin" in out
    # The sender's node verifies the same chain with the same directory.
    code, out, err = run("evidence", "verify", str(pkg), "--dir", str(states["XA"].data_dir))
    assert code == 0, out + err
    assert "Custody chain: 3 record(s)" in out


def test_verify_names_the_first_custody_fault(network: Network) -> None:
    states, pkg = network.states, network.pkg
    xb = str(states["XB"].data_dir)
    (token,) = read_custody_file(pkg)
    _, (sealed,) = federation_setup.evidence_custody(states["XB"], pkg)
    keys = load_node_keys(states["XB"].data_dir / "keys", "XB")

    # XB's node signs a record that claims to have been made in XA.
    forged = next_record(
        token,
        sealed,
        package_id=sealed.package_id,
        action=CustodyAction.SENT,
        actor="node:XA",
        at=NOW,
        place="XA",
        digest=sealed.digest,
    )
    append_custody_file(pkg, sign_record(forged, keys))
    code, _, err = run("evidence", "verify", str(pkg), "--dir", xb)
    assert code == 2
    assert "error CUSTODY_BROKEN: custody record 1 is signed by XB, not by XA" in err

    # A record altered after signing: two characters of its payload swapped.
    header, payload, signature = token.split(".")
    at = next(i for i in range(10, len(payload) - 2) if payload[i] != payload[i + 1])
    altered = payload[:at] + payload[at + 1] + payload[at] + payload[at + 2 :]
    write_custody_file(pkg, [f"{header}.{altered}.{signature}"])
    code, _, err = run("evidence", "verify", str(pkg), "--dir", xb)
    assert code == 2
    assert "error SIG_INVALID: custody record 0: " in err

    # A package whose custody chain was removed.
    (pkg / CUSTODY_FILE).unlink()
    code, _, err = run("evidence", "verify", str(pkg), "--dir", xb)
    assert code == 2
    assert "error CUSTODY_BROKEN: package " in err and "has no custody records" in err


def test_a_manifest_signed_by_another_state_than_its_sender_is_untrusted(
    network: Network,
) -> None:
    states, tmp = network.states, network.tmp
    xa_keys = load_node_keys(states["XA"].data_dir / "keys", "XA")
    xb_keys = load_node_keys(states["XB"].data_dir / "keys", "XB")
    evidence = tmp / "b.bin"
    evidence.write_bytes(b"evidence")
    pkg = tmp / "forged"
    # XB signs a manifest that claims XA sent it.
    seal_package(
        [evidence],
        out_dir=pkg,
        keys=xb_keys,
        recipient_kid=xa_keys.encryption_kid,
        recipient_key=xa_keys.encryption.public_key(),
        sender_state="XA",
        recipient_state="XB",
        request_reference="REQ-7",
        acquisition=AcquisitionRecord("Officer A", NOW, "copy", "cp", "disk", "REQ-7"),
        now=NOW,
        package_id="forged-1",
    )
    directory = federation_setup.verified_directory(states["XA"]).directory
    with pytest.raises(SignerUntrustedError, match="signed by XB, not its sender"):
        verify_custody_for_node(pkg, directory=directory)


def receive_and_open(
    pkg: Path,
    keys: NodeKeys,
    manifest: Manifest,
    sealed: CustodyRecord,
    token: str,
    *,
    actor: str,
    file: str,
) -> None:
    """The receiving node XB appends ``received`` and ``opened`` (of ``file``) to the chain."""
    received = next_record(
        token,
        sealed,
        package_id=manifest.package_id,
        action=CustodyAction.RECEIVED,
        actor="node:XB",
        at=datetime.now(UTC),
        place="XB",
        digest=manifest.merkle_root,
    )
    append_custody_file(pkg, received_token := sign_record(received, keys))
    opened = next_record(
        received_token,
        received,
        package_id=manifest.package_id,
        action=CustodyAction.OPENED,
        actor=actor,
        at=datetime.now(UTC),
        place="XB",
        digest=manifest.file(file).sha256,
        file=file,
    )
    append_custody_file(pkg, sign_record(opened, keys))
