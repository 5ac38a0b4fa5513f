"""great-expectations suites on real DuckDB data: the sample passes, bad input fails naming
the expectation, column and partition, and a suite that cannot run raises.

Raw partitions are the sample's own files (edited the way real files go wrong) loaded
with the real ingest code. (The marts are guarded by the dbt tests: test_mart_tests.py.)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from quality.batch import batch_suite
from quality.frames import (
    partition_frame,
    partition_row_counts,
    suspect_frame,
    whole_table_checks,
)
from quality.raw_suites import RAW_SUITES
from quality.rules import Suite, SuiteError, not_null
from quality.runner import SuiteResult
from tests.conftest import Warehouse, edit_csv

MONTH = "2024-06"
PREVIOUS = "2024-05"


def disbursement_file(sample_dir: Path, month: str = MONTH) -> Path:
    return sample_dir / "disbursement" / f"giai_ngan_{month}.csv"


def procedures_file(sample_dir: Path, month: str = MONTH) -> Path:
    return sample_dir / "procedures" / f"ho_so_{month}.csv"


def validate(session, wh: Warehouse, suite: Suite, key: str | None = MONTH) -> SuiteResult:
    keys = [key] if key else None
    frame = partition_frame(wh.con, suite.table, suite.partition_column, keys)
    facts = whole_table_checks(wh.con, suite, partition_keys=keys)
    return session.validate(suite, frame, facts=facts, partition=key)


def load_negative_disbursement(warehouse: Warehouse, sample_dir: Path, tmp_path: Path) -> str:
    """Load MONTH's sample report with its first project's disbursement in the period made
    negative (-5 bn VND); return that project's code."""
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
    assert warehouse.load("disbursement", path).status == "loaded"
    return bad_project[0]


def errors(result: SuiteResult) -> dict[str, str]:
    """Failed error-severity expectations: label -> what GX observed."""
    return {o.expectation: o.observed for o in result.failed if o.outcome == "fail"}


def test_clean_sample_partitions_pass_and_leave_data_docs(warehouse, sample_dir, gx_session):
    for month in (PREVIOUS, MONTH):
        assert (
            warehouse.load("disbursement", disbursement_file(sample_dir, month)).status == "loaded"
        )
        assert warehouse.load("procedures", procedures_file(sample_dir, month)).status == "loaded"

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

    assert (
        warehouse.load("disbursement", disbursement_file(sample_dir, PREVIOUS)).status == "loaded"
    )
    assert warehouse.load("disbursement", disbursement_file(sample_dir)).status == "loaded"
    suite = RAW_SUITES["raw_disbursement"]
    docs = tmp_path / "data_docs"
    pages = []
    for month in (PREVIOUS, MONTH):  # two runs, each with its own GX context
        frame = partition_frame(warehouse.con, suite.table, suite.partition_column, [month])
        facts = whole_table_checks(warehouse.con, suite, partition_keys=[month])
        pages.append(
            validate_frame(suite, frame, data_docs_dir=docs, facts=facts, partition=month).data_docs
        )

    assert all(p.is_file() for p in pages)
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert all(p.relative_to(docs).as_posix() in index for p in pages)


def test_negative_disbursement_fails_naming_expectation_column_and_project(
    warehouse, sample_dir, gx_session, tmp_path
):
    bad_project = load_negative_disbursement(warehouse, sample_dir, tmp_path)

    result = validate(gx_session, warehouse, RAW_SUITES["raw_disbursement"])

    assert not result.success
    failed = errors(result)
    label = "expect_column_values_to_be_between(disbursed_in_period_bn_vnd)"
    assert list(failed) == [label]
    assert "1 of" in failed[label] and "-5.0" in failed[label] and bad_project in failed[label]
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
    assert warehouse.load("procedures", path).status == "loaded"

    result = validate(gx_session, warehouse, RAW_SUITES["raw_procedures"])

    assert not result.success
    failed = errors(result)
    assert list(failed) == ["expect_column_values_to_be_in_set(status)"]
    observed = failed["expect_column_values_to_be_in_set(status)"]
    assert "CHO_PHE_DUYET" in observed and bad_dossier[0] in observed


