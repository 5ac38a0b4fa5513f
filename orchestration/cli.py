"""`egov`: run, inspect and feed the warehouse from the command line.

Errors the user can act on (:class:`EgovError`) print as one red line and exit 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from orchestration.settings import (
    SOURCES,
    EgovError,
    Settings,
    apply_environment,
    check_manifest,
    load_settings,
    prepare_data_dir,
)

app = typer.Typer(
    help="Hanoi e-government warehouse: sample data -> DuckDB -> dbt -> checks -> published marts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

EXAMPLE_QUERY = (
    "select admin_level, count(*) as units from marts.dim_admin_units "
    "where current_date between valid_from and coalesce(valid_to, current_date) "
    "group by admin_level order by units"
)
STATUS_VERSION = 1


def _friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print :class:`EgovError` as one line and exit 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EgovError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _ready(*, need_manifest: bool = True) -> Settings:
    settings = load_settings()
    prepare_data_dir(settings)
    apply_environment(settings)
    if need_manifest:
        check_manifest(settings)
    return settings


def _landing_files(settings: Settings, source: str) -> list[Path]:
    folder = settings.landing(source)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _place_sample_if_empty(settings: Settings) -> bool:
    """On a fresh checkout (landing empty) write the bundled sample into landing/."""
    if any(_landing_files(settings, s) for s in SOURCES):
        return False
    from sources.sample import write_sample

    with out.status("Writing the bundled sample into landing/ ...") as status:

        def done(source: str, paths: list[Path]) -> None:
            out.print(f"  sample [bold]{source}[/]: {len(paths)} files")
            status.update(f"Writing the bundled sample into landing/ ... ({source} done)")

        write_sample(
            settings.landing_dir,
            seed=settings.sample_seed,
            scale=settings.sample_scale,
            on_source_done=done,
        )
    return True


def _check_build_db(settings: Settings) -> None:
    from orchestration.warehouse import connect

    with connect(settings.build_db):  # a locked or corrupt file fails here, in one line
        pass


def _runner(settings: Settings, verbose: bool) -> Any:
    with out.status("Loading the Dagster code location ..."):
        from orchestration.runner import Runner

        return Runner(settings, Console(file=sys.stdout), verbose=verbose)


def _ingest(runner: Any, plan: Any) -> None:
    """Run the ingest job of every source over its partitions with new files."""
    from orchestration.runner import range_tags

    for source, ranges in plan.ranges.items():
        for first, last in ranges:
            span = first if first == last else f"{first}..{last}"
            outcome = runner.execute(
                f"ingest_{source}",
                label=f"Loading {source} {span}",
                tags=range_tags(first, last),
                detail=f"{span} ",
            )
            if not outcome.success:
                raise EgovError(
                    f"loading {source} {span} failed (run {outcome.run_id}): "
                    + " | ".join(outcome.errors or ["see `egov status`"])
                    + "; nothing was published"
                )


@app.command()
@_friendly
def run(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Dagster's and dbt's full log.")
    ] = False,
    first: Annotated[
        str | None,
        typer.Option("--from", help="Backfill from this month (YYYY-MM): rerun its partitions."),
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Backfill to this month (YYYY-MM).")
    ] = None,
) -> None:
    """Run the pipeline: load new landed files -> dbt build and tests -> publish.

    On a fresh checkout (nothing in landing/) it first places the bundled sample there.
    Files already loaded (same bytes) are not loaded again. With --from/--to it backfills:
    every partition in the window with landed files runs again (yearly sources: the
    years the window touches).
    """
    window = None
    if first or last:
        try:
            months = _months(first or last, last or first)
        except ValueError as exc:
            raise EgovError(str(exc)) from None
        window = (months[0], months[-1])
    settings = _ready()
    _check_build_db(settings)
    if _place_sample_if_empty(settings):
        out.print(f"Placed the sample (seed {settings.sample_seed}) in {settings.landing_dir}")
    from orchestration.definitions import BUILD_JOB
    from orchestration.runner import plan_ingest

    started = time.monotonic()
    plan = plan_ingest(settings, window=window)
    if window:
        spans = ", ".join(
            f"{source} {a}..{b}" for source, ranges in plan.ranges.items() for a, b in ranges
        )
        out.print(f"Backfill {window[0]}..{window[1]}: {spans or 'no landed files in the window'}")
    elif plan.empty:
        out.print("Nothing new in landing/: every file there is already loaded.")
    else:
        files = ", ".join(f"{n} {s}" for s, n in plan.new_files.items())
        out.print(f"New files in landing/: {files}")
    runner = _runner(settings, verbose)
    _ingest(runner, plan)
    built = runner.execute(BUILD_JOB, label="Building and publishing")
    took = time.monotonic() - started
    if not built.success:
        raise EgovError(
            f"run {built.run_id} failed after {took:.0f} s: the published marts are unchanged; "
            + " | ".join(built.errors)
            + f" (details in {runner.tool_log} and `egov status`)"
        )
    out.print(f"[bold green]Pipeline succeeded[/] in {took:.0f} s (run {built.run_id}).")
    out.print(
        f"Published marts (DuckDB, open read-only): [bold]{settings.published_db}[/]",
        soft_wrap=True,
    )
    out.print("Example query:")
    out.print(f'  egov query "{EXAMPLE_QUERY}"', highlight=False, soft_wrap=True)
    out.print(
        f"  python -c \"import duckdb; print(duckdb.connect('{settings.published_db}', "
        f'read_only=True).sql(\\"{EXAMPLE_QUERY}\\"))"',
        highlight=False,
        soft_wrap=True,
    )


@app.command()
@_friendly
def ingest(
    source: Annotated[
        str, typer.Argument(help="budget, disbursement, grdp, procedures or governance_indices")
    ],
    path: Annotated[
        Path, typer.Argument(help="The file to load (named as the source's files are).")
    ],
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Dagster's full log.")
    ] = False,
) -> None:
    """Land one file (copy it into landing/SOURCE/) and load its partition.

    The same bytes again are a no-op; a different file for a loaded slot restates it
    (the earlier rows stay in raw.SOURCE__history). Publishing happens with `egov run`.
    """
    from sources.loading.ingest import safe_file_name
    from sources.loading.registry import SOURCE_NAMES, specs
    from sources.loading.spec import SourceFileError

    settings = _ready()
    if source not in SOURCE_NAMES:
        raise EgovError(f"unknown source {source!r}: choose from {', '.join(SOURCE_NAMES)}")
    spec = specs()[source]
    if not path.is_file():
        raise EgovError(f"{path} is not a file")
    try:
        name = safe_file_name(path.name)
    except SourceFileError as exc:
        raise EgovError(str(exc)) from None
    slot = spec.match(name)
    if slot is None:
        raise EgovError(
            f"{path.name} is not a {source} file name (expected a name like {spec.file_example})"
        )
    _check_build_db(settings)
    target = settings.landing(source) / name
    if not (target.exists() and target.resolve() == path.resolve()):
        tmp = target.with_name(f".{name}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)  # the archive keeps any earlier file of that name
    from orchestration.runner import plan_ingest

    plan = plan_ingest(settings, only={source})
    if plan.empty:
        out.print(f"{name}: already loaded (same bytes): nothing to do")
        return
    _ingest(_runner(settings, verbose), plan)
    out.print(f"[green]Loaded[/] {name} into raw.{source} ({slot.slot}); `egov run` publishes it.")


@app.command()
@_friendly
def sample(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write <source>/ folders into.")],
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives identical files.")
    ] = 2025,
    scale: Annotated[
        str,
        typer.Option(
            help="Volume factor for dossier-level data, or 'real': the city's real dossier "
            "volume (procedures at its REAL_SCALE, 150; the other sources at 1)."
        ),
    ] = "1.0",
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these sources (repeatable).")
    ] = None,
) -> None:
    """Write the sample source files (2021-01..2026-11) in the publishers' formats."""
    from sources.sample import SOURCES as SAMPLE_SOURCES
    from sources.sample import write_source
    from sources.sample.procedures import REAL_SCALE

    chosen = source or list(SAMPLE_SOURCES)
    unknown = sorted(set(chosen) - set(SAMPLE_SOURCES))
    if unknown:
        raise EgovError(f"unknown source {unknown[0]!r}: choose from {', '.join(SAMPLE_SOURCES)}")
    real = scale.strip().lower() == "real"
    try:
        factor = 1.0 if real else float(scale)
    except ValueError:
        raise EgovError(f"--scale must be a number or 'real', got {scale!r}") from None
    if not factor > 0:
        raise EgovError(f"--scale must be positive, got {scale}")
    out_dir.mkdir(parents=True, exist_ok=True)
    if not os.access(out_dir, os.W_OK):
        raise EgovError(f"{out_dir} is not writable: choose another --out")
    table = Table("source", "files", "bytes", "seconds")
    with out.status("Writing sample ...") as status:
        for name in chosen:
            status.update(f"Writing sample [bold]{name}[/] ...")
            started = time.monotonic()
            volume = REAL_SCALE if real and name == "procedures" else factor
            paths = write_source(name, out_dir, seed=seed, scale=volume)
            size = sum(p.stat().st_size for p in paths)
            table.add_row(name, str(len(paths)), f"{size:,}", f"{time.monotonic() - started:.1f}")
    out.print(table)
    out.print(f"Sample written to {out_dir.resolve()}")


