"""End to end through the real CLI: sample -> DuckDB -> dbt build and tests -> publish."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
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


def test_every_published_figure_is_reproduced_through_the_pipeline(first_run) -> None:
    from tests.published import load_published

    data, _ = first_run
    expected = {
        fid for fid, row in load_published().items() if row["use"] in ("reproduce", "bound")
    }
    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select figure_id, is_match, published_value, warehouse_value "
            "from marts.reference_reconciliation"
        ).fetchall()
    assert {r[0] for r in rows} == expected
    assert [r for r in rows if not r[1]] == []


def test_district_scorecard_has_30_districts_a_year_summing_to_the_city(first_run) -> None:
    data, _ = first_run
    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        per_year = dict(
            con.execute(
                "select period_year, count(*) from marts.fct_district_scorecards group by 1"
            ).fetchall()
        )
        districts, city_total, city_agencies = con.execute(
            """
            select
                (select sum(revenue_execution_bn_vnd) from marts.fct_district_scorecards
                 where period_year = 2024),
                sum(execution_bn_vnd) filter (where unit_scope = 'city_total'),
                sum(execution_bn_vnd) filter (where unit_scope = 'city_agencies')
            from marts.fct_budget_executions
            where budget_year = 2024 and report_period = '12T' and budget_category_id = 'A'
            """
        ).fetchall()[0]
    assert per_year[2024] == 30 and set(per_year.values()) == {30}
    assert districts + city_agencies == city_total
    assert (data / "dbt" / "docs" / "index.html").exists()


def test_status_json_names_the_published_database(first_run, run_egov) -> None:
    data, _ = first_run
    proc = run_egov(data, "status", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["published_db"] == str(data / "published" / "warehouse.duckdb")
    from sources.admin_units import build_admin_units

    assert doc["published"]["tables"]["marts.dim_admin_units"] == build_admin_units().num_rows
    assert doc["checks"]["failed"] == 0 and doc["checks"]["total"] > 0
    assert doc["last_run"]["status"] == "SUCCESS"
    assert all(doc["sources"][s]["landing_files"] > 0 for s in SOURCES)


def _raw_state(data: Path) -> dict[str, tuple]:
    with duckdb.connect(str(data / "warehouse" / "build.duckdb"), read_only=True) as con:
        state = {
            s: con.execute(
                f"select count(*), count(distinct _load_id), max(_loaded_at) from raw.{s}"
            ).fetchall()[0]
            for s in SOURCES
        }
        state["manifest"] = con.execute(
            "select count(*), count(*) filter (where status = 'loaded') from audit.load_manifest"
        ).fetchall()[0]
    return state


def test_every_sample_file_is_loaded_without_rejects(first_run) -> None:
    data, proc = first_run
    state = _raw_state(data)
    landed = sum(len(list((data / "landing" / s).iterdir())) for s in SOURCES)
    assert state["manifest"] == (landed, landed)
    for source in SOURCES:
        rows, loads, _ = state[source]
        assert rows > 0 and loads == len(list((data / "landing" / source).iterdir()))
    with duckdb.connect(str(data / "warehouse" / "build.duckdb"), read_only=True) as con:
        for source in SOURCES:
            assert con.execute(f"select count(*) from raw.{source}__rejects").fetchall() == [(0,)]
        archived = con.execute("select count(distinct archive_path) from audit.load_manifest")
        assert archived.fetchall() == [(landed,)]
    assert len(list((data / "archive").rglob("*.*"))) == landed


def test_second_run_loads_nothing_and_changes_no_row(first_run, run_egov) -> None:
    data, _ = first_run
    raw_before = _raw_state(data)
    before = _digest(data / "landing")
    published = data / "published" / "warehouse.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        units_before = con.execute("select * from marts.dim_admin_units order by 1").fetchall()
    proc = run_egov(data, "run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Placed the sample" not in proc.stdout
    assert "Nothing new in landing/" in proc.stdout
    assert _digest(data / "landing") == before
    assert _raw_state(data) == raw_before
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


def test_ingest_restates_a_month_and_keeps_the_old_rows(first_run, run_egov, tmp_path) -> None:
    data, _ = first_run
    name = "giai_ngan_2023-11.csv"
    with (data / "landing" / "disbursement" / name).open(encoding="utf-8-sig", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    cells = lines[1].rstrip("\r\n").split(";")
    cells[1] = cells[1] + " (điều chỉnh)"  # a restated project name; amounts stay consistent
    lines[1] = ";".join(cells) + "\r\n"
    revised = tmp_path / name
    revised.write_text("\ufeff" + "".join(lines), encoding="utf-8")
    proc = run_egov(data, "ingest", "disbursement", str(revised))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Loaded {name}" in proc.stdout
    with duckdb.connect(str(data / "warehouse" / "build.duckdb"), read_only=True) as con:
        history = con.execute(
            "select count(*) from raw.disbursement__history where _slot = '2023-11'"
        ).fetchall()[0][0]
        current = con.execute(
            "select count(*), min(_source_file_sha256) = max(_source_file_sha256) "
            "from raw.disbursement where _slot = '2023-11'"
        ).fetchall()[0]
        statuses = con.execute(
            "select status from audit.load_manifest where file_name = ? order by started_at",
            [name],
        ).fetchall()
    assert history == current[0] and current[1]
    assert statuses == [("superseded",), ("loaded",)]
    again = run_egov(data, "ingest", "disbursement", str(revised))
    assert again.returncode == 0 and "already loaded" in again.stdout


def test_a_misnamed_landing_file_stops_the_run_naming_it(first_run, run_egov) -> None:
    data, _ = first_run
    stray = data / "landing" / "grdp" / "ban_sao_grdp.xlsx"
    stray.write_bytes(b"not a release")
    try:
        proc = run_egov(data, "run")
    finally:
        stray.unlink()
    assert proc.returncode == 2
    assert str(stray) in proc.stderr and "grdp_2024-06.xlsx" in proc.stderr


def test_a_value_outside_an_accepted_set_fails_the_build_naming_it(first_run, run_egov) -> None:
    """A staging model meeting an unknown status fails the build naming the model, the
    column and the value; nothing downstream runs and the published file is unchanged."""
    data, _ = first_run
    published = data / "published" / "warehouse.duckdb"
    published_bytes = published.read_bytes()
    build = str(data / "warehouse" / "build.duckdb")
    with duckdb.connect(build) as con:
        dossier, status = con.execute(
            "select dossier_id, status from raw.procedures order by dossier_id limit 1"
        ).fetchall()[0]
        con.execute("update raw.procedures set status = 'DA_HUY' where dossier_id = ?", [dossier])
    try:
        proc = run_egov(data, "run")
    finally:
        with duckdb.connect(build) as con:
            con.execute(
                "update raw.procedures set status = ? where dossier_id = ?", [status, dossier]
            )
    assert proc.returncode == 2
    assert "stg_procedures__dossiers" in proc.stderr
    assert "accepted_values_stg_procedures__dossiers_status" in proc.stderr
    assert "'DA_HUY'" in proc.stderr
    assert published.read_bytes() == published_bytes


def test_publish_rollback_restores_the_previous_version(first_run, run_egov) -> None:
    data, _ = first_run
    before = json.loads(run_egov(data, "status", "--json").stdout)["published"]
    assert len(before["versions_kept"]) >= 2
    proc = run_egov(data, "publish", "--rollback")
    assert proc.returncode == 0, proc.stderr
    after = json.loads(run_egov(data, "status", "--json").stdout)["published"]
    previous = before["versions_kept"][before["versions_kept"].index(before["version"]) - 1]
    assert after["version"] == previous
    assert (data / "published" / "current").resolve().name == previous


READER = r"""
import sys, time, duckdb
path, mode = sys.argv[1], sys.argv[2]
con = duckdb.connect(path, read_only=True) if mode == "held" else None
while sys.stdin.readline().strip() == "read":
    c = con or duckdb.connect(path, read_only=True)
    row = c.execute(
        "select (select version from audit.publication), count(*), "
        "count(*) filter (where is_match) from marts.reference_reconciliation"
    ).fetchall()[0]
    if con is None:
        c.close()
    print("|".join(map(str, row)), flush=True)
