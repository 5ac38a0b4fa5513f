"""Budget disclosure workbooks (Circular 343/2016/TT-BTC, form 93/CK-NSNN), one per report.

File ``cong_khai_ngan_sach_<YYYY>_<6T|12T>.xlsx``: the balance of revenue and expenditure
of one budget year, ``6T`` with the execution of January-June, ``12T`` with the
(estimated) execution of the whole year. Partition: the year; slot ``<YYYY>-<6T|12T>``,
so the two reports of a year never replace each other (a later file for the same slot
restates it).

Sheets and what they map to:

- ``Toàn thành phố``: the whole city, ``admin_unit_id`` ``01``, scope ``city_total``
  (required: a workbook without it fails whole);
- ``Khối thành phố``: city-level agencies, ``01``, scope ``city_agencies``;
- any other sheet with the form's header: a district named by the sheet title
  (``Hoàn Kiếm``, ``Q. Hoàn Kiếm`` ...), mapped to the unit valid at the report's period
  end (30 June for ``6T``, 31 December for ``12T``), scope ``district``. A title that
  maps to no district, or to several, or to a district another sheet already maps to,
  rejects every row of the sheet (the reject threshold then decides about the file);
- sheets without the form's header (a cover or notes sheet) are skipped with a warning.

Layout of a sheet, found by content rather than at fixed rows: title rows (the form
title ``... NGÂN SÁCH ... NĂM <YYYY>`` must name the file's year), the unit line
``Đơn vị: tỷ đồng`` (or ``triệu đồng``, ``nghìn đồng``, ``đồng``; also ``Đơn vị tính:``,
``ĐVT:``, ``tỉ đồng``), then the
header: the row holding ``STT`` and ``Nội dung`` plus a second row with the sub-columns
of the merged groups: ``STT | Nội dung | Mã số | Dự toán năm [Cấp trên giao, HĐND giao] |
Thực hiện 6 tháng`` (``6T``) or ``Ước thực hiện năm`` (``12T``) ``| So sánh (%)
[Dự toán cấp trên giao, Dự toán HĐND giao]``. A column-numbering row (``A | B | C | 1 |
2 | 3 | 4=3/1 | 5=3/2``; its ``A`` is not the outline code ``A``) is skipped. The table
ends at the first blank row or at a note row (``Ghi chú: ...``); line rows after that
are not read and produce a warning.

Lines: ``STT`` holds the outline code (kept as text): a capital letter (``A``, level 0),
a Roman numeral (``I``, level 1), an Arabic number (``1``, level 2) or a dotted number
(``1.1``, level 3; ``1.1.1``, level 4). Codes restart under each parent, so the line is
identified by ``line_path`` (``A/I/1/1.1``: the codes from the top of its outline
branch). Parent lines carry the sum of their children: aggregate leaf lines
(``is_leaf``) or take the published parent, never both.

Amounts: the unit line's unit converted to bn VND (``decimal(24, 6)``: amounts in đồng
are rounded to 1,000 đồng). A blank cell and ``-`` (not applicable at this level) are
not 0: the amount is null and its ``*_marker`` column says which (``''`` blank, ``'-'``
dash; null when a number is present). Percentages are as printed (a cell formatted as
Excel ``%`` is scaled to percent), rounded to 2 decimals.

Raw table ``raw.budget`` (plus the loader's ``_`` columns), natural key
(``sheet_name``, ``line_path``) within a slot:

=============================  ============  ==========================================
budget_year                    int32         from the file name
report_period                  string        ``6T`` | ``12T``
sheet_name                     string        the worksheet title, as written
admin_unit_id                  string        ``01`` or a district's ``01-xxx``
unit_scope                     string        ``city_total`` | ``city_agencies`` |
                                             ``district``
outline_code                   string        ``A``, ``I``, ``1``, ``1.1`` ...
line_path                      string        ``A/I/1/1.1``
outline_level                  int32         0 letter, 1 Roman, 2 Arabic, 3+ dotted
is_leaf                        bool          no line below it in the outline
item_name                      string        ``Nội dung``
budget_code                    string        ``Mã số`` (mục / loại code) as text
estimate_superior_bn_vnd       decimal       ``Dự toán năm / Cấp trên giao``
estimate_council_bn_vnd        decimal       ``Dự toán năm / HĐND giao``
execution_cumulative_bn_vnd    decimal       ``Thực hiện 6 tháng`` / ``Ước thực hiện năm``
estimate_superior_marker       string        ``'-'``, ``''`` or null (number present)
estimate_council_marker        string        idem
execution_marker               string        idem
pct_of_superior_estimate       decimal(9,2)  ``So sánh (%) / Dự toán cấp trên giao``
pct_of_council_estimate        decimal(9,2)  ``So sánh (%) / Dự toán HĐND giao``
source_unit                    string        the unit line's unit (``tỷ đồng`` ...)
=============================  ============  ==========================================

Row-level rejects (``row_number`` is the worksheet row; ``column_name`` the header text;
the reason names the sheet and cell): text, a date or TRUE/FALSE where a number belongs
(``abc``, ``1.234,5`` stored as text; ``-`` and blank are fine), an outline code that
fits no level (or is blank), a dotted code under the wrong parent, a blank ``Nội dung``,
an outline path that repeats within a sheet, a sheet that maps to no single district.

Whole-file failures (:class:`SourceFileError`, message naming the file, sheet, row and
column): not a readable .xlsx, no ``Toàn thành phố`` sheet (or no recognisable sheet at
all), a header missing a required column, no unit line or an unknown unit, a title year
or execution column that contradicts the file name.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
from openpyxl.utils import get_column_letter

from sources.csvfile import AMOUNT_UNITS
from sources.spec import (
    REJECT_SCHEMA,
    FileSlot,
    ReadContext,
    ReadResult,
    SourceFileError,
    SourceSpec,
    year_slot,
)
from sources.units import default_resolver
from sources.xlsxfile import (
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

AMOUNT = pa.decimal128(24, 6)
PCT = pa.decimal128(9, 2)
SCHEMA = pa.schema(
    [
        ("budget_year", pa.int32()),
        ("report_period", pa.string()),
        ("sheet_name", pa.string()),
        ("admin_unit_id", pa.string()),
        ("unit_scope", pa.string()),
        ("outline_code", pa.string()),
        ("line_path", pa.string()),
        ("outline_level", pa.int32()),
        ("is_leaf", pa.bool_()),
        ("item_name", pa.string()),
        ("budget_code", pa.string()),
        ("estimate_superior_bn_vnd", AMOUNT),
        ("estimate_council_bn_vnd", AMOUNT),
        ("execution_cumulative_bn_vnd", AMOUNT),
        ("estimate_superior_marker", pa.string()),
        ("estimate_council_marker", pa.string()),
        ("execution_marker", pa.string()),
        ("pct_of_superior_estimate", PCT),
        ("pct_of_council_estimate", PCT),
        ("source_unit", pa.string()),
    ]
)
ROWS_SCHEMA = pa.schema(
    [*SCHEMA, ("_source_row_number", pa.int64()), ("_source_sheet", pa.string())]
)

CITY_SHEET = "Toàn thành phố"
CITY_AGENCIES_SHEET = "Khối thành phố"
PERIOD_END = {"6T": (6, 30), "12T": (12, 31)}
AMOUNT_COLUMNS = ("estimate_superior", "estimate_council", "execution")
PCT_COLUMNS = ("pct_superior", "pct_council")
_MAX_AMOUNT = Decimal(10) ** 18
_MAX_PCT = Decimal(10) ** 7
_MICRO = Decimal("0.000001")
_CENT = Decimal("0.01")

_TITLE_YEAR = re.compile(r"\bnăm (\d{4})\b")
_LETTER = re.compile(r"[A-Z]")
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_ARABIC = re.compile(r"\d{1,3}")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{1,3})+")
_COLUMN_NUMBER = re.compile(r"[A-Z]|\d+(?:\s*=.*)?")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _cell_ref(row: int, col: int) -> str:
    return f"{get_column_letter(col + 1)}{row}"


def period_end(year: int, period: str) -> dt.date:
    """Last day of the period a report covers (``6T``: 30 June, ``12T``: 31 December)."""
    month, day = PERIOD_END[period]
    return dt.date(year, month, day)


def parse_unit(text: str) -> tuple[str, float] | None:
    """``'Đơn vị: triệu đồng'`` -> (``'triệu đồng'``, factor to bn VND); None when the
    text is not a unit line; raises ValueError naming an unknown unit."""
    m = UNIT_LINE.match(norm(text))
    if not m:
        return None
    unit = m["unit"].strip("().; ")
    unit = UNIT_ALIASES.get(unit, unit)
    if unit not in AMOUNT_UNITS:
        raise ValueError(f"unknown unit {unit!r} (known: {', '.join(AMOUNT_UNITS)})")
    return unit, AMOUNT_UNITS[unit]


def outline_level(code: str) -> int | None:
    """0 for a letter (``A``), 1 Roman (``IV``), 2 Arabic (``3``), 3+ dotted (``1.2``)."""
    if _ROMAN.fullmatch(code):
        return 1
    if _LETTER.fullmatch(code):
        return 0
    if _ARABIC.fullmatch(code):
        return 2
    if _DOTTED.fullmatch(code):
        return 2 + code.count(".")
    return None


def _code_text(value: Any) -> str | None:
    """The outline code as written: text stripped of a trailing dot; numbers as shown."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text[:-1].strip() if text.endswith(".") and len(text) > 1 else text


