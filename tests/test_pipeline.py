"""End to end through the real CLI: sample -> DuckDB -> dbt build and tests -> publish."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from sources.loading.registry import SOURCE_NAMES as SOURCES
from tests.conftest import EGOV, REPO, copy_data_dir, egov_env

pytestmark = pytest.mark.slow


def _digest(folder: Path) -> dict[str, str]:
    """sha256 of every landed file (hidden files, such as the scan's hash cache, are not
    landed files)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.fixture(scope="module")
def first_run(built_sample, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The session's fresh `egov run` of the sample (tests/conftest.py), copied: the tests
    here run egov on it again and change it."""
    data = copy_data_dir(built_sample.data, tmp_path_factory.mktemp("pipeline") / "data")
    return data, built_sample.run


def test_fresh_run_places_the_sample_and_publishes(built_sample) -> None:
    data, proc = built_sample.data, built_sample.run
    for source in SOURCES:
        assert any((data / "landing" / source).iterdir()), f"no sample files for {source}"
    published = data / "published" / "warehouse.duckdb"
    assert str(published) in proc.stdout
    assert "egov query" in proc.stdout  # the example query is printed
    # the run's step timings (what `make bench` reads)
    timings = json.loads((data / "work" / "last_run_timings.json").read_text(encoding="utf-8"))
    build = next(job for job in timings["jobs"] if job["job"] == "build_and_publish")
    assert build["success"] and "egov_dbt_assets" in timings["steps"]
    assert sum(timings["phases"].values()) == pytest.approx(timings["total_seconds"], abs=0.01)
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


def test_district_scorecard_has_the_districts_each_period_summing_to_the_city(first_run) -> None:
    """Years and first halves of the district era, 2025-H1 included (from the 6-month
    budget report of 2025), each with every district valid in it."""
    data, _ = first_run
    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        per_period = dict(
            con.execute(
                "select period_id, count(*) from marts.fct_district_scorecards group by 1"
            ).fetchall()
        )
        district_count = con.execute(
            "select count(*) from marts.dim_admin_units where admin_level = 'district'"
        ).fetchall()[0][0]
        h1_2025 = con.execute(
            "select distinct budget_report_period, disbursement_as_of_date, "
            "count(dossiers_received) over () from marts.fct_district_scorecards "
            "where period_id = '2025-H1'"
        ).fetchall()
        districts, city_total, city_agencies = con.execute(
            """
            select
                (select sum(revenue_execution_bn_vnd) from marts.fct_district_scorecards
                 where period_id = '2024'),
                sum(execution_bn_vnd) filter (where unit_scope = 'city_total'),
                sum(execution_bn_vnd) filter (where unit_scope = 'city_agencies')
            from marts.fct_budget_executions
            where budget_year = 2024 and report_period = '12T' and budget_category_id = 'A'
            """
        ).fetchall()[0]
    assert {"2024", "2024-H1", "2025-H1"} <= set(per_period)
    assert set(per_period.values()) == {district_count}
    assert not any(p.startswith("2025") and p != "2025-H1" for p in per_period)
    assert h1_2025 == [("6T", dt.date(2025, 6, 30), district_count)]
    assert districts + city_agencies == city_total
    assert (data / "dbt" / "docs" / "index.html").exists()


def test_commune_scorecard_has_the_126_communes_each_period_from_2025_h2(first_run) -> None:
    from sources.loading.admin_units import build_admin_units

    units = [u for u in build_admin_units().to_pylist() if u["level"] == "commune"]
    reform = min(u["valid_from"] for u in units if u["valid_to"] is None)
    current = {u["admin_unit_id"] for u in units if u["valid_to"] is None}
    data, _ = first_run
    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select period_id, period_start_date, list(admin_unit_id), "
            "any_value(budget_report_period), min(budget_execution_start_date), "
            "max(period_end_date) from marts.fct_commune_scorecards group by 1, 2 order by 2, 1"
        ).fetchall()
        last_month_end = con.execute(
            "select max(period_end_date) from marts.fct_procedure_throughputs"
        ).fetchall()[0][0]
    periods = [r[0] for r in rows]
    assert periods[0] == f"{reform.year}-H2" and f"{reform.year + 1}-H1" in periods, periods
    assert rows[-1][5] == last_month_end  # the latest year to date (2026-YTD11)
    assert all(r[1] >= reform for r in rows)
    assert all(sorted(r[2]) == sorted(current) for r in rows)  # 126, data or not
    # The communes' 2025 budget starts at the reform: 2025-H2 is the 12-month report.
    assert rows[0][3:5] == ("12T", reform)


SCORECARD_RANKS = {
    "fct_district_scorecards": {
        "revenue_execution_rate": "revenue_execution_rate_superior_estimate_pct",
        "disbursement_rate_city_plan": "disbursement_rate_city_plan_pct",
        "on_time_rate": "on_time_rate_pct",
        "online_share": "online_share_pct",
    },
    "fct_commune_scorecards": {
        "on_time_rate": "on_time_rate_pct",
        "online_share": "online_share_pct",
        "online_payment_share": "online_payment_share_pct",
        "digitised_share": "digitised_share_pct",
        "avg_resolution_days": "avg_resolution_days",
        "revenue_execution_rate": "revenue_execution_rate_superior_estimate_pct",
        "expenditure_execution_rate": "expenditure_execution_rate_superior_estimate_pct",
        "disbursement_rate_city_plan": "disbursement_rate_city_plan_pct",
    },
}


def _rank_violations(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Rows breaking the missing-data rule: a rank on a null measure, a rank outside
    1..ranked count, a ranked count other than the number of values of the period."""
    found = []
    for mart, ranks in SCORECARD_RANKS.items():
        for name, measure in ranks.items():
            found += con.execute(
                f"""
                select '{mart}', '{name}', period_id, admin_unit_id
                from (
                    select *, count({measure}) over (partition by period_id) as n
                    from marts.{mart}
                )
                where ({measure} is null and {name}_rank is not null)
                    or ({measure} is not null
                        and not {name}_rank between 1 and {name}_ranked_count)
                    or {name}_ranked_count <> n
                """
            ).fetchall()
    return found


def test_scorecards_rank_only_units_with_data(first_run) -> None:
    """A unit without data has null measures and no rank. The sample has one: a district
    without district-level projects in 2024, which a scorecard once showed as plan 0,
    disbursed 0 and ranked 30 of 30."""
    data, _ = first_run
    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        assert _rank_violations(con) == []
        no_projects = con.execute(
            """
            select s.disbursement_plan_city_bn_vnd, s.disbursed_bn_vnd,
                s.disbursement_rate_city_plan_rank, s.disbursement_rate_city_plan_ranked_count
            from marts.fct_district_scorecards as s
            anti join marts.fct_disbursement_progress as p
                on s.admin_unit_id = p.admin_unit_id and s.disbursement_as_of_date = p.as_of_date
                and s.disbursement_plan_year = p.plan_year
            where s.period_id = '2024'
            """
        ).fetchall()
        district_count = con.execute(
            "select count(*) from marts.dim_admin_units where admin_level = 'district'"
        ).fetchall()[0][0]
    assert no_projects == [(None, None, None, district_count - len(no_projects))]


def _dbt_build(data: Path, db: Path, work: Path, *args: str) -> tuple[int, dict[str, str]]:
    """dbt build on the database ``db`` (a copy); the return code and each node's status."""
    project = REPO / "dbt_project"
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")), "build",
            "--project-dir", str(project), "--profiles-dir", str(project),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"), *args,
        ],
        env=egov_env(data, EGOV_BUILD_DB=str(db), DBT_SEND_ANONYMOUS_USAGE_STATS="false"),
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))
    return proc.returncode, {_node_name(r["unique_id"]): r["status"] for r in results["results"]}


