"""The partitions of a run validated together: one great-expectations validation per
suite and batch of partitions, and still one outcome per expectation and partition.

A batch frame holds the rows of several partitions; their partition column says whose
each row is. :func:`batch_suite` states the suite's rules for such a frame so that each
means what it means on one partition:

- a between rule with run-time parameters (``as_of_date`` between the first and the
  last day of the partition) compares the column with a parameter column instead
  (``_param_period_start``: each row's value for its partition, added to the frame by
  :func:`with_parameter_columns`): a column-pair expectation per bound, both reported
  under the rule's own name;
- a uniqueness rule becomes unique together with the partition column (unique within
  each partition, as it was on one partition);
- every other row rule is unchanged: it holds on the batch exactly when it holds on each
  partition's rows. Facts are computed for the batch's partitions in one query and carry
  a ``partition_key`` column.

:func:`split_outcomes` then gives each partition its own outcome of every rule: rows GX
reported as unexpected are attributed by their partition column (the batch asks GX for
the complete list of unexpected rows, identified by the partition column and the suite's
index columns), and the expectations standing for one rule are merged into its outcome;
a rule on a frame without a partition column (the schema frame, the column set) holds or
fails for every partition alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from quality.outcomes import ExpectationOutcome, observed_summary, short_text
from quality.rules import PARTITION_COLUMN, ROWS, Rule, Suite, SuiteError, partition_parameters

FACT_PARTITION_COLUMN = "partition_key"
UNIQUE = ("ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique")
EXAMPLES = 5


PARAMETER_PREFIX = "_param_"


def _parameter_rules(rule: Rule) -> list[Rule]:
    """A between rule with parameter bounds as column-pair rules against parameter
    columns (a scalar bound stays a between rule), all named like ``rule``."""
    if rule.expectation != "ExpectColumnValuesToBeBetween":
        raise SuiteError(
            f"{rule.label}: only between rules may take run-time parameters in a batch"
        )
    column = rule.kwargs["column"]
    out: list[Rule] = []
    scalar: dict[str, Any] = {}
    for bound in ("min_value", "max_value"):
        value = rule.kwargs.get(bound)
        if isinstance(value, Mapping) and "$PARAMETER" in value:
            other = PARAMETER_PREFIX + value["$PARAMETER"]
            a, b = (column, other) if bound == "min_value" else (other, column)
            out.append(
                dataclasses.replace(
                    rule,
                    expectation="ExpectColumnPairValuesAToBeGreaterThanB",
                    kwargs={
                        "column_A": a,
                        "column_B": b,
                        "or_equal": True,
                        "ignore_row_if": "either_value_is_missing",
                    },
                    label_as=rule.label,
                )
            )
        elif value is not None:
            scalar[bound] = value
    if scalar:
        out.append(
            dataclasses.replace(rule, kwargs={"column": column, **scalar}, label_as=rule.label)
        )
    return out


def parameter_columns(suite: Suite) -> dict[str, str]:
    """Parameter column -> the column it is compared with, for the suite's rules."""
    columns: dict[str, str] = {}
    for rule in suite.rules_for(ROWS):
        for value in rule.kwargs.values():
            if isinstance(value, Mapping) and "$PARAMETER" in value:
                columns[PARAMETER_PREFIX + value["$PARAMETER"]] = rule.kwargs["column"]
    return columns


