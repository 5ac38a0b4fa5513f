"""What the case systems publish: the monthly export files, when each is extracted, their
columns and their CSV dialect (see :mod:`sources.sample.procedures`).
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sources.sample import FIRST_MONTH, LAST_MONTH

FOLDER = "procedures"
FILE_PREFIX = "ho_so_"
MONTHS = tuple(
    f"{y}-{m:02d}"
    for y in range(FIRST_MONTH[0], LAST_MONTH[0] + 1)
    for m in range(1, 13)
    if FIRST_MONTH <= (y, m) <= LAST_MONTH
)
TIMESTAMP_FORMAT = "%d/%m/%Y %H:%M:%S"
FILE_STAMP_FORMAT = "%Y%m%dT%H%M"  # the extraction time in a re-extraction's file name
EXTRACTION_DAY = 5  # the regular export runs on the 5th of the next month ...
EXTRACTION_HOUR = 8  # ... at 08:00
RE_EXTRACTED_MONTHS = MONTHS[-3:-1]  # re-extracted whole after the last regular export
RE_EXTRACTION_DAY = 7  # ... on the 7th of the month after LAST_MONTH, 08:00

# Columns in file order with their kind: text, int or timestamp (see the module docstring).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("ma_ho_so", "text"),
    ("ma_tthc", "text"),
    ("ten_tthc", "text"),
    ("linh_vuc", "text"),
    ("cap_thuc_hien", "text"),
    ("don_vi_tiep_nhan", "text"),
    ("quan_huyen", "text"),
    ("kenh_thuc_hien", "int"),
    ("ngay_tiep_nhan", "timestamp"),
    ("ngay_hen_tra", "timestamp"),
    ("ngay_hoan_thanh", "timestamp"),
    ("ngay_tra_ket_qua", "timestamp"),
    ("ngay_ket_thuc", "timestamp"),
    ("trang_thai", "text"),
    ("so_lan_bo_sung", "int"),
    ("thoi_gian_bo_sung_ngay", "int"),
    ("co_phi", "int"),
    ("thanh_toan_truc_tuyen", "int"),
    ("so_hoa", "int"),
    ("ket_qua_dien_tu", "int"),
    ("danh_gia", "int"),
    ("thoi_diem_trich_xuat", "timestamp"),
)


def _month_start(month: str) -> np.datetime64:
    return np.datetime64(f"{month}-01", "D")


def _next_month(month: str) -> np.datetime64:
    return (_month_start(month).astype("datetime64[M]") + 1).astype("datetime64[D]")


def extraction_time(month: str) -> np.datetime64:
    """When the regular export of ``month`` runs: 08:00 on the 5th of the next month."""
    day = _next_month(month) + np.timedelta64(EXTRACTION_DAY - 1, "D")
    return day.astype("datetime64[s]") + np.timedelta64(EXTRACTION_HOUR, "h")


def re_extraction_time() -> np.datetime64:
    """When :data:`RE_EXTRACTED_MONTHS` are extracted again: the 7th after LAST_MONTH."""
    day = _next_month(MONTHS[-1]) + np.timedelta64(RE_EXTRACTION_DAY - 1, "D")
    return day.astype("datetime64[s]") + np.timedelta64(EXTRACTION_HOUR, "h")


def file_name(month: str, re_extracted_at: np.datetime64 | None = None) -> str:
    """``ho_so_<month>.csv``, or ``ho_so_<month>_<YYYYMMDDTHHMM>.csv`` for a re-extraction."""
    if re_extracted_at is None:
        return f"{FILE_PREFIX}{month}.csv"
    stamp = re_extracted_at.astype("datetime64[s]").item().strftime(FILE_STAMP_FORMAT)
    return f"{FILE_PREFIX}{month}_{stamp}.csv"


def _timestamps(values: np.ndarray, present: np.ndarray) -> pa.Array:
    """``dd/MM/yyyy HH:mm:ss`` (TIMESTAMP_FORMAT) text, null where not ``present``; built
    from the ISO text by a regex, several times faster than strftime."""
    arr = pa.array(values.astype("datetime64[s]"), pa.timestamp("s"), mask=~present)
    iso = pc.cast(arr, pa.string())  # 2024-01-31 08:00:00
    return pc.replace_substring_regex(iso, r"^(\d{4})-(\d{2})-(\d{2}) ", r"\3/\2/\1 ")


def _write_csv(tables: list[pa.Table], path: Path) -> int:
    """Write the rows ordered by receipt then id, as UTF-8 with BOM, CRLF, quoted text;
    atomically (rename at the end). Returns the row count."""
    table = pa.concat_tables(tables)
    table = table.sort_by([("_received", "ascending"), ("ma_ho_so", "ascending")])
    table = table.drop_columns(["_received"])
    tmp = path.with_name(f".{path.name}.tmp")
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed", eol="\r\n")
    with tmp.open("wb") as f:
        f.write(codecs.BOM_UTF8)
        pacsv.write_csv(table, f, write_options=options)
    os.replace(tmp, path)
    return table.num_rows
