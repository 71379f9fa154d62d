"""How fast evidence packages are sealed and verified (issue 5 item 7), against a baseline.

Creates one file of random data (size from ``COMITY_BENCH_EVIDENCE_MIB``, default 1024; the
issue's large run is ``COMITY_BENCH_EVIDENCE_MIB=4096``), hashes it with ``openssl dgst
-sha256`` as the baseline measured in the same run, then seals it from XA to XB and verifies
the package offline, with and without XB's key. Each stage runs in a child process of this
script so that its peak resident memory is its own (read with ``os.wait4``, which gives the
rusage of exactly that child; ``RUSAGE_CHILDREN`` would be the maximum over every child so
far). Throughputs are printed as multiples of the baseline: the machines are shared and
noisy, so compare ratios between runs, not absolute times. A benchmark reports; it does not
fail when a target is missed.

Random data rather than a cheaper deterministic fill: nothing on these paths compresses
today, but random data keeps the figures honest if anything ever does, and ``os.urandom`` in
4 MiB blocks writes a few GiB in seconds without holding the file in memory.

Transfer between nodes does not exist yet, so it is not measured yet.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
BLOCK = 4 * MIB
PACKAGE_ID = "bench-evidence-1"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
# Input plus package (chunks carry a 16-byte tag each) plus room for keys and manifest.
MARGIN_MIB = 64

SEAL_TARGET, SEAL_AIM, VERIFY_TARGET, RSS_TARGET_MIB = 0.5, 0.8, 0.7, 200.0


# --- child side: one stage, timed around the library call only --------------------------


def _child(stage: str, work: Path) -> dict[str, Any]:
    from comity.crypto.evidence import seal_package, verify_package
    from comity.crypto.keys import ed25519_from_jwk, load_node_keys, x25519_from_jwk
    from comity.domain.evidence import AcquisitionRecord

    xa_public = json.loads((work / "xa-keys" / "public.json").read_text())
    signer = ed25519_from_jwk(xa_public["signing"])

    def resolve(kid: str) -> Any:
        if kid != xa_public["signing"]["kid"]:
            raise KeyError(kid)
        return signer

    if stage == "seal":
        xa = load_node_keys(work / "xa-keys", "XA")
        xb_public = json.loads((work / "xb-keys" / "public.json").read_text())
        acquisition = AcquisitionRecord(
            acquired_by="bench officer",
            acquired_at=NOW,
            method="bench",
            tool="benchmarks/evidence.py",
            source="random data",
            request_reference="REQ-BENCH",
        )
        start, cpu = time.perf_counter(), time.process_time()
        manifest = seal_package(
            [work / "evidence.bin"],
            out_dir=work / "package",
            keys=xa,
            recipient_kid=xb_public["encryption"]["kid"],
            recipient_key=x25519_from_jwk(xb_public["encryption"]),
            sender_state="XA",
            recipient_state="XB",
            request_reference="REQ-BENCH",
            acquisition=acquisition,
            now=NOW,
            package_id=PACKAGE_ID,
        )
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        return {"seconds": seconds, "cpu": cpu, "sha256": manifest.files[0].sha256}
    if stage == "verify-key":
        xb = load_node_keys(work / "xb-keys", "XB")
        start, cpu = time.perf_counter(), time.process_time()
        report = verify_package(
            work / "package",
            resolve_signer=resolve,
            decryption_key=xb.encryption,
            recipient_kid=xb.encryption_kid,
        )
        assert report.contents_checked
        return {
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
            "bytes": report.bytes,
        }
    if stage == "verify-nokey":
        start, cpu = time.perf_counter(), time.process_time()
        report = verify_package(work / "package", resolve_signer=resolve)
        assert not report.contents_checked
        return {
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
            "bytes": report.bytes,
        }
    raise SystemExit(f"unknown stage {stage!r}")


# --- parent side ------------------------------------------------------------------------


def run_stage(stage: str, work: Path) -> tuple[dict[str, Any], float]:
    """Run one stage in a child process: its result and its peak RSS in MiB."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", stage, str(work)], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"stage {stage} failed with exit code {proc.returncode}")
    return json.loads(output), usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def pick_workspace(needed_mib: int) -> Path | None:
    """The filesystem (/tmp or the current directory's) with more free space, if enough."""
    candidates = [Path(tempfile.gettempdir()), Path.cwd()]
    best = max(candidates, key=lambda p: shutil.disk_usage(p).free)
    free_mib = shutil.disk_usage(best).free // MIB
    if free_mib < needed_mib:
        print(
            f"skipped: only {free_mib} MiB free on {best}, the benchmark needs about "
            f"{needed_mib} MiB (input + package); set COMITY_BENCH_EVIDENCE_MIB lower"
        )
        return None
    return best