def _number(value: Any) -> tuple[Decimal | None, str | None, str | None]:
    """(number, marker, problem) of a numeric cell: blank -> marker '', dash -> '-'."""
    if value is None:
        return None, "", None
    if isinstance(value, bool):
        return None, None, "TRUE/FALSE where a number belongs"
    if isinstance(value, int):
        return Decimal(value), None, None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, None, "not a finite number"
        return Decimal(repr(value)), None, None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, "", None
        if text in DASHES:
            return None, "-", None
        return None, None, "text where a number belongs (only '-' or a blank cell may replace it)"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return None, None, "a date where a number belongs"
    return None, None, f"a {type(value).__name__} where a number belongs"


@dataclass
class _Columns:
    """0-based column index of each role and the header text naming it."""

    index: dict[str, int]
    label: dict[str, str]
    body_start: int  # 0-based index of the first row below the header


@dataclass
class _Line:
    row: int
    cells: list[Any]  # ReadOnlyCell / EmptyCell
    code: str | None = None
    level: int | None = None
    path: str | None = None
    has_children: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # column, value, reason


@dataclass
class _Sheet:
    title: str
    unit: str
    factor: Decimal
    columns: _Columns
    lines: list[_Line]
    admin_unit_id: str | None = None
    scope: str | None = None


