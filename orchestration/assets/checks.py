"""great-expectations raw suites (quality/) as blocking Dagster asset checks, built by a
factory: the load boundary. The marts are guarded by the dbt tests (dagster-dbt turns them
into asset checks of the dbt assets), not here.

``raw/<source>:gx_raw_<source>`` validates the partitions of the run together, in batches
of at most ``BATCH_ROWS`` rows (one GX validation per batch and frame, Data Docs built once
per batch; :mod:`quality.batch`), and still records one outcome per expectation and
partition, so a failure names its partition. A failure stops the run: the ingest job fails
and `egov run` stops before the dbt build, so nothing is published; and until a corrected
file restates the partition, the publish step refuses marts built from it
(:mod:`orchestration.assets.publish`).

Every expectation's outcome is appended to ``audit.check_results`` through
:func:`sources.loading.audit.record_checks` (one row per expectation and partition,
``suite = 'great_expectations:<suite>'``, the outcome words dbt's rows use). A suite that
cannot run (missing table, a column it names does not exist) records an ``errored`` row
and fails the step: it never counts as passed. great-expectations is imported by the
runner on first use, inside the check, never when the code location loads.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import dagster as dg
from dagster import AssetCheckExecutionContext

from orchestration.jobs import tagged_partitions
from orchestration.partitions import BY_KIND
from orchestration.resources import SettingsResource
from orchestration.settings import Settings
from orchestration.warehouse import build_connection
from quality.batch import batch_suite
from quality.frames import batches, partition_row_counts, suspect_frame, whole_table_checks
from quality.raw_suites import RAW_SUITES
from quality.rules import Suite, SuiteError
from quality.runner import GxSession, SuiteResult
from sources.loading import audit
from sources.loading.registry import specs

SUITE_PREFIX = "great_expectations:"
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
MAX_FAILURE_LINES = 10
# Rows of one validation: the run's partitions are validated together in batches of at
# most this many rows. GX sees only the rows that could break a rule (quality/prescreen.py),
# so memory is bounded by those; a suite that cannot be screened hands GX every row of a
# batch (about 1 GB of frames per million rows at the widest source).
BATCH_ROWS = 2_000_000


def check_name(suite: Suite) -> str:
    return f"gx_{suite.name}"


def run_partition_keys(
    context: AssetCheckExecutionContext, partitions_def: dg.PartitionsDefinition
) -> list[str] | None:
    """Partition keys the run covers: those its ``egov/partitions`` tag names (the
    partitions it loaded), else a single partition, a single-run backfill range (tags
    ``dagster/asset_partition_range_start/end``), or None when the run names no
    partition (then every loaded partition is validated)."""
    tagged = tagged_partitions(context.run.tags)
    if tagged is not None:  # the run names the partitions it loaded (orchestration/jobs.py)
        return tagged
    op_context = context.op_execution_context
    if op_context.has_partition_key or op_context.has_partition_key_range:
        return list(op_context.partition_keys)
    tags = context.run.tags
    if tags.get(RANGE_START) and tags.get(RANGE_END):
        return partitions_def.get_partition_keys_in_range(
            dg.PartitionKeyRange(tags[RANGE_START], tags[RANGE_END])
        )
    if tags.get("dagster/partition"):
        return [tags["dagster/partition"]]
    return None


def _records(run_id: str, suite: Suite, result: SuiteResult) -> list[audit.CheckRecord]:
    """One audit record per expectation of the validated partition."""
    return [
        audit.CheckRecord(
            run_id=run_id,
            layer="great_expectations",
            suite=SUITE_PREFIX + suite.name,
            check_name=o.expectation,
            asset_key=suite.table,
            outcome=audit.to_outcome(o.outcome),
            severity=o.severity,
            failures=o.failures,
            message=f"{result.where}: {o.observed}"
            + (f" [{o.frame}]" if o.frame != "rows" else ""),
            partition_key=result.partition,
            expectation=o.expectation_type,
            observed_value=o.observed,
        )
        for o in result.outcomes
    ]


def _error_record(
    run_id: str, suite: Suite, partition: str | None, error: str
) -> audit.CheckRecord:
    return audit.CheckRecord(
        run_id=run_id,
        layer="great_expectations",
        suite=SUITE_PREFIX + suite.name,
        check_name=check_name(suite),
        asset_key=suite.table,
        outcome="errored",
        failures=1,
        message=f"suite cannot run: {error}",
        partition_key=partition,
        expectation="suite_cannot_run",
        observed_value=error,
    )


def _record(settings: Settings, records: Sequence[audit.CheckRecord]) -> None:
    if records:
        with build_connection(settings) as con:
            audit.record_checks(con, records)


def _validate(
    settings: Settings,
    session: GxSession,
    suite: Suite,
    row_counts: dict[str, int],
    run_id: str,
) -> list[SuiteResult]:
    """One batch of partitions: frames from DuckDB (the rows that could break a row rule,
    the facts; the connection is closed before GX runs), one GX validation, one result
    and audit rows per partition."""
    partitions = list(row_counts)
    with build_connection(settings) as con:
        frame, _ = suspect_frame(con, batch_suite(suite, partitions), partitions)
        facts = whole_table_checks(con, suite, partition_keys=partitions)
    results = session.validate_partitions(
        suite, frame, facts=facts, partitions=partitions, row_counts=row_counts
    )
    _record(settings, [r for result in results for r in _records(run_id, suite, result)])
    return results


def _check_result(
    suite: Suite, results: list[SuiteResult], metadata: dict[str, Any]
) -> dg.AssetCheckResult:
    failed_errors = sum(r.failed_errors for r in results)
    failed = sum(r.failed_expectations for r in results)
    lines = [line for r in results for line in r.failure_lines()]
    docs = next((r.data_docs for r in results if not r.success), None) or next(
        (r.data_docs for r in reversed(results) if r.data_docs), None
    )
    metadata = {
        **metadata,
        "failed_expectations": failed,
        "failed_errors": failed_errors,
        "failed_warnings": sum(r.failed_warnings for r in results),
        "expectations_evaluated": sum(len(r.outcomes) for r in results),
        "rows_validated": sum(r.rows for r in results),
        "data_docs": dg.MetadataValue.path(str(docs)) if docs else "not built",
        "data_docs_pages": dg.MetadataValue.json(
            {r.partition or "table": str(r.data_docs) for r in results if r.data_docs}
        ),
        "seconds": round(sum(r.seconds for r in results), 2),
    }
    if lines:
        metadata["failures"] = dg.MetadataValue.md(
            "\n".join(f"- {line}" for line in lines[:MAX_FAILURE_LINES])
        )
    return dg.AssetCheckResult(
        passed=failed == 0,
        severity=dg.AssetCheckSeverity.ERROR if failed_errors else dg.AssetCheckSeverity.WARN,
        description="; ".join(lines[:3]) if lines else f"{suite.name}: every expectation met",
        metadata=metadata,
    )


def _failure_text(results: list[SuiteResult]) -> str:
    lines = [
        line
        for r in results
        for o, line in zip(r.failed, r.failure_lines(), strict=True)
        if o.outcome == "fail"
    ]
    more = f" (and {len(lines) - 5} more)" if len(lines) > 5 else ""
    return " | ".join(lines[:5]) + more


def _cannot_run(
    context: AssetCheckExecutionContext,
    settings: Settings,
    suite: Suite,
    partition: str | None,
    exc: SuiteError,
) -> Iterator[dg.AssetCheckResult]:
    """Record an ``error`` row, report the check as failed and fail the step: a suite that
    cannot run never counts as passed."""
    context.log.error(str(exc))
    _record(settings, [_error_record(context.run.run_id, suite, partition, str(exc))])
    yield dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"suite cannot run: {exc}",
        metadata={"suite": SUITE_PREFIX + suite.name, "suite_error": str(exc)},
    )
    raise dg.Failure(description=f"great-expectations suite {suite.name} cannot run: {exc}")


def _run_suite(
    context: AssetCheckExecutionContext,
    settings: Settings,
    suite: Suite,
    row_counts: dict[str, int],
) -> Iterator[dg.AssetCheckResult]:
    """Validate the run's partitions in batches of at most ``BATCH_ROWS`` rows (one GX
    validation each, outcomes still per partition); yield the check result, then fail
    the step when an error-severity expectation failed or the suite could not run (so
    the run says which expectation and partition)."""
    results: list[SuiteResult] = []
    session: GxSession | None = None
    partitions = list(row_counts)
    try:
        for batch in batches(row_counts, BATCH_ROWS):
            try:
                session = session or GxSession(settings.data_docs_dir)  # imports GX (~9 s)
                counts = {key: row_counts[key] for key in batch}
                results.extend(_validate(settings, session, suite, counts, context.run.run_id))
            except SuiteError as exc:
                where = batch[0] if len(batch) == 1 else f"{batch[0]}..{batch[-1]}"
                yield from _cannot_run(context, settings, suite, where, exc)
    finally:
        if session is not None:
            session.write_index()
    result = _check_result(
        suite,
        results,
        {
            "partitions": dg.MetadataValue.json(partitions),
            "suite": SUITE_PREFIX + suite.name,
        },
    )
    for line in (line for r in results for line in r.failure_lines()):
        context.log.warning(line)
    yield result
    if not all(r.success for r in results):
        raise dg.Failure(
            description=f"great-expectations check {check_name(suite)} failed: "
            + _failure_text(results),
            metadata={"data_docs": result.metadata["data_docs"]},
        )


def build_raw_check(source: str) -> dg.AssetChecksDefinition:
    """``raw/<source>:gx_raw_<source>``, blocking: validates the run's partitions."""
    suite = RAW_SUITES[f"raw_{source}"]
    partitions_def = BY_KIND[specs()[source].partitioning]

    @dg.asset_check(
        asset=dg.AssetKey(["raw", source]),
        name=check_name(suite),
        blocking=True,
        description=f"great-expectations suite {suite.name} on each partition of the run: "
        f"{suite.description} Fails the load (nothing downstream runs) on an error.",
    )
    def _check(
        context: AssetCheckExecutionContext, egov_settings: SettingsResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = egov_settings.get()
        keys = run_partition_keys(context, partitions_def)
        try:
            with build_connection(settings) as con:
                present = partition_row_counts(con, suite.table, suite.partition_column, keys)
        except SuiteError as exc:
            yield from _cannot_run(context, settings, suite, None, exc)
            return
        empty = sorted(set(keys or ()) - set(present))
        if empty:
            context.log.info("%s: no rows in partitions %s: not validated", suite.table, empty)
        if not present:
            yield dg.AssetCheckResult(
                passed=True,
                description=f"{suite.table} holds no rows in the run's partitions",
                metadata={"partitions_without_rows": dg.MetadataValue.json(empty)},
            )
            return
        yield from _run_suite(context, settings, suite, present)

    return _check


GX_CHECKS = [build_raw_check(source) for source in specs()]
