"""The dbt project as Dagster assets: lineage from raw/reference tables to the marts."""

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

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


def dbt_resource() -> DbtCliResource:
    """dbt from this virtualenv, so it works without an activated venv."""
    return DbtCliResource(
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
    _generate_docs(context, dbt, target, settings.dbt_docs_dir)


DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


def _generate_docs(
    context: AssetExecutionContext, dbt: DbtCliResource, target: Path, docs_dir: Path
) -> None:
    """`dbt docs generate` after a green build; the static site goes to ``docs_dir``
    (served by `egov docs`). A docs failure is logged, it does not fail the build."""
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
    context.log.info("dbt docs written to %s", docs_dir)
