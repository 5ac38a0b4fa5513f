"""DuckDB -> frames for great-expectations: a partition's rows, its schema, table-wide facts.

Rows reach GX as Arrow-backed pandas frames (``pd.ArrowDtype`` columns), one partition at a
time, so memory is bounded by one partition. What needs the whole table (uniqueness
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
from sources.sql import quote_table, table_exists

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


def loaded_partitions(
    con: duckdb.DuckDBPyConnection, table: str, partition_column: str, keys: Sequence[str] | None
) -> list[str]:
    """Partitions of ``keys`` (every partition when None) that hold rows, in order."""
    _require_table(con, table)
    sql = f'select distinct "{partition_column}" from {quote_table(table)}'
    params: list = []
    if keys is not None:
        sql += f' where "{partition_column}" in (select unnest(?))'
        params.append(list(keys))
    return [r[0] for r in con.execute(sql + " order by 1", params).fetchall()]


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
    con: duckdb.DuckDBPyConnection, suite: Suite, *, partition_key: str | None = None
) -> dict[str, pd.DataFrame]:
    """Compute the suite's facts in DuckDB: fact name -> small Arrow-backed frame.

    Facts whose SQL uses ``$partition_key`` are computed for ``partition_key``; a query
    that fails (a missing table, a column that does not exist) raises :class:`SuiteError`.
    """
    _require_table(con, suite.table)
    frames: dict[str, pd.DataFrame] = {}
    for fact in suite.facts:
        params: dict[str, str] = {}
        if fact.per_partition:
            if partition_key is None:
                raise SuiteError(f"fact {fact.name} of suite {suite.name} needs a partition")
            params["partition_key"] = partition_key
        try:
            arrow = con.sql(fact.sql, params=params).to_arrow_table()
        except duckdb.Error as exc:
            raise SuiteError(
                f"suite {suite.name}: fact {fact.name!r} cannot be computed: {exc}"
            ) from None
        frames[fact.name] = _to_frame(arrow)
        log.debug("fact %s.%s: %d rows", suite.name, fact.name, arrow.num_rows)
    return frames
