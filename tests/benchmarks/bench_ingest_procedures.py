"""Benchmark: ingest generated dossier files month by month into a real DuckDB file.

Not collected by pytest (the name does not match ``test_*.py``). Run from the repo root:

    .venv/bin/python tests/benchmarks/bench_ingest_procedures.py --scale 19
    .venv/bin/python tests/benchmarks/bench_ingest_procedures.py --scale 94 --memory-limit 2GB
    .venv/bin/python tests/benchmarks/bench_ingest_procedures.py --scale real

Generates the monthly exports and re-extractions with
:func:`sources.sample.procedures.write` (scale 1.0 is about 1,500 dossiers a month over
71 months; 19 about 2 million dossiers in all, 94 about 10 million, ``real`` = REAL_SCALE
150 the city's volume, about 16 million, at which P6..P8 hold), then loads each in
landing order with :func:`sources.loading.ingest.ingest_file` (dossiers are merged by extraction
time: later states replace earlier ones) and prints, per file and in total, rows/s, the
time spent inside the reader (stage = read_csv into a text table, parse, units) and in
the framework after it (materialising ``_incoming``, duplicate keys, the latest-state
merge), the process's current RSS and its peak RSS (``resource.getrusage``), and the CPU
time of the loads (all threads: on a shared machine wall time counts the others' work).
``--format jsonl`` first converts each month to the fetcher's JSON lines format (with
DuckDB) and loads those instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sources.loading.ingest import ingest_file  # noqa: E402
from sources.loading.spec import ReadContext, ReadResult  # noqa: E402
from sources.readers.procedures import SPEC  # noqa: E402
from sources.sample import DEFAULT_SEED  # noqa: E402
from sources.sample import procedures as sample  # noqa: E402
from sources.sample.procedures import layout, targets  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


class _Timings(logging.Handler):
    """Collects the reader's phase timings (logged at DEBUG by sources.readers.procedures)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.last: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        timings = getattr(record, "timings", None)
        if timings:
            self.last = dict(timings)


