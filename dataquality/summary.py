"""The text summary of a run: one line per suite, then the worst offenders with sample rows."""

from __future__ import annotations

from typing import Any

from dataquality.run import ExpectationOutcome, RunSummary

# Failed expectations listed under "worst offenders".
WORST_OFFENDER_COUNT = 10


def _value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _rank(e: ExpectationOutcome) -> tuple:
    return (e.severity != "critical", -(e.unexpected_percent or 0.0), e.suite, e.label)


def format_summary(summary: RunSummary) -> str:
    """The summary table, the worst offenders and where the Data Docs are."""
    width = max([len(s.name) for s in summary.suites] + [5])
    lines = [
        f"checkpoint {summary.checkpoint} as of {summary.as_of.isoformat()}",
        f"{'suite':<{width}}  {'rows':>7}  {'expectations':>12}  {'failed':>6}  "
        f"{'critical':>8}  status",
    ]
    for s in summary.suites:
        status = "FAIL" if s.critical_failed else ("warn" if s.failed else "ok")
        lines.append(
            f"{s.name:<{width}}  {s.row_count:>7}  {len(s.expectations):>12}  "
            f"{len(s.failed):>6}  {len(s.critical_failed):>8}  {status}"
        )
    failures = sorted(summary.failures(), key=_rank)[:WORST_OFFENDER_COUNT]
    if failures:
        lines += ["", "worst offenders:"]
        for e in failures:
            share = "" if e.unexpected_percent is None else f" ({e.unexpected_percent:.1f} %)"
            count = "" if e.unexpected_count is None else f", {e.unexpected_count} rows{share}"
            observed = "" if e.observed_value is None else f", observed {_value(e.observed_value)}"
            lines.append(f"  [{e.severity}] {e.suite}: {e.label}{count}{observed}")
            for row in e.sample_rows:
                lines.append("      " + ", ".join(f"{k}={_value(v)}" for k, v in row.items()))
    verdict = "passed" if summary.success else "FAILED (a critical expectation failed)"
    lines += ["", f"data quality {verdict}; Data Docs: {summary.data_docs}"]
    return "\n".join(lines)
