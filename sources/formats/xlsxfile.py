"""Helpers shared by the workbook (.xlsx) readers: opening, cell text, unit lines.

Readers find headers by content, not position; these helpers normalise what they
compare and turn a reader's Arrow output into relations the loader can use.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from typing import Any

import duckdb
import openpyxl
import pyarrow as pa
from openpyxl.utils.exceptions import InvalidFileException

from sources.formats.text import to_ascii
from sources.loading.spec import REJECT_SCHEMA, ReadContext, ReadResult, SourceFileError

DASHES = frozenset({"-", "–", "—"})  # "not applicable": never 0
UNIT_ALIASES = {"tỉ đồng": "tỷ đồng", "ngàn đồng": "nghìn đồng", "vnđ": "đồng", "vnd": "đồng"}
UNIT_LINE = re.compile(r"^\s*(?:đơn vị(?: tính)?|đvt)\s*:\s*(?P<unit>.*?)\s*$")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def open_workbook(ctx: ReadContext) -> Any:
    """The landed workbook, read-only with cached values; a file that is not a readable
    .xlsx fails whole."""
    try:
        return openpyxl.load_workbook(ctx.path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceFileError(
            ctx.file_name, f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from None


def norm(value: Any) -> str:
    """Header/label text for matching: NFC, single spaces, case-folded ('' if not text)."""
    if not isinstance(value, str):
        return ""
    return " ".join(unicodedata.normalize("NFC", value).split()).casefold()


def title_key(title: str) -> str:
    """A sheet title or label reduced to ASCII letters and digits, for matching."""
    return _NON_ALNUM.sub("", to_ascii(unicodedata.normalize("NFC", title)).casefold())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value: Any) -> str:
    """A cell value as text for a reject or message."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def temp_relation(
    con: duckdb.DuckDBPyConnection, name: str, table: pa.Table
) -> duckdb.DuckDBPyRelation:
    """``table`` copied into temp table ``name`` (a relation over a Python object cannot
    back the loader's views in DuckDB 2.0), as a relation."""
    con.register("_arrow_in", table)
    try:
        con.execute(f"create or replace temp table {name} as select * from _arrow_in")
    finally:
        con.unregister("_arrow_in")
    return con.table(name)


def arrow_result(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: dict[str, list],
    rows_schema: pa.Schema,
    rejects: dict[str, list],
    rows_read: int,
    warnings: list[str],
) -> ReadResult:
    """A workbook reader's columns of rows and rejects as the loader's ReadResult."""
    return ReadResult(
        temp_relation(con, f"_{name}_rows", pa.Table.from_pydict(rows, schema=rows_schema)),
        temp_relation(con, f"_{name}_rejects", pa.Table.from_pydict(rejects, schema=REJECT_SCHEMA)),
        rows_read,
        warnings,
    )