def to_jsonl(con: duckdb.DuckDBPyConnection, csv_path: Path, out_dir: Path) -> Path:
    """The month as the fetcher writes it: one JSON object per line, ISO timestamps."""
    columns = dict(layout.COLUMNS)
    types = {"text": "VARCHAR", "int": "INTEGER", "timestamp": "TIMESTAMP"}
    spec = ", ".join(f"'{c}': '{types[k]}'" for c, k in columns.items())
    select = ", ".join(
        f"strftime({c}, '%Y-%m-%dT%H:%M:%S+07:00') as {c}" if k == "timestamp" else c
        for c, k in columns.items()
    )
    target = out_dir / csv_path.with_suffix(".jsonl").name
    con.execute(
        f"""
        copy (select {select} from read_csv('{csv_path}', header = true, auto_detect = false,
            timestampformat = '{layout.TIMESTAMP_FORMAT}', columns = {{{spec}}}))
        to '{target}' (format json)
        """
    )
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="19", help="a number, or 'real' (REAL_SCALE)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--work-dir", type=Path, default=None, help="default: a temp dir")
    parser.add_argument("--reuse", action="store_true", help="reuse files already generated")
    parser.add_argument("--keep", action="store_true", help="keep the work dir afterwards")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--months", type=int, default=None, help="load only the first N")
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    args = parser.parse_args()
    scale = targets.REAL_SCALE if args.scale == "real" else float(args.scale)

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-procedures-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work dir {work}; {shutil.disk_usage(work).free / 2**30:.1f} GiB free")
    folder = work / "sample" / sample.FOLDER
    started = time.perf_counter()
    if args.reuse and folder.is_dir() and any(folder.glob("ho_so_*.csv")):
        files = sorted(folder.glob("ho_so_*.csv"))
        print(f"reusing {len(files)} files in {folder}")
    else:
        files = sample.write(work / "sample", args.seed, scale)
        print(f"generated {len(files)} files at scale {scale} in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    files = files[: args.months] if args.months else files
    size = sum(p.stat().st_size for p in files)
    print(f"{size / 2**30:.2f} GiB of CSV; peak RSS after generation {peak_rss_mb():.0f} MB")

    db = work / "bench.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"set memory_limit = '{args.memory_limit}'")
    con.execute(f"set temp_directory = '{work / 'duckdb_tmp'}'")
    if args.threads:
        con.execute(f"set threads = {args.threads}")
    if args.format == "jsonl":
        jsonl_dir = work / "jsonl"
        jsonl_dir.mkdir(exist_ok=True)
        t = time.perf_counter()
        files = [to_jsonl(con, p, jsonl_dir) for p in files]
        print(f"converted to JSON lines in {time.perf_counter() - t:.1f} s")

    timings = _Timings()
    logging.getLogger("sources.readers.procedures").addHandler(timings)
    logging.getLogger("sources.readers.procedures").setLevel(logging.DEBUG)
    reader_seconds = [0.0]

    def timed_reader(ctx: ReadContext) -> ReadResult:
        t = time.perf_counter()
        result = SPEC.reader(ctx)
        reader_seconds[0] = time.perf_counter() - t
        return result

    spec = dataclasses.replace(SPEC, reader=timed_reader)
    print(f"duckdb {duckdb.__version__}, memory_limit {args.memory_limit}, threads "
          f"{con.execute('select current_setting(?)', ['threads']).fetchall()[0][0]}")  # fmt: skip
    print(
        f"{'file':21} {'rows':>9} {'secs':>6} {'rows/s':>8} {'stage':>6} {'parse':>6} "
        f"{'units':>6} {'ingest':>6} {'rss MB':>7} {'peak MB':>8}"
    )
    total_rows = 0
    total_secs = 0.0
    cpu_started = time.process_time()
    sums = {"stage": 0.0, "parse": 0.0, "units": 0.0, "ingest": 0.0}
    for path in files:
        t = time.perf_counter()
        outcome = ingest_file(con, spec, path, archive_dir=work / "archive", work_dir=work / "load")
        secs = time.perf_counter() - t
        after = secs - reader_seconds[0]
        phase = {**timings.last, "ingest": after}
        for k in sums:
            sums[k] += phase.get(k, 0.0)
        total_rows += outcome.rows_read
        total_secs += secs
        print(
            f"{path.stem.removeprefix('ho_so_'):21} {outcome.rows_read:9d} {secs:6.2f} "
            f"{outcome.rows_read / secs:8.0f} {phase.get('stage', 0):6.2f} "
            f"{phase.get('parse', 0):6.2f} {phase.get('units', 0):6.2f} {after:6.2f} "
            f"{current_rss_mb():7.0f} {peak_rss_mb():8.0f}"
            + (f"  {outcome.rows_replaced} replaced" if outcome.rows_replaced else "")
            + (f"  {outcome.rows_kept_newer} kept newer" if outcome.rows_kept_newer else "")
            + (f"  {outcome.rows_rejected} rejected" if outcome.rows_rejected else "")
        )
    loaded = con.execute("select count(*) from raw.procedures").fetchall()[0][0]
    con.close()
    print(
        f"total: {total_rows} rows read ({loaded} dossiers in raw.procedures) in "
        f"{total_secs:.1f} s = "
        f"{total_rows / total_secs:.0f} rows/s; peak RSS {peak_rss_mb():.0f} MB; "
        f"database {db.stat().st_size / 2**20:.0f} MB"
    )
    # CPU time of all threads: on a shared machine, wall time also counts the others' work.
    cpu = time.process_time() - cpu_started
    print(f"cpu: {cpu:.1f} s (all threads) = {total_rows / cpu:.0f} rows per cpu-second")
    print(
        "time split: " + ", ".join(f"{k} {v:.1f} s ({v / total_secs:.0%})" for k, v in sums.items())
    )
    if not args.keep and args.work_dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