def _node_name(unique_id: str) -> str:
    """``model.egov.fct_x`` -> ``fct_x``; a generic test's id ends in a hash of its
    arguments (``test.egov.<name>.<hash>``): its name is the part before."""
    parts = unique_id.split(".")
    return parts[2] if parts[0] == "test" and len(parts) == 4 else parts[-1]


def test_scorecards_never_turn_missing_data_into_a_result(first_run, tmp_path) -> None:
    """On a copy of the built warehouse, one district loses its 2023 disbursement rows
    and its May 2023 dossier export; the marts from dossiers and projects up to the
    scorecards are rebuilt with their tests: the district's 2023 measures are null and
    unranked, the others are ranked among themselves, and the roll-up tests still pass
    (they compare only where both sides have data)."""
    data, _ = first_run
    db = tmp_path / "build.duckdb"
    shutil.copyfile(data / "warehouse" / "build.duckdb", db)
    with duckdb.connect(str(db)) as con:
        district = con.execute(
            "select min(admin_unit_id) from marts.fct_district_scorecards "
            "where period_id = '2023' and disbursed_bn_vnd is not null"
        ).fetchall()[0][0]
        con.execute(
            "delete from raw.disbursement where admin_unit_id = ? and year(as_of_date) = 2023",
            [district],
        )
        con.execute(
            "delete from raw.procedures where first_export_month = '2023-05' "
            "and (admin_unit_id = ? or admin_unit_id like ? || '-%')",
            [district, district],
        )
    code, status = _dbt_build(
        data, db, tmp_path, "--indirect-selection", "buildable", "--select",
        "fct_dossiers", "fct_procedure_coverages", "fct_procedure_throughputs",
        "fct_project_disbursements", "fct_disbursement_progress",
        "fct_district_scorecards", "fct_commune_scorecards",
    )  # fmt: skip
    assert code == 0, status
    assert status["assert_district_scorecard_adds_up_to_city_totals"] == "pass", status
    with duckdb.connect(str(db), read_only=True) as con:
        assert _rank_violations(con) == []
        rows = con.execute(
            """
            select admin_unit_id = ? as is_dropped, period_id, throughput_is_complete,
                dossiers_received, on_time_rate_rank, on_time_rate_ranked_count,
                disbursed_bn_vnd, disbursement_rate_city_plan_rank,
                disbursement_rate_city_plan_ranked_count, count(*) over (partition by period_id)
            from marts.fct_district_scorecards
            where period_id in ('2023', '2023-H1')
            """,
            [district],
        ).fetchall()
    dropped = [r for r in rows if r[0]]
    assert [r[2:9] for r in dropped] == [(False, None, None, r[9] - 1, None, None, r[9] - 1)
                                         for r in dropped]  # fmt: skip
    assert min(r[4] for r in rows if not r[0]) == 1  # the others ranked among themselves