def _sheet_rows(ws: Any) -> list[list[Any]]:
    """Every row of the sheet as a list of cells; index 0 is worksheet row 1. The stored
    dimension is ignored (some writers record it wrongly, which would cut rows off)."""
    ws.reset_dimensions()
    return [list(r) for r in ws.iter_rows()]


def _value(cells: list[Any], col: int | None) -> Any:
    if col is None or col >= len(cells):
        return None
    return cells[col].value


def _find_header(rows: list[list[Any]]) -> int | None:
    for i, cells in enumerate(rows):
        texts = {norm(c.value) for c in cells}
        if "stt" in texts and "nội dung" in texts:
            return i
    return None


def _columns(file_name: str, title: str, rows: list[list[Any]], h: int, period: str) -> _Columns:
    """Map the two-row header (merged groups forward-filled) to column roles."""
    top = [_value(rows[h], j) for j in range(len(rows[h]))]
    sub_row = rows[h + 1] if h + 1 < len(rows) else []
    stt_col = next(j for j, v in enumerate(top) if norm(v) == "stt")
    two_rows = is_blank(_value(sub_row, stt_col)) and any(not is_blank(c.value) for c in sub_row)
    sub = [_value(sub_row, j) if two_rows else None for j in range(max(len(top), len(sub_row)))]
    index: dict[str, int] = {}
    label: dict[str, str] = {}
    group = None
    for j in range(len(sub)):
        t = top[j] if j < len(top) else None
        if not is_blank(t):
            group = t
        elif is_blank(sub[j]):
            group = None
        head, below = (t if not is_blank(t) else group), sub[j]
        h_norm, s_norm = norm(head), norm(below)
        text = " / ".join(display(x).strip() for x in (head, below) if not is_blank(x))
        role = None
        if h_norm == "stt":
            role = "stt"
        elif h_norm == "nội dung":
            role = "name"
        elif h_norm in ("mã số", "mã"):
            role = "code"
        elif h_norm.startswith("so sánh"):
            if "hđnd" in s_norm:
                role = "pct_council"
            elif any(k in s_norm for k in ("cấp trên", "trung ương", "pháp lệnh")):
                role = "pct_superior"
        elif h_norm.startswith("dự toán"):
            if "hđnd" in s_norm:
                role = "estimate_council"
            elif any(k in s_norm for k in ("cấp trên", "trung ương", "pháp lệnh")):
                role = "estimate_superior"
        elif "thực hiện" in h_norm and not s_norm:
            role = "execution"
            says_half = "6 tháng" in h_norm
            if says_half != (period == "6T"):
                raise SourceFileError(
                    file_name,
                    f"sheet {title!r}: the execution column {text!r} does not match the "
                    f"report period {period} of the file name",
                    row=h + 1,
                    column=text,
                )
        if role and role not in index:
            index[role] = j
            label[role] = text
    wanted = {
        "stt": "STT",
        "name": "Nội dung",
        "estimate_superior": "Dự toán năm / Cấp trên giao",
        "estimate_council": "Dự toán năm / HĐND giao",
        "execution": "Thực hiện 6 tháng" if period == "6T" else "Ước thực hiện năm",
        "pct_superior": "So sánh (%) / Dự toán cấp trên giao",
        "pct_council": "So sánh (%) / Dự toán HĐND giao",
    }
    for role, expected in wanted.items():
        if role not in index:
            found = [display(v) for v in top if not is_blank(v)]
            raise SourceFileError(
                file_name,
                f"sheet {title!r}: the header has no column {expected!r} (found {found})",
                row=h + 1,
                column=expected,
            )
    label.setdefault("code", "Mã số")
    return _Columns(index, label, h + 2 if two_rows else h + 1)


