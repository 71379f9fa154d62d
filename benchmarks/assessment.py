"""How long one legal assessment takes (issue 4 aims at under 2 ms), against a baseline.

Prints the median and 99th percentile of one assessment for a few realistic cases, and each
as a multiple of a baseline measured in the same run (canonical JSON of the same fields):
the machines are shared and noisy, so compare ratios between runs, not absolute times.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

from comity.catalogue.loader import packaged_catalogue
from comity.domain.directory import Declarations
from comity.domain.legal.case import Case, OffenceFacts, PersonFacts, StateFacts
from comity.domain.legal.engine import assess
from comity.domain.values import Channel, ConductCategory, Urgency
from comity.services.demo import example_mla_fields

RUNS = 3000


def measure(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
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
    table = {str(c): 60 for c in ConductCategory if c is not ConductCategory.OTHER}
    xa = StateFacts("XA", penalties=table, languages=("en",))
    xb = StateFacts(
        "XB",
        penalties={**table, "illegal_access": 6},
        languages=("en", "fr"),
        declarations=Declarations(extradites_nationals=False),
    )
    fields = example_mla_fields("XA")
    mla = Case(
        profile=catalogue.default_profile,
        rtype=catalogue.type("mla"),
        requesting=xa,
        requested=xb,
        urgency=Urgency.ROUTINE,
        channel=Channel.CENTRAL_AUTHORITY,
        fields=fields,
        offences=(OffenceFacts(ConductCategory.COMPUTER_FRAUD, 96),),
        persons=(PersonFacts("accused", ("XA",)),),
    )
    extradition = replace(
        mla,
        rtype=catalogue.type("extradition"),
        offences=(
            OffenceFacts(ConductCategory.ILLEGAL_ACCESS, 24),
            OffenceFacts(ConductCategory.COMPUTER_FRAUD, 96, death_penalty_possible=True),
        ),
        persons=(PersonFacts("accused", ("XB",)),),
    )
    uncc = replace(mla, profile=catalogue.profile("uncc-2024"))
    baseline, baseline_p99 = measure(lambda: json.dumps(fields, sort_keys=True))
    rows = [("canonical JSON of an MLA request (baseline)", baseline, baseline_p99)]
    for label, case in (
        ("assess an MLA request (statement profile)", mla),
        ("assess an MLA request (UNCC profile)", uncc),
        ("assess an extradition of a national, two offences", extradition),
    ):
        rows.append((label, *measure(lambda case=case: assess(case))))
    print(f"{'operation':<52}{'median µs':>11}{'p99 µs':>11}{'x baseline':>12}")
    for label, median, p99 in rows:
        print(f"{label:<52}{median:>11.1f}{p99:>11.1f}{median / baseline:>12.1f}")
    findings = assess(extradition)
    print(f"extradition case: {len(findings)} findings: {', '.join(f.code for f in findings)}")


if __name__ == "__main__":
    main()