def test_truncated_partition_fails_row_count_against_previous(
    warehouse, sample_dir, gx_session, tmp_path
):
    assert (
        warehouse.load("disbursement", disbursement_file(sample_dir, PREVIOUS)).status == "loaded"
    )
    path = edit_csv(
        disbursement_file(sample_dir),
        tmp_path / "landing" / disbursement_file(sample_dir).name,
        lambda header, rows: rows[: len(rows) // 5],  # below the 30 % floor
        delimiter=";",
    )
    assert warehouse.load("disbursement", path).status == "loaded"

    result = validate(gx_session, warehouse, RAW_SUITES["raw_disbursement"])

    failed = errors(result)
    assert list(failed) == ["expect_column_values_to_be_between(row_count_ratio)"]
    assert PREVIOUS in failed["expect_column_values_to_be_between(row_count_ratio)"]


def test_dossier_id_in_a_later_export_is_one_dossier_not_a_duplicate(
    warehouse, sample_dir, gx_session, tmp_path
):
    """Dossiers are mutable (#8): a later export that names an earlier dossier carries its
    newer state. The loader keeps one row per dossier, so the key stays unique."""
    assert warehouse.load("procedures", procedures_file(sample_dir, PREVIOUS)).status == "loaded"
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
    assert warehouse.load("procedures", path).status == "loaded"

    result = validate(gx_session, warehouse, RAW_SUITES["raw_procedures"])

    assert list(errors(result)) == []
    rows = warehouse.con.execute(
        "select count(*) from raw.procedures where dossier_id = ?", [earlier_id]
    ).fetchall()[0][0]
    assert rows == 1


def test_a_column_of_another_type_fails_the_schema_expectation(warehouse, sample_dir, gx_session):
    assert warehouse.load("disbursement", disbursement_file(sample_dir)).status == "loaded"
    warehouse.con.execute("alter table raw.disbursement alter plan_ttg_bn_vnd type double")

    result = validate(gx_session, warehouse, RAW_SUITES["raw_disbursement"])

    failed = errors(result)
    assert list(failed) == ["expect_column_pair_values_to_be_equal(data_type, expected_type)"]
    observed = failed["expect_column_pair_values_to_be_equal(data_type, expected_type)"]
    assert "plan_ttg_bn_vnd" in observed and "double" in observed


def test_suite_naming_a_missing_column_raises(warehouse, sample_dir, gx_session):
    assert warehouse.load("disbursement", disbursement_file(sample_dir)).status == "loaded"
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

    assert warehouse.load("disbursement", disbursement_file(sample_dir)).status == "loaded"
    suite = RAW_SUITES["raw_disbursement"]
    broken = dataclasses.replace(suite, rules=(*suite.rules, between("project_name", 0, 10)))
    frame = partition_frame(warehouse.con, suite.table, suite.partition_column, [MONTH])
    facts = whole_table_checks(warehouse.con, suite, partition_keys=[MONTH])

    with pytest.raises(SuiteError, match=r"expect_column_values_to_be_between\(project_name\)"):
        validate_frame(broken, frame, data_docs_dir=data_docs_dir, facts=facts, partition=MONTH)


def test_suite_on_a_missing_table_raises(warehouse, gx_session):
    suite = RAW_SUITES["raw_disbursement"]
    with pytest.raises(SuiteError, match="raw.disbursement does not exist"):
        validate(gx_session, warehouse, suite)


def test_partitions_validated_together_keep_their_own_outcomes(
    warehouse, sample_dir, gx_session, tmp_path
):
    """What the pipeline runs (DuckDB screens the rows, one GX validation of three
    partitions) gives each partition the outcomes the suite's own rules give it when all
    its rows are validated alone: every kind of row rule (a range, a range with run-time
    parameters, a pattern, a null, a pair order, a pair equality, a duplicated key) fails
    only the partition it is in, naming it."""
    months = ["2024-04", PREVIOUS, MONTH]
    for month in months[:2]:
        assert warehouse.load("disbursement", disbursement_file(sample_dir, month)).status == (
            "loaded"
        )
    bad_project = load_negative_disbursement(warehouse, sample_dir, tmp_path)
    warehouse.con.execute(
        "update raw.disbursement set as_of_date = date '2024-05-31' "
        "where _partition_key = ? and project_code = ?",
        [MONTH, bad_project],
    )
    # one row per other kind of rule, in the earlier months: a pattern, a null, a pair
    # order (warn), a duplicated key, a pair equality
    first, second = warehouse.con.execute(
        "select project_code from raw.disbursement where _partition_key = ? "
        "order by project_code limit 2",
        [PREVIOUS],
    ).fetchall()
    for sql, params in (
        ("set admin_unit_id = '01-X' where project_code = ?", [first[0]]),
        ("set plan_ttg_bn_vnd = null where project_code = ?", [second[0]]),
        ("set disbursed_cumulative_bn_vnd = -1 where project_code = ?", [second[0]]),
    ):
        warehouse.con.execute(
            f"update raw.disbursement {sql} and _partition_key = ?", [*params, PREVIOUS]
        )
    warehouse.con.execute(
        "update raw.disbursement set project_code = ?, report_month = '2024-03' "
        "where _partition_key = '2024-04' and project_code = ?",
        [first[0], second[0]],
    )
    suite = RAW_SUITES["raw_disbursement"]
    counts = partition_row_counts(warehouse.con, suite.table, suite.partition_column, months)
    # what the pipeline does: DuckDB picks the rows that could break a rule, GX judges them
    frame, screened = suspect_frame(warehouse.con, batch_suite(suite, months), months)
    facts = whole_table_checks(warehouse.con, suite, partition_keys=months)

    together = gx_session.validate_partitions(
        suite, frame, facts=facts, partitions=months, row_counts=counts
    )
    alone = [validate(gx_session, warehouse, suite, month) for month in months]

    assert screened and 0 < len(frame) < sum(counts.values())
    assert [r.partition for r in together] == months
    for joint, single in zip(together, alone, strict=True):
        assert joint.rows == single.rows > 0
        assert sorted((o.frame, o.expectation, o.outcome, o.failures) for o in joint.outcomes) == (
            sorted((o.frame, o.expectation, o.outcome, o.failures) for o in single.outcomes)
        )
    assert [r.success for r in together] == [False, False, False]
    assert set(errors(together[0])) == {
        "expect_compound_columns_to_be_unique(plan_year, project_code)",
        "expect_column_pair_values_to_be_equal(report_month, _partition_key)",
    }
    assert set(errors(together[1])) == {
        "expect_column_values_to_match_regex(admin_unit_id)",
        "expect_column_values_to_not_be_null(plan_ttg_bn_vnd)",
        "expect_column_values_to_be_between(disbursed_cumulative_bn_vnd)",
    }
    failed = errors(together[-1])
    assert set(failed) == {
        "expect_column_values_to_be_between(disbursed_in_period_bn_vnd)",
        "expect_column_values_to_be_between(as_of_date)",
    }
    assert all(bad_project in seen and "1 of" in seen for seen in failed.values())
    assert all(
        line.startswith(f"raw.disbursement {MONTH}:") for line in together[-1].failure_lines()
    )
