"""great-expectations asset checks in the code location: registered, blocking, run by Dagster
on real loads, recorded in audit.check_results, and stopping `egov` on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.runner import range_tags
from orchestration.settings import load_settings, prepare_data_dir
from quality.mart_suites import MART_SUITES
from sources.loading.registry import SOURCE_NAMES
from sources.sample import disbursement as disbursement_sample
from tests.quality.conftest import edit_csv

MONTHS = ("2024-05", "2024-06")


@pytest.fixture(scope="module")
def disbursement_files(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    disbursement_sample.write(out, 2025, 1.0)
    return out / "disbursement"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data dir the code location's assets and checks use (settings are read at
    run time)."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("EGOV_DATA_DIR", str(folder))
    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
    prepare_data_dir(load_settings())
    return folder


def test_checks_are_blocking_on_raw_assets_and_marts_and_gate_publish():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    expected = [dg.AssetCheckKey(dg.AssetKey(["raw", s]), f"gx_raw_{s}") for s in SOURCE_NAMES]
    expected += [dg.AssetCheckKey(dg.AssetKey(["marts", m]), f"gx_{m}") for m in MART_SUITES]
    for key in expected:
        assert key in graph.asset_check_keys, key
        assert graph.get_check_spec(key).blocking, key

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
    for mart in MART_SUITES:
        assert f"marts__{mart}_gx_{mart}" in upstream_of_publish


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
            "select partition_key, count(*), count(*) filter (where outcome = 'pass'), "
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
            "where outcome <> 'pass'"
        ).fetchall()
    assert [f[:3] for f in failing] == [
        ("2024-06", "expect_column_values_to_be_between(disbursed_in_period_bn_vnd)", "fail")
    ]
    assert "-5.0" in failing[0][3]
