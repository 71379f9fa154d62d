"""``comity evidence seal`` and ``verify`` on two nodes of a local network, XA and XB."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from comity.cli.main import app
from tests.federation_harness import create_network, node_settings

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})
    # Rich may wrap long lines (paths, digests) on a narrow console: fold whitespace.
    return result.exit_code, " ".join(result.stdout.split()), " ".join(result.stderr.split())


def test_seal_and_verify_through_the_cli(tmp_path: Path) -> None:
    states = {s: node_settings(tmp_path, s, i) for i, s in enumerate(("XA", "XB"), start=1)}
    create_network(tmp_path, states)
    xa, xb = (str(states[s].data_dir) for s in ("XA", "XB"))
    evidence = tmp_path / "mailbox.mbox"
    evidence.write_bytes(os.urandom(300_000))
    pkg = tmp_path / "pkg"
    code, out, err = run(
        "evidence", "seal", str(evidence), "--dir", xa, "--to", "XB", "--request", "REQ-7",
        "--out", str(pkg), "--acquired-by", "Officer A", "--tool", "dd 9.4",
    )  # fmt: skip
    assert code == 0, out + err
    assert "1 file(s), 300000 bytes" in out

    code, out, err = run("evidence", "verify", str(pkg), "--dir", xb)
    assert code == 0, out + err
    assert "contents checked" in out
    code, out, err = run("evidence", "verify", str(pkg), "--dir", xa)
    assert code == 0, out + err
    assert "contents not decrypted" in out

    chunk = pkg / "chunks" / "00000000"
    data = bytearray(chunk.read_bytes())
    data[7] ^= 0x80
    chunk.write_bytes(bytes(data))
    # The chunk digests are over the sealed bytes: every node sees the flipped bit, with the
    # key or without it.
    for data_dir in (xb, xa):
        code, out, err = run("evidence", "verify", str(pkg), "--dir", data_dir)
        assert code == 2
        assert "DIGEST_MISMATCH" in err and "chunk 00000000 does not match its digest" in err

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, out, err = run(
        "evidence", "seal", str(fifo), "--dir", xa, "--to", "XB", "--request", "REQ-7",
        "--out", str(tmp_path / "pkg2"),
    )  # fmt: skip
    assert code == 2
    assert "PACKAGE_UNSAFE" in err
