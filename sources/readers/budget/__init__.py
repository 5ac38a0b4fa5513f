"""Budget disclosure workbooks (Circular 343/2016/TT-BTC, form 93/CK-NSNN), one per report.

File ``cong_khai_ngan_sach_<YYYY>_<3T|6T|9T|12T>.xlsx``: the balance of revenue and
expenditure of one budget year, with the cumulative execution of January-March (``3T``),
January-June (``6T``), January-September (``9T``) or the (estimated) execution of the
whole year (``12T``); Circular 343 requires quarterly, half-year and year disclosure.
Partition: the year; slot ``<YYYY>-<nT>``, so the reports of a year never replace each
other (a later file for the same slot restates it).

Sheets and what they map to (the district level ended on 2025-06-30; the 126 communes
of the two-level government started on 2025-07-01; "the period end" is the last day the
report covers: 31 March, 30 June, 30 September or 31 December):

- ``Toàn thành phố``: the whole city, ``admin_unit_id`` ``01``, scope ``city_total``
  (required: a workbook without it fails whole);
- ``Khối thành phố``: the city level (city agencies), ``01``, scope ``city_agencies``;
- ``Cấp huyện ...`` (a title starting with "Cấp huyện"): the district budgets of the
  reform year as one whole, closed on 2025-06-30, ``01``, scope ``former_districts``,
  execution January-June. Only in a report of 2025 whose period ends after the reform;
  elsewhere its rows are rejected;
- ``Các xã, phường`` or any other sheet whose header groups its amount columns under
  unit names (``Phường Ba Đình`` | ``Xã Sóc Sơn`` ..., each over ``Dự toán cấp trên
  giao | Dự toán HĐND giao | Thực hiện 9 tháng``): one unit per column group (a wide
  sheet, amounts only: no % columns);
- any other sheet with the form's header: the unit named by the sheet title.

Units named by a sheet title or a column group: before the reform (period end until
2025-06-30) a district (``Hoàn Kiếm``, ``Q. Hoàn Kiếm`` ...), scope ``district``; after
it a commune (``Phường Ba Đình``), scope ``commune``; either mapped to the version valid
at the period end. A name that maps to no unit, or to several, or to a unit another part
already maps to, rejects every row of that part. After the reform a name written as a
district (``Quận Hoàn Kiếm``, ``Huyện Sóc Sơn``, or a bare name that is only a district)
is rejected with "no district level after 2025-06-30", even where a new commune bears
the same name (``Phường Hoàn Kiếm``): the district is not the ward. A post-reform
workbook has 3 or 4 sheets of 42 rows (the communes' wide sheet counts its 42 worksheet
rows), so a stray district sheet or column group is 20-25 % of its rows, far above the
1 % reject threshold: the file fails whole, nothing loads, the rejects stay on record
with the reason, and the publisher is asked for the file without it.

Sheets without the form's header (a cover or notes sheet) are skipped with a warning.

Layout of a sheet, found by content rather than at fixed rows: title rows (the form
title ``... NGÂN SÁCH ... NĂM <YYYY>`` must name the file's year), optionally the budget
index the codes follow (``Mã số theo Mục lục ngân sách nhà nước ban hành kèm theo Thông
tư số 130/2025/TT-BTC``), the unit line ``Đơn vị: tỷ đồng`` (or ``triệu đồng``,
``nghìn đồng``, ``đồng``; also ``Đơn vị tính:``, ``ĐVT:``, ``tỉ đồng``), then the
header: the row holding ``STT`` and ``Nội dung`` plus a second row with the sub-columns
of the merged groups: ``STT | Nội dung | Mã số | Dự toán năm [Cấp trên giao, HĐND giao] |
Thực hiện <n> tháng`` (``3T``, ``6T``, ``9T``) or ``Ước thực hiện năm`` (``12T``) ``| So
sánh (%) [Dự toán cấp trên giao, Dự toán HĐND giao]`` (single unit), or ``STT | Nội
dung | Mã số | <unit> [Dự toán cấp trên giao, Dự toán HĐND giao, Thực hiện <n> tháng]
...`` (wide). A column-numbering row (``A | B | C | 1 | 2 | 3 | 4=3/1 | 5=3/2``; its
``A`` is not the outline code ``A``) is skipped. The table ends at the first blank row
or at a note row (``Ghi chú: ...``); line rows after that are not read and produce a
warning.

Budget index (Mục lục NSNN): Circular 324/2016/TT-BTC for budget years up to 2025,
Circular 130/2025/TT-BTC from 2026 (it has no district chapters 600-799). A sheet that
names its index keeps it; one that names none gets its year's (the 2021..2024 reports
name none). An index that does not apply to the file's budget year, or an unknown one,
fails the file whole.

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
(``sheet_name``, ``unit_name``, ``line_path``) within a slot:

=============================  ============  ==========================================
budget_year                    int32         from the file name
report_period                  string        ``3T`` | ``6T`` | ``9T`` | ``12T``
sheet_name                     string        the worksheet title, as written
unit_name                      string        the unit as written: the sheet title, or
                                             the column group's unit on a wide sheet
admin_unit_id                  string        ``01``, a district's ``01-xxx`` or a
                                             commune's ``01-xxxxx``
unit_scope                     string        ``city_total`` | ``city_agencies`` |
                                             ``district`` | ``former_districts`` |
                                             ``commune``
execution_start_date           date32        first day the execution covers: 1 January;
                                             2025-07-01 for the communes of 2025
execution_end_date             date32        last day it covers: the period end;
                                             2025-06-30 for ``former_districts``
budget_index                   string        ``324/2016/TT-BTC`` | ``130/2025/TT-BTC``
outline_code                   string        ``A``, ``I``, ``1``, ``1.1`` ...
line_path                      string        ``A/I/1/1.1``
outline_level                  int32         0 letter, 1 Roman, 2 Arabic, 3+ dotted
is_leaf                        bool          no line below it in the outline
item_name                      string        ``Nội dung``
budget_code                    string        ``Mã số`` (mục / loại code) as text
estimate_superior_bn_vnd       decimal       ``Dự toán năm / Cấp trên giao``
estimate_council_bn_vnd        decimal       ``Dự toán năm / HĐND giao``
execution_cumulative_bn_vnd    decimal       ``Thực hiện <n> tháng`` / ``Ước thực hiện năm``
estimate_superior_marker       string        ``'-'``, ``''`` or null (number present)
estimate_council_marker        string        idem
execution_marker               string        idem
pct_of_superior_estimate       decimal(9,2)  ``So sánh (%) / Dự toán cấp trên giao``
pct_of_council_estimate        decimal(9,2)  ``So sánh (%) / Dự toán HĐND giao``
source_unit                    string        the unit line's unit (``tỷ đồng`` ...)
=============================  ============  ==========================================

Row-level rejects (``row_number`` is the worksheet row; ``column_name`` the header text,
on a wide sheet prefixed with the unit's group; the reason names the sheet and cell):
text, a date or TRUE/FALSE where a number belongs (``abc``, ``1.234,5`` stored as text;
``-`` and blank are fine), an outline code that fits no level (or is blank), a dotted
code under the wrong parent, a blank ``Nội dung``, an outline path that repeats within a
sheet, a sheet or column group that maps to no single unit. A worksheet row is one row
for the reject threshold, also on a wide sheet where it holds one line of every unit: a
bad cell rejects that unit's line and counts its row once.

Whole-file failures (:class:`SourceFileError`, message naming the file, sheet, row and
column): not a readable .xlsx, no ``Toàn thành phố`` sheet (or no recognisable sheet at
all), a header missing a required column (or a unit group missing one), no unit line or
an unknown unit, a title year or execution column that contradicts the file name, a
budget index that does not apply to the year.
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
from sources.loading.admin_units import LEGACY_VALID_TO, REFORM_DATE
from sources.loading.spec import (
    REJECT_SCHEMA,
    FileSlot,
    ReadContext,
    ReadResult,
    SourceFileError,
    SourceSpec,
    year_slot,
)
from sources.loading.units import default_resolver

AMOUNT = pa.decimal128(24, 6)
PCT = pa.decimal128(9, 2)
SCHEMA = pa.schema(
    [
        ("budget_year", pa.int32()),
        ("report_period", pa.string()),
        ("sheet_name", pa.string()),
        ("unit_name", pa.string()),
        ("admin_unit_id", pa.string()),
        ("unit_scope", pa.string()),
        ("execution_start_date", pa.date32()),
        ("execution_end_date", pa.date32()),
        ("budget_index", pa.string()),
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
FORMER_DISTRICTS_PREFIX = "Cấp huyện"
PERIOD_MONTHS = {"3T": 3, "6T": 6, "9T": 9, "12T": 12}
INDEX_324 = "324/2016/TT-BTC"
INDEX_130 = "130/2025/TT-BTC"
INDEX_130_FROM = 2026  # Circular 130/2025/TT-BTC: the budget index from budget year 2026
AMOUNT_COLUMNS = ("estimate_superior", "estimate_council", "execution")
PCT_COLUMNS = ("pct_superior", "pct_council")
NO_DISTRICT_LEVEL = f"no district level after {LEGACY_VALID_TO.isoformat()}"
_DISTRICT_PREFIXES = ("quận", "huyện", "thị xã", "q.", "h.", "tx.")
_COMMUNE_PREFIXES = ("phường", "xã", "thị trấn", "p.", "x.", "tt.")
_MAX_AMOUNT = Decimal(10) ** 18
_MAX_PCT = Decimal(10) ** 7
_MICRO = Decimal("0.000001")
_CENT = Decimal("0.01")

_TITLE_YEAR = re.compile(r"\bnăm (\d{4})\b")
_INDEX = re.compile(r"(\d{1,3}/\d{4}/tt-btc)")
_MONTHS = re.compile(r"(\d{1,2})\s*tháng")
_LETTER = re.compile(r"[A-Z]")
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_ARABIC = re.compile(r"\d{1,3}")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{1,3})+")
_COLUMN_NUMBER = re.compile(r"[A-Z]|\d+(?:\s*=.*)?")


def _cell_ref(row: int, col: int) -> str:
    return f"{get_column_letter(col + 1)}{row}"


def period_end(year: int, period: str) -> dt.date:
    """Last day of the period a report covers (``3T``: 31 March ... ``12T``: 31 December)."""
    month = PERIOD_MONTHS[period]
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def budget_index(year: int) -> str:
    """The budget index (Mục lục NSNN) circular in force for a budget year."""
    return INDEX_130 if year >= INDEX_130_FROM else INDEX_324


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
class _Part:
    """One unit's columns of a sheet: the whole sheet, or a column group of a wide one."""

    label: str  # the sheet title or the group's unit name, as written
    index: dict[str, int]  # amount and % roles -> 0-based column
    header: dict[str, str]  # role -> header text (for rejects)
    admin_unit_id: str | None = None
    scope: str | None = None
    starts: dt.date | None = None
    ends: dt.date | None = None
    reason: str | None = None  # why its rows are rejected (no single unit ...)