@app.command()
@_friendly
def fetch(
    url: Annotated[
        str,
        typer.Option(help="Base URL of the case system's API.", envvar="EGOV_PROCEDURES_API_URL"),
    ],
    first: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    last: Annotated[str | None, typer.Option("--to", help="Last month (default: --from).")] = None,
    token: Annotated[
        str | None, typer.Option(help="Bearer token.", envvar="EGOV_PROCEDURES_API_TOKEN")
    ] = None,
) -> None:
    """Fetch dossiers month by month from a JSON API into landing/procedures/ (JSON lines).

    `egov run` then loads them like the CSV exports. A month is written whole or not at
    all; a refused request (401, 404) stops at once, a failing server is retried.
    """
    import datetime as dt

    from sources.loading.http import FetchError, fetch_month, landed_name

    settings = _ready(need_manifest=False)
    try:
        months = _months(first, last or first)
        for month in months:
            landed_name(month)
    except ValueError as exc:
        raise EgovError(str(exc)) from None
    for month in months:
        with out.status(f"Fetching {month} from {url} ..."):
            try:
                result = fetch_month(url, month, settings.landing("procedures"), token=token)
            except FetchError as exc:
                raise EgovError(f"fetching {month} failed: {exc}") from None
        out.print(
            f"  {month}: {result.records:,} dossiers in {result.pages} pages -> {result.path}"
        )
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    out.print(f"[green]Fetched {len(months)} month(s)[/] at {stamp}; `egov run` loads them.")


