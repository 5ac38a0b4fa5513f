"""The Dagster code location, single entry point: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import dbt_resource, egov_dbt_assets
from orchestration.assets.publish import published_warehouse
from orchestration.assets.reference import admin_unit_crosswalk, admin_units
from orchestration.progress import egov_progress
from orchestration.settings import apply_environment, load_settings, prepare_data_dir

_settings = load_settings()
prepare_data_dir(_settings)
apply_environment(_settings)

main_job = dg.define_asset_job(
    "main",
    selection=dg.AssetSelection.all(),
    description="The whole pipeline: reference data, dbt build and tests, publish.",
)

defs = dg.Definitions(
    assets=[admin_units, admin_unit_crosswalk, egov_dbt_assets, published_warehouse],
    jobs=[main_job],
    resources={"dbt": dbt_resource()},
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "egov_progress": egov_progress},
)
