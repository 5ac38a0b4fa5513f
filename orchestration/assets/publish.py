"""Publish: an atomic read-only copy of the marts for BI, written only after a green build."""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.assets.dbt import egov_dbt_assets
from orchestration.publishing import publish
from orchestration.settings import load_settings


@dg.asset(
    key=["published", "warehouse"],
    group_name="publish",
    kinds={"duckdb"},
    deps=[egov_dbt_assets],
)
def published_warehouse(context: AssetExecutionContext) -> dg.MaterializeResult:
    """The DuckDB file BI tools open read-only: marts and check history, swapped in
    atomically. Runs only when the dbt build and its tests passed."""
    settings = load_settings()
    publication = publish(
        settings.build_db, settings.published_dir, context.run_id, keep=settings.publish_keep
    )
    context.log.info(
        "published version %s (%d tables) at %s",
        publication.version,
        len(publication.tables),
        publication.path,
    )
    return dg.MaterializeResult(
        metadata={
            "path": str(publication.path),
            "version": publication.version,
            "parquet": str(publication.version_dir / "parquet"),
            "published_at": publication.published_at.isoformat(),
            "tables": dg.MetadataValue.json(publication.tables),
            "dagster/row_count": sum(publication.tables.values()),
        }
    )