def _months(first: str, last: str) -> list[str]:
    """YYYY-MM months from ``first`` to ``last`` inclusive."""
    import datetime as dt

    try:
        start = dt.date.fromisoformat(first + "-01")
        end = dt.date.fromisoformat(last + "-01")
    except ValueError:
        raise ValueError(f"months must be YYYY-MM, got {first!r} and {last!r}") from None
    if end < start:
        raise ValueError(f"--to {last} is before --from {first}")
    months = []
    while start <= end:
        months.append(f"{start:%Y-%m}")
        start = (start + dt.timedelta(days=32)).replace(day=1)
    return months


@app.command("sample-api")
@_friendly
def sample_api(
    folder: Annotated[
        Path, typer.Option("--dir", help="Folder of monthly ho_so_YYYY-MM.csv files.")
    ],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
    token: Annotated[
        str | None, typer.Option(help="Require this bearer token.", envvar="EGOV_SAMPLE_API_TOKEN")
    ] = None,
) -> None:
    """Serve sample dossiers as the paginated JSON API of a one-stop-desk system."""
    from sources.sample.procedures_api import serve

    if not folder.is_dir() or not any(folder.glob("ho_so_*.csv")):
        raise EgovError(
            f"{folder} holds no ho_so_YYYY-MM.csv files: write them with "
            "`egov sample --out DIR --source procedures` and pass --dir DIR/procedures"
        )
    server = serve(folder, port=port, token=token)
    out.print(f"Serving {folder} at {server.url}/api/v1/dossiers?month=2024-01 (Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()


def _status(settings: Settings) -> dict[str, Any]:
    """The documented `egov status --json` document (README, "Status")."""
    from orchestration.warehouse import connect

    doc: dict[str, Any] = {
        "status_version": STATUS_VERSION,
        "data_dir": str(settings.data_dir),
        "build_db": str(settings.build_db),
        "published_db": str(settings.published_db),
        "published": None,
        "sources": {
            s: {
                "landing_dir": str(settings.landing(s)),
                "landing_files": len(_landing_files(settings, s)),
                "last_load": None,
                "last_failure": None,
            }
            for s in SOURCES
        },
        "last_run": None,
        "checks": None,
        "notes": [],
    }
    if settings.published_db.exists():
        from orchestration.publishing import versions

        with connect(settings.published_db, read_only=True) as con:
            version, run_id, published_at = con.execute(
                "select version, run_id, published_at from audit.publication"
            ).fetchall()[0]
            tables = con.execute(
                "select table_name, row_count from audit.published_tables order by 1"
            ).fetchall()
        doc["published"] = {
            "version": version,
            "run_id": run_id,
            "published_at": published_at.isoformat(),
            "tables": dict(tables),
            "parquet_dir": str(settings.published_dir / "current" / "parquet"),
            "versions_kept": [v.name for v in versions(settings.published_dir)],
        }
    if settings.build_db.exists():
        try:
            with connect(settings.build_db, read_only=True) as con:
                _add_loads(con, doc)
                doc["checks"] = _last_checks(con)
        except EgovError as exc:
            doc["notes"].append(str(exc))
    import dagster as dg

    instance = dg.DagsterInstance.get()
    runs = instance.get_runs(limit=1)
    if runs:
        record = instance.get_run_record_by_id(runs[0].run_id)
        doc["last_run"] = {
            "run_id": runs[0].run_id,
            "job": runs[0].job_name,
            "status": runs[0].status.value,
            "started_at": record.start_time and _iso(record.start_time),
            "finished_at": record.end_time and _iso(record.end_time),
        }
    return doc


def _last_checks(con: Any) -> dict[str, Any] | None:
    """The latest outcome of every check (per asset, check and partition), with the
    failing ones named: expectation, partition, observed value."""
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'audit' and table_name = 'check_results'"
        ).fetchall()
    }
    if not columns:
        return None
    extra = [c if c in columns else f"null as {c}" for c in GX_COLUMNS]
    cursor = con.execute(
        f"""
        select run_id, asset_key, check_name, suite, outcome, failures, message, checked_at,
            {", ".join(extra)}
        from audit.check_results
        qualify row_number() over (
            partition by asset_key, check_name, coalesce({extra[0].split(" as ")[-1]}, '')
            order by checked_at desc) = 1
        order by checked_at
        """
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    if not rows:
        return None
    failing = [
        {
            "asset_key": r["asset_key"], "check_name": r["check_name"], "suite": r["suite"],
            "outcome": r["outcome"], "failures": r["failures"], "partition": r["partition_key"],
            "expectation": r["expectation"], "observed_value": r["observed_value"],
            "message": r["message"], "run_id": r["run_id"],
        }
        for r in rows
        if r["outcome"] not in ("pass", "success", "passed")
    ]  # fmt: skip
    return {
        "run_id": rows[-1]["run_id"],
        "checked_at": rows[-1]["checked_at"].isoformat(),
        "total": len(rows),
        "passed": len(rows) - len(failing),
        "failed": len(failing),
        "failing": failing,
    }


GX_COLUMNS = ("partition_key", "expectation", "observed_value")


def _add_loads(con: Any, doc: dict[str, Any]) -> None:
    """Last load and last failure (when later than the last load) per source."""
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'audit' and table_name = 'load_manifest'"
    ).fetchall()[0][0]
    if not exists:
        return
    rows = con.execute(
        """
        select source, status, load_id, file_name, partition_key, slot, rows_loaded,
            rows_rejected, finished_at, error
        from audit.load_manifest
        qualify row_number() over (
            partition by source, status = 'failed' order by finished_at desc) = 1
        """
    ).fetchall()
    for source, status, load_id, name, part, slot, loaded, rejected, at, error in rows:
        if source not in doc["sources"]:
            continue
        entry = {
            "load_id": load_id, "file_name": name, "partition": part, "slot": slot,
            "rows_loaded": loaded, "rows_rejected": rejected, "finished_at": at.isoformat(),
        }  # fmt: skip
        if status == "failed":
            doc["sources"][source]["last_failure"] = {**entry, "error": error}
        else:
            doc["sources"][source]["last_load"] = entry
    for info in doc["sources"].values():
        failure, load = info["last_failure"], info["last_load"]
        if failure and load and failure["finished_at"] < load["finished_at"]:
            info["last_failure"] = None


