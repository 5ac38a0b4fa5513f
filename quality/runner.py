"""Run a suite on frames with great-expectations 1.x and return what happened.

A :class:`GxSession` holds one ephemeral GX context (a pandas datasource, one dataframe
asset and whole-dataframe batch definition per suite and frame) for a series of
validations; :meth:`GxSession.validate_partitions` validates several partitions in one
GX validation per frame and returns one result per partition (what the pipeline runs,
:mod:`quality.batch`), :meth:`GxSession.validate` one partition or table with the rules
as the suite states them, :func:`validate_frame` is its one-off form. Each validation
builds its GX Data Docs pages into ``data_docs_dir`` (a filesystem site, one page per
validated frame and batch, kept across runs; ``index.html`` lists them); if GX cannot
build them, a small HTML report of the outcomes is written instead and the result says so.
GX is imported lazily, when a session starts: the import costs ~9 s.

Only failures of ``error`` rules make a suite fail; ``warn`` failures are reported. A
suite that cannot run (a rule naming a column its frame lacks, a frame or run-time
parameter not given, an expectation that raised inside GX) raises
:class:`~quality.rules.SuiteError`: it never counts as passed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pandas as pd

from quality.batch import batch_suite, split_outcomes, with_parameter_columns
from quality.frames import schema_frame
from quality.outcomes import ExpectationOutcome, SuiteResult, observed_summary
from quality.rules import (
    PARTITION_COLUMN,
    ROWS,
    SCHEMA,
    Rule,
    Suite,
    SuiteError,
    partition_parameters,
)

log = logging.getLogger(__name__)

SITE_NAME = "egov_quality"
GX_SEVERITY = {"error": "critical", "warn": "warning"}
SAMPLE_SIZE = 5


def _import_gx() -> Any:
    """great_expectations, imported on first use (analytics off, whatever the shell says)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


def _check_runnable(suite: Suite, frames: Mapping[str, pd.DataFrame], parameters: Mapping) -> None:
    for frame_name in suite.frames:
        rules = suite.rules_for(frame_name)
        if frame_name not in frames:
            raise SuiteError(
                f"suite {suite.name}: no {frame_name!r} frame to validate "
                f"({len(rules)} expectations need it)"
            )
        columns = set(frames[frame_name].columns)
        for rule in rules:
            missing = [c for c in rule.columns if c not in columns]
            if missing:
                raise SuiteError(
                    f"suite {suite.name}: {rule.label} names column {missing[0]!r}, which "
                    f"{suite.table} ({frame_name}) does not have; "
                    f"columns: {', '.join(sorted(columns))}"
                )
            absent = [p for p in rule.parameters if p not in parameters]
            if absent:
                raise SuiteError(
                    f"suite {suite.name}: {rule.label} needs parameter {absent[0]!r}, not given"
                )


def _index_columns(suite: Suite, frame_name: str, frame: pd.DataFrame) -> list[str]:
    if frame_name == ROWS:
        wanted = suite.index_columns
    elif frame_name == SCHEMA:
        wanted = ("column_name",)
    else:
        fact = next((f for f in suite.facts if f.name == frame_name), None)
        wanted = fact.index_columns if fact else ()
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise SuiteError(
            f"suite {suite.name}: index column {missing[0]!r} is not in the {frame_name} frame"
        )
    return list(wanted)


def _expectation(gxe: Any, rule: Rule, position: int) -> Any:
    cls = getattr(gxe, rule.expectation, None)
    if cls is None:
        raise SuiteError(f"{rule.expectation} is not a great-expectations expectation")
    kwargs = {k: list(v) if isinstance(v, tuple) else v for k, v in rule.kwargs.items()}
    try:
        return cls(
            **kwargs,
            severity=GX_SEVERITY[rule.severity],
            notes=rule.notes or None,
            meta={"severity": rule.severity, "rule": position},
        )
    except Exception as exc:  # pydantic validation of the arguments
        raise SuiteError(f"{rule.label}: invalid arguments: {exc}") from None


def _page(url: str | None) -> Path | None:
    if not url:
        return None
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


