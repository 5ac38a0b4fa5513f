"""great-expectations suites as plain data: rules, facts and the suite shape.

great-expectations guards the load boundary (raw partitions, one suite per source); the
marts are guarded by the dbt tests (dbt_project/tests), never restated here.

A :class:`Suite` lists :class:`Rule` objects, each a GX 1.x expectation (its class name in
``great_expectations.expectations`` and its arguments) with a severity: ``error`` blocks
what comes after, ``warn`` only notifies. A rule validates one *frame*:

- ``rows``: the rows of the partition being loaded (or the whole table when the suite
  names no partition column);
- ``schema``: one row per column: ``column_name``, its Arrow ``data_type``
  (``decimal128(24, 6)``) and the ``expected_type`` the suite declares, so that column
  types go through GX like any value;
- a fact: a small frame computed in DuckDB by the suite's :class:`Fact` SQL, for what
  needs the whole table (uniqueness across partitions, row count against the previous
  partition).

Arguments may name run-time parameters the GX way (``{"$PARAMETER": "period_start"}``);
:func:`partition_parameters` gives their values for a partition key. Nothing here
imports great-expectations (it costs ~9 s): :mod:`quality.runner` does, lazily.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

Severity = Literal["error", "warn"]
ROWS = "rows"
SCHEMA = "schema"
PARTITION_COLUMN = "_partition_key"


class SuiteError(RuntimeError):
    """A suite that cannot run (missing table, a column it names does not exist, an
    expectation that raised): never a pass."""


@dataclass(frozen=True)
class Rule:
    """One expectation: ``expectation`` is a GX 1.x class name (``ExpectColumnValuesToBeBetween``),
    ``kwargs`` its arguments, ``frame`` the frame it validates."""

    expectation: str
    kwargs: Mapping[str, Any]
    severity: Severity = "error"
    frame: str = ROWS
    notes: str = ""
    # Set on the rules of a batch (quality/batch.py): the label of the rule it stands
    # for, so that outcomes keep the name the suite gave them.
    label_as: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns of its frame the rule names (it cannot run without them)."""
        names: list[str] = []
        for key in ("column", "column_A", "column_B"):
            if key in self.kwargs:
                names.append(self.kwargs[key])
        names.extend(self.kwargs.get("column_list", ()))
        return tuple(names)

    @property
    def parameters(self) -> tuple[str, ...]:
        """Run-time parameters it needs (``{"$PARAMETER": name}`` arguments)."""
        return tuple(
            v["$PARAMETER"]
            for v in self.kwargs.values()
            if isinstance(v, Mapping) and "$PARAMETER" in v
        )

    @property
    def expectation_type(self) -> str:
        """``ExpectColumnValuesToBeBetween`` -> ``expect_column_values_to_be_between``."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.expectation).lower()

    @property
    def label(self) -> str:
        """What reports and audit rows call it: ``expect_..._between(column)``."""
        if self.label_as:
            return self.label_as
        cols = self.columns
        return f"{self.expectation_type}({', '.join(cols)})" if cols else self.expectation_type


@dataclass(frozen=True)
class Fact:
    """A table-wide fact computed in DuckDB and handed to GX as a small frame.

    ``sql`` may use ``$partition_keys`` (a list: then it is computed for those
    partitions, one or more rows each, and returns their key in a ``partition_key``
    column). Its rules are the suite's rules whose ``frame`` is ``name``;
    ``index_columns`` identify offending rows of the fact frame in results.
    """

    name: str
    sql: str
    index_columns: tuple[str, ...] = ()

    @property
    def per_partition(self) -> bool:
        return "$partition_keys" in self.sql


@dataclass(frozen=True)
class Suite:
    """Expectations on one table: its partition's rows, its schema and table-wide facts."""

    name: str
    table: str  # schema.table in the build database
    description: str
    rules: tuple[Rule, ...]
    partition_column: str | None = None  # None: the table is validated whole
    facts: tuple[Fact, ...] = ()
    index_columns: tuple[str, ...] = ()  # identify offending rows of the rows frame
    column_types: tuple[tuple[str, str], ...] = ()  # (column, Arrow type) for the schema frame

    def rules_for(self, frame: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.frame == frame)

    @property
    def frames(self) -> tuple[str, ...]:
        """Frames the suite validates, in a stable order (rows, schema, then facts)."""
        order = [ROWS, SCHEMA, *(f.name for f in self.facts)]
        used = {r.frame for r in self.rules}
        return tuple(name for name in order if name in used) + tuple(sorted(used - set(order)))