"""


@pytest.mark.parametrize("mode", ["held", "reconnecting"])
def test_readers_see_whole_versions_during_a_full_run(first_run, run_egov, mode) -> None:
    """A BI reader keeps reading during a run that republishes: a held connection keeps
    its snapshot; a reader that reconnects sees one whole version or the next."""
    data, _ = first_run
    published = data / "published" / "warehouse.duckdb"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published), mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen: list[str] = []

    def read() -> None:
        reader.stdin.write("read\n")
        reader.stdin.flush()
        seen.append(reader.stdout.readline().strip())

    read()
    run = subprocess.Popen(
        [EGOV, "run", "--from", "2024-12", "--to", "2024-12"],
        cwd=REPO, env=egov_env(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    while run.poll() is None:
        read()
        time.sleep(0.2)
    read()
    reader.stdin.write("stop\n")
    reader.stdin.close()
    assert reader.wait(timeout=30) == 0, reader.stderr.read()
    assert run.returncode == 0, run.stderr.read()[-2000:]
    from tests.published import load_published

    figures = str(sum(r["use"] in ("reproduce", "bound") for r in load_published().values()))
    versions = [line.split("|")[0] for line in seen]
    assert all(line.split("|")[1:] == [figures, figures] for line in seen), seen
    if mode == "held":
        assert len(set(versions)) == 1  # the snapshot it opened
    else:
        assert len(set(versions)) == 2 and versions[0] != versions[-1]  # old, then new
        assert versions == sorted(versions)


def test_corrupt_sample_files_fail_the_checks_and_publish_nothing(first_run, run_egov) -> None:
    """A negative disbursement and an unknown dossier status: the quality checks fail,
    publish is skipped, a reader of the published file still sees the previous data and
    `egov status` names the failing expectation and partition. (Runs last: it leaves the
    bad rows in the build database, as a failed load does until the files are fixed.)"""
    data, _ = first_run
    published = data / "published" / "warehouse.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        version_before = con.execute("select version from audit.publication").fetchall()
    disbursement = data / "landing" / "disbursement" / "giai_ngan_2024-03.csv"
    with disbursement.open(encoding="utf-8-sig", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines[1:], 1) if not line.rstrip().endswith(";0,0"))
    cells = lines[row].rstrip("\r\n").split(";")
    cells[9] = "-" + cells[9]  # a negative cumulative disbursement
    lines[row] = ";".join(cells) + "\r\n"
    disbursement.write_text("\ufeff" + "".join(lines), encoding="utf-8")
    dossiers = data / "landing" / "procedures" / "ho_so_2024-03.csv"
    text = dossiers.read_text(encoding="utf-8-sig")
    first_status = next(s for s in ('"DA_TRA_KET_QUA"', '"DA_HOAN_THANH"') if s in text)
    dossiers.write_text("\ufeff" + text.replace(first_status, '"DA_HUY"', 1), encoding="utf-8")

    proc = run_egov(data, "run")
    assert proc.returncode == 2
    assert "nothing was published" in proc.stderr
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select version from audit.publication").fetchall() == version_before
    doc = json.loads(run_egov(data, "status", "--json").stdout)
    failing = doc["checks"]["failing"]
    assert any(
        f["asset_key"].endswith("disbursement") and f.get("partition") == "2024-03" for f in failing
    ), failing
    assert all(f.get("expectation") for f in failing if f["suite"].startswith("great"))