def test_a_crosswalk_losing_weight_fails_the_build_naming_the_unit(first_run, tmp_path) -> None:
    """On a copy of the built warehouse, one piece of a divided ward loses half its
    weight: the crosswalk test fails naming the ward and the restated series is not
    rebuilt; with the crosswalk tests left out (a weight error they could not see),
    the restated total no longer equals the city total and that test fails naming the
    months and measures."""
    data, _ = first_run
    db = tmp_path / "build.duckdb"
    shutil.copyfile(data / "warehouse" / "build.duckdb", db)
    with duckdb.connect(str(db)) as con:
        ward, new_unit = con.execute(
            "select old_admin_unit_id, min(new_admin_unit_id) from ref.admin_unit_crosswalk "
            "where crosswalk_type = 'to_current' and not is_primary "
            "and old_admin_unit_id in (select admin_unit_id from raw.procedures) "
            "group by old_admin_unit_id order by old_admin_unit_id limit 1"
        ).fetchall()[0]
        con.execute(
            "update ref.admin_unit_crosswalk set allocation_weight = allocation_weight / 2 "
            "where crosswalk_type = 'to_current' and old_admin_unit_id = ? "
            "and new_admin_unit_id = ?",
            [ward, new_unit],
        )
        before = con.execute(
            "select count(*), sum(received_count) from marts.fct_procedure_throughputs_restated"
        ).fetchall()
    select = (
        "--indirect-selection", "eager", "--select", "stg_reference__admin_unit_crosswalks",
        "dim_admin_unit_crosswalks", "int_dossier_flows_allocated",
        "fct_procedure_throughputs_restated",
    )  # fmt: skip
    code, status = _dbt_build(data, db, tmp_path / "strict", *select)
    assert code != 0
    assert status["assert_crosswalk_weights_sum_to_one"] == "fail", status
    assert status["fct_procedure_throughputs_restated"] == "skipped", status
    with duckdb.connect(str(db), read_only=True) as con:
        named = con.execute(
            "select crosswalk_type, old_admin_unit_id "
            "from test_failures.assert_crosswalk_weights_sum_to_one"
        ).fetchall()
        after = con.execute(
            "select count(*), sum(received_count) from marts.fct_procedure_throughputs_restated"
        ).fetchall()
    assert named == [("to_current", ward)]
    assert after == before  # the restated series was not rebuilt on the bad crosswalk

    crosswalk_tests = (
        "assert_crosswalk_weights_sum_to_one",
        "assert_crosswalk_to_current_composes_steps",
    )
    code, status = _dbt_build(
        data, db, tmp_path / "lenient", *select, "--exclude", *crosswalk_tests
    )
    assert code != 0
    assert status["fct_procedure_throughputs_restated"] == "success", status
    assert status["assert_procedures_restated_total_equals_city_total"] == "fail", status
    with duckdb.connect(str(db), read_only=True) as con:
        failures = "test_failures.assert_procedures_restated_total_equals_city_total"
        measures = {r[0] for r in con.execute(f"select measure from {failures}").fetchall()}
    assert "received_count" in measures


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[str]:
    (year, month), months = first, []
    while (year, month) <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def test_restated_throughputs_cover_todays_communes_and_add_up_to_the_city(first_run) -> None:
    """The series on today's boundaries: every current commune and the city desks, every
    month of the sample, and per month the rows sum to the unrestated city total."""
    from sources.sample import FIRST_MONTH, LAST_MONTH

    data, _ = first_run
    months = _months(FIRST_MONTH, LAST_MONTH)
    measures = ("received_count", "finished_count", "backlog_end_count", "online_count")
    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        communes = {
            r[0]
            for r in con.execute(
                "select admin_unit_id from marts.dim_admin_units "
                "where admin_level = 'commune' and is_current"
            ).fetchall()
        }
        (reform,) = con.execute(  # the day today's communes started
            "select strftime(min(valid_from), '%Y-%m') from marts.dim_admin_units "
            "where admin_level = 'commune' and is_current"
        ).fetchall()[0]
        rows = con.execute(
            "select admin_unit_id, period_id, unit_scope, is_restated, allocation_basis "
            "from marts.fct_procedure_throughputs_restated where period_type = 'month'"
        ).fetchall()
        sums = {
            r[0]: r[1:]
            for r in con.execute(
                f"""
                select period_id, {", ".join(f"sum({m})" for m in measures)}
                from marts.fct_procedure_throughputs_restated
                where period_type = 'month' group by period_id
                """
            ).fetchall()
        }
        city = {
            r[0]: r[1:]
            for r in con.execute(
                f"""
                select period_id, {", ".join(measures)}
                from marts.fct_procedure_throughputs
                where admin_level = 'city' and period_type = 'month'
                """
            ).fetchall()
        }
    assert len(communes) == _current_commune_count()
    city_desk_unit = {r[0] for r in rows if r[2] == "city_desks"}
    assert city_desk_unit == {"01"}
    assert {(r[0], r[1]) for r in rows} == {
        (unit, month) for unit in communes | city_desk_unit for month in months
    }
    for unit, month, scope, is_restated, basis in rows:
        assert is_restated == (scope == "commune" and month < reform), (unit, month)
        assert basis, (unit, month)
    assert set(sums) == set(city) == set(months)
    for month in months:
        for measure, restated, unrestated in zip(measures, sums[month], city[month], strict=True):
            assert abs(restated - unrestated) <= 1e-6 * max(1, abs(unrestated)), (month, measure)