@dataclass
class _Columns:
    """0-based column index of the line roles (stt, name, code), the parts and the row
    the body starts at."""

    index: dict[str, int]
    label: dict[str, str]
    parts: list[_Part]
    wide: bool
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
    amounts: list[dict[str, Any]] = field(default_factory=list)  # per part
    part_problems: list[list[tuple[str, str, str]]] = field(default_factory=list)


@dataclass
class _Sheet:
    title: str
    unit: str
    factor: Decimal
    index: str
    columns: _Columns
    lines: list[_Line]


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


def _months(text: str) -> int:
    """Months an execution label covers: ``Thực hiện 9 tháng`` 9, ``Ước thực hiện năm`` 12."""
    m = _MONTHS.search(text)
    return int(m.group(1)) if m else 12


def _estimate_role(text: str) -> str | None:
    if "hđnd" in text:
        return "estimate_council"
    if any(k in text for k in ("cấp trên", "trung ương", "pháp lệnh")):
        return "estimate_superior"
    return None


def _group_role(text: str) -> str | None:
    """Role of a sub-column under a unit's group on a wide sheet."""
    if text.startswith("dự toán"):
        return _estimate_role(text)
    if "thực hiện" in text:
        return "execution"
    return None


def _check_months(
    file_name: str, title: str, text: str, period: str, row: int, column: str
) -> None:
    if _months(norm(text)) != PERIOD_MONTHS[period]:
        raise SourceFileError(
            file_name,
            f"sheet {title!r}: the execution column {text!r} does not match the report "
            f"period {period} of the file name",
            row=row,
            column=column,
        )


