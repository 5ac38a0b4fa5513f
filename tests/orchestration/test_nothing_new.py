"""A run with nothing new builds and publishes nothing: the inputs fingerprint (loads, dbt
project, reference tables) of the current published version decides, in `egov run`, the
nightly sensor and the publish step alike; --force (tag ``egov/force``) rebuilds. New files
become one ingest run per source that loads exactly the tagged partitions. dbt docs are
regenerated only when the dbt project changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.dbt import DOCS_FILES, DOCS_STAMP, docs_current
from orchestration.automation import pipeline_run_requests
from orchestration.jobs import (
    FORCE_TAG,
    PARTITIONS_TAG,
    ingest_job_name,
    partition_tags,
    plan_ingest,
    tagged_partitions,
)
from orchestration.publishing import dbt_project_hash, inputs_fingerprint, publish, versions
from orchestration.resources import SettingsResource
from orchestration.settings import REPO_ROOT, Settings, load_settings
from sources.loading.ingest import ingest_file
from sources.loading.registry import specs

MONTHS = ("2024-05", "2024-06", "2024-07")


def _land(settings: Settings, files: Path, *months: str) -> None:
    for month in months:
        name = f"giai_ngan_{month}.csv"
        shutil.copy(files / name, settings.landing("disbursement") / name)


def _load(settings: Settings, *months: str) -> None:
    """Load landed disbursement months with the real loader."""
    with duckdb.connect(str(settings.build_db)) as con:
        for month in months:
            path = settings.landing("disbursement") / f"giai_ngan_{month}.csv"
            ingest_file(
                con, specs()["disbursement"], path,
                archive_dir=settings.archive_dir, work_dir=settings.work_dir,
            )  # fmt: skip


def _published_build(settings: Settings, files: Path) -> str:
    """A data dir whose landed file is loaded and whose marts are published: the state
    after a successful run. Returns the published version."""
    _land(settings, files, MONTHS[0])
    _load(settings, MONTHS[0])
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create table marts.dim_admin_units as select '01' as admin_unit_id")
    return publish(
        settings.build_db,
        settings.published_dir,
        "run-one",
        dbt_project_dir=REPO_ROOT / "dbt_project",
    ).version


def _copy_project(target: Path) -> Path:
    return Path(
        shutil.copytree(
            REPO_ROOT / "dbt_project", target, ignore=shutil.ignore_patterns("target", "logs")
        )
    )


def test_the_fingerprint_changes_when_a_file_is_loaded_or_a_model_changes(
    data_dir, disbursement_files, tmp_path
) -> None:
    settings = load_settings()
    project = _copy_project(tmp_path / "dbt_project")
    _land(settings, disbursement_files, *MONTHS[:2])
    empty = inputs_fingerprint(settings.build_db, project)

    _load(settings, MONTHS[0])
    one = inputs_fingerprint(settings.build_db, project)
    assert one["loads"] != empty["loads"] and one["fingerprint"] != empty["fingerprint"]
    assert one["dbt_project"] == empty["dbt_project"]

    _load(settings, MONTHS[0])  # the same bytes again: a no-op load
    assert inputs_fingerprint(settings.build_db, project) == one
    (project / "target").mkdir()
    (project / "target" / "run_results.json").write_text("{}")  # dbt's output, not an input
    assert inputs_fingerprint(settings.build_db, project) == one

    _load(settings, MONTHS[1])
    two = inputs_fingerprint(settings.build_db, project)
    assert two["loads"] != one["loads"]

    model = next((project / "models" / "marts").rglob("*.sql"))
    model.write_text(model.read_text() + "\n-- reworded\n")
    edited = inputs_fingerprint(settings.build_db, project)
    assert edited["dbt_project"] != two["dbt_project"]
    assert edited["fingerprint"] != two["fingerprint"] and edited["loads"] == two["loads"]


def test_a_run_with_nothing_new_says_the_published_version_is_current(
    data_dir, disbursement_files, run_egov
) -> None:
    """`egov run` with every landed file loaded and the published version built from the
    same inputs builds nothing, publishes nothing and names the current version; so does
    the nightly sensor. A new landed file makes the sensor request its ingest and a build."""
    settings = load_settings()
    version = _published_build(settings, disbursement_files)
    published_bytes = settings.published_db.read_bytes()

    proc = run_egov(data_dir, "run")

    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Nothing new in landing/" in proc.stdout
    assert f"The published version {version} is current" in proc.stdout
    assert "Pipeline succeeded" not in proc.stdout
    assert [v.name for v in versions(settings.published_dir)] == [version]
    assert settings.published_db.read_bytes() == published_bytes

    [skip] = pipeline_run_requests(settings, key="nightly", even_if_nothing_new=True)
    assert isinstance(skip, dg.SkipReason)
    assert f"published version {version} is current" in skip.skip_message

    _land(settings, disbursement_files, MONTHS[2])
    ingest, build = pipeline_run_requests(settings, key="nightly", even_if_nothing_new=True)
    assert ingest.job_name == ingest_job_name("disbursement")
    assert tagged_partitions(ingest.tags) == [MONTHS[2]]
    assert build.job_name == "build_and_publish"


def test_the_publish_step_writes_no_identical_version_unless_forced(
    data_dir, disbursement_files
) -> None:
    from orchestration.assets.publish import published_warehouse

    settings = load_settings()
    version = _published_build(settings, disbursement_files)

    def materialize(tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [published_warehouse],
            resources={"egov_settings": SettingsResource.from_settings(settings)},
            instance=dg.DagsterInstance.ephemeral(),
            tags=tags,
        )

    same = materialize()
    [event] = same.get_asset_materialization_events()
    meta = event.materialization.metadata
    assert meta["version"].value == version and meta["current"].value is True
    assert [v.name for v in versions(settings.published_dir)] == [version]

    forced = materialize({FORCE_TAG: "true"})
    [event] = forced.get_asset_materialization_events()
    new = event.materialization.metadata["version"].value
    assert new != version
    assert [v.name for v in versions(settings.published_dir)] == [version, new]
    meta = json.loads((settings.published_dir / "current" / "version.json").read_text())
    assert meta["version"] == new


def test_one_ingest_run_loads_exactly_the_tagged_partitions(data_dir, disbursement_files) -> None:
    """Non-contiguous new partitions are one run over first..last that loads only the
    tagged ones; a landed file between them that is not tagged stays unloaded."""
    from orchestration.definitions import defs

    settings = load_settings()
    _land(settings, disbursement_files, *MONTHS)
    _load(settings, MONTHS[1])
    plan = plan_ingest(settings)
    assert plan.partitions["disbursement"] == [MONTHS[0], MONTHS[2]]
    requests = list(pipeline_run_requests(settings, key="landing"))
    [ingest] = [r for r in requests if r.job_name == ingest_job_name("disbursement")]
    assert ingest.tags == {
        "dagster/asset_partition_range_start": MONTHS[0],
        "dagster/asset_partition_range_end": MONTHS[2],
        PARTITIONS_TAG: f"{MONTHS[0]},{MONTHS[2]}",
    }
    restated = settings.landing("disbursement") / f"giai_ngan_{MONTHS[1]}.csv"
    # inside the range, not tagged: a corrected file landed as a new file (write, rename)
    corrected = restated.with_name(f".{restated.name}.tmp")
    corrected.write_bytes(restated.read_bytes() + b"\r\n")
    corrected.replace(restated)

    result = defs.resolve_job_def(ingest_job_name("disbursement")).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        tags=partition_tags([MONTHS[0], MONTHS[2]]),
        resources={"egov_settings": SettingsResource.from_settings(settings)},
        raise_on_error=False,
    )

    assert result.success
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        loads = con.execute(
            "select partition_key, count(*) from audit.load_manifest "
            "where source = 'disbursement' group by partition_key order by partition_key"
        ).fetchall()
    assert loads == [(MONTHS[0], 1), (MONTHS[1], 1), (MONTHS[2], 1)]
    assert plan_ingest(settings).partitions["disbursement"] == [MONTHS[1]]  # still waiting


def test_tagged_partitions_reads_the_tag_and_none_without_it() -> None:
    assert tagged_partitions(partition_tags(["2015-03", "2015-09"])) == ["2015-03", "2015-09"]
    assert tagged_partitions({"dagster/partition": "2015-03"}) is None


def test_dbt_docs_are_current_until_the_project_changes(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "dbt_project")
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in DOCS_FILES:
        (docs / name).write_text("{}")
    assert not docs_current(docs, dbt_project_hash(project))  # never stamped
    (docs / DOCS_STAMP).write_text(dbt_project_hash(project) + "\n")
    assert docs_current(docs, dbt_project_hash(project))

    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("a run")  # not part of the project
    assert docs_current(docs, dbt_project_hash(project))

    seed = next((project / "seeds").glob("*.csv"))
    seed.write_text(seed.read_text() + "\n")
    assert not docs_current(docs, dbt_project_hash(project))