def _iso(timestamp: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(microsecond=0).isoformat()


@app.command()
@_friendly
def status(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the documented JSON document.")
    ] = False,
) -> None:
    """Build and published databases, landing per source, last run and last check results."""
    settings = _ready(need_manifest=False)
    doc = _status(settings)
    if as_json:
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    out.print(f"data dir      {doc['data_dir']}")
    out.print(f"build db      {doc['build_db']}")
    pub = doc["published"]
    out.print(
        f"published db  {doc['published_db']}"
        + (
            f"  (version {pub['version']}, {pub['published_at']})"
            if pub
            else "  (nothing published yet)"
        )
    )
    run_doc = doc["last_run"]
    if run_doc:
        out.print(
            f"last run      {run_doc['run_id']} {run_doc['status']} at {run_doc['finished_at']}"
        )
    table = Table("source", "landing files", "last load", "rows", "failure")
    for name, info in doc["sources"].items():
        load, failure = info["last_load"], info["last_failure"]
        table.add_row(
            name,
            str(info["landing_files"]),
            load["file_name"] if load else "-",
            f"{load['rows_loaded']:,} (+{load['rows_rejected']} rejected)" if load else "",
            f"[red]{failure['error']}[/]" if failure else "",
        )
    out.print(table)
    checks = doc["checks"]
    if checks:
        colour = "green" if not checks["failed"] else "red"
        out.print(
            f"checks        [{colour}]{checks['passed']}/{checks['total']} passed[/] "
            f"(run {checks['run_id']})"
        )
        for failing in checks["failing"]:
            where = f" [{failing['partition']}]" if failing["partition"] else ""
            out.print(
                f"  [red]{failing['outcome']}[/] {failing['asset_key']}{where}: "
                f"{failing['expectation'] or failing['check_name']}: {failing['message']}",
                highlight=False,
            )
    for note in doc["notes"]:
        out.print(f"[yellow]note:[/] {note}")


