"""`make bench`: the speed scenarios of issue 11, measured on real `egov` runs.

Not collected by pytest (the name does not match ``test_*.py``). Run from the repo root:

    make bench                                   # P1, P3, P2 at scale 139 (~14.7 M dossiers)
    make bench BENCH_ARGS="--only p1,p3"         # the sample scenarios only
    .venv/bin/python tests/benchmarks/bench.py --only p2 --scale 2

Scenarios (each a fresh data dir under ``<data>/bench/work/``; ``<data>`` is
EGOV_DATA_DIR, default ./data):

- P1: `egov sample` into landing/, then `egov run` (the default sample): wall seconds and
  start-up seconds (process start until the first Dagster step, from the runner's
  ``work/last_run_timings.json``); then a second `egov run` with nothing new: wall seconds
  and whether it published a new version (published/current and versions/ before/after).
- P3: on top of P1's data dir, one month of dossiers re-extracted (every dossier of the
  month restated with a later extraction time, a valid ``ho_so_<month>_<stamp>.csv``)
  lands; `egov run` is timed; ratio to P1's full run.
- P2: `egov sample` with the dossiers at ``--scale S`` (the other sources at 1, as
  ``--scale real`` does) into a fresh data dir, `egov run`: wall seconds, peak RSS,
  per-step seconds; data-proportional cost = t(scale S) - t(scale 1) (P1's run when P1 ran
  in this invocation, else a scale-1 run here); a hand-written DuckDB baseline on the same
  procedures files (read_csv with explicit types + one insert, then the district-month
  aggregation: dossiers received and on time per district and month, latest state of each
  dossier), timed in this process before the pipeline run; ratio = cost / baseline.

Prints one line per figure (``figure value unit``), then the verdicts against the targets,
and writes everything to ``<data>/bench/<timestamp>.json``. A scenario that fails prints the
failing command and Dagster step and the exit status is 1; targets missed are reported as
MISS (exit status 0 unless --strict).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sources.loading.registry import SOURCE_NAMES as SOURCES  # noqa: E402
from sources.sample.procedures import layout  # noqa: E402

EGOV = str(Path(sys.executable).with_name("egov"))
TIMINGS = Path("work") / "last_run_timings.json"  # orchestration.runner.TIMINGS_FILE
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TARGETS = {  # figure: (comparison, bound, unit), from issue 11 "Targets"
    "p1_run_seconds": ("<=", 60.0, "s"),
    "p1_startup_seconds": ("<=", 20.0, "s"),
    "p1_rerun_seconds": ("<=", 15.0, "s"),
    "p1_rerun_new_versions": ("<=", 0, "versions"),
    "p3_ratio_to_full_run": ("<=", 0.10, "x"),
    "p2_cost_ratio_to_baseline": ("<=", 3.0, "x"),
    "p2_peak_rss_mb": ("<=", 2048.0, "MB"),
}


class ScenarioFailed(RuntimeError):
    """A command of a scenario failed: the message names it and the failing step."""


@dataclass
class Bench:
    work: Path  # the scenarios' data dirs (removed at the end unless --keep)
    logs: Path  # the output of every egov command (kept)
    figures: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def figure(self, name: str, value: float | None, unit: str) -> None:
        if value is None:
            shown = "n/a"
        elif isinstance(value, float):
            shown = f"{value:.3f}" if unit == "x" else f"{value:.1f}"
        else:
            shown = str(value)
        print(f"{name} {shown} {unit}", flush=True)
        self.figures.append({"figure": name, "value": value, "unit": unit})

    def value(self, name: str) -> Any:
        return next((f["value"] for f in self.figures if f["figure"] == name), None)


# -- running egov ------------------------------------------------------------------------


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(
        EGOV_DATA_DIR=str(data_dir),
        COLUMNS="200",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        DAGSTER_DISABLE_TELEMETRY="true",
        GX_ANALYTICS_ENABLED="false",
    )
    return env


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants now (KiB), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])  # field 4: ppid
        rss[pid] = int(fields[21]) * PAGE_KB  # field 24: rss in pages
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo.extend(p for p, parent in parents.items() if parent == pid and p not in tree)
    return sum(rss.get(p, 0) for p in tree)


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float  # the largest process of the tree (wait4's ru_maxrss)
    peak_tree_rss_mb: float  # the whole tree, sampled every 0.5 s
    timings: dict[str, Any] | None


def egov(bench: Bench, data_dir: Path, name: str, *args: str) -> Run:
    """Run `egov ARGS` on ``data_dir``, output to a log file; raise ScenarioFailed on error."""
    log = bench.logs / f"{name}.log"
    timings_file = data_dir / TIMINGS
    timings_file.unlink(missing_ok=True)
    peak_tree = [0]
    done = threading.Event()
    with log.open("w", encoding="utf-8") as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            [EGOV, *args], cwd=REPO, env=_env(data_dir), stdout=out, stderr=subprocess.STDOUT
        )

        def sample() -> None:
            while not done.wait(0.5):
                peak_tree[0] = max(peak_tree[0], _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    timings = json.loads(timings_file.read_text()) if timings_file.is_file() else None
    if proc.returncode != 0:
        failed = [
            f"{job['job']}/{step['step']}"
            for job in (timings or {}).get("jobs", [])
            for step in job["steps"]
            if step["status"] == "failure"
        ]
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        raise ScenarioFailed(
            f"`egov {' '.join(args)}` ({name}) exited {proc.returncode} after {seconds:.0f} s; "
            f"failing step: {', '.join(failed) or 'none recorded (before or outside a step)'}; "
            f"log {log}, last lines:\n    " + "\n    ".join(tail)
        )
    return Run(seconds, usage.ru_maxrss / 1024, peak_tree[0] / 1024, timings)


def published_state(data_dir: Path) -> tuple[str | None, set[str]]:
    published = data_dir / "published"
    current = published / "current"
    target = os.readlink(current) if current.is_symlink() else None
    versions = published / "versions"
    return target, {p.name for p in versions.iterdir()} if versions.is_dir() else set()


def full_run(bench: Bench, data_dir: Path, scale: float, prefix: str) -> Run:
    """A fresh data dir: `egov sample` (timed apart) into landing/, then `egov run`."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    sample = egov(bench, data_dir, f"{prefix}-sample", "sample", "--out",
                  str(data_dir / "landing"), "--scale", f"{scale:g}")  # fmt: skip
    bench.figure(f"{prefix}_sample_seconds", sample.seconds, "s")
    return egov(bench, data_dir, f"{prefix}-run", "run")


