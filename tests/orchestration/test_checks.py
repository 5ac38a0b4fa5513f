"""great-expectations asset checks in the code location: on the raw assets only (the marts
are guarded by the dbt tests), blocking, run by Dagster on real loads, recorded in
audit.check_results, stopping `egov` on bad input, and keeping marts built from a failed
raw partition from being published."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.jobs import range_tags
from orchestration.resources import SettingsResource
from orchestration.settings import load_settings
from sources.loading import audit
from sources.loading.registry import SOURCE_NAMES
from tests.conftest import edit_csv

MONTHS = ("2024-05", "2024-06")


def test_raw_checks_are_blocking_and_the_marts_are_checked_by_dbt_tests_only():
    from orchestration.assets.dbt import egov_dbt_assets
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    raw = [dg.AssetCheckKey(dg.AssetKey(["raw", s]), f"gx_raw_{s}") for s in SOURCE_NAMES]
    for key in raw:
        assert key in graph.asset_check_keys, key
        assert graph.get_check_spec(key).blocking, key
    gx = {k for k in graph.asset_check_keys if k.name.startswith("gx_")}
    assert gx == set(raw)  # no great-expectations suite restates a mart's dbt tests
    progress = dg.AssetKey(["marts", "fct_disbursement_progress"])
    on_progress = {k.name for k in graph.asset_check_keys if k.asset_key == progress}
    assert "assert_disbursement_districts_plus_city_projects_equal_city_total" in on_progress

    ingest_nodes = {n.name for n in defs.resolve_job_def("ingest_disbursement").graph.nodes}
    assert "raw__disbursement_gx_raw_disbursement" in ingest_nodes
    build = defs.resolve_job_def("build_and_publish")
    build_nodes = {n.name for n in build.graph.nodes}
    assert not any("gx_raw_" in n for n in build_nodes)
    upstream_of_publish = {
        out.node_name
        for outs in build.graph.dependency_structure.input_to_upstream_outputs_for_node(
            "published__warehouse"
        ).values()
        for out in outs
    }
    assert upstream_of_publish == {egov_dbt_assets.op.name}  # the dbt build and its tests


def test_raw_check_passes_on_loaded_sample_partitions_and_records_them(
    data_dir, disbursement_files
):
    from orchestration.definitions import defs

    for month in MONTHS:
        name = f"giai_ngan_{month}.csv"
        shutil.copy(disbursement_files / name, data_dir / "landing" / "disbursement" / name)

    result = defs.resolve_job_def("ingest_disbursement").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        tags=range_tags(*MONTHS),
        raise_on_error=False,
        # the code location may have been imported for another data dir
        resources={"egov_settings": SettingsResource.from_settings(load_settings())},
    )

    assert result.success
    [evaluation] = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "gx_raw_disbursement"
    ]
    assert evaluation.passed
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    assert meta["partitions"] == list(MONTHS)
    assert meta["failed_expectations"] == 0
    assert Path(meta["data_docs"]).is_file()
    assert str(data_dir / "quality" / "data_docs") in meta["data_docs"]

    settings = load_settings()
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        rows = con.execute(
            "select partition_key, count(*), count(*) filter (where outcome = 'passed'), "
            "count(distinct expectation), any_value(run_id) "
            "from audit.check_results where suite = 'great_expectations:raw_disbursement' "
            "group by partition_key order by partition_key"
        ).fetchall()
    assert [r[0] for r in rows] == list(MONTHS)
    for _, total, passed, kinds, run_id in rows:
        assert total == passed > 20 and kinds > 3
        assert run_id == result.run_id


def test_failing_raw_check_stops_egov_naming_expectation_and_partition(
    data_dir, disbursement_files, run_egov
):
    def negative(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        col = next(i for i, h in enumerate(header) if h.startswith("Giải ngân trong kỳ"))
        rows[0][col] = "-5.000,0"
        return rows

    bad = edit_csv(
        disbursement_files / "giai_ngan_2024-06.csv",
        data_dir.parent / "incoming" / "giai_ngan_2024-06.csv",
        negative,
        delimiter=";",
    )

    done = run_egov(data_dir, "ingest", "disbursement", str(bad))

    assert done.returncode == 2
    error = " ".join(done.stderr.split())
    assert "loading disbursement 2024-06 failed" in error
    assert "expect_column_values_to_be_between(disbursed_in_period_bn_vnd)" in error
    assert "-5.0" in error and "nothing was published" in error
    assert not (data_dir / "published" / "warehouse.duckdb").exists()

    with duckdb.connect(str(data_dir / "warehouse" / "build.duckdb"), read_only=True) as con:
        failing = con.execute(
            "select partition_key, check_name, outcome, observed_value from audit.check_results "
            "where outcome <> 'passed'"
        ).fetchall()
    assert [f[:3] for f in failing] == [
        ("2024-06", "expect_column_values_to_be_between(disbursed_in_period_bn_vnd)", "failed")
    ]
    assert "-5.0" in failing[0][3]


def test_publish_refuses_marts_built_from_a_raw_partition_whose_latest_checks_failed(data_dir):
    """A raw partition whose latest great-expectations validation failed keeps the marts
    unpublished, naming the partition and the expectation; once a corrected file passes
    its checks, the same marts are published."""
    from orchestration.assets.publish import published_warehouse

    settings = load_settings()
    label = "expect_column_values_to_be_between(disbursed_in_period_bn_vnd)"

    def raw_check(run_id: str, outcome: audit.Outcome, hour: int) -> None:
        record = audit.CheckRecord(
            run_id=run_id,
            layer="great_expectations",
            suite="great_expectations:raw_disbursement",
            check_name=label,
            asset_key="raw.disbursement",
            outcome=outcome,
            partition_key=MONTHS[1],
            checked_at=dt.datetime(2026, 1, 1, hour, tzinfo=dt.UTC),
        )
        with duckdb.connect(str(settings.build_db)) as con:
            audit.record_checks(con, [record])

    def publish() -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [published_warehouse],
            resources={"egov_settings": SettingsResource.from_settings(settings)},
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )

    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_admin_units as select '01' as admin_unit_id")
    raw_check("load-1", "failed", 10)

    refused = publish()

    assert not refused.success
    [failure] = [e for e in refused.all_events if e.is_step_failure]
    description = failure.step_failure_data.user_failure_data.description
    assert f"raw.disbursement {MONTHS[1]}: {label}" in description
    assert not settings.published_db.exists()

    raw_check("load-2", "passed", 11)  # a corrected file, restated
    assert publish().success
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        assert con.execute("select * from marts.dim_admin_units").fetchall() == [("01",)]
