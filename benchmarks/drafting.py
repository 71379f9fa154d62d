"""How long the node takes to check a request and to run a command, against a baseline.

Prints medians and 99th percentiles, and each figure as a multiple of a baseline measured in
the same run (canonical JSON of the same fields), because the machines are shared and noisy:
compare ratios between runs, not absolute times.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from comity.bootstrap import build
from comity.catalogue.loader import packaged_catalogue
from comity.config import Settings
from comity.domain.commands import AddUser, CreateDraft, EditDraft
from comity.domain.fields import completeness_issues, structural_issues
from comity.domain.values import Role
from comity.services import node, requests, users
from comity.services.demo import example_mla_fields


def measure(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p99 of ``runs`` calls, in microseconds."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        action()
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    catalogue = packaged_catalogue()
    mla = catalogue.type("mla")
    fields = example_mla_fields()
    context = {"channel": "central_authority", "urgency": "routine", "fields": fields}
    baseline, baseline_p99 = measure(lambda: json.dumps(fields, sort_keys=True), 2000)
    rows = [
        ("canonical JSON of an MLA request (baseline)", baseline, baseline_p99),
        ("structural check of an MLA request", *measure(
            lambda: structural_issues(mla.fields, fields), 2000)),
        ("completeness check of an MLA request", *measure(
            lambda: completeness_issues(mla, "ahc-2022-proposal", context), 2000)),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            state="XA", data_dir=Path(folder), argon2_time_cost=1, argon2_memory_cost=1024
        )
        container = build(settings)
        container.upgrade_database()
        ctx = container.services
        node.ensure_authorities(ctx)
        drafter = users.add_user(
            ctx, command=AddUser("bench", "a long enough secret", frozenset({Role.DRAFTER}))
        )
        draft = requests.create_draft(ctx, actor=drafter, command=CreateDraft("mla", "XB"))
        rows.append(
            (
                "create an MLA draft (SQLite, one commit)",
                *measure(
                    lambda: requests.create_draft(
                        ctx, actor=drafter, command=CreateDraft("mla", "XB", fields=fields)
                    ),
                    200,
                ),
            )
        )
        rows.append(
            (
                "edit a draft (SQLite, one commit)",
                *measure(
                    lambda: requests.edit_draft(
                        ctx,
                        actor=drafter,
                        command=EditDraft(draft.request.id, fields_patch={"purpose": "p"}),
                    ),
                    200,
                ),
            )
        )
        rows.append(
            (
                "first page (50) of 200 matches, FTS5 + hydrate",
                *measure(
                    lambda: requests.find(
                        ctx,
                        actor=drafter,
                        query=requests.RequestQuery(
                            authority_id=drafter.authority_id, text="phishing"
                        ),
                    ),
                    50,
                ),
            )
        )
        container.close()  # fmt: skip
    print(f"{'operation':<48} {'median µs':>10} {'p99 µs':>10} {'x baseline':>11}")
    for name, median, p99 in rows:
        print(f"{name:<48} {median:>10.1f} {p99:>10.1f} {median / baseline:>11.1f}")


if __name__ == "__main__":
    main()
