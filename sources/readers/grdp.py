"""GRDP releases of the Hanoi statistics office (.xlsx), one workbook per release.

File ``grdp_<YYYY-MM>.xlsx``: ``YYYY-MM`` is the publication month, which is the release
id, the Dagster partition and the slot (a corrected file for the same month restates
it; earlier releases stay as their own vintages). Cumulative estimates: the Q1 estimate
is published in March, 6 months in June, 9 months in September, the whole year in
January (or late December). A release holds the year it closes (its *reference year*:
the publication year, or the year before for a release in January or February) and the
year before it, as revised.

Two sheets, both required: ``Giá hiện hành`` (current prices, ``price_basis``
``current``) and ``Giá so sánh 2010`` (constant 2010 prices, ``constant_2010``). Each,
found by content rather than at fixed rows: title rows, ``Kỳ công bố: MM/YYYY`` (when
present it must equal the file's release), the unit line ``Đơn vị: tỷ đồng`` (or
``triệu đồng``, ``nghìn đồng``, ``đồng``), then a two-row header: the row holding
``Chỉ tiêu`` and ``Mã ngành`` with the merged year blocks ``Năm <YYYY>`` (and on the
constant-price sheet the block ``Tốc độ tăng so với cùng kỳ (%)``: the published growth
of the reference year), over the period row ``Quý I | 6 tháng | 9 tháng | Cả năm``
(``Q1``, ``6M``, ``9M``, ``12M``, all cumulative from January). One row per sector code
(``TONG`` total, ``NLTS``, ``CNXD``, ``DV``, ``THUE``) until the first blank or note row.

Raw table ``raw.grdp`` (plus the loader's ``_`` columns): :data:`COLUMNS` declares each
column (type, required, accepted values, description) once; ``value_bn_vnd`` is the
level converted to bn VND, ``published_growth_pct`` is null outside the constant-price
sheet's reference year. Natural key (``price_basis``, ``year``, ``period``,
``sector_code``) within a release.

``_source_row_number`` is the worksheet row (one worksheet row gives one raw row per
year and period). Row-level rejects (the reason names the sheet and cell): a value that
is not a number (text, blank, ``-``), a growth cell with text, a blank or unknown sector
code, a sector code repeated in a sheet, a year other than the reference year and the
year before (``outside the release``), a period of the reference year that ends after
the publication month. A worksheet row with any reject is not loaded. With about ten
rows per release, a single reject exceeds the 1 % threshold: a release loads whole or
not at all, and the failed attempt keeps its rejects in ``raw.grdp__rejects``.

Whole-file failures (:class:`SourceFileError`): not a readable .xlsx, a missing sheet,
no header row, a header without year blocks or with an unknown or repeated period, no
unit line or an unknown unit, a ``Kỳ công bố`` line naming another release.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NoReturn

import pyarrow as pa
from openpyxl.utils import get_column_letter

from sources.formats.csvfile import AMOUNT_UNITS
from sources.formats.xlsxfile import (
    DASHES,
    UNIT_ALIASES,
    UNIT_LINE,
    arrow_result,
    display,
    is_blank,
    norm,
    open_workbook,
    title_key,
)
from sources.loading.columns import Column, schema_of
from sources.loading.spec import (
    REJECT_SCHEMA,
    FileSlot,
    ReadContext,
    ReadResult,
    SourceFileError,
    SourceSpec,
    month_slot,
)

SHEETS = {"current": "Giá hiện hành", "constant_2010": "Giá so sánh 2010"}
SECTOR_CODES = ("TONG", "NLTS", "CNXD", "DV", "THUE")
PERIODS = {
    "quý i": "Q1",
    "quý 1": "Q1",
    "6 tháng": "6M",
    "6 tháng đầu năm": "6M",
    "9 tháng": "9M",
    "9 tháng đầu năm": "9M",
    "cả năm": "12M",
    "năm": "12M",
}
PERIOD_END_MONTH = {"Q1": 3, "6M": 6, "9M": 9, "12M": 12}
# The raw columns of ``raw.grdp``, declared once (sources/loading/columns.py).
COLUMNS = (
    Column("release_id", pa.string(), required=True,
           description="Publication month of the release (YYYY-MM)."),
    Column("price_basis", pa.string(), required=True, accepted=tuple(SHEETS),
           description="current or constant_2010."),
    Column("year", pa.int32(), required=True, description="Year block of the value."),
    Column("period", pa.string(), required=True, accepted=tuple(PERIOD_END_MONTH),
           description="Q1, 6M, 9M or 12M, cumulative from January."),
    Column("sector_code", pa.string(), required=True, accepted=SECTOR_CODES,
           description="TONG, NLTS, CNXD, DV or THUE."),
    Column("sector_name", pa.string(), required=True,
           description="Sector label (Chỉ tiêu) as written in the file."),
    Column("value_bn_vnd", pa.decimal128(24, 6), required=True, description="Level in bn VND."),
    Column("published_growth_pct", pa.decimal128(9, 2),
           description="Y/y growth as printed (constant prices, reference year only)."),
)  # fmt: skip
SCHEMA = schema_of(COLUMNS)
ROWS_SCHEMA = pa.schema(
    [*SCHEMA, ("_source_row_number", pa.int64()), ("_source_sheet", pa.string())]
)

_MICRO = Decimal("0.000001")
_CENT = Decimal("0.01")
_RELEASE_LINE = re.compile(r"^\s*kỳ công bố\s*:\s*(?P<month>\d{1,2})\s*/\s*(?P<year>\d{4})\b")
_YEAR_BLOCK = re.compile(r"năm (\d{4})")


def _number(value: Any) -> tuple[Decimal | None, str | None]:
    """(number, problem); blank and dash give (None, None): the caller decides."""
    if is_blank(value) or (isinstance(value, str) and value.strip() in DASHES):
        return None, None
    if isinstance(value, bool):
        return None, "TRUE/FALSE where a number belongs"
    if isinstance(value, int):
        return Decimal(value), None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, "not a finite number"
        return Decimal(repr(value)), None
    if isinstance(value, str):
        return None, "text where a number belongs"
    return None, f"a {type(value).__name__} where a number belongs"


def reference_year(release_year: int, release_month: int) -> int:
    """The year a release closes: a January/February release closes the year before."""
    return release_year - 1 if release_month <= 2 else release_year


class _Sheet:
    """One price sheet: header layout, unit, and its sector rows."""

    def __init__(self, file_name: str, basis: str, ws: Any, release: tuple[int, int]) -> None:
        self.file_name, self.basis, self.title = file_name, basis, ws.title
        ws.reset_dimensions()  # the stored dimension may be wrong and cut rows off
        self.rows = [list(r) for r in ws.iter_rows(values_only=True)]
        self.ignored: list[str] = []  # header blocks that are not read
        self.header = self._find_header()
        self.factor, self.unit = self._unit()
        self._check_release(release)
        self.columns = self._columns()

    def error(self, message: str, row: int | None = None, column: str | None = None) -> NoReturn:
        raise SourceFileError(
            self.file_name, f"sheet {self.title!r}: {message}", row=row, column=column
        )

    def cell(self, i: int, j: int) -> Any:
        return self.rows[i][j] if i < len(self.rows) and j < len(self.rows[i]) else None

    def _find_header(self) -> int:
        for i, cells in enumerate(self.rows):
            texts = {norm(v) for v in cells}
            if "chỉ tiêu" in texts and "mã ngành" in texts:
                return i
        self.error("no header row with 'Chỉ tiêu' and 'Mã ngành'")

    def _unit(self) -> tuple[Decimal, str]:
        found = None
        for i in range(self.header):
            for j, value in enumerate(self.rows[i]):
                m = UNIT_LINE.match(norm(value))
                if not m:
                    continue
                unit = m["unit"].strip("().; ")
                unit = UNIT_ALIASES.get(unit, unit)
                if unit not in AMOUNT_UNITS:
                    self.error(
                        f"unknown unit {unit!r} in the unit line {value.strip()!r} "
                        f"(known: {', '.join(AMOUNT_UNITS)})",
                        row=i + 1,
                        column=get_column_letter(j + 1),
                    )
                found = unit
        if found is None:
            self.error("no unit line ('Đơn vị: tỷ đồng') above the header", row=self.header + 1)
        return Decimal(repr(AMOUNT_UNITS[found])), found

    def _check_release(self, release: tuple[int, int]) -> None:
        for i in range(self.header):
            for j, value in enumerate(self.rows[i]):
                m = _RELEASE_LINE.match(norm(value))
                if m and (int(m["year"]), int(m["month"])) != release:
                    self.error(
                        f"{value.strip()!r} names another release than the file name "
                        f"({release[0]:04d}-{release[1]:02d})",
                        row=i + 1,
                        column=get_column_letter(j + 1),
                    )

    def _columns(self) -> dict[str, Any]:
        """Column indexes: name, code, values {(year, period): j}, growth {period: j}."""
        h = self.header
        top = self.rows[h]
        width = max(len(top), len(self.rows[h + 1]) if h + 1 < len(self.rows) else 0)
        cols: dict[str, Any] = {"values": {}, "growth": {}, "labels": {}}
        block: tuple[str, Any, str] | None = None  # (kind, year, header text)
        for j in range(width):
            t, s = self.cell(h, j), self.cell(h + 1, j)
            tn = norm(t)
            if tn in ("chỉ tiêu", "mã ngành"):
                cols["name" if tn == "chỉ tiêu" else "code"], block = j, None
                continue
            if not is_blank(t):
                text = " ".join(str(t).split())
                if m := _YEAR_BLOCK.fullmatch(tn):
                    block = ("year", int(m.group(1)), text)
                elif tn.startswith("tốc độ tăng"):
                    block = ("growth", None, text)
                else:
                    block = ("other", None, text)
                    if tn != "stt":
                        self.ignored.append(text)
            elif is_blank(s):
                block = None
            if block is None or block[0] == "other":
                continue
            kind, year, text = block
            label = f"{text} / {display(s).strip()}"
            period = PERIODS.get(norm(s))
            if period is None:
                self.error(
                    f"{display(s)!r} under {text!r} is not a cumulative period "
                    "(Quý I, 6 tháng, 9 tháng, Cả năm)",
                    row=h + 2,
                    column=get_column_letter(j + 1),
                )
            target = cols["growth"] if kind == "growth" else cols["values"]
            key = period if kind == "growth" else (year, period)
            if key in target:
                self.error(f"{label!r} appears twice in the header", row=h + 2, column=label)
            target[key] = j
            cols["labels"][j] = label
        for role, text in (("name", "Chỉ tiêu"), ("code", "Mã ngành")):
            if role not in cols:
                self.error(f"the header has no column {text!r}", row=h + 1, column=text)
        if not cols["values"]:
            self.error("the header has no year block ('Năm <YYYY>')", row=h + 1)
        return cols

    def data_rows(self) -> list[int]:
        """0-based indexes of the sector rows: below the header to the first blank row."""
        first = self.header + 2
        watched = [self.columns["name"], self.columns["code"], *self.columns["values"].values()]
        out = []
        i = first
        while i < len(self.rows) and all(is_blank(v) for v in self.rows[i]):
            i += 1
        while i < len(self.rows):
            if all(is_blank(self.cell(i, j)) for j in watched):
                break
            out.append(i)
            i += 1
        return out


def _read_sheets(ctx: ReadContext, release: tuple[int, int]) -> tuple[list[_Sheet], list[str]]:
    wb = open_workbook(ctx)
    try:
        by_key = {title_key(ws.title): ws for ws in wb.worksheets}
        titles = [ws.title for ws in wb.worksheets]
        sheets = []
        for basis, title in SHEETS.items():
            ws = by_key.get(title_key(title))
            if ws is None:
                raise SourceFileError(
                    ctx.file_name,
                    f"wrong or missing sheet: no sheet {title!r} ({basis.replace('_', ' ')} "
                    f"prices); found {titles}",
                )
            sheets.append(_Sheet(ctx.file_name, basis, ws, release))
    finally:
        wb.close()
    wanted = {title_key(t) for t in SHEETS.values()}
    warnings = [
        f"{ctx.file_name}: sheet {t!r} is not a GRDP price sheet: ignored"
        for t in titles
        if title_key(t) not in wanted
    ]
    for sheet in sheets:
        for text in sheet.ignored:
            warnings.append(
                f"{ctx.file_name}: sheet {sheet.title!r}: column block {text!r} ignored"
            )
        if sheet.basis == "current" and sheet.columns["growth"]:
            warnings.append(
                f"{ctx.file_name}: sheet {sheet.title!r}: growth block at current prices ignored"
            )
            sheet.columns["growth"] = {}
        if sheet.basis == "constant_2010" and not sheet.columns["growth"]:
            warnings.append(
                f"{ctx.file_name}: sheet {sheet.title!r} has no growth block "
                "('Tốc độ tăng so với cùng kỳ (%)'): published_growth_pct is null"
            )
    return sheets, warnings


@dataclass
class _Row:
    """One sector row of a sheet: its outputs, or the problems that keep it out."""

    sheet: _Sheet
    index: int  # 0-based
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    values: list[tuple[int, str, Decimal]] = field(default_factory=list)
    growth: dict[str, Decimal | None] = field(default_factory=dict)

    def problem(self, j: int, label: str, value: Any, reason: str) -> None:
        where = f"sheet {self.sheet.title!r} cell {get_column_letter(j + 1)}{self.index + 1}"
        self.problems.append((label, display(value), f"{where}: {reason}"))


def _read_row(row: _Row, code: str, repeats: list[int], release: tuple[int, int]) -> None:
    sheet, i, cols = row.sheet, row.index, row.sheet.columns
    release_id = f"{release[0]:04d}-{release[1]:02d}"
    ref = reference_year(*release)
    raw_code = sheet.cell(i, cols["code"])
    if code not in SECTOR_CODES:
        known = ", ".join(SECTOR_CODES)
        why = f"unknown sector code {code!r} (known: {known})" if code else "no sector code"
        row.problem(cols["code"], "Mã ngành", raw_code, why)
    elif len(repeats) > 1:
        rows = ", ".join(map(str, repeats))
        row.problem(
            cols["code"], "Mã ngành", raw_code, f"sector code {code} appears in rows {rows}"
        )
    for (year, period), j in cols["values"].items():
        raw, label = sheet.cell(i, j), cols["labels"][j]
        if year not in (ref - 1, ref):
            outside = f"year {year} is outside the release {release_id} ({ref - 1} and {ref})"
            row.problem(j, label, raw, outside)
            continue
        if year == release[0] and PERIOD_END_MONTH[period] > release[1]:
            row.problem(j, label, raw, f"{period} {year} had not ended by {release_id}")
            continue
        number, why = _number(raw)
        if why is None and number is None:
            why = "required value is blank" if is_blank(raw) else "'-' where a level belongs"
        if why:
            row.problem(j, label, raw, why)
            continue
        value = (number * sheet.factor).quantize(_MICRO, rounding=ROUND_HALF_UP)
        row.values.append((year, period, value))
    for period, j in cols["growth"].items():
        raw = sheet.cell(i, j)
        number, why = _number(raw)
        if why:
            row.problem(j, cols["labels"][j], raw, why)
            continue
        row.growth[period] = (
            None if number is None else number.quantize(_CENT, rounding=ROUND_HALF_UP)
        )


def read(ctx: ReadContext) -> ReadResult:
    release_id = ctx.slot.partition_key
    release = (int(release_id[:4]), int(release_id[5:]))
    ref = reference_year(*release)
    sheets, warnings = _read_sheets(ctx, release)
    out: dict[str, list] = {name: [] for name in ROWS_SCHEMA.names}
    rejects: dict[str, list] = {name: [] for name in REJECT_SCHEMA.names}
    rows_read = 0
    for sheet in sheets:
        cols = sheet.columns
        indexes = sheet.data_rows()
        codes = {i: display(sheet.cell(i, cols["code"])).strip().upper() for i in indexes}
        for i in indexes:
            rows_read += 1
            row = _Row(sheet, i)
            repeats = [k + 1 for k, c in codes.items() if c == codes[i]]
            _read_row(row, codes[i], repeats, release)
            for label, value, reason in row.problems:
                rejects["sheet"].append(sheet.title)
                rejects["row_number"].append(i + 1)
                rejects["column_name"].append(label)
                rejects["value"].append(value)
                rejects["reason"].append(reason)
            if row.problems:
                continue
            name = sheet.cell(i, cols["name"])
            for year, period, value in row.values:
                record = {
                    "release_id": release_id,
                    "price_basis": sheet.basis,
                    "year": year,
                    "period": period,
                    "sector_code": codes[i],
                    "sector_name": None if is_blank(name) else " ".join(str(name).split()),
                    "value_bn_vnd": value,
                    "published_growth_pct": row.growth.get(period) if year == ref else None,
                    "_source_row_number": i + 1,
                    "_source_sheet": sheet.title,
                }
                for key, v in record.items():
                    out[key].append(v)
    return arrow_result(ctx.con, "grdp", out, ROWS_SCHEMA, rejects, rows_read, warnings)


def _slot(m: re.Match[str]) -> FileSlot:
    return month_slot(int(m["year"]), int(m["month"]))


SPEC = SourceSpec(
    name="grdp",
    description=(
        "GRDP releases (every vintage): cumulative levels at current and constant 2010 "
        "prices by sector, with the published y/y growth."
    ),
    group="grdp",
    file_pattern=re.compile(r"grdp_(?P<year>\d{4})-(?P<month>\d{2})\.xlsx"),
    file_example="grdp_2024-06.xlsx",
    partitioning="month",
    cadence="quarterly",
    slot_of=_slot,
    reader=read,
    columns=COLUMNS,
    natural_key=("price_basis", "year", "period", "sector_code"),
    kinds=frozenset({"duckdb", "excel"}),
)
