"""Schema ``audit``: the one module that creates, migrates, writes and reads it.

Dagster-free, so the loader, the checks, the publish step and ``egov status`` all go
through the same typed functions and see the same words.

Build database (versioned, :func:`migrate`):

- ``audit.schema_migrations``: which migrations ran (version, description, applied_at).
- ``audit.load_manifest``: one row per attempted load (:func:`record_load`): which file
  (name, sha256, bytes, archive path) produced which rows, counts, times, status
  (``loaded | superseded | failed``), warnings and error.
- ``audit.check_results``: one row per check outcome (:func:`record_checks`), dbt tests
  and great-expectations expectations alike, with ONE outcome vocabulary
  (:data:`Outcome`).

Published file (written once per version, never migrated: a version is immutable):
``audit.publication`` and ``audit.published_tables`` (:func:`record_publication`), and a
copy of ``audit.check_results`` (:data:`PUBLISHED_AUDIT_TABLES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

import duckdb
import pyarrow as pa

from sources.sql import sql_literal, table_exists

Outcome = Literal["passed", "warned", "failed", "errored", "skipped"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
# Outcomes that stop publishing (a warned check notifies, it does not block).
NOT_PASSING: tuple[str, ...] = ("failed", "errored")
# The words dbt (run_results ``status``) and great-expectations used before, and older
# audit rows still hold: each maps to one outcome.
_OUTCOME_WORDS: dict[str, str] = {
    **{w: "passed" for w in ("pass", "passed", "success", "succeeded")},
    **{w: "warned" for w in ("warn", "warned", "warning")},
    **{w: "failed" for w in ("fail", "failed", "failure")},
    **{w: "errored" for w in ("error", "errored", "runtime error")},
    **{w: "skipped" for w in ("skip", "skipped")},
}
Layer = Literal["dbt", "great_expectations"]
# BI sees the marts (dimensions, facts, reconciliation) and the check history: nothing else.
PUBLISHED_AUDIT_TABLES = ("audit.check_results",)

CHECK_RESULTS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("layer", pa.string()),
        ("suite", pa.string()),
        ("check_name", pa.string()),
        ("asset_key", pa.string()),
        ("partition_key", pa.string()),
        ("outcome", pa.string()),
        ("severity", pa.string()),
        ("failures", pa.int64()),
        ("message", pa.string()),
        ("expectation", pa.string()),
        ("observed_value", pa.string()),
        ("checked_at", pa.timestamp("us", tz="UTC")),
    ]
)
MANIFEST_SCHEMA = pa.schema(
    [
        ("load_id", pa.string()),
        ("source", pa.string()),
        ("partition_key", pa.string()),
        ("slot", pa.string()),
        ("file_name", pa.string()),
        ("sha256", pa.string()),
        ("bytes", pa.int64()),
        ("archive_path", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_rejected", pa.int64()),
        ("rows_replaced", pa.int64()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("finished_at", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),  # loaded | superseded | failed
        ("superseded_by", pa.string()),
        ("warnings", pa.string()),
        ("error", pa.string()),
    ]
)
_SQL_TYPES = {
    pa.string(): "varchar",
    pa.int64(): "bigint",
    pa.timestamp("us", tz="UTC"): "timestamptz",
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- migrations -------------------------------------------------------------------------


def _create_like(con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema) -> None:
    """Create ``table`` with ``schema`` when missing; widen an older table with the
    columns it lacks (null in its existing rows)."""
    columns = ", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in schema)
    con.execute(f"create table if not exists {table} ({columns})")
    for f in schema:
        con.execute(f"alter table {table} add column if not exists {f.name} {_SQL_TYPES[f.type]}")


def _v1_tables(con: duckdb.DuckDBPyConnection) -> None:
    _create_like(con, "audit.load_manifest", MANIFEST_SCHEMA)
    _create_like(con, "audit.check_results", CHECK_RESULTS_SCHEMA)


def _outcome_sql(column: str) -> str:
    """SQL mapping the words of ``column`` to :data:`Outcome` (as :func:`to_outcome`):
    migration 2 rewrites with it, and readers of a build database not migrated yet
    (``egov status`` opens it read-only) read through it."""
    cases = " ".join(
        f"when {sql_literal(word)} then {sql_literal(outcome)}"
        for word, outcome in _OUTCOME_WORDS.items()
    )
    return f"case lower({column}) {cases} else {column} end"


def _v2_outcomes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"update audit.check_results set outcome = {_outcome_sql('outcome')} "
        "where outcome not in (" + ", ".join(sql_literal(o) for o in OUTCOMES) + ")"
    )
    con.execute(
        "update audit.check_results set layer = case when starts_with(suite, "
        "'great_expectations') then 'great_expectations' else 'dbt' end where layer is null"
    )


# (version, description, step): append only; a released step is never edited.
MIGRATIONS: tuple[tuple[int, str, Callable[[duckdb.DuckDBPyConnection], None]], ...] = (
    (1, "load_manifest and check_results (older tables widened)", _v1_tables),
    (2, "one outcome vocabulary (passed/warned/failed/errored/skipped); layer column",
     _v2_outcomes),
)  # fmt: skip
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The migration version of schema ``audit`` (0: none applied); reads, never creates."""
    if not table_exists(con, "audit", "schema_migrations"):
        return 0
    (version,) = con.execute(
        "select coalesce(max(version), 0) from audit.schema_migrations"
    ).fetchall()[0]
    return version


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring schema ``audit`` to :data:`SCHEMA_VERSION`; each pending migration runs in
    its own transaction with its row in ``audit.schema_migrations``. Idempotent and cheap
    when current (one lookup), so every standalone writer may call it. Returns the version."""
    if table_exists(con, "audit", "schema_migrations"):
        current = schema_version(con)
        if current >= SCHEMA_VERSION:
            return current
    else:
        con.execute(
            "create schema if not exists audit; create table if not exists "
            "audit.schema_migrations (version integer primary key, description varchar, "
            "applied_at timestamptz)"
        )
    for version, description, step in MIGRATIONS:
        con.execute("begin transaction")
        try:
            done = con.execute(
                "select count(*) from audit.schema_migrations where version = ?", [version]
            ).fetchall()[0][0]
            if not done:
                step(con)
                con.execute(
                    "insert into audit.schema_migrations values (?, ?, ?)",
                    [version, description, _now()],
                )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return SCHEMA_VERSION


# --- check results ----------------------------------------------------------------------


def to_outcome(word: str) -> Outcome:
    """The outcome for a dbt status or a great-expectations word (``pass``, ``fail``,
    ``warn``, ``error``, ``skipped``, ``success`` ...); an unknown word is an error, not a
    silent pass."""
    try:
        return _OUTCOME_WORDS[word.strip().lower()]  # type: ignore[return-value]
    except KeyError:
        raise ValueError(f"unknown check outcome {word!r}: expected one of {OUTCOMES}") from None


@dataclass(frozen=True)
class CheckRecord:
    """One check's outcome: a dbt test on a model, or a great-expectations expectation on
    a partition (or a whole table). ``suite`` is ``dbt`` or
    ``great_expectations:<suite name>``."""

    run_id: str
    layer: Layer
    suite: str
    check_name: str
    asset_key: str  # schema.table
    outcome: Outcome
    severity: str = "error"  # error | warn
    failures: int | None = None
    message: str = ""
    partition_key: str | None = None
    expectation: str | None = None
    observed_value: str | None = None
    checked_at: dt.datetime = field(default_factory=_now)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(
                f"{self.check_name}: outcome {self.outcome!r} is not one of {OUTCOMES} "
                "(use audit.to_outcome)"
            )


def record_checks(con: duckdb.DuckDBPyConnection, records: Sequence[CheckRecord]) -> None:
    """Append ``records`` to ``audit.check_results`` (migrating first)."""
    if not records:
        return
    migrate(con)
    rows = pa.Table.from_pylist([asdict(r) for r in records], schema=CHECK_RESULTS_SCHEMA)
    con.register("_audit_checks", rows)
    try:
        con.execute("insert into audit.check_results by name select * from _audit_checks")
    finally:
        con.unregister("_audit_checks")


@dataclass(frozen=True)
class FailingPartition:
    """A raw partition whose latest great-expectations validation failed or errored."""

    asset_key: str  # raw.<source>
    partition_key: str
    checks: tuple[str, ...]  # the failing checks, sorted


def failing_raw_partitions(
    con: duckdb.DuckDBPyConnection, sources: Iterable[str]
) -> list[FailingPartition]:
    """Raw partitions of ``sources`` whose latest validation (the last run that validated
    the partition) has a failed or errored check. A mart built from such a partition is
    not published: the raw check stopped the load, but the rows stay in the build database
    until a corrected file restates them."""
    tables = [f"raw.{s}" for s in sources]
    if not tables or not table_exists(con, "audit", "check_results"):
        return []
    rows = con.execute(
        """
        with gx as (
            select asset_key, partition_key, run_id, check_name, checked_at,
                OUTCOME as outcome
            from audit.check_results
            where
                starts_with(suite, 'great_expectations:raw_')
                and asset_key in (select unnest($tables))
                and partition_key is not null
        ),
        latest as (
            select asset_key, partition_key, run_id
            from gx
            qualify row_number() over (
                partition by asset_key, partition_key order by checked_at desc
            ) = 1
        )
        select gx.asset_key, gx.partition_key, list_sort(list(distinct gx.check_name))
        from gx
        semi join latest using (asset_key, partition_key, run_id)
        where gx.outcome in (select unnest($failing))
        group by gx.asset_key, gx.partition_key
        order by gx.asset_key, gx.partition_key
        """.replace("OUTCOME", _outcome_sql("outcome")),
        {"tables": tables, "failing": list(NOT_PASSING)},
    ).fetchall()
    return [FailingPartition(a, p, tuple(c)) for a, p, c in rows]


def _column_names(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'audit' "
            "and table_name = ?",
            [table],
        ).fetchall()
    }


def latest_checks(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The latest outcome of every check (per asset, check and partition), with the ones
    that did not pass named: expectation, partition, observed value. None when no check
    ran yet."""
    if not table_exists(con, "audit", "check_results"):
        return None
    partition_key, expectation, observed_value = (
        c if c in _column_names(con, "check_results") else f"null as {c}"
        for c in ("partition_key", "expectation", "observed_value")
    )
    cursor = con.execute(
        f"""
        select run_id, asset_key, check_name, suite, {_outcome_sql("outcome")} as outcome,
            failures, message, checked_at, {partition_key}, {expectation}, {observed_value}
        from audit.check_results
        qualify row_number() over (
            partition by asset_key, check_name, coalesce(partition_key::varchar, '')
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
        if r["outcome"] != "passed"
    ]  # fmt: skip
    return {
        "run_id": rows[-1]["run_id"],
        "checked_at": rows[-1]["checked_at"].isoformat(),
        "total": len(rows),
        "passed": len(rows) - len(failing),
        "failed": len(failing),
        "failing": failing,
    }


# --- load manifest ----------------------------------------------------------------------


@dataclass
class LoadRecord:
    """One attempted load, as ``audit.load_manifest`` keeps it (filled in as the load
    goes: counts, then status and finish time)."""

    load_id: str
    source: str
    partition_key: str
    slot: str
    file_name: str
    sha256: str
    bytes: int
    archive_path: str
    started_at: dt.datetime
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_replaced: int = 0
    finished_at: dt.datetime | None = None
    status: str | None = None  # loaded | superseded | failed
    superseded_by: str | None = None
    warnings: str | None = None
    error: str | None = None


def record_load(con: duckdb.DuckDBPyConnection, load: LoadRecord) -> None:
    """Append ``load`` to ``audit.load_manifest`` (inside the caller's transaction:
    :func:`migrate` must have run, as ``ensure_tables`` of the loader does)."""
    con.register("_audit_load", pa.Table.from_pylist([asdict(load)], schema=MANIFEST_SCHEMA))
    try:
        con.execute("insert into audit.load_manifest by name select * from _audit_load")
    finally:
        con.unregister("_audit_load")


def supersede_slot(con: duckdb.DuckDBPyConnection, source: str, slot: str, load_id: str) -> None:
    """Loads of ``slot`` whose rows ``load_id`` replaces become ``superseded`` by it."""
    con.execute(
        "update audit.load_manifest set status = 'superseded', superseded_by = $load "
        "where source = $source and slot = $slot and status = 'loaded'",
        {"load": load_id, "source": source, "slot": slot},
    )


def previous_load(
    con: duckdb.DuckDBPyConnection, source: str, sha256: str
) -> tuple[str, str, str, dt.datetime] | None:
    """The first load of these bytes (load_id, file_name, status, finished_at), if any."""
    rows = con.execute(
        "select load_id, file_name, status, finished_at from audit.load_manifest "
        "where source = ? and sha256 = ? and status in ('loaded', 'superseded') "
        "order by finished_at limit 1",
        [source, sha256],
    ).fetchall()
    return rows[0] if rows else None


def loaded_hashes(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """sha256 of every file of ``source`` already loaded (or loaded then superseded)."""
    if not table_exists(con, "audit", "load_manifest"):
        return set()
    return {
        r[0]
        for r in con.execute(
            "select sha256 from audit.load_manifest where source = ? "
            "and status in ('loaded', 'superseded')",
            [source],
        ).fetchall()
    }


def last_loads(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per source: the last load and the last failure (None unless later than the last
    load), as ``egov status`` shows them."""
    found: dict[str, dict[str, Any]] = {}
    if not table_exists(con, "audit", "load_manifest"):
        return found
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
        info = found.setdefault(source, {"last_load": None, "last_failure": None})
        entry = {
            "load_id": load_id, "file_name": name, "partition": part, "slot": slot,
            "rows_loaded": loaded, "rows_rejected": rejected, "finished_at": at.isoformat(),
        }  # fmt: skip
        if status == "failed":
            info["last_failure"] = {**entry, "error": error}
        else:
            info["last_load"] = entry
    for info in found.values():
        failure, load = info["last_failure"], info["last_load"]
        if failure and load and failure["finished_at"] < load["finished_at"]:
            info["last_failure"] = None
    return found


# --- publication ------------------------------------------------------------------------


def record_publication(
    con: duckdb.DuckDBPyConnection,
    *,
    version: str,
    run_id: str,
    published_at: dt.datetime,
    source_build_db: str,
    tables: Mapping[str, int],
) -> None:
    """What a published file holds: its version and the row count of every table."""
    con.execute("create schema if not exists audit")
    con.execute(
        "create table audit.publication as select ?::varchar as version, ?::varchar as run_id, "
        "?::timestamptz as published_at, ?::varchar as source_build_db",
        [version, run_id, published_at, source_build_db],
    )
    con.execute(
        "create table audit.published_tables as "
        "select unnest(?::varchar[]) as table_name, unnest(?::bigint[]) as row_count",
        [list(tables), list(tables.values())],
    )


def read_publication(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """Version, run, time and tables (name -> rows) of a published file; None if it
    holds no publication record."""
    if not table_exists(con, "audit", "publication"):
        return None
    version, run_id, published_at = con.execute(
        "select version, run_id, published_at from audit.publication"
    ).fetchall()[0]
    tables = con.execute(
        "select table_name, row_count from audit.published_tables order by 1"
    ).fetchall()
    return {
        "version": version,
        "run_id": run_id,
        "published_at": published_at.isoformat(),
        "tables": dict(tables),
    }


# --- status -----------------------------------------------------------------------------

STATUS_VERSION = 1


def status_document(
    *,
    build: duckdb.DuckDBPyConnection | None,
    published: duckdb.DuckDBPyConnection | None,
    locations: Mapping[str, str],
    landing: Mapping[str, tuple[str, int]],
    published_extra: Mapping[str, Any] | None = None,
    last_run: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The documented ``egov status --json`` document (README, "Status").

    ``build``/``published``: read-only connections (None when the file does not exist or
    cannot be opened: say why in ``notes``); ``locations``: data_dir, build_db,
    published_db; ``landing``: source -> (landing folder, number of files);
    ``published_extra``: what the file system tells of the publication (parquet_dir,
    versions_kept); ``last_run``: the orchestrator's last run, as given.
    """
    doc: dict[str, Any] = {
        "status_version": STATUS_VERSION,
        "data_dir": locations["data_dir"],
        "build_db": locations["build_db"],
        "published_db": locations["published_db"],
        "published": None,
        "sources": {
            s: {
                "landing_dir": folder,
                "landing_files": files,
                "last_load": None,
                "last_failure": None,
            }
            for s, (folder, files) in landing.items()
        },
        "last_run": dict(last_run) if last_run else None,
        "checks": None,
        "notes": list(notes),
    }
    if published is not None:
        publication = read_publication(published)
        if publication is not None:
            doc["published"] = {**publication, **(published_extra or {})}
    if build is not None:
        version = schema_version(build)
        if version < SCHEMA_VERSION:
            doc["notes"].append(
                f"the audit schema of {locations['build_db']} is at version {version} of "
                f"{SCHEMA_VERSION}: `egov prepare` (or the next `egov run`) migrates it"
            )
        for source, info in last_loads(build).items():
            if source in doc["sources"]:
                doc["sources"][source].update(info)
        doc["checks"] = latest_checks(build)
    return doc
