"""`egov status`, `egov query`, `egov publish`, `egov docs`: read the warehouse. The status
document itself is built by :func:`sources.loading.audit.status_document` (tested there);
this module gathers what only the orchestrator knows (files, versions, the last Dagster
run) and prints."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from orchestration.cli_common import friendly, landing_files, out, ready
from orchestration.settings import SOURCES, EgovError, Settings, load_settings
from sources.loading import audit


def _last_run() -> dict[str, Any] | None:
    """The last Dagster run of this instance (its id, job, status, times)."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    runs = instance.get_runs(limit=1)
    if not runs:
        return None
    record = instance.get_run_record_by_id(runs[0].run_id)
    return {
        "run_id": runs[0].run_id,
        "job": runs[0].job_name,
        "status": runs[0].status.value,
        "started_at": record.start_time and _iso(record.start_time),
        "finished_at": record.end_time and _iso(record.end_time),
    }


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(microsecond=0).isoformat()


def status_document(settings: Settings) -> dict[str, Any]:
    """The documented `egov status --json` document (README, "Status"): the databases are
    opened read-only here, read by :func:`audit.status_document`."""
    from orchestration.publishing import versions
    from orchestration.warehouse import connect

    notes: list[str] = []
    with contextlib.ExitStack() as stack:
        published = build = None
        if settings.published_db.exists():
            published = stack.enter_context(connect(settings.published_db, read_only=True))
        if settings.build_db.exists():
            try:
                build = stack.enter_context(connect(settings.build_db, read_only=True))
            except EgovError as exc:
                notes.append(str(exc))
        return audit.status_document(
            build=build,
            published=published,
            locations={
                "data_dir": str(settings.data_dir),
                "build_db": str(settings.build_db),
                "published_db": str(settings.published_db),
            },
            landing={
                s: (str(settings.landing(s)), len(landing_files(settings, s))) for s in SOURCES
            },
            published_extra={
                "parquet_dir": str(settings.published_dir / "current" / "parquet"),
                "versions_kept": [v.name for v in versions(settings.published_dir)],
            },
            last_run=_last_run(),
            notes=notes,
        )


@friendly
def status(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the documented JSON document.")
    ] = False,
) -> None:
    """Build and published databases, landing per source, last run and last check results."""
    settings = ready(need_manifest=False)
    doc = status_document(settings)
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


@friendly
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


@friendly
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


@friendly
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
