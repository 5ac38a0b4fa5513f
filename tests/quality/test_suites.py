"""great-expectations suites on real DuckDB data: the sample passes, bad input fails naming
the expectation, column and partition, and a suite that cannot run raises.

Raw partitions are the sample's own files (edited the way real files go wrong) loaded
with the real ingest code; the mart test builds a tiny mart in DuckDB and breaks its
roll-up identity there.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from quality.frames import partition_frame, whole_table_checks
from quality.mart_suites import MART_SUITES
from quality.raw_suites import RAW_SUITES
from quality.rules import Suite, SuiteError, not_null
from quality.runner import SuiteResult
from tests.quality.conftest import Warehouse, edit_csv

MONTH = "2024-06"
PREVIOUS = "2024-05"


def disbursement_file(sample_dir: Path, month: str = MONTH) -> Path:
    return sample_dir / "disbursement" / f"giai_ngan_{month}.csv"


def procedures_file(sample_dir: Path, month: str = MONTH) -> Path:
    return sample_dir / "procedures" / f"ho_so_{month}.csv"


def validate(session, wh: Warehouse, suite: Suite, key: str | None = MONTH) -> SuiteResult:
    keys = [key] if key else None
    frame = partition_frame(wh.con, suite.table, suite.partition_column, keys)
    facts = whole_table_checks(wh.con, suite, partition_key=key)
    return session.validate(suite, frame, facts=facts, partition=key)


def errors(result: SuiteResult) -> dict[str, str]:
    """Failed error-severity expectations: label -> what GX observed."""
    return {o.expectation: o.observed for o in result.failed if o.outcome == "fail"}


def test_clean_sample_partitions_pass_and_leave_data_docs(warehouse, sample_dir, gx_session):
    for month in (PREVIOUS, MONTH):
        warehouse.load("disbursement", disbursement_file(sample_dir, month))
        warehouse.load("procedures", procedures_file(sample_dir, month))

    for name, table in (("raw_disbursement", "disbursement"), ("raw_procedures", "procedures")):
        result = validate(gx_session, warehouse, RAW_SUITES[name])
        assert result.success, result.failure_lines()
        assert result.failed_expectations == 0
        rows = warehouse.con.execute(
            f"select count(*) from raw.{table} where _partition_key = ?", [MONTH]
        ).fetchall()[0][0]
        assert result.rows == rows > 0
        # the row count was compared with the previous partition, not skipped
        ratio = next(o for o in result.outcomes if o.expectation.endswith("(row_count_ratio)"))
        assert ratio.success and "null" not in ratio.observed
        assert result.data_docs is not None and result.data_docs.is_file()
        assert result.data_docs.suffix == ".html"
        assert MONTH in str(result.data_docs)


def test_data_docs_of_earlier_runs_are_kept_and_indexed(warehouse, sample_dir, tmp_path):
    from quality.runner import validate_frame

    warehouse.load("disbursement", disbursement_file(sample_dir, PREVIOUS))
    warehouse.load("disbursement", disbursement_file(sample_dir))
    suite = RAW_SUITES["raw_disbursement"]
    docs = tmp_path / "data_docs"
    pages = []
    for month in (PREVIOUS, MONTH):  # two runs, each with its own GX context
        frame = partition_frame(warehouse.con, suite.table, suite.partition_column, [month])
        facts = whole_table_checks(warehouse.con, suite, partition_key=month)
        pages.append(
            validate_frame(suite, frame, data_docs_dir=docs, facts=facts, partition=month).data_docs
        )

    assert all(p.is_file() for p in pages)
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert all(p.relative_to(docs).as_posix() in index for p in pages)


def test_negative_disbursement_fails_naming_expectation_column_and_project(
    warehouse, sample_dir, gx_session, tmp_path
):
    bad_project: list[str] = []

    def negate_first_in_period(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        col = next(i for i, h in enumerate(header) if h.startswith("Giải ngân trong kỳ"))
        rows[0][col] = "-5.000,0"  # triệu đồng: -5 bn VND
        bad_project.append(rows[0][0])
        return rows

    path = edit_csv(
        disbursement_file(sample_dir),
        tmp_path / "landing" / disbursement_file(sample_dir).name,
        negate_first_in_period,
        delimiter=";",
    )
    warehouse.load("disbursement", path)

    result = validate(gx_session, warehouse, RAW_SUITES["raw_disbursement"])

    assert not result.success
    failed = errors(result)
    label = "expect_column_values_to_be_between(disbursed_in_period_bn_vnd)"
    assert list(failed) == [label]
    assert "1 of" in failed[label] and "-5.0" in failed[label] and bad_project[0] in failed[label]
    assert result.failure_lines() == [
        f"raw.disbursement {MONTH}: {label} fail (error): {failed[label]}"
    ]
    assert "disbursed_in_period_bn_vnd" in result.data_docs.read_text(encoding="utf-8")


def test_unknown_dossier_status_fails_the_procedures_suite(
    warehouse, sample_dir, gx_session, tmp_path
):
    bad_dossier: list[str] = []

    def unknown_status(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        rows[3][header.index("trang_thai")] = "CHO_PHE_DUYET"
        bad_dossier.append(rows[3][header.index("ma_ho_so")])
        return rows

    path = edit_csv(
        procedures_file(sample_dir),
        tmp_path / "landing" / procedures_file(sample_dir).name,
        unknown_status,
        delimiter=",",
    )
    warehouse.load("procedures", path)

    result = validate(gx_session, warehouse, RAW_SUITES["raw_procedures"])

    assert not result.success
    failed = errors(result)
    assert list(failed) == ["expect_column_values_to_be_in_set(status)"]
    observed = failed["expect_column_values_to_be_in_set(status)"]
    assert "CHO_PHE_DUYET" in observed and bad_dossier[0] in observed


def test_truncated_partition_fails_row_count_against_previous(
    warehouse, sample_dir, gx_session, tmp_path
):
    warehouse.load("disbursement", disbursement_file(sample_dir, PREVIOUS))
    path = edit_csv(
        disbursement_file(sample_dir),
        tmp_path / "landing" / disbursement_file(sample_dir).name,
        lambda header, rows: rows[: len(rows) // 5],  # below the 30 % floor
        delimiter=";",
    )
    warehouse.load("disbursement", path)

    result = validate(gx_session, warehouse, RAW_SUITES["raw_disbursement"])

    failed = errors(result)
    assert list(failed) == ["expect_column_values_to_be_between(row_count_ratio)"]
    assert PREVIOUS in failed["expect_column_values_to_be_between(row_count_ratio)"]


def test_dossier_id_in_a_later_export_is_one_dossier_not_a_duplicate(
    warehouse, sample_dir, gx_session, tmp_path
):
    """Dossiers are mutable (#8): a later export that names an earlier dossier carries its
    newer state. The loader keeps one row per dossier, so the key stays unique."""
    warehouse.load("procedures", procedures_file(sample_dir, PREVIOUS))
    earlier_id = warehouse.con.execute(
        "select min(dossier_id) from raw.procedures where _partition_key = ?", [PREVIOUS]
    ).fetchall()[0][0]

    def reuse_id(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        rows[0][header.index("ma_ho_so")] = earlier_id
        return rows

    path = edit_csv(
        procedures_file(sample_dir),
        tmp_path / "landing" / procedures_file(sample_dir).name,
        reuse_id,
        delimiter=",",
    )
    warehouse.load("procedures", path)

    result = validate(gx_session, warehouse, RAW_SUITES["raw_procedures"])

    assert list(errors(result)) == []
    rows = warehouse.con.execute(
        "select count(*) from raw.procedures where dossier_id = ?", [earlier_id]
    ).fetchall()[0][0]
    assert rows == 1


def test_a_column_of_another_type_fails_the_schema_expectation(warehouse, sample_dir, gx_session):
    warehouse.load("disbursement", disbursement_file(sample_dir))
    warehouse.con.execute("alter table raw.disbursement alter plan_ttg_bn_vnd type double")

    result = validate(gx_session, warehouse, RAW_SUITES["raw_disbursement"])

    failed = errors(result)
    assert list(failed) == ["expect_column_pair_values_to_be_equal(data_type, expected_type)"]
    observed = failed["expect_column_pair_values_to_be_equal(data_type, expected_type)"]
    assert "plan_ttg_bn_vnd" in observed and "double" in observed


def test_suite_naming_a_missing_column_raises(warehouse, sample_dir, gx_session):
    warehouse.load("disbursement", disbursement_file(sample_dir))
    suite = RAW_SUITES["raw_disbursement"]
    broken = dataclasses.replace(suite, rules=(*suite.rules, *not_null("so_tien_giai_ngan")))

    with pytest.raises(SuiteError, match="so_tien_giai_ngan.*raw.disbursement"):
        validate(gx_session, warehouse, broken)


def test_expectation_that_cannot_be_computed_raises_never_passes(
    warehouse, sample_dir, data_docs_dir
):
    """A range check on a text column fails inside GX: the suite did not run."""
    from quality.rules import between
    from quality.runner import validate_frame

    warehouse.load("disbursement", disbursement_file(sample_dir))
    suite = RAW_SUITES["raw_disbursement"]
    broken = dataclasses.replace(suite, rules=(*suite.rules, between("project_name", 0, 10)))
    frame = partition_frame(warehouse.con, suite.table, suite.partition_column, [MONTH])
    facts = whole_table_checks(warehouse.con, suite, partition_key=MONTH)

    with pytest.raises(SuiteError, match=r"expect_column_values_to_be_between\(project_name\)"):
        validate_frame(broken, frame, data_docs_dir=data_docs_dir, facts=facts, partition=MONTH)


def test_suite_on_a_missing_table_raises(warehouse, gx_session):
    suite = RAW_SUITES["raw_disbursement"]
    with pytest.raises(SuiteError, match="raw.disbursement does not exist"):
        validate(gx_session, warehouse, suite)


def _progress_marts(wh: Warehouse) -> None:
    """A one-month disbursement mart: two districts and one city-level project."""
    wh.con.execute(
        """
        create schema audit;
        create table audit.check_results (
            run_id varchar, asset_key varchar, check_name varchar, suite varchar,
            outcome varchar, checked_at timestamptz, partition_key varchar
        );
        create schema marts;
        create table marts.fct_project_disbursements as
        select
            '2024-06' as period_id,
            2024 as plan_year,
            is_city_level_project,
            100::decimal(24, 6) as plan_ttg_bn_vnd,
            120::decimal(24, 6) as plan_city_bn_vnd,
            10::decimal(24, 6) as disbursed_in_period_bn_vnd,
            50::decimal(24, 6) as disbursed_cumulative_bn_vnd
        from (values (true), (false), (false)) as t(is_city_level_project);
        create table marts.fct_disbursement_progress as
        select
            admin_unit_id || '|' || unit_scope || '|2024-06|2024' as disbursement_progress_id,
            admin_unit_id,
            admin_level,
            unit_scope,
            '2024-06' as period_id,
            '2024-YTD06' as ytd_period_id,
            2024 as plan_year,
            false as is_extension_month,
            date '2024-06-30' as as_of_date,
            true as is_cut_at_month_end,
            project_count,
            (100 * project_count)::decimal(24, 6) as plan_ttg_bn_vnd,
            (120 * project_count)::decimal(24, 6) as plan_city_bn_vnd,
            (10 * project_count)::decimal(24, 6) as disbursed_in_period_bn_vnd,
            (50 * project_count)::decimal(24, 6) as disbursed_cumulative_bn_vnd,
            50.0 as disbursement_rate_ttg_plan_pct,
            41.7 as disbursement_rate_city_plan_pct
        from (
            values
                ('01', 'city', 'city_total', 3),
                ('01', 'city', 'city_level', 1),
                ('01-001', 'district', 'district', 1),
                ('01-002', 'district', 'district', 1)
        ) as t(admin_unit_id, admin_level, unit_scope, project_count);
        """
    )


def test_broken_mart_rollup_identity_fails_its_whole_table_check(warehouse, gx_session):
    _progress_marts(warehouse)
    suite = MART_SUITES["fct_disbursement_progress"]
    assert validate(gx_session, warehouse, suite, key=None).success

    warehouse.con.execute(
        "update marts.fct_disbursement_progress "
        "set disbursed_cumulative_bn_vnd = disbursed_cumulative_bn_vnd + 1 "
        "where unit_scope = 'city_total'"
    )
    result = validate(gx_session, warehouse, suite, key=None)

    failed = errors(result)
    label = "expect_column_values_to_be_between(disbursed_cumulative_difference_bn_vnd)"
    assert list(failed) == [label]
    assert "2024-06" in failed[label] and "1.0" in failed[label]
    assert result.failure_lines()[0].startswith(f"marts.fct_disbursement_progress: {label}")


def test_mart_is_not_passed_while_a_raw_partition_it_reads_failed_its_checks(warehouse, gx_session):
    _progress_marts(warehouse)
    suite = MART_SUITES["fct_disbursement_progress"]
    label = "expect_column_values_to_be_between(disbursed_in_period_bn_vnd)"

    def raw_check(run_id: str, at: str, outcome: str) -> None:
        warehouse.con.execute(
            "insert into audit.check_results values (?, 'raw.disbursement', ?, "
            "'great_expectations:raw_disbursement', ?, ?::timestamptz, ?)",
            [run_id, label, outcome, at, MONTH],
        )

    raw_check("load-1", "2026-01-01 10:00:00+00", "fail")
    result = validate(gx_session, warehouse, suite, key=None)
    failed = errors(result)
    assert list(failed) == ["expect_column_values_to_be_between(failing_raw_partitions)"]
    assert f"raw.disbursement {MONTH}: {label}" in failed[next(iter(failed))]

    raw_check("load-2", "2026-01-02 10:00:00+00", "pass")  # a corrected file, restated
    assert validate(gx_session, warehouse, suite, key=None).success


def test_mart_suites_hold_the_dbt_contract_columns():
    """The contract columns of the suites are those the dbt models declare."""
    manifest = Path(__file__).resolve().parents[2] / "dbt_project" / "target" / "manifest.json"
    if not manifest.exists():
        pytest.skip("dbt manifest not prepared (make install)")
    nodes = json.loads(manifest.read_text())["nodes"].values()
    declared = {n["name"]: list(n["columns"]) for n in nodes if n["resource_type"] == "model"}
    for name, suite in MART_SUITES.items():
        rule = next(r for r in suite.rules if r.expectation == "ExpectTableColumnsToMatchSet")
        assert rule.kwargs["column_set"] == declared[name], name
