"""`egov`: run, inspect and feed the warehouse from the command line.

Errors the user can act on (:class:`EgovError`) print as one red line and exit 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from orchestration import cli_feed, cli_inspect
from orchestration.cli_common import friendly, landing_files, month_range, out, ready
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

EXAMPLE_QUERY = (
    "select admin_level, count(*) as units from marts.dim_admin_units "
    "where current_date between valid_from and coalesce(valid_to, current_date) "
    "group by admin_level order by units"
)


def _place_sample_if_empty(settings: Settings) -> bool:
    """On a fresh checkout (landing empty) write the bundled sample into landing/."""
    if any(landing_files(settings, s) for s in SOURCES):
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
        from orchestration.definitions import defs
        from orchestration.runner import Runner

        return Runner(defs, settings, Console(file=sys.stdout), verbose=verbose)


def _ingest(runner: Any, plan: Any) -> None:
    """One ingest run per source, over exactly its partitions with new files."""
    from orchestration.jobs import ingest_job_name, partition_tags

    for source, span in plan.spans().items():
        outcome = runner.execute(
            ingest_job_name(source),
            label=f"Loading {source} {span}",
            tags=partition_tags(plan.partitions[source]),
            detail=f"{span} ",
        )
        if not outcome.success:
            raise EgovError(
                f"loading {source} {span} failed (run {outcome.run_id}): "
                + " | ".join(outcome.errors or ["see `egov status`"])
                + "; nothing was published"
            )


def _current_version(settings: Settings) -> str | None:
    """The published version when it was built from the current inputs (loads, dbt
    project, reference tables); None when a build would publish something new."""
    from orchestration.publishing import current_if_unchanged, inputs_fingerprint

    inputs = inputs_fingerprint(settings.build_db, settings.dbt_project_dir)
    return current_if_unchanged(settings.published_dir, inputs)


def _say_current(settings: Settings, version: str, started: float) -> None:
    out.print(
        f"The published version [bold]{version}[/] is current: it was built from the same "
        f"loads and dbt project, so nothing was built or published "
        f"({time.monotonic() - started:.0f} s; `egov run --force` rebuilds).",
        soft_wrap=True,
    )
    out.print(f"Published marts: [bold]{settings.published_db}[/]", soft_wrap=True)


@app.command()
@friendly
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
    force: Annotated[
        bool,
        typer.Option("--force", help="Build and publish a new version even if nothing changed."),
    ] = False,
) -> None:
    """Run the pipeline: load new landed files -> dbt build and tests -> publish.

    On a fresh checkout (nothing in landing/) it first places the bundled sample there.
    Files already loaded (same bytes) are not loaded again. When the published version
    was built from the current inputs (loads, dbt project), nothing is built: it says the
    version is current (--force rebuilds and publishes anyway). With --from/--to it
    backfills: every partition in the window with landed files runs again (yearly
    sources: the years the window touches).
    """
    window = None
    if first or last:
        try:
            months = month_range(first or last, last or first)
        except ValueError as exc:
            raise EgovError(str(exc)) from None
        window = (months[0], months[-1])
    settings = ready()
    _check_build_db(settings)
    if _place_sample_if_empty(settings):
        out.print(f"Placed the sample (seed {settings.sample_seed}) in {settings.landing_dir}")
    from orchestration.jobs import BUILD_JOB, FORCE_TAG, plan_ingest
    from orchestration.publishing import published_fingerprint

    started = time.monotonic()
    plan = plan_ingest(settings, window=window)
    if window:
        spans = ", ".join(f"{source} {span}" for source, span in plan.spans().items())
        out.print(f"Backfill {window[0]}..{window[1]}: {spans or 'no landed files in the window'}")
    elif plan.empty:
        out.print("Nothing new in landing/: every file there is already loaded.")
        if not force and (current := _current_version(settings)):
            _say_current(settings, current, started)
            return
    else:
        files = ", ".join(f"{n} {s}" for s, n in plan.new_files.items())
        out.print(f"New files in landing/: {files}")
    runner = _runner(settings, verbose)
    _ingest(runner, plan)
    if (window or not plan.empty) and not force and (current := _current_version(settings)):
        _say_current(settings, current, started)  # a backfill that changed no load
        return
    before = published_fingerprint(settings.published_dir)
    built = runner.execute(
        BUILD_JOB, label="Building and publishing", tags={FORCE_TAG: "true"} if force else None
    )
    took = time.monotonic() - started
    if not built.success:
        raise EgovError(
            f"run {built.run_id} failed after {took:.0f} s: the published marts are unchanged; "
            + " | ".join(built.errors)
            + f" (details in {runner.tool_log} and `egov status`)"
        )
    out.print(f"[bold green]Pipeline succeeded[/] in {took:.0f} s (run {built.run_id}).")
    after = published_fingerprint(settings.published_dir)
    if after is not None and after == before:
        out.print(f"The published version [bold]{after[0]}[/] is current: nothing new published.")
    elif after is not None:
        out.print(f"Published version [bold]{after[0]}[/].")
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
@friendly
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

    settings = ready()
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
    from orchestration.jobs import plan_ingest

    plan = plan_ingest(settings, only={source})
    if plan.empty:
        out.print(f"{name}: already loaded (same bytes): nothing to do")
        return
    _ingest(_runner(settings, verbose), plan)
    out.print(f"[green]Loaded[/] {name} into raw.{source} ({slot.slot}); `egov run` publishes it.")


# Feeding landing/ (cli_feed.py) and reading the warehouse (cli_inspect.py), in the order
# `egov --help` lists them.
app.command()(cli_feed.sample)
app.command()(cli_feed.fetch)
app.command("sample-api")(cli_feed.sample_api)
app.command()(cli_inspect.status)
app.command()(cli_inspect.query)
app.command()(cli_inspect.publish)
app.command()(cli_inspect.docs)


@app.command()
@friendly
def prepare() -> None:
    """Prepare the dbt manifest (`dbt parse`) and the data dir (layout, audit schema
    migrations); `make install` runs this once."""
    settings = load_settings()
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
    from orchestration.warehouse import build_connection
    from sources.loading import audit

    prepare_data_dir(settings)
    with build_connection(settings) as con:
        version = audit.migrate(con)  # created here once; writers re-check cheaply
    out.print(f"audit schema at version {version}: {settings.build_db}")


@app.command()
@friendly
def dev(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI on 127.0.0.1.")] = 3000,
) -> None:
    """Start the Dagster UI on this code location (schedules, sensors, lineage)."""
    ready()
    dagster = shutil.which("dagster", path=str(Path(sys.executable).parent)) or "dagster"
    out.print(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    os.execv(
        dagster,
        [dagster, "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
    )


if __name__ == "__main__":
    app()
