"""End to end through the real CLI: sample -> DuckDB -> dbt build and tests -> publish."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from sources.registry import SOURCE_NAMES as SOURCES
from tests.conftest import EGOV, REPO, egov_env

pytestmark = pytest.mark.slow


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    data = tmp_path_factory.mktemp("pipeline")
    proc = subprocess.run(
        [EGOV, "run"], cwd=REPO, env=egov_env(data), capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return data, proc


def test_fresh_run_places_the_sample_and_publishes(first_run) -> None:
    data, proc = first_run
    for source in SOURCES:
        assert any((data / "landing" / source).iterdir()), f"no sample files for {source}"
    published = data / "published" / "warehouse.duckdb"
    assert str(published) in proc.stdout
    assert "egov query" in proc.stdout  # the example query is printed
    with duckdb.connect(str(published), read_only=True) as con:
        levels = dict(
            con.execute(
                "select admin_level, count(*) from marts.dim_admin_units "
                "where valid_to = date '2025-06-30' group by 1"
            ).fetchall()
        )
        current = con.execute(
            "select count(*) from marts.dim_admin_units "
            "where is_current and admin_level = 'commune'"
        ).fetchall()[0][0]
        schemas = {
            r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()
        }
    assert levels == {"district": 30, "commune": 526}
    assert current == 126
    assert schemas == {"marts", "audit"}  # BI sees marts and check history, nothing else


def test_status_json_names_the_published_database(first_run, run_egov) -> None:
    data, _ = first_run
    proc = run_egov(data, "status", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["published_db"] == str(data / "published" / "warehouse.duckdb")
    assert doc["published"]["tables"]["marts.dim_admin_units"] == 683
    assert doc["checks"]["failed"] == 0 and doc["checks"]["total"] > 0
    assert doc["last_run"]["status"] == "SUCCESS"
    assert all(doc["sources"][s]["landing_files"] > 0 for s in SOURCES)


def test_second_run_keeps_landing_and_republishes_the_same_marts(first_run, run_egov) -> None:
    data, _ = first_run
    before = _digest(data / "landing")
    published = data / "published" / "warehouse.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        units_before = con.execute("select * from marts.dim_admin_units order by 1").fetchall()
    proc = run_egov(data, "run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Placed the sample" not in proc.stdout
    assert _digest(data / "landing") == before
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select * from marts.dim_admin_units order by 1").fetchall() == (
            units_before
        )


def test_failed_check_blocks_publish_and_is_reported(first_run, run_egov, tmp_path: Path) -> None:
    """A reference list that disagrees with the dimension fails a dbt test: the run fails,
    the published file is untouched and `egov status` names the failing check."""
    data, _ = first_run
    published = data / "published" / "warehouse.duckdb"
    published_bytes = published.read_bytes()
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target"))
    seed = project / "seeds" / "ref_hanoi_district_units_2014_2025.csv"
    seed.write_text(seed.read_text(encoding="utf-8").replace("Hoàn Kiếm", "Hoan Kiem X"), "utf-8")
    env = {"EGOV_DBT_PROJECT_DIR": str(project)}
    assert run_egov(data, "prepare", **env).returncode == 0
    proc = run_egov(data, "run", **env)
    assert proc.returncode == 2
    assert "published marts are unchanged" in proc.stderr
    assert published.read_bytes() == published_bytes
    doc = json.loads(run_egov(data, "status", "--json", **env).stdout)
    failing = {f["check_name"] for f in doc["checks"]["failing"]}
    assert "assert_districts_match_reference_list" in failing