def _unit(file_name: str, title: str, rows: list[list[Any]], h: int) -> tuple[str, Decimal]:
    found: tuple[str, float] | None = None
    for i in range(h):
        for j, cell in enumerate(rows[i]):
            if not isinstance(cell.value, str):
                continue
            try:
                unit = parse_unit(cell.value)
            except ValueError as exc:
                raise SourceFileError(
                    file_name,
                    f"sheet {title!r}: {exc} in the unit line {cell.value.strip()!r}",
                    row=i + 1,
                    column=get_column_letter(j + 1),
                ) from None
            if unit and found and unit != found:
                raise SourceFileError(
                    file_name,
                    f"sheet {title!r}: two unit lines disagree ({found[0]!r}, {unit[0]!r})",
                    row=i + 1,
                    column=get_column_letter(j + 1),
                )
            found = unit or found
    if found is None:
        raise SourceFileError(
            file_name,
            f"sheet {title!r}: no unit line ('Đơn vị: tỷ đồng' or 'Đơn vị: triệu đồng') "
            "above the header",
            row=h + 1,
        )
    return found[0], Decimal(repr(found[1]))


def _check_title(file_name: str, title: str, rows: list[list[Any]], h: int, year: int) -> None:
    for i in range(h):
        for j, cell in enumerate(rows[i]):
            text = norm(cell.value)
            if "ngân sách" not in text or "ngày" in text:
                continue  # only the form's title, not a decision cited above it
            m = _TITLE_YEAR.search(text)
            if m and int(m.group(1)) != year:
                raise SourceFileError(
                    file_name,
                    f"sheet {title!r}: the title {cell.value.strip()!r} is about {m.group(1)}, "
                    f"the file name about {year}",
                    row=i + 1,
                    column=get_column_letter(j + 1),
                )


