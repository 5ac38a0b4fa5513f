"""The Dagster code location, single entry point: `dagster dev -m orchestration.definitions`.

Importing it reads the settings from the environment and does nothing else: the data dir,
``dagster.yaml`` and the environment of subprocesses are set up by `egov prepare` /
`egov run` / `egov dev` (orchestration/cli.py).
"""

from __future__ import annotations

import dagster as dg

from orchestration.assets.checks import GX_CHECKS
from orchestration.assets.dbt import dbt_resource, egov_dbt_assets
from orchestration.assets.ingest import INGEST_ASSETS
from orchestration.assets.publish import published_warehouse
from orchestration.assets.reference import admin_unit_crosswalk, admin_units
from orchestration.automation import build_automation, build_freshness
from orchestration.jobs import BUILD_JOB, ingest_job_name
from orchestration.progress import egov_progress
from orchestration.resources import SettingsResource
from orchestration.settings import load_settings
from sources.loading.registry import specs

ingest_jobs = [
    dg.define_asset_job(
        ingest_job_name(asset.key.path[-1]),
        selection=[asset],
        description=f"Load the landed files of {asset.key.path[-1]} for the chosen partitions.",
    )
    for asset in INGEST_ASSETS
]
build_job = dg.define_asset_job(
    BUILD_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*INGEST_ASSETS),
    description="Reference data, dbt build and tests, then publish (only when all pass).",
)

sensors = build_automation(ingest_jobs, build_job)
freshness_checks, freshness_sensor = build_freshness(list(specs().values()), INGEST_ASSETS)

defs = dg.Definitions(
    assets=[
        *INGEST_ASSETS,
        admin_units,
        admin_unit_crosswalk,
        egov_dbt_assets,
        published_warehouse,
    ],
    asset_checks=[*freshness_checks, *GX_CHECKS],
    jobs=[*ingest_jobs, build_job],
    sensors=[*sensors, freshness_sensor],
    resources={
        "dbt": dbt_resource(),
        "egov_settings": SettingsResource.from_settings(load_settings()),
    },
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "egov_progress": egov_progress},
)
