"""Running the pipeline from the CLI: execute jobs of the code location in process (one at
a time: DuckDB has one writer) and report their steps. The caller hands over the
Definitions; what to run comes from orchestration/jobs.py."""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass
from typing import Any

import dagster as dg
from rich.console import Console

from orchestration import progress
from orchestration.settings import Settings


@dataclass
class JobRun:
    run_id: str
    success: bool
    seconds: float
    errors: list[str]


class Runner:
    """Executes jobs of the code location in this process, printing one line per step."""

    def __init__(
        self,
        defs: dg.Definitions,
        settings: Settings,
        screen: Console,
        *,
        verbose: bool = False,
    ) -> None:
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