def _current_commune_count() -> int:
    from sources.loading.admin_units import build_admin_units

    units = build_admin_units().to_pylist()
    return sum(1 for u in units if u["level"] == "commune" and u["valid_to"] is None)


def test_hoan_kiem_followed_across_the_reform_recomputes_from_dossiers(first_run) -> None:
    """Phường Hoàn Kiếm on today's boundary has an on-time rate every month, and a restated
    month equals a recomputation from the dossiers through the crosswalk: commune desks by
    their to_current weight, district desks by the district's communes' shares of the
    month's commune-desk dossiers."""
    from sources.sample import FIRST_MONTH, LAST_MONTH

    data, _ = first_run
    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        (unit,) = con.execute(
            "select admin_unit_id from marts.dim_admin_units "
            "where is_current and admin_level = 'commune' and name_vi = 'Phường Hoàn Kiếm'"
        ).fetchall()[0]
        rates = dict(
            con.execute(
                "select period_id, on_time_rate_pct from marts.fct_procedure_throughputs_restated "
                "where admin_unit_id = ? and period_type = 'month'",
                [unit],
            ).fetchall()
        )
        assert sorted(rates) == _months(FIRST_MONTH, LAST_MONTH)
        assert all(rate is not None for rate in rates.values()), rates
        for month in ("2024-06", "2025-03"):  # a month of the 579 list, one of the 526 list
            expected = con.execute(
                """
                with dossiers as (
                    select *, coalesce(finished_date, ended_date) as closed_date,
                        case when supplement_requests > 1 then received_date
                            else extended_due_date end as late_from_date
                    from marts.fct_dossiers
                ),
                to_unit as (
                    select old_admin_unit_id, allocation_weight
                    from marts.dim_admin_unit_crosswalks
                    where crosswalk_type = 'to_current' and new_admin_unit_id = $unit
                ),
                commune_desk_counts as (
                    select district_admin_unit_id, admin_unit_id, period_id, count(*) as n
                    from dossiers where desk_level = 'commune'
                    group by all
                ),
                district_weights as (
                    select c.district_admin_unit_id, c.period_id,
                        sum(c.n * coalesce(t.allocation_weight, 0)) / sum(c.n) as weight
                    from commune_desk_counts as c
                    left join to_unit as t on c.admin_unit_id = t.old_admin_unit_id
                    group by all
                ),
                weighted as (
                    select d.*, coalesce(t.allocation_weight, w.weight, 0) as weight
                    from dossiers as d
                    left join to_unit as t
                        on d.desk_level = 'commune' and d.admin_unit_id = t.old_admin_unit_id
                    left join district_weights as w
                        on d.desk_level = 'district'
                        and d.admin_unit_id = w.district_admin_unit_id
                        and d.period_id = w.period_id
                ),
                bounds as (
                    select min(start_date) as first_day, max(end_date) as last_day
                    from marts.dim_periods where period_id = $month
                ),
                flows as (
                    select
                        sum(weight) filter (where received_date between first_day and last_day)
                            as received,
                        sum(weight) filter (
                            where finished_date between first_day and last_day and is_on_time
                        ) as finished_on_time,
                        sum(weight) filter (
                            where received_date < first_day
                            and (closed_date is null or closed_date >= first_day)
                        ) as backlog,
                        sum(weight) filter (
                            where received_date <= last_day
                            and (closed_date is null or closed_date > last_day)
                        ) as open_at_end,
                        sum(weight) filter (
                            where received_date <= last_day
                            and (closed_date is null or closed_date > last_day)
                            and date_trunc('month', late_from_date) <= first_day
                        ) as late_at_end
                    from weighted, bounds
                )
                select received,
                    100 * (finished_on_time + open_at_end - late_at_end) / (backlog + received)
                from flows
                """,
                {"unit": unit, "month": month},
            ).fetchall()[0]
            restated = con.execute(
                "select received_count, on_time_rate_pct, is_restated "
                "from marts.fct_procedure_throughputs_restated "
                "where admin_unit_id = ? and period_id = ?",
                [unit, month],
            ).fetchall()[0]
            assert restated[2] is True
            assert restated[0] == pytest.approx(expected[0], rel=1e-9), month
            assert restated[1] == pytest.approx(expected[1], rel=1e-9), month