def _is_column_numbering(cells: list[Any], cols: _Columns) -> bool:
    texts = [display(c.value).strip() for c in cells if not is_blank(c.value)]
    return (
        display(_value(cells, cols.index["name"])).strip() == "B"
        and bool(texts)
        and all(_COLUMN_NUMBER.fullmatch(t) for t in texts)
    )


def _table_lines(rows: list[list[Any]], start: int, cols: _Columns) -> tuple[list[_Line], int]:
    """Line rows from ``start`` (0-based) to the end of the table; and where it ended."""
    roles = list(cols.index.values())
    others = [j for j in roles if j != cols.index["stt"]]
    lines: list[_Line] = []
    i = start
    while i < len(rows) and all(is_blank(c.value) for c in rows[i]):
        i += 1
    if i < len(rows) and _is_column_numbering(rows[i], cols):
        i += 1
    while i < len(rows):
        cells = rows[i]
        if all(is_blank(_value(cells, j)) for j in roles):
            break
        stt = _code_text(_value(cells, cols.index["stt"]))
        if all(is_blank(_value(cells, j)) for j in others) and (
            stt is None or outline_level(stt) is None
        ):
            break  # a note row ("Ghi chú: ...") closes the table
        lines.append(_Line(i + 1, cells))
        i += 1
    return lines, i


def _stray_lines(rows: list[list[Any]], end: int, cols: _Columns) -> list[int]:
    """Rows after the table's end that look like lines (an outline code and a number)."""
    stray = []
    for i in range(end, len(rows)):
        code = _code_text(_value(rows[i], cols.index["stt"]))
        numbers = [
            _value(rows[i], cols.index[c])
            for c in AMOUNT_COLUMNS
            if isinstance(_value(rows[i], cols.index[c]), int | float)
        ]
        if code and outline_level(code) is not None and numbers:
            stray.append(i + 1)
    return stray


def _parse_line(line: _Line, sheet: str, cols: _Columns, factor: Decimal) -> None:
    def where(col: int) -> str:
        return f"sheet {sheet!r} cell {_cell_ref(line.row, col)}"

    stt_col = cols.index["stt"]
    line.code = _code_text(_value(line.cells, stt_col))
    if line.code is None:
        line.problems.append(("STT", "", f"{where(stt_col)}: a line without an outline code"))
    else:
        line.level = outline_level(line.code)
        if line.level is None:
            line.problems.append(
                (
                    cols.label["stt"],
                    line.code,
                    f"{where(stt_col)}: outline code {line.code!r} fits no level (A, I, 1, 1.1)",
                )
            )
    name = _value(line.cells, cols.index["name"])
    line.values["item_name"] = (
        None if is_blank(name) else " ".join(unicodedata.normalize("NFC", str(name)).split())
    )
    if line.values["item_name"] is None:
        line.problems.append(
            (cols.label["name"], "", f"{where(cols.index['name'])}: the line has no Nội dung")
        )
    code = _code_text(_value(line.cells, cols.index.get("code")))
    line.values["budget_code"] = code
    for role in AMOUNT_COLUMNS + PCT_COLUMNS:
        col = cols.index[role]
        cell = line.cells[col] if col < len(line.cells) else None
        raw = cell.value if cell is not None else None
        number, marker, problem = _number(raw)
        if problem:
            line.problems.append((cols.label[role], display(raw), f"{where(col)}: {problem}"))
            continue
        if role in AMOUNT_COLUMNS:
            line.values[f"{role}_marker"] = marker
            if number is not None:
                number = (number * factor).quantize(_MICRO, rounding=ROUND_HALF_UP)
                if abs(number) >= _MAX_AMOUNT:
                    line.problems.append(
                        (cols.label[role], display(raw), f"{where(col)}: amount out of range")
                    )
                    continue
        elif number is not None:
            fmt = getattr(cell, "number_format", "") or ""
            if "%" in fmt:
                number *= 100
            try:
                number = number.quantize(_CENT, rounding=ROUND_HALF_UP)
            except InvalidOperation:
                number = _MAX_PCT
            if abs(number) >= _MAX_PCT:
                line.problems.append(
                    (cols.label[role], display(raw), f"{where(col)}: percentage out of range")
                )
                continue
        line.values[role] = number