def _columns(file_name: str, title: str, rows: list[list[Any]], h: int, period: str) -> _Columns:
    """Map the two-row header (merged groups forward-filled) to column roles."""
    top = [_value(rows[h], j) for j in range(len(rows[h]))]
    sub_row = rows[h + 1] if h + 1 < len(rows) else []
    stt_col = next(j for j, v in enumerate(top) if norm(v) == "stt")
    two_rows = is_blank(_value(sub_row, stt_col)) and any(not is_blank(c.value) for c in sub_row)
    sub = [_value(sub_row, j) if two_rows else None for j in range(max(len(top), len(sub_row)))]
    index: dict[str, int] = {}
    label: dict[str, str] = {}
    groups: dict[str, tuple[dict[str, int], dict[str, str]]] = {}
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
            role = {"estimate_council": "pct_council", "estimate_superior": "pct_superior"}.get(
                _estimate_role(s_norm) or ""
            )
        elif h_norm.startswith("dự toán"):
            role = _estimate_role(s_norm)
        elif "thực hiện" in h_norm and not s_norm:
            role = "execution"
            _check_months(file_name, title, text, period, h + 1, text)
        elif not is_blank(head) and (sub_role := _group_role(s_norm)):
            unit = " ".join(unicodedata.normalize("NFC", display(head)).split())
            roles, texts = groups.setdefault(unit, ({}, {}))
            if sub_role == "execution":
                _check_months(file_name, title, display(below), period, h + 2, text)
            if sub_role not in roles:
                roles[sub_role], texts[sub_role] = j, text
        if role and role not in index:
            index[role] = j
            label[role] = text
    for role, expected in (("stt", "STT"), ("name", "Nội dung")):
        if role not in index:
            raise SourceFileError(
                file_name, f"sheet {title!r}: the header has no column {expected!r}", row=h + 1
            )
    label.setdefault("code", "Mã số")
    single = {r: index[r] for r in (*AMOUNT_COLUMNS, *PCT_COLUMNS) if r in index}
    if groups and single:
        raise SourceFileError(
            file_name,
            f"sheet {title!r}: the header has both the form's columns and unit groups "
            f"({', '.join(groups)}): one sheet is one unit, or one group per unit",
            row=h + 1,
        )
    body_start = h + 2 if two_rows else h + 1
    if groups:
        parts = []
        for unit, (roles, texts) in groups.items():
            for role, expected in zip(
                AMOUNT_COLUMNS,
                ("Dự toán cấp trên giao", "Dự toán HĐND giao", "Thực hiện"),
                strict=True,
            ):
                if role not in roles:
                    raise SourceFileError(
                        file_name,
                        f"sheet {title!r}: the column group {unit!r} has no column {expected!r}",
                        row=h + 2,
                        column=unit,
                    )
            parts.append(_Part(unit, roles, texts))
        return _Columns(index, label, parts, True, body_start)
    wanted = {
        "estimate_superior": "Dự toán năm / Cấp trên giao",
        "estimate_council": "Dự toán năm / HĐND giao",
        "execution": (
            "Ước thực hiện năm" if period == "12T" else f"Thực hiện {PERIOD_MONTHS[period]} tháng"
        ),
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
    part = _Part(title, single, {r: label[r] for r in single})
    return _Columns(index, label, [part], False, body_start)


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


def _budget_index(file_name: str, title: str, rows: list[list[Any]], h: int, year: int) -> str:
    """The Mục lục NSNN circular the sheet names above its header, else the year's."""
    for i in range(h):
        for j, cell in enumerate(rows[i]):
            text = norm(cell.value)
            if "mục lục" not in text:
                continue
            m = _INDEX.search(text)
            if not m:
                continue
            index = m.group(1).upper()
            where = {"row": i + 1, "column": get_column_letter(j + 1)}
            if index not in (INDEX_324, INDEX_130):
                raise SourceFileError(
                    file_name,
                    f"sheet {title!r}: unknown budget index (Mục lục NSNN) {index!r}; known: "
                    f"{INDEX_324} (budget years to {INDEX_130_FROM - 1}), {INDEX_130} (from "
                    f"{INDEX_130_FROM})",
                    **where,
                )
            if index != budget_index(year):
                raise SourceFileError(
                    file_name,
                    f"sheet {title!r}: the budget index {index} does not apply to budget year "
                    f"{year} ({budget_index(year)} does)",
                    **where,
                )
            return index
    return budget_index(year)


def _part_columns(cols: _Columns) -> list[int]:
    return [j for part in cols.parts for j in part.index.values()]


def _is_column_numbering(cells: list[Any], cols: _Columns) -> bool:
    texts = [display(c.value).strip() for c in cells if not is_blank(c.value)]
    return (
        display(_value(cells, cols.index["name"])).strip() == "B"
        and bool(texts)
        and all(_COLUMN_NUMBER.fullmatch(t) for t in texts)
    )


def _table_lines(rows: list[list[Any]], start: int, cols: _Columns) -> tuple[list[_Line], int]:
    """Line rows from ``start`` (0-based) to the end of the table; and where it ended."""
    roles = [*cols.index.values(), *_part_columns(cols)]
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
    amounts = [p.index[c] for p in cols.parts for c in AMOUNT_COLUMNS]
    stray = []
    for i in range(end, len(rows)):
        code = _code_text(_value(rows[i], cols.index["stt"]))
        numbers = [j for j in amounts if isinstance(_value(rows[i], j), int | float)]
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
    line.values["budget_code"] = _code_text(_value(line.cells, cols.index.get("code")))
    for part in cols.parts:
        values: dict[str, Any] = {}
        problems: list[tuple[str, str, str]] = []
        for role in AMOUNT_COLUMNS + PCT_COLUMNS:
            col = part.index.get(role)
            if col is None:  # a wide sheet prints no percentages
                values[role] = None
                continue
            cell = line.cells[col] if col < len(line.cells) else None
            raw = cell.value if cell is not None else None
            number, marker, problem = _number(raw)
            if problem:
                problems.append((part.header[role], display(raw), f"{where(col)}: {problem}"))
                continue
            if role in AMOUNT_COLUMNS:
                values[f"{role}_marker"] = marker
                if number is not None:
                    number = (number * factor).quantize(_MICRO, rounding=ROUND_HALF_UP)
                    if abs(number) >= _MAX_AMOUNT:
                        problems.append(
                            (part.header[role], display(raw), f"{where(col)}: amount out of range")
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
                    problems.append(
                        (part.header[role], display(raw), f"{where(col)}: percentage out of range")
                    )
                    continue
            values[role] = number
        line.amounts.append(values)
        line.part_problems.append(problems)


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


def _written_level(name: str) -> str | None:
    """'district' or 'commune' when the name carries that type prefix, else None."""
    folded = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    for level, prefixes in (("district", _DISTRICT_PREFIXES), ("commune", _COMMUNE_PREFIXES)):
        for prefix in prefixes:
            if folded.startswith(prefix) and (
                prefix.endswith(".") or folded[len(prefix) : len(prefix) + 1] in ("", " ")
            ):
                return level
    return None


def _live(segments: list[dict], on: dt.date) -> tuple[str | None, str | None]:
    """(admin_unit_id, reason) of the segment covering ``on``."""
    for seg in segments:
        if seg["valid_from"] <= on <= seg["valid_to"]:
            return seg["admin_unit_id"], seg["reason"]
    return None, "no unit valid then"


def _resolve(part: _Part, on: dt.date, what: str) -> None:
    """The district (before the reform) or commune (after) a sheet title or a column
    group names, valid on ``on``; or the reason it names none."""
    resolver = default_resolver()
    districts = resolver.segments("district", part.label, None)
    if on < REFORM_DATE:
        unit_id, reason = _live(districts, on)
        if unit_id is None:
            part.reason = f"the {what} names no single district on {on}: {reason}"
        else:
            part.admin_unit_id, part.scope = unit_id, "district"
        return
    commune_id, commune_reason = _live(resolver.segments("commune", part.label, None), on)
    written = _written_level(part.label)
    named_districts = sorted({s["admin_unit_id"] for s in districts if s["admin_unit_id"]})
    if written == "district" or (written is None and named_districts and commune_id is None):
        part.reason = (
            f"{NO_DISTRICT_LEVEL}: the {what} {part.label!r} names a district "
            f"({', '.join(named_districts) or 'unknown'}), and the report's period ends on {on}"
        )
    elif commune_id is None:
        part.reason = f"the {what} names no single commune on {on}: {commune_reason}"
    else:
        part.admin_unit_id, part.scope = commune_id, "commune"


def _map_parts(sheets: list[_Sheet], year: int, period: str) -> None:
    """admin_unit_id, scope and execution dates of every part; unmapped parts reject
    all their lines."""
    end = period_end(year, period)
    year_start = dt.date(year, 1, 1)
    by_unit: dict[tuple[str, str], list[tuple[_Sheet, _Part]]] = {}
    for sheet in sheets:
        key = title_key(sheet.title)
        for part in sheet.columns.parts:
            part.starts, part.ends = year_start, end
            what = "column group" if sheet.columns.wide else "sheet title"
            if not sheet.columns.wide and key == title_key(CITY_SHEET):
                part.admin_unit_id, part.scope = "01", "city_total"
                continue
            if not sheet.columns.wide and key == title_key(CITY_AGENCIES_SHEET):
                part.admin_unit_id, part.scope = "01", "city_agencies"
                continue
            if not sheet.columns.wide and key.startswith(title_key(FORMER_DISTRICTS_PREFIX)):
                if year == REFORM_DATE.year and end >= REFORM_DATE:
                    part.admin_unit_id, part.scope = "01", "former_districts"
                    part.ends = LEGACY_VALID_TO
                elif end < REFORM_DATE:
                    part.reason = (
                        f"a {FORMER_DISTRICTS_PREFIX!r} sheet holds the district budgets closed "
                        f"on {LEGACY_VALID_TO}; until then each district has its own sheet"
                    )
                else:
                    part.reason = f"{NO_DISTRICT_LEVEL}: budget year {year} has no districts"
                continue
            _resolve(part, end, what)
            if part.scope == "commune":
                part.starts = max(year_start, REFORM_DATE)
            if part.admin_unit_id is not None:
                by_unit.setdefault((part.admin_unit_id, part.scope), []).append((sheet, part))
    for (unit, _), same in by_unit.items():
        if len(same) > 1:
            names = ", ".join(f"{p.label!r} (sheet {s.title!r})" for s, p in same)
            for _, part in same:
                part.reason = f"{names} all map to {unit}: which one is right?"
                part.admin_unit_id = None


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
            index = _budget_index(ctx.file_name, ws.title, rows, h, year)
            lines, end = _table_lines(rows, cols.body_start, cols)
            if stray := _stray_lines(rows, end, cols):
                warnings.append(
                    f"{ctx.file_name}: sheet {ws.title!r}: rows {stray} after the end of the "
                    f"table (row {end + 1}) look like lines and were not read"
                )
            sheet = _Sheet(ws.title, unit, factor, index, cols, lines)
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
    _map_parts(sheets, year, period)
    out: dict[str, list] = {name: [] for name in ROWS_SCHEMA.names}
    rejects: dict[str, list] = {name: [] for name in REJECT_SCHEMA.names}
    rows_read = 0
    for sheet in sheets:
        for line in sheet.lines:
            rows_read += 1
            for column, value, reason in line.problems:  # the line itself: every part
                rejects["sheet"].append(sheet.title)
                rejects["row_number"].append(line.row)
                rejects["column_name"].append(column)
                rejects["value"].append(value)
                rejects["reason"].append(reason)
            if line.problems:
                continue
            for k, part in enumerate(sheet.columns.parts):
                if part.reason:
                    column = f"{part.label} (column group)" if sheet.columns.wide else "(sheet)"
                    problems = [(column, part.label, f"sheet {sheet.title!r}: {part.reason}")]
                else:
                    problems = line.part_problems[k]  # a wide sheet's header names the unit
                for column, value, reason in problems:
                    rejects["sheet"].append(sheet.title)
                    rejects["row_number"].append(line.row)
                    rejects["column_name"].append(column)
                    rejects["value"].append(value)
                    rejects["reason"].append(reason)
                if problems:
                    continue
                v, a = line.values, line.amounts[k]
                record = {
                    "budget_year": year,
                    "report_period": period,
                    "sheet_name": sheet.title,
                    "unit_name": part.label,
                    "admin_unit_id": part.admin_unit_id,
                    "unit_scope": part.scope,
                    "execution_start_date": part.starts,
                    "execution_end_date": part.ends,
                    "budget_index": sheet.index,
                    "outline_code": line.code,
                    "line_path": line.path,
                    "outline_level": line.level,
                    "is_leaf": not line.has_children,
                    "item_name": v["item_name"],
                    "budget_code": v["budget_code"],
                    "estimate_superior_bn_vnd": a["estimate_superior"],
                    "estimate_council_bn_vnd": a["estimate_council"],
                    "execution_cumulative_bn_vnd": a["execution"],
                    "estimate_superior_marker": a["estimate_superior_marker"],
                    "estimate_council_marker": a["estimate_council_marker"],
                    "execution_marker": a["execution_marker"],
                    "pct_of_superior_estimate": a["pct_superior"],
                    "pct_of_council_estimate": a["pct_council"],
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
        "execution by outline line, for the city, the city level, each district (to "
        "2025-06-30) and each commune (from 2025-07-01), quarterly from 2025."
    ),
    group="budget",
    file_pattern=re.compile(r"cong_khai_ngan_sach_(?P<year>\d{4})_(?P<period>3T|6T|9T|12T)\.xlsx"),
    file_example="cong_khai_ngan_sach_2024_12T.xlsx",
    partitioning="year",
    cadence="quarterly",
    slot_of=_slot,
    reader=read,
    schema=SCHEMA,
    natural_key=("sheet_name", "unit_name", "line_path"),
    kinds=frozenset({"duckdb", "excel"}),
)
