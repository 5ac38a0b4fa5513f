"""What runs are: job names, the tags of a partition-range run, and the ingest plan of a
data dir (landing/ against the load manifest) that the CLI and the sensors turn into runs.

One ingest run per source: it covers first..last of the partitions with new files (range
tags) and names the exact ones in ``egov/partitions``; the ingest asset and the raw checks
handle only those (:func:`tagged_partitions`).

Small and free of the code location, so the runner, the sensors and the CLI share the
names without importing one another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orchestration.partitions import BY_KIND
from orchestration.settings import EgovError, Settings
from orchestration.warehouse import connect
from sources.loading.audit import loaded_hashes
from sources.loading.landing import IngestPlan, LandingError
from sources.loading.landing import plan_ingest as plan_landing
from sources.loading.registry import specs

BUILD_JOB = "build_and_publish"
# The exact partition keys an ingest run loads and checks, comma-separated.
PARTITIONS_TAG = "egov/partitions"
# "true" on a build run: publish a new version even when the inputs are unchanged.
FORCE_TAG = "egov/force"


def ingest_job_name(source: str) -> str:
    """The job that loads the landed files of ``source`` for the chosen partitions."""
    return f"ingest_{source}"


def range_tags(first: str, last: str) -> dict[str, str]:
    """Tags that make one run cover the partitions first..last (single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }


def partition_tags(keys: Sequence[str]) -> dict[str, str]:
    """Tags of one run over ``keys`` (in partition order): the range first..last, and the
    exact keys, so partitions between them without new files are left alone."""
    return {**range_tags(keys[0], keys[-1]), PARTITIONS_TAG: ",".join(keys)}


def tagged_partitions(tags: Mapping[str, str]) -> list[str] | None:
    """The exact partition keys a run must load and check (its ``egov/partitions`` tag);
    None when the run has no such tag (then every partition of its range)."""
    raw = tags.get(PARTITIONS_TAG)
    if raw is None:
        return None
    return [key.strip() for key in raw.split(",") if key.strip()]


def plan_ingest(
    settings: Settings,
    only: set[str] | None = None,
    window: tuple[str, str] | None = None,
) -> IngestPlan:
    """The ingest plan of ``settings``' data dir (see :func:`sources.loading.landing.plan_ingest`).

    A locked build database or a misnamed landed file raises :class:`EgovError`.
    """
    hashes: dict[str, set[str]] = {}
    if settings.build_db.exists():
        with connect(settings.build_db, read_only=True) as con:
            hashes = {name: loaded_hashes(con, name) for name in specs()}
    keys = {name: BY_KIND[spec.partitioning].get_partition_keys() for name, spec in specs().items()}
    try:
        return plan_landing(
            specs().values(), settings.landing_dir, keys, hashes, only=only, window=window
        )
    except LandingError as exc:
        raise EgovError(str(exc)) from None
