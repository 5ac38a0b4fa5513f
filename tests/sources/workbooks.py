"""Helpers shared by the workbook-reader tests: edited copies and one-row queries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import openpyxl


def edited(
    src: Path, out_dir: Path, change: Callable[[openpyxl.Workbook], None], name: str | None = None
) -> Path:
    """A copy of ``src`` (named ``name``) with ``change`` applied, as a publisher saved it."""
    wb = openpyxl.load_workbook(src)
    change(wb)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (name or src.name)
    wb.save(target)
    return target


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    """The single row ``sql`` returns (asserted to be exactly one)."""
    rows = con.execute(sql, params or []).fetchall()
    assert len(rows) == 1, rows
    return rows[0]
