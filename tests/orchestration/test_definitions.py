"""The Dagster code location loads, and its shape does not drift silently.

To accept an intended change of the asset graph, checks, jobs, schedules or sensors:
``EGOV_UPDATE_SNAPSHOT=1 pytest tests/orchestration/test_definitions.py`` and commit
the new ``definitions_snapshot.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import dagster as dg
import yaml

from sources.loading.registry import SOURCE_NAMES

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.json")
REPO = Path(__file__).resolve().parents[2]
# Non-negotiable: set by the project itself, whatever the shell says.
TELEMETRY_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
    "GX_ANALYTICS_ENABLED": "false",
}
TELEMETRY_ON = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "true", "DAGSTER_DISABLE_TELEMETRY": "false",
                "GX_ANALYTICS_ENABLED": "true"}  # fmt: skip


def _shape(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(d.to_user_string() for d in node.parent_keys),
            "kinds": sorted(node.kinds),
            "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
        }
    checks = sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys)
    return {
        "assets": assets,
        "asset_checks": checks,
        "jobs": sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": sorted(s.name for s in defs.schedules or []),
        "sensors": sorted(s.name for s in defs.sensors or []),
    }


def test_definitions_load_and_match_the_snapshot() -> None:
    from orchestration.definitions import defs

    shape = _shape(defs)
    assert "published/warehouse" in shape["assets"]
    assert "build_and_publish" in shape["jobs"]
    assert {f"ingest_{s}" for s in SOURCE_NAMES} <= set(shape["jobs"])
    assert {f"raw/{s}" for s in SOURCE_NAMES} <= set(shape["assets"])
    if os.environ.get("EGOV_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(shape, indent=2, ensure_ascii=False) + "\n")
    assert shape == json.loads(SNAPSHOT.read_text()), (
        "the Dagster definitions changed; if intended, rerun with EGOV_UPDATE_SNAPSHOT=1"
    )


def test_lineage_runs_from_reference_assets_to_published() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    published = dg.AssetKey(["published", "warehouse"])
    ancestors = _ancestors(graph, published)
    assert dg.AssetKey(["ref", "admin_units"]) in ancestors
    assert dg.AssetKey(["marts", "dim_admin_units"]) in ancestors


def _ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    stack = [key]
    while stack:
        for parent in graph.get(stack.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _python(code: str, data_dir: Path) -> dict:
    """Run ``code`` in a fresh interpreter whose shell turns telemetry ON; its last
    stdout line is JSON."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update({"EGOV_DATA_DIR": str(data_dir), **TELEMETRY_ON})
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_cli_environment_switches_telemetry_off(tmp_path: Path) -> None:
    """What `egov run` / `egov dev` / `egov prepare` export before anything runs."""
    seen = _python(
        "import json, os\n"
        "from orchestration.settings import apply_environment, load_settings\n"
        "apply_environment(load_settings())\n"
        f"print(json.dumps({{k: os.environ[k] for k in {sorted(TELEMETRY_OFF)!r}}}))\n",
        tmp_path,
    )
    assert seen == TELEMETRY_OFF


def test_a_run_of_the_code_location_switches_telemetry_off(tmp_path: Path) -> None:
    """A run started from the Dagster UI (not through the CLI) gets telemetry off from the
    settings resource when the run starts, and its data dir prepared."""
    seen = _python(
        "import json, os\n"
        "import dagster as dg\n"
        "from orchestration.resources import SettingsResource\n"
        "from orchestration.settings import load_settings\n"
        "@dg.asset\n"
        "def probe(egov_settings: SettingsResource) -> dict:\n"
        f"    return {{k: os.environ[k] for k in {sorted(TELEMETRY_OFF)!r}}}\n"
        "resource = SettingsResource.from_settings(load_settings())\n"
        "result = dg.materialize([probe], resources={'egov_settings': resource})\n"
        "print(json.dumps(result.output_for_node('probe')))\n",
        tmp_path,
    )
    assert seen == TELEMETRY_OFF
    dagster_yaml = yaml.safe_load((tmp_path / "dagster_home" / "dagster.yaml").read_text())
    assert dagster_yaml["telemetry"] == {"enabled": False}


def test_great_expectations_sessions_switch_analytics_off(tmp_path: Path) -> None:
    seen = _python(
        "import json, os, tempfile\n"
        "from pathlib import Path\n"
        "from quality.runner import GxSession\n"
        "GxSession(Path(tempfile.mkdtemp()))\n"
        "print(json.dumps(os.environ['GX_ANALYTICS_ENABLED']))\n",
        tmp_path,
    )
    assert seen == TELEMETRY_OFF["GX_ANALYTICS_ENABLED"]


def test_dbt_project_and_dagster_runs_keep_telemetry_off() -> None:
    """dbt's project flag covers a dbt started by hand; dagster-dbt forces the env var."""
    project = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text())
    assert project["flags"]["send_anonymous_usage_stats"] is False


def test_the_landing_sensor_plans_an_ingest_run_then_a_build(tmp_path: Path) -> None:
    """The sensor gets settings from the ``egov_settings`` resource, not the environment."""
    from orchestration.definitions import defs
    from orchestration.jobs import BUILD_JOB, ingest_job_name, range_tags
    from orchestration.resources import SettingsResource
    from orchestration.settings import load_settings
    from sources.loading.registry import specs

    spec = specs()["disbursement"]
    folder = tmp_path / "landing" / spec.name
    folder.mkdir(parents=True)
    (folder / spec.file_example).write_text("landed\n", encoding="utf-8")
    month = spec.match(spec.file_example).partition_key
    resource = SettingsResource.from_settings(replace(load_settings(), data_dir=tmp_path))
    sensor = defs.resolve_sensor_def("landing_sensor")
    with dg.build_sensor_context(resources={"egov_settings": resource}) as context:
        tick = sensor.evaluate_tick(context)
    requested = [(r.job_name, {k: v for k, v in r.tags.items() if k in range_tags("", "")})
                 for r in tick.run_requests]  # fmt: skip
    expected = [(ingest_job_name(spec.name), range_tags(month, month)), (BUILD_JOB, {})]
    assert requested == expected, tick.skip_message
