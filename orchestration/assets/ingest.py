"""One ingest asset per source spec (``raw/<source>``), built by a factory."""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.jobs import tagged_partitions
from orchestration.partitions import BY_KIND
from orchestration.resources import SettingsResource
from orchestration.warehouse import build_connection
from sources.loading.ingest import LoadOutcome, SourceSchemaError, ingest_file, scan_landing
from sources.loading.registry import specs
from sources.loading.spec import SourceFileError, SourceSpec


def build_ingest_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    """``raw/<spec.name>``: loads the landed files of the run's partitions (only those
    named in its ``egov/partitions`` tag when it has one)."""

    @dg.asset(
        key=["raw", spec.name],
        group_name=spec.group,
        kinds=set(spec.kinds),
        partitions_def=BY_KIND[spec.partitioning],
        backfill_policy=dg.BackfillPolicy.single_run(),
        description=(
            f"{spec.description} Files named like {spec.file_example} in landing/{spec.name}/, "
            f"archived by sha256; rejects in raw.{spec.name}__rejects, replaced rows in "
            f"raw.{spec.name}__history, loads in audit.load_manifest."
        ),
    )
    def _ingest(
        context: AssetExecutionContext, egov_settings: SettingsResource
    ) -> dg.MaterializeResult:
        settings = egov_settings.get()
        keys = set(context.partition_keys)
        tagged = tagged_partitions(context.run.tags)
        if tagged is not None:
            keys &= set(tagged)
        files = [
            f
            for f in scan_landing(spec, settings.landing(spec.name))
            if f.slot is not None and f.slot.partition_key in keys
        ]
        outcomes: list[LoadOutcome] = []
        failures: list[str] = []
        with build_connection(settings) as con:
            for landed in files:
                try:
                    outcome = ingest_file(
                        con, spec, landed.path,
                        archive_dir=settings.archive_dir, work_dir=settings.work_dir,
                    )  # fmt: skip
                except (SourceFileError, SourceSchemaError) as exc:
                    failures.append(str(exc))
                    context.log.error(str(exc))
                    continue
                outcomes.append(outcome)
                context.log.info(outcome.message)
                for warning in outcome.warnings:
                    context.log.warning(warning)
        metadata = {
            "files_loaded": sum(o.status == "loaded" for o in outcomes),
            "files_unchanged": sum(o.status == "unchanged" for o in outcomes),
            "files_failed": len(failures),
            "rows_loaded": sum(o.rows_loaded for o in outcomes),
            "rows_rejected": sum(o.rows_rejected for o in outcomes),
            "rows_replaced": sum(o.rows_replaced for o in outcomes),
            "dagster/row_count": sum(o.rows_loaded for o in outcomes),
        }
        if failures:
            raise dg.Failure(
                description=f"{len(failures)} file(s) of {spec.name} not loaded: "
                + " | ".join(failures),
                metadata=metadata,
            )
        return dg.MaterializeResult(metadata=metadata)

    return _ingest


INGEST_ASSETS = [build_ingest_asset(spec) for spec in specs().values()]
