"""A source's raw columns, declared once. Dagster-free, great-expectations-free.

Each reader module declares its raw columns as a tuple of :class:`Column`; everything
else is derived from (or tested against) that declaration:

- the raw table's pyarrow schema (:func:`schema_of`, ``SourceSpec.schema``);
- the great-expectations raw suite's column types, ``not_null`` (``required``),
  ``in_set`` (``accepted``) and ``between`` (``minimum``/``maximum``) rules
  (:mod:`quality.raw_suites`);
- the dbt ``sources`` YAML (column names in order, descriptions) and the staging models'
  ``accepted_values`` (tests/sources/test_column_declarations.py proves they agree);
- the sample generator's vocabularies (statuses, channels).

What is not a fact about one column (order between columns, uniqueness, ranges that
depend on the partition, soft ``warn`` bounds, patterns) stays with the source's suite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    """One raw column: its name and Arrow type, whether a loaded row must have it
    (``required``), the only values it may take (``accepted``), its hard bounds
    (``minimum``/``maximum``, inclusive; a loaded value outside fails the raw checks),
    what it means (``description``, also the dbt docs), why its bounds hold
    (``bounds_note``, shown with the check's result) and, for sources whose file columns
    map one to one, the file column it is read from (``file_column``)."""

    name: str
    type: pa.DataType
    description: str
    required: bool = False
    accepted: tuple[Any, ...] | None = None
    minimum: Any = None
    maximum: Any = None
    bounds_note: str = ""
    file_column: str | None = None


def schema_of(columns: Iterable[Column]) -> pa.Schema:
    """The raw table's Arrow schema (without loader metadata), in declaration order."""
    return pa.schema([(c.name, c.type) for c in columns])


def column(columns: Iterable[Column], name: str) -> Column:
    """The declared column ``name`` (KeyError when there is none)."""
    for c in columns:
        if c.name == name:
            return c
    raise KeyError(name)


def file_columns(columns: Iterable[Column]) -> dict[str, str]:
    """File column -> raw column, in declaration order, for columns read from a file
    column of their own."""
    return {c.file_column: c.name for c in columns if c.file_column is not None}