def report_run(bench: Bench, prefix: str, run: Run, *, steps: bool) -> None:
    bench.figure(f"{prefix}_run_seconds", run.seconds, "s")
    phases = (run.timings or {}).get("phases", {})
    bench.figure(f"{prefix}_startup_seconds", phases.get("startup"), "s")
    bench.figure(f"{prefix}_peak_rss_mb", max(run.peak_rss_mb, run.peak_tree_rss_mb), "MB")
    if steps:
        for step, seconds in sorted((run.timings or {}).get("steps", {}).items()):
            bench.figure(f"{prefix}_step_{step}_seconds", seconds, "s")
    bench.details[prefix] = {
        "run_seconds": run.seconds,
        "peak_rss_mb_largest_process": run.peak_rss_mb,
        "peak_rss_mb_tree_sampled": run.peak_tree_rss_mb,
        "timings": run.timings,
    }


# -- scenarios ---------------------------------------------------------------------------


def p1(bench: Bench) -> None:
    data_dir = bench.work / "p1"
    run = full_run(bench, data_dir, 1.0, "p1")
    report_run(bench, "p1", run, steps=True)
    before = published_state(data_dir)
    again = egov(bench, data_dir, "p1-rerun", "run")
    after = published_state(data_dir)
    bench.figure("p1_rerun_seconds", again.seconds, "s")
    bench.figure("p1_rerun_new_versions", len(after[1] - before[1]), "versions")
    bench.figure("p1_rerun_current_changed", int(after[0] != before[0]), "bool")
    bench.details["p1_rerun"] = {"run_seconds": again.seconds, "timings": again.timings}


