"""Publish: an atomic read-only copy of the marts for BI, written only after a green build.

Two gates, one per quality layer: the dbt tests guard the marts (the asset waits for the
dbt build and its tests), and the great-expectations raw checks guard what came in: a
mart built from a raw partition whose latest validation failed is not published. The
failed load stopped its own run, but its rows stay in the build database until a
corrected file restates the partition, so a later build must not publish them.
"""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.assets.dbt import egov_dbt_assets
from orchestration.jobs import FORCE_TAG
from orchestration.publishing import AlreadyCurrent, publish
from orchestration.resources import SettingsResource
from orchestration.settings import Settings
from orchestration.warehouse import build_connection
from sources.loading import audit
from sources.loading.registry import SOURCE_NAMES


def refuse_failing_raw_partitions(settings: Settings) -> None:
    """Raise :class:`dagster.Failure` naming every raw partition (and its failing
    expectations) whose latest great-expectations validation failed or errored."""
    with build_connection(settings) as con:
        failing = audit.failing_raw_partitions(con, SOURCE_NAMES)
    if failing:
        named = "; ".join(
            f"{f.asset_key} {f.partition_key}: {', '.join(f.checks)}" for f in failing
        )
        raise dg.Failure(
            description=(
                f"not published: the marts are built from {len(failing)} raw partition(s) "
                f"whose latest great-expectations checks failed ({named}); load a corrected "
                "file for each, then run again"
            ),
            metadata={
                "failing_raw_partitions": dg.MetadataValue.json(
                    [
                        {
                            "asset_key": f.asset_key,
                            "partition": f.partition_key,
                            "checks": list(f.checks),
                        }
                        for f in failing
                    ]
                )
            },
        )


@dg.asset(
    key=["published", "warehouse"],
    group_name="publish",
    kinds={"duckdb"},
    deps=[egov_dbt_assets],
)
def published_warehouse(
    context: AssetExecutionContext, egov_settings: SettingsResource
) -> dg.MaterializeResult:
    """The DuckDB file BI tools open read-only: marts and check history, swapped in
    atomically. Runs only when the dbt build and its tests passed, and refuses marts
    built from raw partitions whose latest great-expectations checks failed. Built from
    the same inputs as the current version, it writes nothing and says the current one is
    current (unless the run is tagged ``egov/force``)."""
    settings = egov_settings.get()
    refuse_failing_raw_partitions(settings)
    try:
        publication = publish(
            settings.build_db,
            settings.published_dir,
            context.run.run_id,
            keep=settings.publish_keep,
            dbt_project_dir=settings.dbt_project_dir,
            force=context.run.tags.get(FORCE_TAG) == "true",
        )
    except AlreadyCurrent as current:
        context.log.info("%s: nothing new published", current)
        return dg.MaterializeResult(
            metadata={
                "path": str(settings.published_db),
                "version": current.version,
                "current": True,
            }
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