@app.command()
@_friendly
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run read-only on the published database.")],
) -> None:
    """Run a read-only query on the published marts and print the result."""
    from orchestration.warehouse import connect

    settings = load_settings()
    import duckdb

    with connect(settings.published_db, read_only=True) as con:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            raise EgovError(f"query failed: {exc}") from None
        names = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    table = Table(*names)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


@app.command()
@_friendly
def publish(
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Point published/ at the previous version.")
    ] = False,
) -> None:
    """Show the published versions, or roll back to the previous one (`--rollback`).

    Publishing itself happens at the end of every green `egov run`.
    """
    from orchestration.publishing import current_version, versions
    from orchestration.publishing import rollback as roll_back

    settings = load_settings()
    if rollback:
        previous = roll_back(settings.published_dir)
        out.print(f"[green]Rolled back[/]: {settings.published_db} is now version {previous.name}")
        return
    current = current_version(settings.published_dir)
    kept = versions(settings.published_dir)
    if not kept:
        raise EgovError(f"nothing published in {settings.published_dir} yet: run `egov run`")
    for version in reversed(kept):
        mark = "[bold green]* current[/]" if version == current else ""
        out.print(f"  {version.name} {mark}")


@app.command()
@_friendly
def docs(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8580,
) -> None:
    """Serve the dbt docs of the last green build (models, columns, tests, lineage)."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    settings = load_settings()
    index = settings.dbt_docs_dir / "index.html"
    if not index.exists():
        raise EgovError(f"{index} does not exist yet: run `egov run` (it generates the docs)")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(settings.dbt_docs_dir))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    out.print(f"dbt docs at http://127.0.0.1:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


@app.command()
@_friendly
def prepare() -> None:
    """Prepare the dbt manifest (`dbt parse`); `make install` runs this once."""
    settings = load_settings()  # parsing needs no data dir: do not create one
    apply_environment(settings)
    os.environ["DBT_LOG_PATH"] = str(settings.dbt_project_dir / "logs")
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    with out.status("dbt parse ..."):
        proc = subprocess.run(
            [
                dbt,
                "parse",
                "--project-dir",
                str(settings.dbt_project_dir),
                "--profiles-dir",
                str(settings.dbt_project_dir),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise EgovError("dbt parse failed (output above): fix the dbt project, then `egov prepare`")
    out.print(f"dbt manifest ready: {check_manifest(settings)}")


@app.command()
@_friendly
def dev(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI on 127.0.0.1.")] = 3000,
) -> None:
    """Start the Dagster UI on this code location (schedules, sensors, lineage)."""
    _ready()
    dagster = shutil.which("dagster", path=str(Path(sys.executable).parent)) or "dagster"
    out.print(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    os.execv(
        dagster,
        [dagster, "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
    )


if __name__ == "__main__":
    app()
