"""Running the pipeline from the CLI: plan the ingest runs from landing/, execute Dagster
jobs in process (one at a time: DuckDB has one writer) and report their steps."""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from rich.console import Console

from orchestration import progress
from orchestration.partitions import BY_KIND, contiguous_ranges
from orchestration.settings import EgovError, Settings
from orchestration.warehouse import connect
from sources.loading.ingest import loaded_hashes, scan_landing
from sources.loading.registry import specs


@dataclass
class IngestPlan:
    """Partitions with files not loaded yet, per source, as contiguous ranges."""

    ranges: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    new_files: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.ranges.values())


def plan_ingest(
    settings: Settings,
    only: set[str] | None = None,
    window: tuple[str, str] | None = None,
) -> IngestPlan:
    """Scan landing/: which partitions of which sources have new files.

    With ``window`` (first, last month as YYYY-MM) it is a backfill: every partition in
    the window that has landed files is run again (files already loaded are no-ops that
    say so), whether or not a file is new. A file whose name is not one of its
    source's, or whose partition is outside the source's partitions, stops the plan with
    one line naming it: it is never skipped silently.
    """
    hashes: dict[str, set[str]] = {}
    if settings.build_db.exists():
        with connect(settings.build_db, read_only=True) as con:
            hashes = {name: loaded_hashes(con, name) for name in specs()}
    plan = IngestPlan()
    for name, spec in specs().items():
        if only is not None and name not in only:
            continue
        partitions = BY_KIND[spec.partitioning]
        valid = set(partitions.get_partition_keys())
        keys: set[str] = set()
        for landed in scan_landing(spec, settings.landing(name)):
            if landed.slot is None:
                raise EgovError(
                    f"{landed.path} is not a {name} file name (expected a name like "
                    f"{spec.file_example}): rename or remove it"
                )
            if landed.slot.partition_key not in valid:
                raise EgovError(
                    f"{landed.path} belongs to partition {landed.slot.partition_key}, outside "
                    f"{name}'s partitions ({min(valid)}..{max(valid)}): check its name"
                )
            if window is not None:
                if _in_window(landed.slot.partition_key, window):
                    keys.add(landed.slot.partition_key)
            elif landed.sha256 not in hashes.get(name, set()):
                keys.add(landed.slot.partition_key)
                plan.new_files[name] = plan.new_files.get(name, 0) + 1
        plan.ranges[name] = contiguous_ranges(partitions, keys)
    return plan


def _in_window(partition_key: str, window: tuple[str, str]) -> bool:
    """A month key (YYYY-MM) inside the window, or a year key (YYYY) overlapping it."""
    first, last = window
    if len(partition_key) == 4:
        return first[:4] <= partition_key <= last[:4]
    return first <= partition_key <= last


@dataclass
class JobRun:
    run_id: str
    success: bool
    seconds: float
    errors: list[str]


class Runner:
    """Executes jobs of the code location in this process, printing one line per step."""

    def __init__(self, settings: Settings, screen: Console, *, verbose: bool = False) -> None:
        from orchestration.definitions import defs

        self.defs = defs
        self.instance = dg.DagsterInstance.get()
        self.settings = settings
        self.screen = screen
        self.verbose = verbose
        self.tool_log = settings.dbt_log_dir / "last_run_output.log"

    def execute(
        self, job_name: str, *, label: str, tags: dict[str, str] | None = None, detail: str = ""
    ) -> JobRun:
        job = self.defs.resolve_job_def(job_name)
        loggers: dict[str, Any] = {"egov_progress": {}}
        if self.verbose:
            loggers["console"] = {"config": {"log_level": "DEBUG"}}
        started = time.monotonic()
        step_started: dict[str, float] = {}
        screen = self.screen
        # dagster-dbt echoes every dbt log line to stdout: keep it in a file unless --verbose.
        with (
            screen.status(f"{label} ...") as status,
            self.tool_log.open("a", encoding="utf-8") as log_file,
            contextlib.redirect_stdout(sys.stdout if self.verbose else log_file),
        ):

            def on_step(kind: str, step: str, message: str) -> None:
                if kind == "STEP_START":
                    step_started[step] = time.monotonic()
                    status.update(f"{label}: [bold]{step}[/] ...")
                elif kind == "STEP_SUCCESS":
                    took = time.monotonic() - step_started.get(step, started)
                    screen.print(f"  [green]done[/]    {step} {detail}({took:.1f} s)")
                elif kind == "STEP_FAILURE":
                    screen.print(f"  [red]failed[/]  {step} {detail}", highlight=False)
                elif kind == "STEP_SKIPPED":
                    screen.print(f"  [yellow]skipped[/] {step} (an upstream step failed)")

            unsubscribe = progress.subscribe(on_step)
            try:
                result = job.execute_in_process(
                    instance=self.instance,
                    run_config={"loggers": loggers},
                    tags=tags or {},
                    raise_on_error=False,
                )
            finally:
                unsubscribe()
        errors = [
            event.step_failure_data.error.message.strip()
            for event in result.all_events
            if event.is_step_failure and event.step_failure_data.error is not None
        ]
        return JobRun(result.run_id, result.success, time.monotonic() - started, errors)


def range_tags(first: str, last: str) -> dict[str, str]:
    """Tags that make one run cover the partitions first..last (single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }
