"""The dbt project as Dagster assets: lineage from raw/reference tables to the marts."""

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.compat import DBT_PYTHON_VERSION
from packaging.version import Version

from orchestration.publishing import dbt_project_hash
from orchestration.resources import SettingsResource
from orchestration.settings import Settings, check_manifest, load_settings
from orchestration.warehouse import connect
from sources.loading import audit

_SETTINGS = load_settings()
DBT_PROJECT = DbtProject(
    project_dir=_SETTINGS.dbt_project_dir, profiles_dir=_SETTINGS.dbt_project_dir
)


class EgovTranslator(DagsterDbtTranslator):
    """Asset keys mirror DuckDB locations: ``[schema, table]``; groups are the layers."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props.get("schema") or "dbt"


class VenvDbtCliResource(DbtCliResource):
    """The dbt CLI of this virtualenv, without two costs dagster-dbt pays before each dbt
    command and this project does not need (no supported option turns them off):

    - `dbt --version` (a subprocess that imports dbt and queries PyPI: 5-7 s here): the
      executable is this venv's, so its version is the installed dbt-core package's;
    - a dbt adapter built in this process (loads dbt's macros: ~2.5 s), used only by
      ``fetch_row_counts()`` / ``fetch_column_metadata()``, which the dbt asset does not
      call (they would query DuckDB while dbt holds its single writer lock).
    """

    @cached_property
    def _cli_version(self) -> Version:
        return DBT_PYTHON_VERSION

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    """dbt from this virtualenv, so it works without an activated venv."""
    return VenvDbtCliResource(
        project_dir=DBT_PROJECT,
        profiles_dir=str(_SETTINGS.dbt_project_dir),
        dbt_executable=str(Path(sys.executable).with_name("dbt")),
    )


def _checked_relation(test: Mapping[str, Any], nodes: Mapping[str, Any]) -> str:
    """``schema.table`` of the model a dbt test checks (attached node, else first parent)."""
    parent = test.get("attached_node") or next(iter(test["depends_on"]["nodes"]), None)
    node = nodes.get(parent or "")
    return f"{node['schema']}.{node['name']}" if node else ""


def _failing_rows(con: Any, relation: str | None, limit: int = 3) -> str:
    """A few stored failing rows of a test (``store_failures``), as text for messages."""
    if not relation:
        return ""
    try:
        cursor = con.execute(f"select * from {relation} limit {limit}")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except Exception:  # the view may be gone or unreadable; the count is still reported
        return ""
    return "; ".join(", ".join(f"{k}={v!r}" for k, v in row.items()) for row in rows)


def _record_check_results(
    settings: Settings, run_id: str, run_results: Mapping[str, Any], manifest: Mapping[str, Any]
) -> list[str]:
    """Append dbt test outcomes to ``audit.check_results`` in the build database; return
    one line per failing test naming its model, test and offending values."""
    checked_at = dt.datetime.now(dt.UTC)
    nodes = manifest["nodes"]
    records: list[audit.CheckRecord] = []
    failing: list[str] = []
    with connect(settings.build_db) as con:
        for result in run_results.get("results", []):
            test = nodes.get(result["unique_id"])
            if test is None or test["resource_type"] != "test":
                continue
            outcome = audit.to_outcome(result["status"])
            relation = _checked_relation(test, nodes)
            message = result.get("message") or ""
            if outcome in (*audit.NOT_PASSING, "warned"):
                values = _failing_rows(con, result.get("relation_name"))
                message = f"{message}; failing rows: {values}" if values else message
                if outcome != "warned":
                    failing.append(f"{relation}: {test['name']}: {message}")
            records.append(
                audit.CheckRecord(
                    run_id=run_id,
                    layer="dbt",
                    suite="dbt",
                    check_name=test["name"],
                    asset_key=relation,
                    outcome=outcome,
                    severity=test["config"].get("severity", "error").lower(),
                    failures=result.get("failures"),
                    message=message,
                    checked_at=checked_at,
                )
            )
        audit.record_checks(con, records)
    return failing


@dbt_assets(
    manifest=check_manifest(_SETTINGS),
    project=DBT_PROJECT,
    dagster_dbt_translator=EgovTranslator(),
)
def egov_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, egov_settings: SettingsResource
) -> Iterator[Any]:
    """Seeds, staging views and mart tables of dbt_project, built and tested (`dbt build`)."""
    settings = egov_settings.get()
    target = settings.dbt_runs_dir / context.run_id
    _reuse_parse(settings.dbt_runs_dir, target)
    invocation = dbt.cli(["build"], context=context, target_path=target, raise_on_error=False)
    yield from invocation.stream()
    results_path = target / "run_results.json"
    failing: list[str] = []
    if results_path.exists():
        failing = _record_check_results(
            settings, context.run_id, json.loads(results_path.read_text()), invocation.manifest
        )
    if not invocation.is_successful():
        raise dg.Failure(
            description="dbt build failed; nothing downstream (publish) runs. "
            + (" | ".join(failing[:5]) if failing else "See the failing models above."),
        )
    _keep_parse(settings.dbt_runs_dir, target)
    _generate_docs(context, dbt, target, settings.dbt_docs_dir)


PARTIAL_PARSE = "partial_parse.msgpack"


def _reuse_parse(runs_dir: Path, target: Path) -> None:
    """Start the run's target folder with this data dir's last dbt parse, so dbt parses
    only what changed. dagster-dbt would copy the project's (`egov prepare`), whose
    profile (the build database path) differs when this data dir is not the one prepared,
    and dbt then parses everything again (~6 s). dbt itself checks that a saved parse
    matches the project, profile and version, and parses in full when it does not."""
    saved = runs_dir / PARTIAL_PARSE
    if saved.is_file():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, target / PARTIAL_PARSE)


def _keep_parse(runs_dir: Path, target: Path) -> None:
    """Keep the parse of a green build for the next run of this data dir."""
    parsed = target / PARTIAL_PARSE
    if parsed.is_file():
        tmp = runs_dir / f".{PARTIAL_PARSE}.tmp"
        shutil.copyfile(parsed, tmp)
        os.replace(tmp, runs_dir / PARTIAL_PARSE)


DOCS_FILES = ("index.html", "manifest.json", "catalog.json")
# Beside the docs: the dbt project hash they were generated from.
DOCS_STAMP = "project_hash.txt"


def docs_current(docs_dir: Path, project_hash: str) -> bool:
    """The docs in ``docs_dir`` were generated from a dbt project with ``project_hash``."""
    stamp = docs_dir / DOCS_STAMP
    return (
        all((docs_dir / name).is_file() for name in DOCS_FILES)
        and stamp.is_file()
        and stamp.read_text().strip() == project_hash
    )


def _generate_docs(
    context: AssetExecutionContext, dbt: DbtCliResource, target: Path, docs_dir: Path
) -> None:
    """`dbt docs generate` after a green build, when the dbt project changed since the docs
    were last generated; the static site goes to ``docs_dir`` (served by `egov docs`). A
    docs failure is logged, it does not fail the build."""
    project_hash = dbt_project_hash(Path(dbt.project_dir))
    if docs_current(docs_dir, project_hash):
        context.log.info("dbt docs in %s are current (dbt project %s)", docs_dir, project_hash)
        return
    docs = dbt.cli(["docs", "generate"], target_path=target, raise_on_error=False)
    docs.wait()
    if not docs.is_successful() or not all((target / f).exists() for f in DOCS_FILES):
        context.log.warning("dbt docs generate failed: see %s", target)
        return
    docs_dir.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:
        tmp = docs_dir / f".{name}.tmp"
        shutil.copyfile(target / name, tmp)
        os.replace(tmp, docs_dir / name)
    (docs_dir / DOCS_STAMP).write_text(project_hash + "\n")
    context.log.info("dbt docs written to %s (dbt project %s)", docs_dir, project_hash)