def with_parameter_columns(suite: Suite, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus the suite's parameter columns: each row's value of the parameter
    for its partition (:func:`~quality.rules.partition_parameters`), typed like the
    column it is compared with."""
    columns = parameter_columns(suite)
    if not columns:
        return frame
    keys = frame[PARTITION_COLUMN].astype(str)
    values = {key: partition_parameters(key) for key in keys.unique()}
    added = {}
    for name, compared in columns.items():
        parameter = name.removeprefix(PARAMETER_PREFIX)
        mapped = keys.map({k: v[parameter] for k, v in values.items()})
        added[name] = pd.Series(
            pd.array(list(mapped), dtype=frame[compared].dtype), index=frame.index
        )
    return frame.assign(**added)


def batch_suite(suite: Suite, partitions: Sequence[str]) -> Suite:
    """``suite`` stated for one frame holding the rows of ``partitions`` (see module)."""
    rules: list[Rule] = []
    for rule in suite.rules:
        if rule.frame == ROWS and rule.parameters:
            rules.extend(_parameter_rules(rule))
        elif rule.frame == ROWS and rule.expectation == "ExpectTableColumnsToMatchSet":
            column_set = [*rule.kwargs["column_set"], *parameter_columns(suite)]
            rules.append(
                dataclasses.replace(rule, kwargs={**rule.kwargs, "column_set": column_set})
            )
        elif rule.frame == ROWS and rule.expectation in UNIQUE:
            rules.append(
                dataclasses.replace(
                    rule,
                    expectation="ExpectCompoundColumnsToBeUnique",
                    kwargs={"column_list": [*rule.columns, PARTITION_COLUMN]},
                    label_as=rule.label,
                )
            )
        else:
            rules.append(rule)
    facts = tuple(
        dataclasses.replace(f, index_columns=(FACT_PARTITION_COLUMN, *f.index_columns))
        for f in suite.facts
    )
    index = (PARTITION_COLUMN, *(c for c in suite.index_columns if c != PARTITION_COLUMN))
    return dataclasses.replace(suite, rules=tuple(rules), facts=facts, index_columns=index)


def _partition_column(frame_name: str, frame: pd.DataFrame) -> str | None:
    column = PARTITION_COLUMN if frame_name == ROWS else FACT_PARTITION_COLUMN
    return column if column in frame.columns else None


def _rows_per_partition(frame: pd.DataFrame, column: str | None) -> dict[str, int]:
    if column is None:
        return {}
    return {str(k): int(v) for k, v in frame[column].value_counts().items()}


def split_outcomes(
    suite: Suite,
    results: Sequence[tuple[str, Rule, bool, Mapping[str, Any]]],
    frames: Mapping[str, pd.DataFrame],
    partitions: Sequence[str],
    row_counts: Mapping[str, int] | None = None,
) -> dict[str, list[ExpectationOutcome]]:
    """Per partition, one outcome per rule of the original suite, from the batch's GX
    results ``(frame name, batch rule, success, result dict)``. ``row_counts`` are the
    partitions' rows when the rows frame holds only some of them (screened rows)."""
    counts = {
        name: _rows_per_partition(frame, _partition_column(name, frame))
        for name, frame in frames.items()
    }
    if row_counts is not None:
        counts[ROWS] = dict(row_counts)
    split: dict[str, list[ExpectationOutcome]] = {key: [] for key in partitions}
    for frame_name, rule, success, result in results:
        column = _partition_column(frame_name, frames[frame_name])
        unexpected = result.get("unexpected_index_list")
        if column is None or not isinstance(unexpected, list) or (not success and not unexpected):
            # a whole-frame outcome (schema, column set): the same for every partition
            for key in partitions:
                split[key].append(
                    _outcome(frame_name, rule, success, observed_summary(result), result)
                )
            continue
        by_partition: dict[str, list[dict]] = {}
        for row in unexpected:
            by_partition.setdefault(str(row.get(column)), []).append(row)
        for key in partitions:
            rows = by_partition.get(key, [])
            total = counts[frame_name].get(key, 0)
            observed = f"{len(rows)} of {total} unexpected"
            if rows:
                examples = [{k: v for k, v in r.items() if k != column} for r in rows[:EXAMPLES]]
                observed += ": " + short_text(examples)
            split[key].append(
                _outcome(
                    frame_name,
                    rule,
                    not rows,
                    observed,
                    {"unexpected_count": len(rows), "element_count": total},
                )
            )
    return {key: _merged(outcomes) for key, outcomes in split.items()}


def _merged(outcomes: list[ExpectationOutcome]) -> list[ExpectationOutcome]:
    """One outcome per (frame, rule name): the expectations standing for one rule (a
    between rule's two bounds) merged; the first failing one says what was seen."""
    merged: dict[tuple[str, str], ExpectationOutcome] = {}
    for o in outcomes:
        key = (o.frame, o.expectation)
        seen = merged.get(key)
        if seen is None:
            merged[key] = o
            continue
        counts = [c for c in (seen.unexpected_count, o.unexpected_count) if c is not None]
        merged[key] = dataclasses.replace(
            seen if not seen.success or o.success else o,
            success=seen.success and o.success,
            unexpected_count=sum(counts) if counts else None,
            element_count=seen.element_count,
        )
    return list(merged.values())


def _outcome(
    frame_name: str, rule: Rule, success: bool, observed: str, result: Mapping[str, Any]
) -> ExpectationOutcome:
    return ExpectationOutcome(
        frame=frame_name,
        expectation=rule.label,
        expectation_type=rule.expectation_type,
        column=", ".join(c for c in rule.columns if c != PARTITION_COLUMN) or None,
        severity=rule.severity,
        success=success,
        observed=observed,
        unexpected_count=result.get("unexpected_count"),
        element_count=result.get("element_count"),
    )
