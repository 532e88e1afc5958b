"""Run a checkpoint: read the guarded tables, validate each suite's frame with GX, summarise.

The GX file context lives under `<work dir>/gx` and is rebuilt from code on every run (suites,
batch definitions, validation definitions, the checkpoint): nothing in it is edited by hand, and
the Data Docs it writes show the latest run. Each suite's frame is written as a parquet file and
read back by GX's pandas filesystem data source, one batch definition per suite, so one checkpoint
runs every validation definition in one call with its actions.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from dataquality.checkpoints import build_checkpoint, checkpoint_suites
from dataquality.reading import DataQualityError, open_checked, read_sources
from dataquality.suites import all_suites
from dataquality.suites.base import GuardedSuite, RunParams
from dataquality.thresholds import Thresholds
from streamqoe.config import data_dir

logger = logging.getLogger(__name__)

DATASOURCE = "streamqoe_frames"
# Failing rows shown per expectation in the summary.
SAMPLE_ROW_COUNT = 3


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result, with what the summary shows of it."""

    suite: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    observed_value: Any
    sample_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.expectation}({self.column})" if self.column else self.expectation


@dataclass(frozen=True)
class SuiteOutcome:
    name: str
    row_count: int
    expectations: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]

    @property
    def critical_failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.failed if e.severity == "critical"]


@dataclass(frozen=True)
class RunSummary:
    checkpoint: str
    as_of: datetime
    suites: list[SuiteOutcome]
    data_docs: Path

    @property
    def success(self) -> bool:
        """No critical expectation failed (warnings are reported, not fatal)."""
        return not any(s.critical_failed for s in self.suites)

    def failures(self) -> list[ExpectationOutcome]:
        return [e for s in self.suites for e in s.failed]


def select_suites(checkpoint: str, names: Sequence[str] | None = None) -> list[GuardedSuite]:
    """The checkpoint's suites, narrowed to `names` when given.

    Raises:
        ValueError: an unknown checkpoint, or a name that is not one of the checkpoint's suites.
    """
    registry = all_suites()
    wanted = checkpoint_suites(checkpoint)
    if names:
        unknown = [n for n in names if n not in wanted]
        if unknown:
            raise ValueError(
                f"unknown suite {', '.join(unknown)} for checkpoint {checkpoint}; "
                f"known: {', '.join(wanted)}"
            )
        wanted = [n for n in wanted if n in names]
    return [registry[n] for n in wanted]


def _fresh_context(work_dir: Path):
    gx_dir = work_dir / "gx"
    if gx_dir.exists():
        shutil.rmtree(gx_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(work_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _outcome(suite: GuardedSuite, frame: pd.DataFrame, result) -> ExpectationOutcome:
    config = result.expectation_config
    info = result.result or {}
    rows: list[dict[str, Any]] = []
    # On pandas batches GX reports failing rows by index; the frame has a RangeIndex.
    for index in (info.get("partial_unexpected_index_list") or [])[:SAMPLE_ROW_COUNT]:
        if isinstance(index, int) and 0 <= index < len(frame):
            row = frame.iloc[index]
            columns = [c for c in (*suite.key_columns, config.kwargs.get("column")) if c]
            rows.append({c: row[c] for c in dict.fromkeys(columns) if c in frame.columns})
    severity = getattr(config, "severity", "critical")
    return ExpectationOutcome(
        suite=suite.name,
        expectation=config.type,
        column=config.kwargs.get("column")
        or (",".join(config.kwargs["column_list"]) if config.kwargs.get("column_list") else None),
        severity=str(getattr(severity, "value", severity)).lower(),
        success=bool(result.success),
        unexpected_count=info.get("unexpected_count"),
        unexpected_percent=info.get("unexpected_percent"),
        observed_value=info.get("observed_value"),
        sample_rows=rows,
    )


def validate_frames(
    suites: Sequence[GuardedSuite],
    frames: Mapping[str, pd.DataFrame],
    params: RunParams,
    work_dir: Path,
    checkpoint: str = "ci",
) -> RunSummary:
    """Validate each suite's frame (built from `frames`, source key -> table) in one checkpoint."""
    context = _fresh_context(work_dir)
    batches = work_dir / "batches"
    if batches.exists():
        shutil.rmtree(batches)
    batches.mkdir(parents=True)
    datasource = context.data_sources.add_pandas_filesystem(DATASOURCE, base_directory=batches)
    built: dict[str, pd.DataFrame] = {}
    definitions = []
    for suite in suites:
        frame = suite.build_frame(frames, params)
        built[suite.name] = frame
        frame.to_parquet(batches / f"{suite.name}.parquet", index=False)
        asset = datasource.add_parquet_asset(suite.name)
        batch = asset.add_batch_definition_path(suite.name, path=f"{suite.name}.parquet")
        gx_suite = context.suites.add(suite.suite(params))
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
            )
        )
    result = build_checkpoint(context, checkpoint, definitions).run()
    by_name = {suite.name: suite for suite in suites}
    outcomes = []
    for validation in result.run_results.values():
        suite = by_name[validation.suite_name]
        frame = built[suite.name]
        outcomes.append(
            SuiteOutcome(
                name=suite.name,
                row_count=len(frame),
                expectations=[_outcome(suite, frame, r) for r in validation.results],
            )
        )
    order = {s.name: i for i, s in enumerate(suites)}
    outcomes.sort(key=lambda s: order[s.name])
    docs = work_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return RunSummary(checkpoint=checkpoint, as_of=params.as_of, suites=outcomes, data_docs=docs)


def simulated_as_of(simulation_dir: Path) -> datetime:
    """The instant a simulated run's data ends (its last view's end in the simulator's truth):
    the `as_of` that judges a simulated day as if the checks ran right after it."""
    truth = pd.read_parquet(Path(simulation_dir) / "truth" / "views.parquet", columns=["ended_at"])
    return pd.to_datetime(truth["ended_at"], utc=True).max().ceil("min").to_pydatetime()


def run_checkpoint(
    url: str | None = None,
    checkpoint: str = "ci",
    suite_names: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
    thresholds: Thresholds | None = None,
    work_dir: Path | None = None,
    marts_schema: str = "analytics",
) -> RunSummary:
    """Run `checkpoint` (or some of its suites) against the warehouse `url` names.

    `as_of` is the instant freshness, future timestamps and complete periods are judged at
    (default: now; a replayed or simulated day passes its own end).

    Raises:
        ValueError: unknown checkpoint or suite.
        DataQualityError: the warehouse cannot be opened or a guarded table cannot be read.
    """
    suites = select_suites(checkpoint, suite_names)
    params = RunParams(as_of=as_of or datetime.now(UTC), thresholds=thresholds or Thresholds())
    with open_checked(url) as warehouse:
        frames = read_sources(warehouse, [s for suite in suites for s in suite.reads], marts_schema)
    return validate_frames(suites, frames, params, work_dir or data_dir() / "dq", checkpoint)


__all__ = ["DataQualityError", "RunSummary", "run_checkpoint", "select_suites", "validate_frames"]