def test_status_json_names_the_published_database(first_run, run_egov) -> None:
    data, _ = first_run
    proc = run_egov(data, "status", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["published_db"] == str(data / "published" / "warehouse.duckdb")
    from sources.loading.admin_units import build_admin_units

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
    versions_before = sorted(p.name for p in (data / "published" / "versions").iterdir())
    current = (data / "published" / "current").resolve().name
    proc = run_egov(data, "run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Placed the sample" not in proc.stdout
    assert "Nothing new in landing/" in proc.stdout
    # nothing changed since the published version: no build, no new version
    assert "is current" in proc.stdout and current in proc.stdout
    assert "Pipeline succeeded" not in proc.stdout
    assert sorted(p.name for p in (data / "published" / "versions").iterdir()) == versions_before
    assert _digest(data / "landing") == before
    assert _raw_state(data) == raw_before
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select * from marts.dim_admin_units order by 1").fetchall() == (
            units_before
        )


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


def test_failing_dbt_tests_block_publish_and_are_named(first_run, run_egov, tmp_path) -> None:
    """Two dbt tests fail in one build: a reference list that disagrees with the dimension
    (a seed) and a staging model meeting an unknown status (a raw row). The run fails
    naming the model, the test and the value; nothing downstream runs, the published file
    is untouched and `egov status` names the failing checks."""
    data, _ = first_run
    published = data / "published" / "warehouse.duckdb"
    published_bytes = published.read_bytes()
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target"))
    seed = project / "seeds" / "ref_hanoi_district_units_2014_2025.csv"
    seed.write_text(seed.read_text(encoding="utf-8").replace("Hoàn Kiếm", "Hoan Kiem X"), "utf-8")
    env = {"EGOV_DBT_PROJECT_DIR": str(project)}
    build = str(data / "warehouse" / "build.duckdb")
    with duckdb.connect(build) as con:
        dossier, status = con.execute(
            "select dossier_id, status from raw.procedures order by dossier_id limit 1"
        ).fetchall()[0]
        con.execute("update raw.procedures set status = 'DA_HUY' where dossier_id = ?", [dossier])
    try:
        assert run_egov(data, "prepare", **env).returncode == 0
        # --force: a hand edit of raw rows is not a load, the inputs' fingerprint misses it
        proc = run_egov(data, "run", "--force", **env)
        doc = json.loads(run_egov(data, "status", "--json", **env).stdout)
    finally:
        with duckdb.connect(build) as con:
            con.execute(
                "update raw.procedures set status = ? where dossier_id = ?", [status, dossier]
            )
    assert proc.returncode == 2
    assert "published marts are unchanged" in proc.stderr
    assert "stg_procedures__dossiers" in proc.stderr
    assert "accepted_values_stg_procedures__dossiers_status" in proc.stderr
    assert "'DA_HUY'" in proc.stderr
    assert published.read_bytes() == published_bytes
    failing = {f["check_name"] for f in doc["checks"]["failing"]}
    assert "assert_districts_match_reference_list" in failing
    assert any(n.startswith("accepted_values_stg_procedures__dossiers_status") for n in failing)


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


def test_readers_see_whole_versions_during_a_full_run(first_run, run_egov) -> None:
    """BI readers keep reading during a run that republishes: a held connection keeps its
    snapshot; a reader that reconnects sees one whole version or the next."""
    data, _ = first_run
    published = data / "published" / "warehouse.duckdb"
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(published), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for mode in ("held", "reconnecting")
    }
    seen: dict[str, list[str]] = {mode: [] for mode in readers}

    def read() -> None:
        for mode, reader in readers.items():
            reader.stdin.write("read\n")
            reader.stdin.flush()
            seen[mode].append(reader.stdout.readline().strip())

    read()
    run = subprocess.Popen(
        [EGOV, "run", "--force", "--from", "2024-12", "--to", "2024-12"],
        cwd=REPO, env=egov_env(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    while run.poll() is None:
        read()
        time.sleep(0.2)
    read()
    for reader in readers.values():
        reader.stdin.write("stop\n")
        reader.stdin.close()
        assert reader.wait(timeout=30) == 0, reader.stderr.read()
    assert run.returncode == 0, run.stderr.read()[-2000:]
    from tests.published import load_published

    figures = str(sum(r["use"] in ("reproduce", "bound") for r in load_published().values()))
    for mode, lines in seen.items():
        assert all(line.split("|")[1:] == [figures, figures] for line in lines), (mode, lines)
    held = [line.split("|")[0] for line in seen["held"]]
    assert len(set(held)) == 1  # the snapshot it opened
    versions = [line.split("|")[0] for line in seen["reconnecting"]]
    assert len(set(versions)) == 2 and versions[0] != versions[-1]  # old, then new
    assert versions == sorted(versions)
    assert held[0] == versions[0]


def test_publish_rollback_restores_the_previous_version(first_run, run_egov) -> None:
    """After the run above published a second version, rollback points BI at the one
    before."""
    data, _ = first_run
    before = json.loads(run_egov(data, "status", "--json").stdout)["published"]
    assert len(before["versions_kept"]) >= 2
    proc = run_egov(data, "publish", "--rollback")
    assert proc.returncode == 0, proc.stderr
    after = json.loads(run_egov(data, "status", "--json").stdout)["published"]
    previous = before["versions_kept"][before["versions_kept"].index(before["version"]) - 1]
    assert after["version"] == previous
    assert (data / "published" / "current").resolve().name == previous


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