def _build_outline(sheet: _Sheet) -> None:
    """line_path, is_leaf and outline checks; repeated paths reject every line sharing it."""
    stack: list[_Line] = []
    for line in sheet.lines:
        if line.level is None:
            continue
        while stack and (stack[-1].level or 0) >= line.level:
            stack.pop()
        parent = stack[-1] if stack else None
        if (
            parent is not None
            and line.level >= 3
            and parent.level == line.level - 1
            and line.code.rsplit(".", 1)[0] != parent.code
        ):
            line.problems.append(
                (
                    sheet.columns.label["stt"],
                    line.code,
                    f"sheet {sheet.title!r} cell "
                    f"{_cell_ref(line.row, sheet.columns.index['stt'])}: outline code "
                    f"{line.code!r} does not belong under {parent.code!r} (row {parent.row})",
                )
            )
        line.path = f"{parent.path}/{line.code}" if parent is not None else line.code
        if parent is not None:
            parent.has_children = True
        stack.append(line)
    seen: dict[str, list[_Line]] = {}
    for line in sheet.lines:
        if line.path is not None:
            seen.setdefault(line.path, []).append(line)
    for path, same in seen.items():
        if len(same) > 1:
            rows = ", ".join(str(x.row) for x in same)
            for line in same:
                line.problems.append(
                    (
                        sheet.columns.label["stt"],
                        line.code or "",
                        f"sheet {sheet.title!r}: outline path {path} appears {len(same)} "
                        f"times (rows {rows})",
                    )
                )


def _map_sheets(sheets: list[_Sheet], on_date: dt.date) -> None:
    """admin_unit_id and scope of each sheet; unmapped sheets reject all their lines."""
    resolver = default_resolver()
    by_unit: dict[str, list[_Sheet]] = {}
    for sheet in sheets:
        key = title_key(sheet.title)
        if key == title_key(CITY_SHEET):
            sheet.admin_unit_id, sheet.scope = "01", "city_total"
            continue
        if key == title_key(CITY_AGENCIES_SHEET):
            sheet.admin_unit_id, sheet.scope = "01", "city_agencies"
            continue
        reason = None
        for seg in resolver.segments("district", sheet.title, None):
            if seg["valid_from"] <= on_date <= seg["valid_to"]:
                sheet.admin_unit_id, reason = seg["admin_unit_id"], seg["reason"]
        if sheet.admin_unit_id is None:
            _reject_sheet(sheet, f"the sheet title names no single district on {on_date}: {reason}")
            continue
        sheet.scope = "district"
        by_unit.setdefault(sheet.admin_unit_id, []).append(sheet)
    for unit, same in by_unit.items():
        if len(same) > 1:
            titles = ", ".join(repr(s.title) for s in same)
            for sheet in same:
                _reject_sheet(sheet, f"sheets {titles} all map to {unit}: which one is right?")


def _reject_sheet(sheet: _Sheet, reason: str) -> None:
    for line in sheet.lines:
        line.problems.append(("(sheet)", sheet.title, f"sheet {sheet.title!r}: {reason}"))


