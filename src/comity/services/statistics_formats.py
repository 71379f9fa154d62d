"""Review statistics as files: JSON for programs, one long CSV table for spreadsheets.

Both are drawn from a ``Report`` whose suppressed values were already removed, so neither can
show one. A suppressed count is ``{"suppressed": true}`` in JSON and ``<K`` in CSV.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from comity.domain.statistics import (
    ACKNOWLEDGEMENT_STATS,
    FORMAT,
    TURNAROUND_STATS,
    Report,
    Summary,
)

MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}
SUPPRESSED: dict[str, bool] = {"suppressed": True}
# A spreadsheet reads a cell starting with one of these as a formula.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def header(report: Report) -> dict[str, Any]:
    """What the export is: the node's State, the period, when, the threshold and method."""
    return {
        "format": FORMAT,
        "state": report.state,
        "period": {"from": report.period.first.isoformat(), "to": report.period.last.isoformat()},
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "min_cell": report.min_cell,
        "method": report.method,
    }


def as_document(report: Report) -> dict[str, Any]:
    """The JSON document of ``report``."""
    return {
        "header": header(report),
        "counts": {
            dimension: {key: SUPPRESSED if n is None else n for key, n in cells.items()}
            for dimension, cells in report.counts.items()
        },
        "turnaround_hours": {
            direction: {measure: _summary(s) for measure, s in measures.items()}
            for direction, measures in report.turnaround.items()
        },
        "acknowledgement_seconds": {
            direction: _summary(s) for direction, s in report.acknowledgement.items()
        },
    }


def _summary(summary: Summary) -> dict[str, Any]:
    if summary.n is None:
        return dict(SUPPRESSED)
    return {"n": summary.n, **dict(summary.stats)}


def to_json(report: Report) -> str:
    """The JSON text of ``report``."""
    return json.dumps(as_document(report), indent=2, ensure_ascii=False) + "\n"


def to_csv(report: Report) -> str:
    """``report`` as one table ``dimension,key,value``: the header's rows, then one row per
    count, then one row per statistic of each percentile group (dimension
    ``turnaround_hours.received.receipt_to_decision``, key ``n``, ``p50``…). A suppressed
    count reads ``<K``; a suppressed group has ``n`` ``<K`` and empty statistics."""
    below = f"<{report.min_cell}"
    top = header(report)
    rows: list[tuple[str, str, object]] = [
        ("header", "format", top["format"]),
        ("header", "state", top["state"]),
        ("header", "from", top["period"]["from"]),
        ("header", "to", top["period"]["to"]),
        ("header", "generated_at", top["generated_at"]),
        ("header", "min_cell", top["min_cell"]),
        ("header", "method", top["method"]),
    ]
    for dimension, cells in report.counts.items():
        rows += [(dimension, key, below if n is None else n) for key, n in cells.items()]
    groups = [
        (f"turnaround_hours.{direction}.{measure}", summary, TURNAROUND_STATS)
        for direction, measures in report.turnaround.items()
        for measure, summary in measures.items()
    ] + [
        (f"acknowledgement_seconds.{direction}", summary, ACKNOWLEDGEMENT_STATS)
        for direction, summary in report.acknowledgement.items()
    ]
    for name, summary, names in groups:
        stats = dict(summary.stats)
        rows.append((name, "n", below if summary.n is None else summary.n))
        rows += [(name, stat, stats.get(stat, "")) for stat in names]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("dimension", "key", "value"))
    writer.writerows(tuple(_cell(item) for item in row) for row in rows)
    return out.getvalue()


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def render(report: Report, file_format: str) -> tuple[str, str]:
    """The media type and text of ``report`` as ``json`` or ``csv``."""
    body = to_csv(report) if file_format == "csv" else to_json(report)
    return MEDIA_TYPES[file_format], body
