"""Which rows great-expectations needs to see: DuckDB picks the rows that could break a
row rule, GX judges them.

A row rule (not null, in a set, between, equal or ordered column pairs, a pattern,
unique within the partition) can only fail on rows that break it, and the rows that keep
every rule add nothing to any rule's unexpected rows. So the batch frame handed to GX
need not hold every row of the run's partitions: :func:`suspect_rows_sql` selects, in
one DuckDB scan, the rows for which the SQL form of at least one rule of the suite says
"unexpected", and GX validates those with the suite's own expectations. What GX reports
(which rows, how many, which partition) is what it would report on every row; how many
rows each partition holds comes from DuckDB (:func:`quality.frames.partition_row_counts`).

A rule this module cannot state in SQL makes the suite unscreenable: the caller then hands
GX every row (never fewer rows than a rule needs). The SQL states GX's own semantics:
nulls are skipped by set, range and pattern rules (``not null`` rules catch them), a pair
rule with ``ignore_row_if="either_value_is_missing"`` skips a row with a null, an
equality pair skips rows where both are null, and a duplicated combination marks every
row that has it. tests/quality/test_suites.py checks that GX's outcomes on the screened
rows equal its outcomes on all rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quality.batch import PARAMETER_PREFIX
from quality.rules import PARTITION_COLUMN, ROWS, Rule, Suite
from sources.sql import quote_ident, quote_table

KEY = quote_ident(PARTITION_COLUMN)
# The run-time parameters of a partition key (quality.rules.partition_parameters) in SQL.
_MONTH = f"length({KEY}) = 7"
_START = f"cast({KEY} || case when {_MONTH} then '-01' else '-01-01' end as date)"
_AFTER = f"{_START} + case when {_MONTH} then interval 1 month else interval 1 year end"
PARAMETERS = {
    "partition_key": KEY,
    "year": f"cast(left({KEY}, 4) as integer)",
    "period_start": _START,
    "period_end": f"cast({_AFTER} - interval 1 day as date)",
    "period_start_at": f"cast({_START} as timestamp)",
    "period_end_at": f"cast({_AFTER} as timestamp) - interval 1 microsecond",
}


class Unscreenable(ValueError):
    """A rule with no SQL form here: GX must see every row."""


def _predicate(rule: Rule, values: list[Any], windows: list[str]) -> str:
    """SQL that is true on a row the rule finds unexpected (bound values appended to
    ``values``, window expressions to ``windows``)."""
    kw = rule.kwargs

    def value(v: Any) -> str:
        values.append(list(v) if isinstance(v, list | tuple) else v)
        return "?"

    def col(name: str) -> str:
        return quote_ident(name)

    kind = rule.expectation
    if kind == "ExpectColumnValuesToNotBeNull":
        return f"{col(kw['column'])} is null"
    if kind == "ExpectColumnValuesToBeInSet":
        c = col(kw["column"])
        return f"({c} is not null and {c} not in (select unnest({value(kw['value_set'])})))"
    if (
        kind == "ExpectColumnValuesToBeBetween"
        and not kw.get("strict_min")
        and not kw.get("strict_max")
    ):
        c = col(kw["column"])
        parts = []
        if kw.get("min_value") is not None:
            parts.append(f"{c} < {value(kw['min_value'])}")
        if kw.get("max_value") is not None:
            parts.append(f"{c} > {value(kw['max_value'])}")
        return "(" + " or ".join(parts) + ")" if parts else "false"
    if kind == "ExpectColumnValuesToMatchRegex":
        c = col(kw["column"])
        return f"({c} is not null and not regexp_matches({c}::varchar, {value(kw['regex'])}))"
    if kind == "ExpectColumnPairValuesToBeEqual" and kw.get("ignore_row_if") in (
        None,
        "both_values_are_missing",
    ):
        a, b = col(kw["column_A"]), col(kw["column_B"])
        return f"(not ({a} is null and {b} is null) and {a} is distinct from {b})"
    if kind == "ExpectColumnPairValuesAToBeGreaterThanB" and kw.get("ignore_row_if") == (
        "either_value_is_missing"
    ):
        a, b = col(kw["column_A"]), col(kw["column_B"])
        op = "<" if kw.get("or_equal") else "<="
        return f"({a} is not null and {b} is not null and {a} {op} {b})"
    if kind == "ExpectCompoundColumnsToBeUnique" or kind == "ExpectColumnValuesToBeUnique":
        names = ", ".join(col(n) for n in kw.get("column_list") or [kw["column"]])
        windows.append(f"count(*) over (partition by {names}) as _dup_{len(windows)}")
        return f"_dup_{len(windows) - 1} > 1"
    raise Unscreenable(f"{rule.label}: no SQL form for {kind}")


def suspect_rows_sql(suite: Suite, keys: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL (and its bound values) selecting the rows of partitions ``keys`` of the
    suite's table that break at least one of its row rules, with the table's columns
    only. ``suite`` is a batch suite (:func:`quality.batch.batch_suite`); raises
    :class:`Unscreenable` when a row rule has no SQL form."""
    values: list[Any] = [list(keys)]
    windows: list[str] = []
    predicates: list[str] = []
    for rule in suite.rules_for(ROWS):
        if rule.expectation == "ExpectTableColumnsToMatchSet":
            continue  # about columns, not rows: GX sees every column
        predicates.append(_predicate(rule, values, windows))
    parameters = sorted(
        {
            c.removeprefix(PARAMETER_PREFIX)
            for r in suite.rules
            for c in r.columns
            if c.startswith(PARAMETER_PREFIX)
        }
    )
    unknown = [p for p in parameters if p not in PARAMETERS]
    if unknown:
        raise Unscreenable(f"no SQL form for run-time parameter {unknown[0]!r}")
    params = "".join(
        f", {PARAMETERS[p]} as {quote_ident(PARAMETER_PREFIX + p)}" for p in parameters
    )
    window_sql = "".join(f", {w}" for w in windows)
    hidden = [
        *(PARAMETER_PREFIX + p for p in parameters),
        *(f"_dup_{i}" for i in range(len(windows))),
    ]
    exclude = f" exclude ({', '.join(quote_ident(h) for h in hidden)})" if hidden else ""
    sql = f"""
        with run_rows as (
            select *{params} from {quote_table(suite.table)}
            where {KEY} in (select unnest(?))
        ),
        screened as (select *{window_sql} from run_rows)
        select *{exclude} from screened
        where {" or ".join(predicates) or "false"}
    """
    return sql, values
