"""Schedules, sensors and freshness checks.

- ``nightly_pipeline``: 02:00 Asia/Ho_Chi_Minh: loads every new landed file and builds
  and publishes (the same runs as `egov run`). It is a cron-gated sensor, not a
  schedule, because one tick starts runs of several jobs. With nothing new landed and
  the published version built from the current inputs, it skips (saying which version
  is current) instead of publishing an identical version.
- ``landing_sensor``: watches ``landing/``; new files start one ingest run per source
  over the partitions they cover, then a build-and-publish run.
- Freshness checks per source follow its release cadence (monthly, quarterly, yearly),
  evaluated by ``freshness_checks_sensor``.

Runs are queued one at a time (``dagster.yaml``: ``max_concurrent_runs: 1``): DuckDB has
one writer, so the build run requested after the ingest runs waits for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.jobs import BUILD_JOB, ingest_job_name, partition_tags, plan_ingest
from orchestration.partitions import TIMEZONE
from orchestration.publishing import current_if_unchanged, inputs_fingerprint
from orchestration.resources import SettingsResource
from orchestration.settings import EgovError, Settings
from sources.loading.landing import landing_fingerprint
from sources.loading.spec import SourceSpec

NIGHTLY_AT = dt.time(2, 0)
# How stale a source may get before its freshness check warns: its cadence plus the
# publisher's usual delay.
FRESHNESS = {
    "monthly": dt.timedelta(days=45),
    "quarterly": dt.timedelta(days=120),
    "yearly": dt.timedelta(days=400),
}


def pipeline_run_requests(
    settings: Settings, key: str, *, even_if_nothing_new: bool = False
) -> Iterator[dg.RunRequest | dg.SkipReason]:
    """One ingest run per source with new landed files (its exact partitions tagged), then
    one build run. With nothing new it skips, unless ``even_if_nothing_new`` and the
    published version was not built from the current inputs.

    ``key`` makes the requests idempotent (the same new files never start two runs).
    """
    try:
        plan = plan_ingest(settings)
        if plan.empty and even_if_nothing_new:
            inputs = inputs_fingerprint(settings.build_db, settings.dbt_project_dir)
    except (EgovError, OSError) as exc:  # a run holds the build database, a misnamed file
        yield dg.SkipReason(str(exc))
        return
    if plan.empty:
        if not even_if_nothing_new:
            yield dg.SkipReason("no new files in landing/")
            return
        current = current_if_unchanged(settings.published_dir, inputs)
        if current is not None:
            yield dg.SkipReason(
                f"no new files in landing/ and the published version {current} is current "
                f"(built from the same loads and dbt project, inputs {inputs['fingerprint']})"
            )
            return
    for source, keys in plan.partitions.items():
        if keys:
            yield dg.RunRequest(
                run_key=f"{key}:{source}:{keys[0]}:{keys[-1]}:{len(keys)}",
                job_name=ingest_job_name(source),
                tags=partition_tags(keys),
            )
    yield dg.RunRequest(run_key=f"{key}:build", job_name=BUILD_JOB)


def build_automation(
    ingest_jobs: list[dg.UnresolvedAssetJobDefinition],
    build_job: dg.UnresolvedAssetJobDefinition,
) -> list[dg.SensorDefinition]:
    jobs = [*ingest_jobs, build_job]

    @dg.sensor(
        name="nightly_pipeline",
        jobs=jobs,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Nightly at 02:00 Hanoi time: load new landed files, then build, check and "
            "publish. A cron-gated sensor, because one tick starts runs of several jobs "
            "(a Dagster schedule targets one job); the cursor is the last night it fired."
        ),
    )
    def nightly_pipeline(context: dg.SensorEvaluationContext, egov_settings: SettingsResource):
        now = dt.datetime.now(ZoneInfo(TIMEZONE))
        night = now.date().isoformat()
        if now.time() < NIGHTLY_AT or context.cursor == night:
            yield dg.SkipReason(f"next run at {NIGHTLY_AT} {TIMEZONE}")
            return
        yield from pipeline_run_requests(
            egov_settings.get(), key=f"nightly-{night}", even_if_nothing_new=True
        )
        context.update_cursor(night)

    @dg.sensor(
        name="landing_sensor",
        jobs=jobs,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="A new file in landing/ starts the ingest of its partitions, then a build.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, egov_settings: SettingsResource):
        settings = egov_settings.get()
        fingerprint = landing_fingerprint(settings.landing_dir)
        if fingerprint == context.cursor:
            yield dg.SkipReason("landing/ unchanged")
            return
        requests = list(pipeline_run_requests(settings, key=fingerprint))
        yield from requests
        if not any(isinstance(r, dg.SkipReason) and "locked" in r.skip_message for r in requests):
            context.update_cursor(fingerprint)

    return [nightly_pipeline, landing_sensor]


def build_freshness(
    specs: list[SourceSpec], assets: list[dg.AssetsDefinition]
) -> tuple[list[dg.AssetChecksDefinition], dg.SensorDefinition]:
    """One last-update freshness check per raw asset, by its source's release cadence."""
    checks: list[dg.AssetChecksDefinition] = []
    for spec, asset in zip(specs, assets, strict=True):
        checks.extend(
            dg.build_last_update_freshness_checks(
                assets=[asset],
                lower_bound_delta=FRESHNESS[spec.cadence],
                timezone=TIMEZONE,
            )
        )
    sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=checks, default_status=dg.DefaultSensorStatus.RUNNING
    )
    return checks, sensor
