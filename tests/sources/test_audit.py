"""Schema ``audit`` through its one owner: migrations (fresh and from the tables older
builds wrote), the outcome vocabulary, the typed writers and the readers that build the
``egov status`` document."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from sources.loading import audit

T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    yield connection
    connection.close()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'audit' "
            "and table_name = ? order by column_index",
            [table],
        ).fetchall()
    ]


def _gx(run: str, partition: str, check: str, outcome: str, minutes: int) -> audit.CheckRecord:
    return audit.CheckRecord(
        run_id=run,
        layer="great_expectations",
        suite="great_expectations:raw_disbursement",
        check_name=check,
        asset_key="raw.disbursement",
        partition_key=partition,
        outcome=audit.to_outcome(outcome),
        checked_at=T0 + dt.timedelta(minutes=minutes),
    )


def test_migrate_creates_every_table_once_and_is_idempotent(con):
    assert audit.migrate(con) == audit.SCHEMA_VERSION
    assert _columns(con, "check_results") == audit.CHECK_RESULTS_SCHEMA.names
    assert _columns(con, "load_manifest") == audit.MANIFEST_SCHEMA.names
    applied = con.execute("select version from audit.schema_migrations order by 1").fetchall()
    assert [v for (v,) in applied] == [v for v, _, _ in audit.MIGRATIONS]
    assert audit.migrate(con) == audit.SCHEMA_VERSION
    again = con.execute("select count(*) from audit.schema_migrations").fetchall()[0][0]
    assert again == len(audit.MIGRATIONS)


def test_migrate_widens_older_tables_and_rewrites_outcome_words(con):
    """A build database written before migrations existed: dbt rows without the GX
    columns, dbt's and GX's own words. After migrate, one vocabulary and every column."""
    con.execute("create schema audit")
    con.execute(
        "create table audit.check_results (run_id varchar, asset_key varchar, "
        "check_name varchar, suite varchar, outcome varchar, failures bigint, "
        "message varchar, severity varchar, checked_at timestamptz)"
    )
    old_words = ["pass", "success", "fail", "warn", "error", "skipped"]
    for i, word in enumerate(old_words):
        suite = "dbt" if i % 2 else "great_expectations:raw_budget"
        con.execute(
            "insert into audit.check_results values ('r', 'raw.budget', ?, ?, ?, 0, '', "
            "'error', ?)",
            [f"c{i}", suite, word, T0],
        )
    audit.migrate(con)
    assert set(_columns(con, "check_results")) == set(audit.CHECK_RESULTS_SCHEMA.names)
    rows = con.execute(
        "select check_name, outcome, layer, suite from audit.check_results order by 1"
    ).fetchall()
    assert [o for _, o, _, _ in rows] == [audit.to_outcome(w) for w in old_words]
    assert set(o for _, o, _, _ in rows) <= set(audit.OUTCOMES)
    assert all(
        layer == ("dbt" if suite == "dbt" else "great_expectations") for _, _, layer, suite in rows
    )


def test_to_outcome_maps_dbt_and_gx_words_and_refuses_unknown():
    assert {audit.to_outcome(w) for w in ("pass", "success", "PASS")} == {"passed"}
    assert audit.to_outcome("fail") == "failed"
    assert audit.to_outcome("warn") == "warned"
    assert audit.to_outcome("error") == "errored"
    assert audit.to_outcome("skipped") == "skipped"
    with pytest.raises(ValueError, match="unknown check outcome"):
        audit.to_outcome("ok")
    with pytest.raises(ValueError, match="to_outcome"):
        audit.CheckRecord("r", "dbt", "dbt", "t", "marts.x", outcome="pass")  # type: ignore[arg-type]


def test_record_checks_on_a_bare_file(con):
    records = [_gx("r1", "2024-01", "not_null(x)", "fail", 0), _gx("r1", "2024-02", "x", "pass", 0)]
    audit.record_checks(con, records)
    stored = con.execute(
        "select partition_key, outcome, layer from audit.check_results order by 1"
    ).fetchall()
    assert stored == [(r.partition_key, r.outcome, r.layer) for r in records]


def test_failing_raw_partitions_reads_the_latest_validation_only(con):
    audit.record_checks(
        con,
        [
            # 2024-01 failed, then a corrected file passed: not failing any more.
            _gx("r1", "2024-01", "between(x)", "fail", 0),
            _gx("r2", "2024-01", "between(x)", "pass", 10),
            # 2024-02 passed, then the restated file failed two checks and errored one.
            _gx("r1", "2024-02", "between(x)", "pass", 0),
            _gx("r3", "2024-02", "unique(k)", "fail", 20),
            _gx("r3", "2024-02", "between(x)", "fail", 20),
            _gx("r3", "2024-02", "gx_raw_disbursement", "error", 20),
            # a warning does not block
            _gx("r3", "2024-03", "between(y)", "warn", 20),
        ],
    )
    failing = audit.failing_raw_partitions(con, ["disbursement", "budget"])
    assert failing == [
        audit.FailingPartition(
            "raw.disbursement", "2024-02", ("between(x)", "gx_raw_disbursement", "unique(k)")
        )
    ]
    assert audit.failing_raw_partitions(con, ["budget"]) == []


def test_failing_raw_partitions_without_audit_tables(con):
    assert audit.failing_raw_partitions(con, ["disbursement"]) == []
    assert audit.loaded_hashes(con, "disbursement") == set()
    assert con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit'"
    ).fetchall() == [(0,)]  # readers never create


def _load(source: str, slot: str, sha: str, status: str, minutes: int, **kw) -> audit.LoadRecord:
    at = T0 + dt.timedelta(minutes=minutes)
    return audit.LoadRecord(
        load_id=f"{source}-{sha}", source=source, partition_key=slot[:7], slot=slot,
        file_name=f"{source}_{slot}_{sha}.xlsx", sha256=sha, bytes=10,
        archive_path=f"archive/{source}/{sha}.xlsx", started_at=at, finished_at=at,
        status=status, rows_read=5, rows_loaded=5 if status != "failed" else 0, **kw,
    )  # fmt: skip


def test_load_manifest_writers_and_readers(con):
    audit.migrate(con)
    first = _load("grdp", "2024-Q1", "aa", "loaded", 0)
    audit.record_load(con, first)
    second = _load("grdp", "2024-Q1", "bb", "loaded", 5)
    audit.supersede_slot(con, "grdp", "2024-Q1", second.load_id)
    audit.record_load(con, second)
    audit.record_load(con, _load("grdp", "2024-Q2", "cc", "failed", 9, error="bad header"))
    assert audit.loaded_hashes(con, "grdp") == {"aa", "bb"}  # a failed load is not loaded
    assert audit.previous_load(con, "grdp", "aa") == (
        first.load_id, first.file_name, "superseded", first.finished_at
    )  # fmt: skip
    assert audit.previous_load(con, "grdp", "cc") is None
    assert con.execute(
        "select superseded_by from audit.load_manifest where load_id = ?", [first.load_id]
    ).fetchall() == [(second.load_id,)]


def test_publication_round_trip(tmp_path: Path):
    at = T0 + dt.timedelta(hours=1)
    tables = {"marts.fct_things": 3, "audit.check_results": 7}
    with duckdb.connect(str(tmp_path / "published.duckdb")) as published:
        assert audit.read_publication(published) is None
        audit.record_publication(
            published, version="V1", run_id="run-1", published_at=at,
            source_build_db="/b.duckdb", tables=tables,
        )  # fmt: skip
        assert audit.read_publication(published) == {
            "version": "V1",
            "run_id": "run-1",
            "published_at": at.isoformat(),
            "tables": dict(sorted(tables.items())),
        }


def test_status_document(con, tmp_path: Path):
    """What `egov status` shows, from real audit rows: last load and a later failure per
    source, the latest outcome per check (a fixed failure no longer listed), publication."""
    audit.record_checks(
        con,
        [
            _gx("r1", "2024-01", "between(x)", "fail", 0),
            _gx("r2", "2024-01", "between(x)", "pass", 10),
            _gx("r2", "2024-02", "between(x)", "warn", 10),
            audit.CheckRecord(
                "r3", "dbt", "dbt", "unique_fct_x_id", "marts.fct_x", "failed", failures=2,
                message="Got 2 results", checked_at=T0 + dt.timedelta(minutes=30),
            ),
        ],
    )  # fmt: skip
    audit.record_load(con, _load("grdp", "2024-Q1", "aa", "loaded", 0))
    audit.record_load(con, _load("grdp", "2024-Q2", "bb", "failed", 9, error="bad header"))
    audit.record_load(con, _load("budget", "2024", "cc", "failed", 1, error="old failure"))
    audit.record_load(con, _load("budget", "2024", "dd", "loaded", 2))
    published = duckdb.connect(str(tmp_path / "published.duckdb"))
    audit.record_publication(
        published, version="V1", run_id="r3", published_at=T0, source_build_db="b",
        tables={"marts.fct_x": 4},
    )  # fmt: skip
    doc = audit.status_document(
        build=con,
        published=published,
        locations={"data_dir": "/d", "build_db": "/d/b.duckdb", "published_db": "/d/p.duckdb"},
        landing={"grdp": ("/d/landing/grdp", 2), "budget": ("/d/landing/budget", 2)},
        published_extra={"versions_kept": ["V1"]},
        last_run={"run_id": "r3", "status": "SUCCESS"},
    )
    published.close()
    assert doc["status_version"] == audit.STATUS_VERSION
    assert doc["published"] == {
        "version": "V1", "run_id": "r3", "published_at": T0.isoformat(),
        "tables": {"marts.fct_x": 4}, "versions_kept": ["V1"],
    }  # fmt: skip
    grdp, budget = doc["sources"]["grdp"], doc["sources"]["budget"]
    assert (grdp["landing_files"], grdp["last_load"]["load_id"]) == (2, "grdp-aa")
    assert grdp["last_failure"]["error"] == "bad header"  # later than the last load
    assert budget["last_load"]["load_id"] == "budget-dd"
    assert budget["last_failure"] is None  # an earlier failure, since loaded
    checks = doc["checks"]
    assert (checks["total"], checks["passed"], checks["failed"]) == (3, 1, 2)
    assert checks["run_id"] == "r3"
    assert [(f["outcome"], f["asset_key"], f["partition"]) for f in checks["failing"]] == [
        ("warned", "raw.disbursement", "2024-02"),
        ("failed", "marts.fct_x", None),
    ]
    assert doc["last_run"] == {"run_id": "r3", "status": "SUCCESS"}
    assert doc["notes"] == []


def test_status_document_reads_an_unmigrated_database_in_the_new_words(con):
    """`egov status` opens the build database read-only: rows from before the outcome
    migration read in the new words, and a note says how to migrate."""
    con.execute("create schema audit")
    con.execute(
        "create table audit.check_results (run_id varchar, asset_key varchar, "
        "check_name varchar, suite varchar, outcome varchar, failures bigint, "
        "message varchar, severity varchar, checked_at timestamptz)"
    )
    con.execute(
        "insert into audit.check_results values ('r', 'marts.x', 'a', 'dbt', 'pass', 0, '', "
        "'error', ?), ('r', 'marts.x', 'b', 'dbt', 'error', 1, 'boom', 'error', ?)",
        [T0, T0],
    )
    doc = audit.status_document(
        build=con,
        published=None,
        locations={"data_dir": "/d", "build_db": "/d/b.duckdb", "published_db": "/d/p"},
        landing={},
    )
    assert [(f["check_name"], f["outcome"]) for f in doc["checks"]["failing"]] == [("b", "errored")]
    assert "version 0 of" in doc["notes"][0]
    assert audit.schema_version(con) == 0  # reading never migrates
