"""What a source is: its files, partitions, reader and raw columns. Dagster-free.

A reader turns one landed file into rows of the source's raw schema plus row-level
rejects, inside a DuckDB connection (so large files never become Python objects).
Whole-file problems raise :class:`SourceFileError`; row problems become rejects.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from sources.loading.columns import Column, schema_of

REJECT_COLUMNS = ("sheet", "row_number", "column_name", "value", "reason")
REJECT_SCHEMA = pa.schema(
    [
        ("sheet", pa.string()),  # worksheet of a workbook; null for text files
        ("row_number", pa.int64()),
        ("column_name", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
    ]
)


class SourceFileError(Exception):
    """A file that cannot be loaded whole; the message names the file, row and field."""

    def __init__(
        self,
        file_name: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file_name = file_name
        self.row = row
        self.column = column
        self.reason = message
        where = [f"file {file_name}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class FileSlot:
    """Where a file belongs: its Dagster partition and the slot it fills in it.

    A later file for the same slot restates it (replaces its rows, keeps the old ones as
    history). Slots are finer than partitions where one partition holds several files
    (a year of budget data has a 6-month and a 12-month report).
    """

    partition_key: str
    slot: str
    period_start: dt.date
    period_end: dt.date
    detail: dict[str, str] = field(default_factory=dict)


@dataclass
class ReadContext:
    """Everything a reader gets for one file."""

    con: duckdb.DuckDBPyConnection
    path: Path  # the archived copy to read
    file_name: str  # the name it landed under
    slot: FileSlot
    load_id: str
    encoding: str | None  # declared legacy encoding, if any
    work_dir: Path  # scratch space for this load (removed afterwards)


@dataclass
class ReadResult:
    """Rows (columns and types of the spec's schema, plus ``_source_row_number`` and,
    for workbooks, ``_source_sheet``) and rejects (``REJECT_COLUMNS``), both relations on
    the reader's connection over tables or SQL (not over Python objects). A source row is
    identified by (sheet, row number); one source row may give several raw rows."""

    rows: duckdb.DuckDBPyRelation
    rejects: duckdb.DuckDBPyRelation
    rows_read: int
    warnings: list[str] = field(default_factory=list)


Reader = Callable[[ReadContext], ReadResult]


@dataclass(frozen=True)
class SourceSpec:
    """One source: how its files are named and partitioned, read and stored."""

    name: str
    description: str
    group: str  # Dagster group (domain)
    file_pattern: re.Pattern[str]  # a landed file's name must match it whole
    file_example: str
    partitioning: str  # "year" or "month"
    slot_of: Callable[[re.Match[str]], FileSlot]
    reader: Reader
    columns: tuple[Column, ...]  # raw columns, without loader metadata (declared once)
    natural_key: tuple[str, ...]  # unique within a slot
    cadence: str = "monthly"  # release cadence: monthly, quarterly or yearly (freshness)
    reject_threshold: float = 0.01  # a larger reject share fails the file whole
    encoding: str | None = None  # legacy encoding to decode, when the publisher uses one
    kinds: frozenset[str] = frozenset({"duckdb"})

    @property
    def schema(self) -> pa.Schema:
        """The raw columns' Arrow schema, derived from :attr:`columns`."""
        return schema_of(self.columns)

    def match(self, file_name: str) -> FileSlot | None:
        """The slot a file of this name fills, or None when the name is not this
        source's (including impossible dates such as month 13)."""
        m = self.file_pattern.fullmatch(file_name)
        if not m:
            return None
        try:
            return self.slot_of(m)
        except ValueError:
            return None


def month_slot(year: int, month: int) -> FileSlot:
    start = dt.date(year, month, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    key = f"{year:04d}-{month:02d}"
    return FileSlot(partition_key=key, slot=key, period_start=start, period_end=end)


def year_slot(year: int, slot: str, **detail: str) -> FileSlot:
    return FileSlot(
        partition_key=f"{year:04d}",
        slot=slot,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        detail=dict(detail),
    )
