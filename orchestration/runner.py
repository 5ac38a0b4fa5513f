"""Running the pipeline from the CLI: execute jobs of the code location in process (one at
a time: DuckDB has one writer) and report their steps. The caller hands over the
Definitions; what to run comes from orchestration/jobs.py.

Every executed step's duration is recorded and written, after each job, to
``<data>/work/last_run_timings.json`` (:data:`TIMINGS_FILE`): start-up (process start
until the first step starts: imports, definitions, Dagster instance), each step's
seconds, the rest, and the total. `make bench` reads it (tests/benchmarks/bench.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
from rich.console import Console

from orchestration import progress
from orchestration.settings import Settings

TIMINGS_FILE = "last_run_timings.json"
_IMPORTED_AT = time.monotonic()  # fallback process start where /proc is not available


@dataclass
class JobRun:
    run_id: str
    success: bool
    seconds: float
    errors: list[str]


@functools.cache
def process_started() -> float:
    """When this process started, on the ``time.monotonic()`` clock (Linux: from /proc;
    elsewhere the import of this module, which leaves out the interpreter's start)."""
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        age = uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return _IMPORTED_AT
    return min(time.monotonic() - max(age, 0.0), _IMPORTED_AT)


def timings_path(settings: Settings) -> Path:
    """The run timings of the last CLI invocation that executed jobs in ``settings``' data dir."""
    return settings.work_dir / TIMINGS_FILE


@dataclass
class RunTimings:
    """Step durations of the jobs one process executes, written as JSON after each job."""

    path: Path
    started: float = field(default_factory=process_started)
    first_step: float | None = None
    jobs: list[dict[str, Any]] = field(default_factory=list)

    def step_started(self, at: float) -> None:
        if self.first_step is None:
            self.first_step = at

    def add_job(
        self, job: str, run: JobRun, steps: list[dict[str, Any]], *, label: str = ""
    ) -> None:
        self.jobs.append(
            {
                "job": job,
                "label": label,
                "run_id": run.run_id,
                "success": run.success,
                "seconds": round(run.seconds, 3),
                "steps": steps,
            }
        )

    def document(self, now: float | None = None) -> dict[str, Any]:
        now = time.monotonic() if now is None else now
        total = now - self.started
        steps: dict[str, float] = {}
        for job in self.jobs:
            for step in job["steps"]:
                steps[step["step"]] = steps.get(step["step"], 0.0) + step["seconds"]
        startup = None if self.first_step is None else self.first_step - self.started
        in_steps = sum(steps.values())
        wall = dt.datetime.now(dt.UTC)
        return {
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "pid": os.getpid(),
            "process_started_at": (wall - dt.timedelta(seconds=total)).isoformat(),
            "written_at": wall.isoformat(),
            "total_seconds": round(total, 3),
            "phases": {
                "startup": None if startup is None else round(startup, 3),
                "steps": round(in_steps, 3),
                "other": round(total - in_steps - (startup or 0.0), 3),
            },
            "steps": {name: round(s, 3) for name, s in steps.items()},
            "jobs": self.jobs,
        }

    def write(self) -> None:
        """Write the document atomically (a reader never sees half a file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.document(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


class Runner:
    """Executes jobs of the code location in this process, printing one line per step and
    recording its duration (:class:`RunTimings`, written to :func:`timings_path`)."""

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
        self.timings = RunTimings(timings_path(settings))
        self.timings.write()  # replaces the last invocation's file: no stale figures

    def execute(
        self, job_name: str, *, label: str, tags: dict[str, str] | None = None, detail: str = ""
    ) -> JobRun:
        job = self.defs.resolve_job_def(job_name)
        loggers: dict[str, Any] = {"egov_progress": {}}
        if self.verbose:
            loggers["console"] = {"config": {"log_level": "DEBUG"}}
        started = time.monotonic()
        step_started: dict[str, float] = {}
        steps: list[dict[str, Any]] = []
        screen = self.screen
        timings = self.timings

        def finished(step: str, status: str) -> float:
            now = time.monotonic()
            took = now - step_started.pop(step, now)
            steps.append({"step": step, "status": status, "seconds": round(took, 3)})
            return took

        # dagster-dbt echoes every dbt log line to stdout: keep it in a file unless --verbose.
        with (
            screen.status(f"{label} ...") as status,
            self.tool_log.open("a", encoding="utf-8") as log_file,
            contextlib.redirect_stdout(sys.stdout if self.verbose else log_file),
        ):

            def on_step(kind: str, step: str, message: str) -> None:
                if kind == "STEP_START":
                    step_started[step] = time.monotonic()
                    timings.step_started(step_started[step])
                    status.update(f"{label}: [bold]{step}[/] ...")
                elif kind == "STEP_SUCCESS":
                    took = finished(step, "success")
                    screen.print(f"  [green]done[/]    {step} {detail}({took:.1f} s)")
                elif kind == "STEP_FAILURE":
                    finished(step, "failure")
                    screen.print(f"  [red]failed[/]  {step} {detail}", highlight=False)
                elif kind == "STEP_SKIPPED":
                    finished(step, "skipped")
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
        run = JobRun(result.run_id, result.success, time.monotonic() - started, errors)
        timings.add_job(job_name, run, steps, label=label)
        timings.write()
        return run
