"""The runner's timings file (<data>/work/last_run_timings.json) on a small real Dagster job
executed in process by the real Runner: no pipeline run needed."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import dagster as dg
import pytest
from rich.console import Console

from orchestration.progress import egov_progress
from orchestration.runner import Runner, timings_path
from orchestration.settings import load_settings


@dg.op
def extract() -> int:
    return 1


@dg.op
def transform(value: int) -> int:
    return value + 1


@dg.op
def explode(value: int) -> int:
    raise ValueError(f"cannot take {value}")


@dg.op
def after(value: int) -> int:
    return value


@dg.job(executor_def=dg.in_process_executor)
def good_job() -> None:
    transform(extract())


@dg.job(executor_def=dg.in_process_executor)
def bad_job() -> None:
    after(explode(extract()))


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    settings = dataclasses.replace(load_settings(), data_dir=tmp_path / "data", dagster_home=home)
    settings.dbt_log_dir.mkdir(parents=True)
    defs = dg.Definitions(jobs=[good_job, bad_job], loggers={"egov_progress": egov_progress})
    return Runner(defs, settings, Console(file=io.StringIO()))


def _read(runner: Runner) -> dict:
    return json.loads(timings_path(runner.settings).read_text(encoding="utf-8"))


def test_runner_replaces_the_last_timings_when_it_starts(runner: Runner) -> None:
    doc = _read(runner)
    assert doc["jobs"] == [] and doc["steps"] == {}
    assert doc["phases"]["startup"] is None  # no step has started yet


def test_timings_hold_every_step_of_every_job_and_add_up(runner: Runner) -> None:
    first = runner.execute("good_job", label="good")
    second = runner.execute("bad_job", label="bad")
    assert first.success and not second.success
    doc = _read(runner)
    assert [(j["job"], j["run_id"], j["success"]) for j in doc["jobs"]] == [
        ("good_job", first.run_id, True),
        ("bad_job", second.run_id, False),
    ]
    assert [(s["step"], s["status"]) for s in doc["jobs"][0]["steps"]] == [
        ("extract", "success"),
        ("transform", "success"),
    ]
    assert [(s["step"], s["status"]) for s in doc["jobs"][1]["steps"]] == [
        ("extract", "success"),
        ("explode", "failure"),  # `after` never starts: no entry
    ]
    assert set(doc["steps"]) == {"extract", "transform", "explode"}
    # a step name run by two jobs is summed; the phases partition the total
    by_job = [s["seconds"] for j in doc["jobs"] for s in j["steps"] if s["step"] == "extract"]
    assert doc["steps"]["extract"] == pytest.approx(sum(by_job), abs=0.01)
    phases = doc["phases"]
    assert 0 < phases["startup"] < doc["total_seconds"]
    assert phases["startup"] + phases["steps"] + phases["other"] == pytest.approx(
        doc["total_seconds"], abs=0.01
    )
    assert doc["pid"] > 0 and doc["process_started_at"] < doc["written_at"]