# --- rule helpers --------------------------------------------------------------------


def not_null(*columns: str, severity: Severity = "error", frame: str = ROWS) -> tuple[Rule, ...]:
    return tuple(
        Rule("ExpectColumnValuesToNotBeNull", {"column": c}, severity, frame) for c in columns
    )


def in_set(
    column: str, values: Iterable[Any], *, severity: Severity = "error", frame: str = ROWS
) -> Rule:
    return Rule(
        "ExpectColumnValuesToBeInSet",
        {"column": column, "value_set": list(values)},
        severity,
        frame,
    )


def between(
    column: str,
    min_value: Any = None,
    max_value: Any = None,
    *,
    severity: Severity = "error",
    frame: str = ROWS,
    notes: str = "",
) -> Rule:
    kwargs: dict[str, Any] = {"column": column}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    return Rule("ExpectColumnValuesToBeBetween", kwargs, severity, frame, notes)


def each_between(
    columns: Iterable[str], min_value: Any = None, max_value: Any = None, **kw: Any
) -> tuple[Rule, ...]:
    return tuple(between(c, min_value, max_value, **kw) for c in columns)


def unique(*columns: str, severity: Severity = "error") -> Rule:
    if len(columns) == 1:
        return Rule("ExpectColumnValuesToBeUnique", {"column": columns[0]}, severity)
    return Rule("ExpectCompoundColumnsToBeUnique", {"column_list": list(columns)}, severity)


def equal_columns(a: str, b: str, *, severity: Severity = "error") -> Rule:
    return Rule("ExpectColumnPairValuesToBeEqual", {"column_A": a, "column_B": b}, severity)


def at_least(a: str, b: str, *, severity: Severity = "error") -> Rule:
    """Column ``a`` >= column ``b`` where both are present."""
    return Rule(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": a,
            "column_B": b,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        severity,
    )


def matches(column: str, regex: str, *, severity: Severity = "error") -> Rule:
    return Rule("ExpectColumnValuesToMatchRegex", {"column": column, "regex": regex}, severity)


def columns_are(columns: Iterable[str], *, severity: Severity = "error") -> Rule:
    return Rule(
        "ExpectTableColumnsToMatchSet",
        {"column_set": list(columns), "exact_match": True},
        severity,
        notes="the contract's columns, no more, no fewer",
    )


def param(name: str) -> dict[str, str]:
    """A run-time parameter (see :func:`partition_parameters`)."""
    return {"$PARAMETER": name}


def arrow_type_name(data_type: pa.DataType) -> str:
    """The type as the schema frame spells it (time zones ``Etc/UTC`` -> ``UTC``; string
    layouts are one type)."""
    name = str(data_type).replace("tz=Etc/UTC", "tz=UTC")
    return {"large_string": "string", "string_view": "string"}.get(name, name)


def partition_parameters(partition_key: str | None) -> dict[str, Any]:
    """Values of the run-time parameters for a partition key (``2024-06`` or ``2024``):
    ``partition_key``, ``year``, ``period_start`` / ``period_end`` (dates) and
    ``period_start_at`` / ``period_end_at`` (timestamps, the end at the last microsecond)."""
    if partition_key is None:
        return {}
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", partition_key)
    if not m:
        raise SuiteError(f"partition key {partition_key!r} is neither YYYY nor YYYY-MM")
    year = int(m[1])
    if m[2]:
        start = dt.date(year, int(m[2]), 1)
        after = (start + dt.timedelta(days=32)).replace(day=1)
    else:
        start, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    end = after - dt.timedelta(days=1)
    return {
        "partition_key": partition_key,
        "year": year,
        "period_start": start,
        "period_end": end,
        "period_start_at": dt.datetime.combine(start, dt.time()),
        "period_end_at": dt.datetime.combine(after, dt.time()) - dt.timedelta(microseconds=1),
    }
