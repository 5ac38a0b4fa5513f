"""The Dagster code location loads, and its shape does not drift silently.

To accept an intended change of the asset graph, checks, jobs, schedules or sensors:
``EGOV_UPDATE_SNAPSHOT=1 pytest tests/orchestration/test_definitions.py`` and commit
the new ``definitions_snapshot.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from sources.loading.registry import SOURCE_NAMES

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.json")


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
