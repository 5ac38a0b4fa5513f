"""Versioned, atomic publishing and rollback, on real DuckDB files."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.publishing import AlreadyCurrent, current_version, rollback, versions
from orchestration.publishing import publish as publish_version
from orchestration.settings import REPO_ROOT, EgovError
from sources.loading import audit

DBT_PROJECT = REPO_ROOT / "dbt_project"


def publish(build: Path, published: Path, run_id: str, **kwargs):
    return publish_version(build, published, run_id, dbt_project_dir=DBT_PROJECT, **kwargs)


def _build(path: Path, value: int) -> Path:
    """A build database whose marts hold ``value``, built from a load of its own (the
    inputs of each value differ, as a new landed file makes them)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.fct_things as select ? as value", [value])
        audit.migrate(con)  # check_results (published) and load_manifest (not published)
        now = dt.datetime.now(dt.UTC)
        load = audit.LoadRecord(
            load_id=f"load-{value}", source="governance_indices", partition_key="2024",
            slot="2024", file_name=f"things_{value}.csv", sha256=f"sha-{value}", bytes=1,
            archive_path="", started_at=now, finished_at=now, status="loaded",
        )  # fmt: skip
        audit.supersede_slot(con, load.source, load.slot, load.load_id)
        audit.record_load(con, load)
    return path


def _read(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select value from marts.fct_things").fetchall()[0][0]


def test_publish_writes_a_version_with_parquet_and_only_bi_tables(tmp_path: Path) -> None:
    build = _build(tmp_path / "build.duckdb", 1)
    published = tmp_path / "published"
    pub = publish(build, published, "run-one")
    assert _read(published / "warehouse.duckdb") == 1
    assert current_version(published) == pub.version_dir
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select version from audit.publication").fetchall() == [(pub.version,)]
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as con:
        tables = {
            r[0] for r in con.execute("select table_name from audit.published_tables").fetchall()
        }
    assert tables == {"marts.fct_things", "audit.check_results"}  # no load manifest
    parquet = published / "current" / "parquet" / "marts.fct_things.parquet"
    assert duckdb.sql(f"select value from '{parquet}'").fetchall() == [(1,)]


def test_a_reader_keeps_its_snapshot_while_a_new_version_is_published(tmp_path: Path) -> None:
    build = _build(tmp_path / "build.duckdb", 1)
    published = tmp_path / "published"
    publish(build, published, "run-one")
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print(c.execute('select value from marts.fct_things').fetchall()[0][0], flush=True); "
         "sys.stdin.readline(); "
         "print(c.execute('select value from marts.fct_things').fetchall()[0][0], flush=True)",
         str(published / "warehouse.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout.readline().strip() == "1"
    _build(build, 2)
    publish(build, published, "run-two")  # while the reader holds the file open
    out, _ = reader.communicate("go\n", timeout=30)
    assert out.strip() == "1"  # its snapshot is intact
    assert _read(published / "warehouse.duckdb") == 2  # a new reader sees the new version


def test_a_failed_publish_leaves_the_published_version_untouched(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish(_build(tmp_path / "build.duckdb", 1), published, "run-one")
    before = (published / "warehouse.duckdb").read_bytes()
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(EgovError, match="no marts"):
        publish(empty, published, "run-two")
    assert (published / "warehouse.duckdb").read_bytes() == before
    assert len(versions(published)) == 1
    assert not list((published / "versions").glob(".*"))  # no half-written version left


def test_rollback_restores_the_previous_version_and_stops_at_the_oldest(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    published = tmp_path / "published"
    for value in (1, 2, 3):
        publish(_build(build, value), published, f"run-{value}")
    assert _read(published / "warehouse.duckdb") == 3
    rollback(published)
    assert _read(published / "warehouse.duckdb") == 2
    rollback(published)
    assert _read(published / "warehouse.duckdb") == 1
    with pytest.raises(EgovError, match="oldest version"):
        rollback(published)
    assert _read(published / "warehouse.duckdb") == 1


def test_only_the_newest_versions_are_kept(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    published = tmp_path / "published"
    for value in range(5):
        publish(_build(build, value), published, f"run-{value}", keep=3)
    kept = versions(published)
    assert len(kept) == 3 and current_version(published) == kept[-1]
    assert _read(kept[0] / "warehouse.duckdb") == 2


def test_the_same_inputs_again_publish_nothing_unless_forced(tmp_path: Path) -> None:
    """A build from the same loads and dbt project as the current version writes no new
    version and names the current one; forced, it publishes a new one."""
    build = _build(tmp_path / "build.duckdb", 1)
    published = tmp_path / "published"
    first = publish(build, published, "run-one")
    meta = json.loads((first.version_dir / "version.json").read_text())
    assert set(meta["inputs"]) == {"loads", "dbt_project", "reference_tables", "tools",
                                   "fingerprint"}  # fmt: skip

    with pytest.raises(AlreadyCurrent, match=f"published version {first.version} is current"):
        publish(build, published, "run-two")
    assert versions(published) == [first.version_dir]

    forced = publish(build, published, "run-three", force=True)
    assert versions(published) == [first.version_dir, forced.version_dir]
    assert current_version(published) == forced.version_dir
