"""The marts are guarded by the dbt tests, not by great-expectations: on a tiny disbursement
mart built by hand in a real DuckDB file (two monthly reports), the real dbt roll-up test
fails naming the report whose city total no longer equals its parts, and only that one
(the broken mart the great-expectations mart suite caught before issue 10)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import Warehouse

REPO = Path(__file__).resolve().parents[2]
ROLLUP = "assert_disbursement_districts_plus_city_projects_equal_city_total"


def _progress_marts(con: duckdb.DuckDBPyConnection) -> None:
    """A disbursement mart of two monthly reports: two districts (valid on the as-of
    date) and one city-level project each, with the city total their sum."""
    con.execute(
        """
        create schema marts;
        create table marts.dim_admin_units as
        select admin_unit_id, admin_level, date '2008-08-01' as valid_from,
            case when admin_level = 'district' then date '2025-06-30' end as valid_to
        from (values ('01', 'city'), ('01-001', 'district'), ('01-002', 'district'))
            as t(admin_unit_id, admin_level);
        create table marts.fct_project_disbursements as
        select
            period_id,
            2024 as plan_year,
            is_city_level_project,
            100::decimal(24, 6) as plan_ttg_bn_vnd,
            120::decimal(24, 6) as plan_city_bn_vnd,
            10::decimal(24, 6) as disbursed_in_period_bn_vnd,
            50::decimal(24, 6) as disbursed_cumulative_bn_vnd
        from (values (true), (false), (false)) as t(is_city_level_project)
        cross join (values ('2024-05'), ('2024-06')) as p(period_id);
        create table marts.fct_disbursement_progress as
        select
            admin_unit_id || '|' || unit_scope || '|' || period_id || '|2024'
                as disbursement_progress_id,
            admin_unit_id,
            admin_level,
            unit_scope,
            period_id,
            2024 as plan_year,
            last_day((period_id || '-01')::date) as as_of_date,
            project_count,
            (100 * project_count)::decimal(24, 6) as plan_ttg_bn_vnd,
            (120 * project_count)::decimal(24, 6) as plan_city_bn_vnd,
            (10 * project_count)::decimal(24, 6) as disbursed_in_period_bn_vnd,
            (50 * project_count)::decimal(24, 6) as disbursed_cumulative_bn_vnd
        from (
            values
                ('01', 'city', 'city_total', 3),
                ('01', 'city', 'city_level', 1),
                ('01-001', 'district', 'district', 1),
                ('01-002', 'district', 'district', 1)
        ) as t(admin_unit_id, admin_level, unit_scope, project_count)
        cross join (values ('2024-05'), ('2024-06')) as p(period_id);
        """
    )


def dbt_test(db: Path, work: Path, *select: str) -> dict[str, str]:
    """`dbt test` of the real project on ``db``: each selected test's status."""
    project = REPO / "dbt_project"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")), "test",
            "--project-dir", str(project), "--profiles-dir", str(project),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
            "--select", *select,
        ],
        env={**os.environ, "EGOV_BUILD_DB": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {r["unique_id"].split(".")[-1]: r["status"] for r in results["results"]}


def test_broken_mart_rollup_identity_fails_its_dbt_test_naming_the_report(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    _progress_marts(warehouse.con)
    broken = "2024-06"
    warehouse.con.execute(
        "update marts.fct_disbursement_progress "
        "set disbursed_cumulative_bn_vnd = disbursed_cumulative_bn_vnd + 1 "
        "where unit_scope = 'city_total' and period_id = ?",
        [broken],
    )
    city, parts = warehouse.con.execute(
        "select sum(disbursed_cumulative_bn_vnd) filter (where unit_scope = 'city_total'), "
        "sum(disbursed_cumulative_bn_vnd) filter (where unit_scope <> 'city_total') "
        "from marts.fct_disbursement_progress where period_id = ?",
        [broken],
    ).fetchall()[0]
    warehouse.con.close()  # dbt opens the file itself
    db = warehouse.root / "build.duckdb"

    assert dbt_test(db, tmp_path, ROLLUP) == {ROLLUP: "fail"}

    with duckdb.connect(str(db), read_only=True) as con:
        named = con.execute(
            "select period_id, plan_year, problem, city_cumulative_bn_vnd, "
            f"parts_cumulative_bn_vnd from test_failures.{ROLLUP}"
        ).fetchall()
    assert named == [(broken, 2024, "city_total is not city_level + local units", city, parts)]
