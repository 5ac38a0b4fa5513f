"""DuckDB -> frames for great-expectations: a partition's rows, its schema, table-wide facts.

Rows reach GX as Arrow-backed pandas frames (``pd.ArrowDtype`` columns), the partitions of
a run together in batches of at most a set number of rows (:func:`batches`), so memory is
bounded by one batch. What needs the whole table (uniqueness
across partitions, roll-ups, reconciliation) is computed in DuckDB by the suite's
:class:`~quality.rules.Fact` SQL and handed over as small result frames.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd
import pyarrow as pa

from quality.rules import Suite, SuiteError, arrow_type_name
from sources.sql import quote_ident, quote_table, table_exists

log = logging.getLogger(__name__)


def _to_frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _require_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    schema, _, name = table.rpartition(".")
    if not table_exists(con, schema or "main", name):
        raise SuiteError(f"table {table} does not exist in the build database: nothing to check")


def partition_frame(
    con: duckdb.DuckDBPyConnection,
    table: str,
    partition_column: str | None,
    keys: Sequence[str] | None,
) -> pd.DataFrame:
    """Rows of ``table`` in the partitions ``keys`` (all rows when ``partition_column`` is
    None) as an Arrow-backed pandas frame."""
    _require_table(con, table)
    sql = f"select * from {quote_table(table)}"
    params: list = []
    if partition_column is not None:
        if not keys:
            raise SuiteError(f"no partition keys given for {table}")
        sql += f' where "{partition_column}" in (select unnest(?))'
        params.append(list(keys))
    try:
        arrow = con.sql(sql, params=params).to_arrow_table()
    except duckdb.Error as exc:
        raise SuiteError(f"cannot read {table}: {exc}") from None
    return _to_frame(arrow)


def suspect_frame(
    con: duckdb.DuckDBPyConnection, batch: Suite, keys: Sequence[str]
) -> tuple[pd.DataFrame, bool]:
    """The rows of partitions ``keys`` that could break a row rule of the batch suite
    (:mod:`quality.prescreen`), as an Arrow-backed frame, and True; every row of the
    partitions and False when a rule has no SQL form."""
    from quality.prescreen import Unscreenable, suspect_rows_sql

    _require_table(con, batch.table)
    try:
        sql, values = suspect_rows_sql(batch, keys)
    except Unscreenable as exc:
        log.info("suite %s: every row goes to GX (%s)", batch.name, exc)
        return partition_frame(con, batch.table, batch.partition_column, keys), False
    try:
        arrow = con.execute(sql, values).to_arrow_table()
    except duckdb.Error as exc:
        raise SuiteError(f"cannot read {batch.table}: {exc}") from None
    return _to_frame(arrow), True


def partition_row_counts(
    con: duckdb.DuckDBPyConnection, table: str, partition_column: str, keys: Sequence[str] | None
) -> dict[str, int]:
    """Rows per partition of ``keys`` (every partition when None) that holds rows, in order."""
    _require_table(con, table)
    column = quote_ident(partition_column)
    sql = f"select {column}, count(*) from {quote_table(table)}"
    params: list = []
    if keys is not None:
        sql += f" where {column} in (select unnest(?))"
        params.append(list(keys))
    return dict(con.execute(sql + " group by 1 order by 1", params).fetchall())


def batches(row_counts: Mapping[str, int], max_rows: int) -> list[list[str]]:
    """Consecutive partitions grouped so that each group holds at most ``max_rows`` rows
    (a partition larger than that is a group of its own): the memory bound of one
    validation."""
    groups: list[list[str]] = []
    rows = 0
    for key, count in row_counts.items():
        if not groups or rows + count > max_rows:
            groups.append([])
            rows = 0
        groups[-1].append(key)
        rows += count
    return groups


MISSING = "(missing)"
UNDECLARED = "(not declared)"


def schema_frame(frame: pd.DataFrame, expected: Mapping[str, str]) -> pd.DataFrame:
    """One row per column of ``frame`` or of ``expected``: ``column_name``, its Arrow
    ``data_type`` (``(missing)`` when absent) and ``expected_type`` (``(not declared)``)."""
    actual = {}
    for name, dtype in frame.dtypes.items():
        arrow = dtype.pyarrow_dtype if isinstance(dtype, pd.ArrowDtype) else None
        actual[str(name)] = arrow_type_name(arrow) if arrow is not None else str(dtype)
    names = [*expected, *(n for n in actual if n not in expected)]
    return pd.DataFrame(
        {
            "column_name": names,
            "data_type": [actual.get(n, MISSING) for n in names],
            "expected_type": [expected.get(n, UNDECLARED) for n in names],
        },
        dtype=pd.ArrowDtype(pa.string()),
    )


def whole_table_checks(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    *,
    partition_keys: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Compute the suite's facts in DuckDB: fact name -> small Arrow-backed frame.

    Facts whose SQL uses ``$partition_keys`` are computed for ``partition_keys`` in one
    query (a ``partition_key`` column says which row is whose); a query that fails (a
    missing table, a column that does not exist) raises :class:`SuiteError`.
    """
    _require_table(con, suite.table)
    frames: dict[str, pd.DataFrame] = {}
    for fact in suite.facts:
        params: dict[str, list[str]] = {}
        if fact.per_partition:
            if not partition_keys:
                raise SuiteError(f"fact {fact.name} of suite {suite.name} needs partitions")
            params["partition_keys"] = list(partition_keys)
        try:
            arrow = con.sql(fact.sql, params=params).to_arrow_table()
        except duckdb.Error as exc:
            raise SuiteError(
                f"suite {suite.name}: fact {fact.name!r} cannot be computed: {exc}"
            ) from None
        frames[fact.name] = _to_frame(arrow)
        log.debug("fact %s.%s: %d rows", suite.name, fact.name, arrow.num_rows)
    return frames
