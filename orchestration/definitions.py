"""The Dagster code location, single entry point: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import dbt_resource, egov_dbt_assets
from orchestration.assets.ingest import INGEST_ASSETS
from orchestration.assets.publish import published_warehouse
from orchestration.assets.reference import admin_unit_crosswalk, admin_units
from orchestration.progress import egov_progress
from orchestration.settings import apply_environment, load_settings, prepare_data_dir

_settings = load_settings()
prepare_data_dir(_settings)
apply_environment(_settings)

BUILD_JOB = "build_and_publish"
ingest_jobs = [
    dg.define_asset_job(
        f"ingest_{asset.key.path[-1]}",
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

defs = dg.Definitions(
    assets=[
        *INGEST_ASSETS,
        admin_units,
        admin_unit_crosswalk,
        egov_dbt_assets,
        published_warehouse,
    ],
    jobs=[*ingest_jobs, build_job],
    resources={"dbt": dbt_resource()},
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "egov_progress": egov_progress},
)