def write_random(path: Path, size_mib: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for _ in range(size_mib * MIB // BLOCK):
            os.write(fd, os.urandom(BLOCK))
        if size_mib * MIB % BLOCK:
            os.write(fd, os.urandom(size_mib * MIB % BLOCK))
        # Flushed now, so the seal's own writes do not queue behind the input's dirty pages.
        os.fsync(fd)
    finally:
        os.close(fd)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def baseline_hash(path: Path) -> tuple[str, float, float, str]:
    """(label, seconds, CPU seconds, hex digest) of hashing ``path``: openssl, else hashlib."""
    openssl = shutil.which("openssl")
    if openssl is not None:
        start, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(
            [openssl, "dgst", "-sha256", "-r", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
        return "openssl dgst -sha256", seconds, cpu, done.stdout.split()[0]
    start, cpu = time.perf_counter(), time.process_time()
    digest = hashlib.sha256()
    buffer = bytearray(BLOCK)
    with path.open("rb", buffering=0) as handle:
        while length := handle.readinto(buffer):
            digest.update(memoryview(buffer)[:length])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return "hashlib sha256 (openssl missing)", seconds, cpu, digest.hexdigest()


def main() -> None:
    size_mib = int(os.environ.get("COMITY_BENCH_EVIDENCE_MIB", "1024"))
    needed = 2 * size_mib + MARGIN_MIB
    base = pick_workspace(needed)
    if base is None:
        return
    work = Path(tempfile.mkdtemp(prefix="comity-bench-evidence-", dir=base))
    try:
        from comity.crypto.keys import generate_node_keys

        generate_node_keys(work / "xa-keys", "XA", now=NOW)
        generate_node_keys(work / "xb-keys", "XB", now=NOW)
        data = work / "evidence.bin"
        start = time.perf_counter()
        write_random(data, size_mib)
        print(
            f"input: {size_mib} MiB of os.urandom data in {work} "
            f"(written in {time.perf_counter() - start:.1f} s; files stay in the page cache "
            f"if RAM allows, so this measures CPU more than the disk)"
        )
        label, base_s, base_cpu, base_digest = baseline_hash(data)
        seal, seal_rss = run_stage("seal", work)
        if seal["sha256"] != base_digest:
            raise SystemExit("the manifest's file digest differs from the baseline's")
        keyed, keyed_rss = run_stage("verify-key", work)
        keyless, keyless_rss = run_stage("verify-nokey", work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base_rate = size_mib / base_s
    rows = [
        (f"baseline: {label}", base_s, base_cpu, None, ""),
        (
            "seal (hash, AES-GCM, sign, wrap key)",
            seal["seconds"],
            seal["cpu"],
            seal_rss,
            "≥0.5 (0.8)",
        ),
        ("verify with XB's key (all chunks)", keyed["seconds"], keyed["cpu"], keyed_rss, "≥0.7"),
        (
            "verify without key (sig, Merkle, sizes)",
            keyless["seconds"],
            keyless["cpu"],
            keyless_rss,
            "-",
        ),
    ]
    print(
        f"{'stage':<42}{'seconds':>9}{'CPU s':>8}{'MiB/s':>10}{'x baseline':>12}"
        f"{'target':>12}{'peak RSS MiB':>14}"
    )
    for name, seconds, cpu, rss, target in rows:
        rate = size_mib / seconds
        rss_text = "-" if rss is None else f"{rss:.1f}"
        print(
            f"{name:<42}{seconds:>9.2f}{cpu:>8.2f}{rate:>10.0f}{rate / base_rate:>12.2f}"
            f"{target or '-':>12}{rss_text:>14}"
        )
    print(
        "CPU s: user + system time of the stage's work (more than seconds when it uses both"
        " cores; much less when it waits on the disk)"
    )
    print("transfer node to node (target ≥0.4x): not measured yet, transfer does not exist yet")

    def verdict(met: bool) -> str:
        return "met" if met else "not met"

    seal_ratio = size_mib / seal["seconds"] / base_rate
    verify_ratio = size_mib / keyed["seconds"] / base_rate
    print(
        f"seal ≥ {SEAL_TARGET}x baseline: {verdict(seal_ratio >= SEAL_TARGET)} ({seal_ratio:.2f}x)"
    )
    print(f"seal aim ≥ {SEAL_AIM}x baseline: {verdict(seal_ratio >= SEAL_AIM)} ({seal_ratio:.2f}x)")
    print(
        f"verify with key ≥ {VERIFY_TARGET}x baseline: "
        f"{verdict(verify_ratio >= VERIFY_TARGET)} ({verify_ratio:.2f}x)"
    )
    for name, rss in (("seal", seal_rss), ("verify with key", keyed_rss)):
        print(
            f"{name} peak RSS < {RSS_TARGET_MIB:.0f} MiB: {verdict(rss < RSS_TARGET_MIB)} "
            f"({rss:.1f} MiB at {size_mib} MiB; the issue's target is at 4096 MiB)"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], Path(sys.argv[3]))))
    else:
        main()