def _read_sheets(ctx: ReadContext, year: int, period: str) -> tuple[list[_Sheet], list[str]]:
    warnings: list[str] = []
    sheets: list[_Sheet] = []
    wb = open_workbook(ctx)
    try:
        titles = [ws.title for ws in wb.worksheets]
        if not any(title_key(t) == title_key(CITY_SHEET) for t in titles):
            raise SourceFileError(
                ctx.file_name,
                f"wrong or missing sheet: no sheet {CITY_SHEET!r} (the whole city); found {titles}",
            )
        for ws in wb.worksheets:
            rows = _sheet_rows(ws)
            h = _find_header(rows)
            if h is None:
                if title_key(ws.title) == title_key(CITY_SHEET):
                    raise SourceFileError(
                        ctx.file_name,
                        f"sheet {ws.title!r}: no header row with 'STT' and 'Nội dung'",
                    )
                warnings.append(
                    f"{ctx.file_name}: sheet {ws.title!r} has no header row with 'STT' and "
                    "'Nội dung': skipped"
                )
                continue
            cols = _columns(ctx.file_name, ws.title, rows, h, period)
            unit, factor = _unit(ctx.file_name, ws.title, rows, h)
            _check_title(ctx.file_name, ws.title, rows, h, year)
            lines, end = _table_lines(rows, cols.body_start, cols)
            if stray := _stray_lines(rows, end, cols):
                warnings.append(
                    f"{ctx.file_name}: sheet {ws.title!r}: rows {stray} after the end of the "
                    f"table (row {end + 1}) look like lines and were not read"
                )
            sheet = _Sheet(ws.title, unit, factor, cols, lines)
            for line in lines:
                _parse_line(line, ws.title, cols, factor)
            _build_outline(sheet)
            sheets.append(sheet)
    finally:
        wb.close()
    return sheets, warnings


def read(ctx: ReadContext) -> ReadResult:
    year = int(ctx.slot.partition_key)
    period = ctx.slot.detail["report_period"]
    sheets, warnings = _read_sheets(ctx, year, period)
    _map_sheets(sheets, period_end(year, period))
    out: dict[str, list] = {name: [] for name in ROWS_SCHEMA.names}
    rejects: dict[str, list] = {name: [] for name in REJECT_SCHEMA.names}
    rows_read = 0
    for sheet in sheets:
        for line in sheet.lines:
            rows_read += 1
            for column, value, reason in line.problems:
                rejects["sheet"].append(sheet.title)
                rejects["row_number"].append(line.row)
                rejects["column_name"].append(column)
                rejects["value"].append(value)
                rejects["reason"].append(reason)
            if line.problems:
                continue
            v = line.values
            record = {
                "budget_year": year,
                "report_period": period,
                "sheet_name": sheet.title,
                "admin_unit_id": sheet.admin_unit_id,
                "unit_scope": sheet.scope,
                "outline_code": line.code,
                "line_path": line.path,
                "outline_level": line.level,
                "is_leaf": not line.has_children,
                "item_name": v["item_name"],
                "budget_code": v["budget_code"],
                "estimate_superior_bn_vnd": v["estimate_superior"],
                "estimate_council_bn_vnd": v["estimate_council"],
                "execution_cumulative_bn_vnd": v["execution"],
                "estimate_superior_marker": v["estimate_superior_marker"],
                "estimate_council_marker": v["estimate_council_marker"],
                "execution_marker": v["execution_marker"],
                "pct_of_superior_estimate": v["pct_superior"],
                "pct_of_council_estimate": v["pct_council"],
                "source_unit": sheet.unit,
                "_source_row_number": line.row,
                "_source_sheet": sheet.title,
            }
            for name, value in record.items():
                out[name].append(value)
    return arrow_result(ctx.con, "budget", out, ROWS_SCHEMA, rejects, rows_read, warnings)


def _slot(m: re.Match[str]) -> FileSlot:
    year, period = int(m["year"]), m["period"]
    return year_slot(year, f"{year}-{period}", report_period=period)


SPEC = SourceSpec(
    name="budget",
    description=(
        "Budget disclosure (form 93/CK-NSNN): estimates under both bases and cumulative "
        "execution by outline line, for the city, city agencies and each district."
    ),
    group="budget",
    file_pattern=re.compile(r"cong_khai_ngan_sach_(?P<year>\d{4})_(?P<period>6T|12T)\.xlsx"),
    file_example="cong_khai_ngan_sach_2024_12T.xlsx",
    partitioning="year",
    cadence="yearly",
    slot_of=_slot,
    reader=read,
    schema=SCHEMA,
    natural_key=("sheet_name", "line_path"),
    kinds=frozenset({"duckdb", "excel"}),
)