class GxSession:
    """One ephemeral GX context for a series of validations: each (suite, frame) gets its
    GX suite and validation definition once; every validation runs them on new frames
    (a batch of partitions, or one) and builds the Data Docs pages of that run.

    GX is imported when the session is created.
    """

    def __init__(self, data_docs_dir: Path) -> None:
        gx = _import_gx()
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx, self._gxe = gx, gxe
        self.data_docs_dir = data_docs_dir
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._datasource = self._context.data_sources.add_pandas("duckdb_frames")
        self._definitions: dict[tuple[int, str], Any] = {}
        # suite object -> GX base name; the suite is kept so its id is never reused
        self._names: dict[int, tuple[Suite, str]] = {}
        self._docs_error = self._add_docs_site()

    def _add_docs_site(self) -> str:
        try:
            self.data_docs_dir.mkdir(parents=True, exist_ok=True)
            self._context.add_data_docs_site(
                site_name=SITE_NAME,
                site_config={
                    "class_name": "SiteBuilder",
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(self.data_docs_dir),
                    },
                },
            )
        except Exception as exc:  # docs are a report; never let them hide the outcome
            log.warning("no Data Docs site in %s: %s", self.data_docs_dir, exc)
            return str(exc)
        return ""

    def _definition(self, suite: Suite, frame_name: str) -> Any:
        """The GX validation definition of (suite, frame), created on first use. Two suite
        objects of the same name (an edited copy) get distinct GX names."""
        key = (id(suite), frame_name)
        if key not in self._definitions:
            gx = self._gx
            if id(suite) not in self._names:
                same = sum(s.name == suite.name for s, _ in self._names.values())
                self._names[id(suite)] = (suite, suite.name if not same else f"{suite.name}~{same}")
            name = f"{self._names[id(suite)][1]}.{frame_name}"
            rules = suite.rules_for(frame_name)
            gx_suite = self._context.suites.add(
                gx.ExpectationSuite(
                    name=name,
                    expectations=[_expectation(self._gxe, rule, i) for i, rule in enumerate(rules)],
                    meta={"table": suite.table, "description": suite.description},
                )
            )
            batch = self._datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
                "whole"
            )
            definition = self._context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=gx_suite)
            )
            self._definitions[key] = definition
        return self._definitions[key]

    def validate(
        self,
        suite: Suite,
        frame: pd.DataFrame,
        *,
        facts: Mapping[str, pd.DataFrame] | None = None,
        parameters: Mapping[str, Any] | None = None,
        partition: str | None = None,
    ) -> SuiteResult:
        """Validate ``frame`` (one partition's rows, or a whole table) and the ``facts``
        frames against ``suite``; build their Data Docs pages.

        ``partition`` (``2024-06``) provides the run-time parameters of
        :func:`~quality.rules.partition_parameters`; ``parameters`` adds or overrides
        some. The rules run as the suite states them (the reference for
        :meth:`validate_partitions`, which the pipeline uses). Raises
        :class:`SuiteError` when the suite cannot run.
        """
        started = time.monotonic()
        frames = self._frames(suite, frame, facts)
        params = {**partition_parameters(partition), **(parameters or {})}
        _check_runnable(suite, frames, params)
        results, pages, note = self._run(suite, frames, params, partition or "table")
        outcomes = [
            ExpectationOutcome(
                frame=frame_name,
                expectation=rule.label,
                expectation_type=rule.expectation_type,
                column=", ".join(rule.columns) or None,
                severity=rule.severity,
                success=success,
                observed=observed_summary(res),
                unexpected_count=res.get("unexpected_count"),
                element_count=res.get("element_count"),
            )
            for frame_name, rule, success, res in results
        ]
        seconds = time.monotonic() - started
        return self._result(suite, partition, len(frame), outcomes, pages, note, seconds)

    def validate_partitions(
        self,
        suite: Suite,
        frame: pd.DataFrame,
        *,
        facts: Mapping[str, pd.DataFrame] | None = None,
        partitions: list[str],
        row_counts: Mapping[str, int] | None = None,
    ) -> list[SuiteResult]:
        """Validate the rows of several ``partitions`` (``frame``, its partition column
        saying whose each row is) in one GX validation per frame, and return one result
        per partition (:mod:`quality.batch`): the same outcomes as validating each
        partition alone. ``facts`` are computed for these partitions
        (:func:`quality.frames.whole_table_checks`). ``row_counts`` gives each
        partition's rows when ``frame`` holds only the rows that could break a rule
        (:mod:`quality.prescreen`). Raises :class:`SuiteError` when the suite cannot
        run."""
        started = time.monotonic()
        batch = batch_suite(suite, partitions)
        frames = self._frames(batch, frame, facts)
        frames[ROWS] = with_parameter_columns(suite, frame)
        _check_runnable(batch, frames, {})
        run_name = partitions[0] if len(partitions) == 1 else f"{partitions[0]}..{partitions[-1]}"
        results, pages, note = self._run(batch, frames, {}, run_name, complete=True)
        split = split_outcomes(batch, results, frames, partitions, row_counts)
        rows = row_counts or (frame[PARTITION_COLUMN].value_counts() if len(frame) else {})
        seconds = (time.monotonic() - started) / len(partitions)
        return [
            self._result(
                suite,
                key,
                int(rows.get(key, 0)),
                split[key],
                pages,
                note,
                seconds,
            )
            for key in partitions
        ]

    def _frames(
        self, suite: Suite, frame: pd.DataFrame, facts: Mapping[str, pd.DataFrame] | None
    ) -> dict[str, pd.DataFrame]:
        frames: dict[str, pd.DataFrame] = {ROWS: frame}
        if suite.rules_for(SCHEMA):
            frames[SCHEMA] = schema_frame(frame, dict(suite.column_types))
        frames.update(facts or {})
        return frames

    def _run(
        self,
        suite: Suite,
        frames: Mapping[str, pd.DataFrame],
        params: Mapping[str, Any],
        run_name: str,
        *,
        complete: bool = False,
    ) -> tuple[list[tuple[str, Rule, bool, dict]], dict[str, Path], str]:
        """Run the suite's GX validations on ``frames``; build their Data Docs pages.
        ``complete`` asks GX for every unexpected row (a batch attributes them to their
        partitions), otherwise a sample of ten."""
        from great_expectations.core.run_identifier import RunIdentifier

        store = self._context.validation_results_store
        before = set(store.list_keys())
        run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
        results: list[tuple[str, Rule, bool, dict]] = []
        for frame_name in suite.frames:
            rules = suite.rules_for(frame_name)
            result_format: dict[str, Any] = (
                {"result_format": "COMPLETE"}
                if complete
                else {"result_format": "SUMMARY", "partial_unexpected_count": 10}
            )
            index = _index_columns(suite, frame_name, frames[frame_name])
            if index:
                result_format["unexpected_index_column_names"] = index
            try:
                result = self._definition(suite, frame_name).run(
                    batch_parameters={"dataframe": frames[frame_name]},
                    expectation_parameters=dict(params),
                    result_format=result_format,
                    run_id=run_id,
                )
            except SuiteError:
                raise
            except Exception as exc:  # GX itself failed: the suite did not run
                raise SuiteError(
                    f"suite {suite.name} cannot run on {frame_name} of {suite.table}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            for item in result.results:
                rule = rules[item.expectation_config.meta["rule"]]
                _raise_if_raised(suite, run_name, rule, item.exception_info or {})
                results.append((frame_name, rule, bool(item.success), dict(item.result or {})))
        pages, note = self._build_docs([k for k in store.list_keys() if k not in before])
        return results, pages, note

    def _result(
        self,
        suite: Suite,
        partition: str | None,
        rows: int,
        outcomes: list[ExpectationOutcome],
        pages: dict[str, Path],
        note: str,
        seconds: float,
    ) -> SuiteResult:
        result = SuiteResult(
            suite=suite.name,
            table=suite.table,
            partition=partition,
            rows=rows,
            outcomes=tuple(outcomes),
            data_docs=pages.get(ROWS) or next(iter(pages.values()), None),
            data_docs_pages=pages,
            data_docs_note=note,
            seconds=seconds,
        )
        if note:
            result = dataclasses.replace(
                result, data_docs=_write_report(result, self.data_docs_dir)
            )
        log.info(
            "suite %s on %s: %d expectations, %d failed (%d error), %.2f s",
            suite.name,
            result.where,
            len(outcomes),
            result.failed_expectations,
            result.failed_errors,
            result.seconds,
        )
        return result

    def _build_docs(self, keys: list[Any]) -> tuple[dict[str, Path], str]:
        """Data Docs pages of the validations ``keys``: (frame -> page, note). A failure
        to build them is logged and returned as a note (the validation stands)."""
        if self._docs_error:
            return (
                {},
                f"GX Data Docs not built ({self._docs_error}); a plain HTML report was written",
            )
        try:
            # build_index=False: GX's index builder deletes every page whose result is not
            # in this (ephemeral, in-memory) context, i.e. the pages of earlier runs;
            # write_index() lists them instead.
            self._context.build_data_docs(
                site_names=[SITE_NAME], resource_identifiers=keys, build_index=False
            )
            pages: dict[str, Path] = {}
            for key in keys:
                frame_name = key.expectation_suite_identifier.name.rpartition(".")[2]
                urls = self._context.get_docs_sites_urls(
                    resource_identifier=key, site_names=[SITE_NAME]
                )
                page = _page(urls[0]["site_url"]) if urls else None
                if page is not None:
                    pages[frame_name] = page
            return pages, ""
        except Exception as exc:  # docs are a report; never let them hide the outcome
            log.warning(
                "great-expectations could not build Data Docs in %s: %s", self.data_docs_dir, exc
            )
            return {}, f"GX Data Docs not built ({exc}); a plain HTML report was written"

    def write_index(self, limit: int = 2000) -> Path:
        """``index.html`` of the site: the newest ``limit`` validation pages, newest first
        (suite, frame, partition, time, link)."""
        try:
            return self._write_index(limit)
        except OSError as exc:  # docs are a report; never let them hide the outcome
            log.warning("could not write the Data Docs index in %s: %s", self.data_docs_dir, exc)
            return self.data_docs_dir / "index.html"

    def _write_index(self, limit: int) -> Path:
        root = self.data_docs_dir
        pages = sorted(
            (root / "validations").glob("*/*/*/*/*.html"),
            key=lambda p: p.parent.name,
            reverse=True,
        )[:limit]
        rows = []
        for page in pages:
            suite, frame, run_name, run_time = page.relative_to(root / "validations").parts[:4]
            link = html.escape(page.relative_to(root).as_posix())
            cells = "".join(
                f"<td>{html.escape(v)}</td>" for v in (run_time, suite, frame, run_name)
            )
            rows.append(f"<tr>{cells}<td><a href='{link}'>page</a></td></tr>")
        index = root / "index.html"
        tmp = index.with_name(".index.html.tmp")
        tmp.write_text(
            "<!doctype html><meta charset='utf-8'><title>great-expectations Data Docs</title>"
            "<h1>great-expectations validations</h1>"
            f"<p>{len(pages)} newest pages (GX Data Docs, one per suite, frame and partition)."
            "</p><table border=1><tr><th>validated at</th><th>suite</th><th>frame</th>"
            f"<th>partition</th><th></th></tr>{''.join(rows)}</table>",
            encoding="utf-8",
        )
        os.replace(tmp, index)
        return index


def _raise_if_raised(
    suite: Suite, partition: str | None, rule: Rule, info: Mapping[str, Any]
) -> None:
    """An expectation that raised inside GX (a metric that cannot be computed) makes the
    suite unable to run: never a pass."""
    nested = [v for v in info.values() if isinstance(v, Mapping)]
    if not (info.get("raised_exception") or any(v.get("raised_exception") for v in nested)):
        return
    message = info.get("exception_message") or next(
        (v.get("exception_message") for v in nested if v.get("exception_message")),
        "unknown error",
    )
    where = f"{suite.table} {partition}" if partition else suite.table
    raise SuiteError(f"suite {suite.name} cannot run on {where}: {rule.label} raised: {message}")


def validate_frame(
    suite: Suite,
    frame: pd.DataFrame,
    *,
    data_docs_dir: Path,
    facts: Mapping[str, pd.DataFrame] | None = None,
    parameters: Mapping[str, Any] | None = None,
    partition: str | None = None,
) -> SuiteResult:
    """Validate ``frame`` and the ``facts`` frames against ``suite`` in a new ephemeral GX
    context (see :meth:`GxSession.validate`); Data Docs go to ``data_docs_dir``."""
    session = GxSession(data_docs_dir)
    result = session.validate(suite, frame, facts=facts, parameters=parameters, partition=partition)
    session.write_index()
    return result


def _write_report(result: SuiteResult, data_docs_dir: Path) -> Path:
    """A small HTML table of the outcomes, when GX's own Data Docs could not be built."""
    folder = data_docs_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{result.suite}-{result.partition or 'table'}-{stamp}.html"
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (o.frame, o.expectation, o.severity, o.outcome, o.observed)
        )
        + "</tr>"
        for o in result.outcomes
    )
    path.write_text(
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(result.suite)}</title>"
        f"<h1>{html.escape(result.where)}: suite {html.escape(result.suite)}</h1>"
        f"<p>{result.failed_errors} error and {result.failed_warnings} warning failures of "
        f"{len(result.outcomes)} expectations. {html.escape(result.data_docs_note)}</p>"
        "<table border=1><tr><th>frame</th><th>expectation</th><th>severity</th>"
        f"<th>outcome</th><th>observed</th></tr>{rows}</table>",
        encoding="utf-8",
    )
    return path
