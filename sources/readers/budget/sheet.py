"""How a budget workbook's sheets are read: header, unit line, title, budget index, lines,
outline and amounts. Whole-file problems raise :class:`SourceFileError`; line problems
are kept on the line (the reader turns them into rejects).

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
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter

from sources.formats.xlsxfile import display, is_blank, norm, open_workbook, title_key
from sources.loading.spec import ReadContext, SourceFileError
from sources.readers.budget.form import (
    AMOUNT_COLUMNS,
    CITY_SHEET,
    INDEX_130,
    INDEX_130_FROM,
    INDEX_324,
    PCT_COLUMNS,
    PERIOD_MONTHS,
    budget_index,
    cell_number,
    cell_ref,
    code_text,
    outline_level,
    parse_unit,
)

_MAX_AMOUNT = Decimal(10) ** 18
_MAX_PCT = Decimal(10) ** 7
_MICRO = Decimal("0.000001")
_CENT = Decimal("0.01")

_TITLE_YEAR = re.compile(r"\bnăm (\d{4})\b")
_INDEX = re.compile(r"(\d{1,3}/\d{4}/tt-btc)")
_MONTHS = re.compile(r"(\d{1,2})\s*tháng")
_COLUMN_NUMBER = re.compile(r"[A-Z]|\d+(?:\s*=.*)?")


@dataclass
class Part:
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
class Columns:
    """0-based column index of the line roles (stt, name, code), the parts and the row
    the body starts at."""

    index: dict[str, int]
    label: dict[str, str]
    parts: list[Part]
    wide: bool
    body_start: int  # 0-based index of the first row below the header


@dataclass
class Line:
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
class Sheet:
    title: str
    unit: str
    factor: Decimal
    index: str
    columns: Columns
    lines: list[Line]


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


def _columns(file_name: str, title: str, rows: list[list[Any]], h: int, period: str) -> Columns:
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
            parts.append(Part(unit, roles, texts))
        return Columns(index, label, parts, True, body_start)
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
    part = Part(title, single, {r: label[r] for r in single})
    return Columns(index, label, [part], False, body_start)


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


def _part_columns(cols: Columns) -> list[int]:
    return [j for part in cols.parts for j in part.index.values()]


def _is_column_numbering(cells: list[Any], cols: Columns) -> bool:
    texts = [display(c.value).strip() for c in cells if not is_blank(c.value)]
    return (
        display(_value(cells, cols.index["name"])).strip() == "B"
        and bool(texts)
        and all(_COLUMN_NUMBER.fullmatch(t) for t in texts)
    )


def _table_lines(rows: list[list[Any]], start: int, cols: Columns) -> tuple[list[Line], int]:
    """Line rows from ``start`` (0-based) to the end of the table; and where it ended."""
    roles = [*cols.index.values(), *_part_columns(cols)]
    others = [j for j in roles if j != cols.index["stt"]]
    lines: list[Line] = []
    i = start
    while i < len(rows) and all(is_blank(c.value) for c in rows[i]):
        i += 1
    if i < len(rows) and _is_column_numbering(rows[i], cols):
        i += 1
    while i < len(rows):
        cells = rows[i]
        if all(is_blank(_value(cells, j)) for j in roles):
            break
        stt = code_text(_value(cells, cols.index["stt"]))
        if all(is_blank(_value(cells, j)) for j in others) and (
            stt is None or outline_level(stt) is None
        ):
            break  # a note row ("Ghi chú: ...") closes the table
        lines.append(Line(i + 1, cells))
        i += 1
    return lines, i


def _stray_lines(rows: list[list[Any]], end: int, cols: Columns) -> list[int]:
    """Rows after the table's end that look like lines (an outline code and a number)."""
    amounts = [p.index[c] for p in cols.parts for c in AMOUNT_COLUMNS]
    stray = []
    for i in range(end, len(rows)):
        code = code_text(_value(rows[i], cols.index["stt"]))
        numbers = [j for j in amounts if isinstance(_value(rows[i], j), int | float)]
        if code and outline_level(code) is not None and numbers:
            stray.append(i + 1)
    return stray


def _parse_line(line: Line, sheet: str, cols: Columns, factor: Decimal) -> None:
    def where(col: int) -> str:
        return f"sheet {sheet!r} cell {cell_ref(line.row, col)}"

    stt_col = cols.index["stt"]
    line.code = code_text(_value(line.cells, stt_col))
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
    line.values["budget_code"] = code_text(_value(line.cells, cols.index.get("code")))
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
            number, marker, problem = cell_number(raw)
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


def _build_outline(sheet: Sheet) -> None:
    """line_path, is_leaf and outline checks; repeated paths reject every line sharing it."""
    stack: list[Line] = []
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
                    f"{cell_ref(line.row, sheet.columns.index['stt'])}: outline code "
                    f"{line.code!r} does not belong under {parent.code!r} (row {parent.row})",
                )
            )
        line.path = f"{parent.path}/{line.code}" if parent is not None else line.code
        if parent is not None:
            parent.has_children = True
        stack.append(line)
    seen: dict[str, list[Line]] = {}
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


def read_sheets(ctx: ReadContext, year: int, period: str) -> tuple[list[Sheet], list[str]]:
    warnings: list[str] = []
    sheets: list[Sheet] = []
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
            sheet = Sheet(ws.title, unit, factor, index, cols, lines)
            for line in lines:
                _parse_line(line, ws.title, cols, factor)
            _build_outline(sheet)
            sheets.append(sheet)
    finally:
        wb.close()
    return sheets, warnings