def re_extract(source: Path, month: str, landing: Path) -> Path:
    """``month``'s export re-extracted one day after the sample's re-extractions: every
    dossier restated with that later extraction time (file name and column agree)."""
    at = layout.re_extraction_time() + np.timedelta64(1, "D")
    old = layout.extraction_time(month).item().strftime(layout.TIMESTAMP_FORMAT)
    new = at.item().strftime(layout.TIMESTAMP_FORMAT)
    text = source.read_bytes()
    changed, n = re.subn(rf',"{re.escape(old)}"\r\n'.encode(), f',"{new}"\r\n'.encode(), text)
    if n == 0:
        raise ScenarioFailed(f"p3: no row of {source} carries the extraction time {old}")
    target = landing / layout.file_name(month, at)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(changed)
    tmp.rename(target)
    return target


def p3(bench: Bench) -> None:
    data_dir = bench.work / "p1"
    if bench.value("p1_run_seconds") is None:
        raise ScenarioFailed("p3 runs on top of P1's data dir: select p1 as well")
    month = layout.MONTHS[len(layout.MONTHS) // 2]
    sample = bench.work / "p3-sample"
    egov(bench, data_dir, "p3-sample", "sample", "--out", str(sample), "--source", "procedures")
    source = sample / layout.FOLDER / layout.file_name(month)
    landed = re_extract(source, month, data_dir / "landing" / layout.FOLDER)
    shutil.rmtree(sample)
    run = egov(bench, data_dir, "p3-run", "run")
    jobs = [job["job"] for job in (run.timings or {}).get("jobs", [])]
    if "ingest_procedures" not in jobs:
        raise ScenarioFailed(f"p3: {landed.name} was not loaded (jobs run: {jobs})")
    bench.figure("p3_run_seconds", run.seconds, "s")
    bench.figure("p3_ratio_to_full_run", run.seconds / bench.value("p1_run_seconds"), "x")
    bench.details["p3"] = {
        "landed": landed.name,
        "run_seconds": run.seconds,
        "timings": run.timings,
    }


def baseline(bench: Bench, files: list[Path], db: Path) -> float:
    """The hand-written DuckDB load + district-month aggregation of the same files."""
    types = {"text": "varchar", "int": "integer", "timestamp": "timestamp"}
    columns = ", ".join(f"'{c}': '{types[k]}'" for c, k in layout.COLUMNS)
    table = ", ".join(f"{c} {types[k]}" for c, k in layout.COLUMNS)
    paths = ", ".join(f"'{p}'" for p in files)
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        started = time.monotonic()
        con.execute(f"create table dossiers ({table})")
        con.execute(
            f"""
            insert into dossiers select * from read_csv([{paths}], header = true,
                auto_detect = false, timestampformat = '{layout.TIMESTAMP_FORMAT}',
                columns = {{{columns}}})
            """
        )
        loaded = time.monotonic()
        con.execute(
            """
            create table district_month as
            with latest as (
                select * from dossiers
                qualify row_number() over (
                    partition by ma_ho_so order by thoi_diem_trich_xuat desc
                ) = 1
            )
            select
                coalesce(quan_huyen, don_vi_tiep_nhan) as admin_unit,
                date_trunc('month', ngay_tiep_nhan) as month,
                count(*) as received,
                count(*) filter (where ngay_hoan_thanh <= ngay_hen_tra) as on_time
            from latest
            group by coalesce(quan_huyen, don_vi_tiep_nhan), date_trunc('month', ngay_tiep_nhan)
            """
        )
        done = time.monotonic()
        rows = con.execute("select count(*) from dossiers").fetchall()[0][0]
        groups = con.execute("select count(*) from district_month").fetchall()[0][0]
    finally:
        con.close()
        db.unlink(missing_ok=True)
    bench.figure("p2_baseline_load_seconds", loaded - started, "s")
    bench.figure("p2_baseline_aggregate_seconds", done - loaded, "s")
    bench.figure("p2_baseline_seconds", done - started, "s")
    bench.details["p2_baseline"] = {"rows": rows, "district_months": groups}
    return done - started


def p2(bench: Bench, scale: float) -> None:
    t1 = bench.value("p1_run_seconds")
    if t1 is None:
        one = full_run(bench, bench.work / "p2-scale1", 1.0, "p2_scale1")
        shutil.rmtree(bench.work / "p2-scale1")
        report_run(bench, "p2_scale1", one, steps=False)
        t1 = one.seconds
    data_dir = bench.work / "p2"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    landing = data_dir / "landing"
    # the dossiers at scale S, the other sources as in the default sample (like --scale real)
    others = [arg for name in SOURCES if name != layout.FOLDER for arg in ("--source", name)]
    sample = egov(bench, data_dir, "p2-sample", "sample", "--out", str(landing), *others)
    dossiers = egov(bench, data_dir, "p2-sample-procedures", "sample", "--out", str(landing),
                    "--source", layout.FOLDER, "--scale", f"{scale:g}")  # fmt: skip
    bench.figure("p2_sample_seconds", sample.seconds + dossiers.seconds, "s")
    files = sorted((landing / layout.FOLDER).glob(f"{layout.FILE_PREFIX}*.csv"))
    size = sum(p.stat().st_size for p in files)
    bench.figure("p2_procedures_csv_mb", size / 2**20, "MB")
    base = baseline(bench, files, bench.work / "baseline.duckdb")
    run = egov(bench, data_dir, "p2-run", "run")
    report_run(bench, "p2", run, steps=True)
    with duckdb.connect(str(data_dir / "published" / "warehouse.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'fct_dossiers'"
        ).fetchall()
        for (name,) in tables:
            count = con.execute(f'select count(*) from marts."{name}"').fetchall()[0][0]
            bench.figure(f"p2_published_{name}_rows", count, "rows")
    cost = run.seconds - t1
    bench.figure("p2_proportional_cost_seconds", cost, "s")
    if cost <= 0:  # the fixed cost and the machine's noise hide the data's: no ratio
        print(f"note: t(scale {scale:g}) <= t(scale 1): too small a scale to measure the ratio")
    bench.figure("p2_cost_ratio_to_baseline", cost / base if cost > 0 else None, "x")


# -- main --------------------------------------------------------------------------------


def verdicts(bench: Bench) -> list[dict[str, Any]]:
    found = []
    for name, (op, bound, unit) in TARGETS.items():
        value = bench.value(name)
        if value is None:
            continue
        ok = value <= bound
        found.append({"figure": name, "value": value, "target": f"{op} {bound} {unit}", "ok": ok})
        print(f"{'ok  ' if ok else 'MISS'} {name} {value:.3g} (target {op} {bound} {unit})")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="p1,p3,p2", help="scenarios, comma-separated")
    parser.add_argument("--scale", type=float, default=139.0, help="P2's sample scale")
    parser.add_argument("--keep", action="store_true", help="keep the scenarios' data dirs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    chosen = [s.strip().lower() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - {"p1", "p2", "p3"}
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}: choose among p1, p2, p3")
    data = Path(os.environ.get("EGOV_DATA_DIR") or REPO / "data").expanduser().resolve()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    bench = Bench(data / "bench" / "work" / stamp, data / "bench" / "logs" / stamp)
    bench.logs.mkdir(parents=True)
    machine = {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }
    print(f"bench {stamp}: {', '.join(chosen)}; {machine['cores']} cores; logs {bench.logs}")
    failure = None
    started = time.monotonic()
    try:
        for scenario in ("p1", "p3", "p2"):  # p3 builds on p1, p2 reuses p1's run
            if scenario == "p3" and "p3" in chosen and "p1" not in chosen:
                p1(bench)  # P3 needs P1's data dir and full-run time
            if scenario == "p1" and "p1" in chosen:
                p1(bench)
            elif scenario == "p3" and "p3" in chosen:
                p3(bench)
            elif scenario == "p2" and "p2" in chosen:
                p2(bench, args.scale)
    except ScenarioFailed as exc:
        failure = str(exc)
        print(f"FAILED {failure}", file=sys.stderr)
    found = verdicts(bench)
    report = {
        "started_at": stamp,
        "seconds": time.monotonic() - started,
        "scenarios": chosen,
        "scale": args.scale,
        "machine": machine,
        "figures": bench.figures,
        "verdicts": found,
        "failure": failure,
        "details": bench.details,
    }
    out = data / "bench" / f"{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"report {out}")
    if not args.keep:
        shutil.rmtree(bench.work, ignore_errors=True)
    if failure:
        return 1
    return 1 if args.strict and not all(v["ok"] for v in found) else 0


if __name__ == "__main__":
    raise SystemExit(main())
