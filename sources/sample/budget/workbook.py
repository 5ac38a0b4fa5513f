"""One report as an xlsx workbook in the publisher's layout (titles, fonts, widths, sheets)."""

from __future__ import annotations

import datetime as dt
from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from sources.loading.admin_units import LEGACY_VALID_TO, REFORM_DATE
from sources.readers.budget.form import PERIOD_MONTHS, budget_index
from sources.sample._xlsx import save_reproducibly
from sources.sample.budget.form import (
    CITY,
    CITY_LEVEL,
    CITY_LEVEL_SHEET,
    CITY_SHEET,
    COLUMNS,
    COMMUNES_SHEET,
    DASH,
    FORMER_DISTRICTS,
    FORMER_DISTRICTS_SHEET,
    Amount,
    units_at,
)
from sources.sample.budget.reports import Report, _pct

_FONTS = {
    "bold": Font(bold=True),
    "italic": Font(italic=True),
    "title": Font(bold=True, size=13),
}
_ALIGNMENTS = {
    "center": Alignment(horizontal="center"),
    "block": Alignment(horizontal="center", vertical="center", wrap_text=True),
}
_WIDTHS = {"A": 7, "B": 58, "C": 9, "D": 16, "E": 16, "F": 16, "G": 13, "H": 13}
FIRST_DATA_ROW = 10


class _Styler:
    """Sets a cell's style from a small set made once per workbook: assigning fonts and
    alignments cell by cell hashes them each time, most of the time writing took."""

    def __init__(self) -> None:
        self._made: dict[tuple[str | None, str | None, str | None], object] = {}

    def __call__(
        self, cell: Cell, font: str | None = None, align: str | None = None, fmt: str | None = None
    ) -> None:
        key = (font, align, fmt)
        made = self._made.get(key)
        if made is None:
            if font:
                cell.font = _FONTS[font]
            if align:
                cell.alignment = _ALIGNMENTS[align]
            if fmt:
                cell.number_format = fmt
            self._made[key] = copy(cell._style)
        else:
            cell._style = copy(made)


def _title(year: int, period: str, what: str = "CÂN ĐỐI THU, CHI NGÂN SÁCH") -> str:
    if period == "12T":
        return f"{what} NĂM {year}"
    return f"{what} {PERIOD_MONTHS[period]} THÁNG NĂM {year}"


def _execution_label(period: str) -> str:
    return "Ước thực hiện năm" if period == "12T" else f"Thực hiện {PERIOD_MONTHS[period]} tháng"


def _index_line(index: str) -> str:
    return f"Mã số theo Mục lục ngân sách nhà nước ban hành kèm theo Thông tư số {index}"


def _fill_sheet(
    ws: Worksheet,
    style: _Styler,
    report: Report,
    *,
    body: str,
    scope: str,
    columns: dict[str, list[Amount]],
    in_bn: bool,
) -> None:
    form = report.form
    ws["A1"] = f"ỦY BAN NHÂN DÂN {body.upper()}"
    style(ws["A1"], "bold")
    ws["H1"] = "Biểu số 93/CK-NSNN"
    style(ws["H1"], "italic")
    ws["A3"] = _title(report.year, report.period)
    style(ws["A3"], "title", "block")
    ws["A4"] = f"({scope})"
    style(ws["A4"], "italic", "block")
    for row in (3, 4):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
    if report.index_note:
        ws["A5"] = _index_line(report.index_note)
        style(ws["A5"], "italic")
    ws["H6"] = "Đơn vị: tỷ đồng" if in_bn else "Đơn vị: triệu đồng"
    style(ws["H6"], "italic")
    header = {
        "A7": "STT", "B7": "Nội dung", "C7": "Mã số", "D7": "Dự toán năm",
        "F7": _execution_label(report.period), "G7": "So sánh (%)", "D8": "Cấp trên giao",
        "E8": "HĐND giao", "G8": "Dự toán cấp trên giao", "H8": "Dự toán HĐND giao",
    }  # fmt: skip
    for row in range(7, 9):
        for col in range(1, 9):
            cell = ws.cell(row, col)
            cell.value = header.get(cell.coordinate)
            style(cell, "bold", "block")
    for col, text in enumerate(("A", "B", "C", "1", "2", "3", "4=3/1", "5=3/2"), start=1):
        style(ws.cell(9, col, text), "italic", "block")
    for ref in ("A7:A8", "B7:B8", "C7:C8", "D7:E7", "F7:F8", "G7:H7"):
        ws.merge_cells(ref)
    amount_format = "#,##0.0" if in_bn else "#,##0"
    for i, line in enumerate(form.lines):
        r = FIRST_DATA_ROW + i
        bold = "bold" if line.depth <= 1 or i in form.children else None
        style(ws.cell(r, 1, line.stt), bold, "center")
        ws.cell(r, 2, line.name)
        if bold:
            style(ws.cell(r, 2), bold)
        if line.code:
            style(ws.cell(r, 3, line.code), bold, "center")
        elif bold:
            style(ws.cell(r, 3), bold)
        ttg, hdnd, done = (columns[c][i] for c in COLUMNS)
        values = (
            (ttg, amount_format),
            (hdnd, amount_format),
            (done, amount_format),
            (_pct(done, ttg), "0.0"),
            (_pct(done, hdnd), "0.0"),
        )
        for col, (value, fmt) in enumerate(values, start=4):
            if value is None:
                if bold:
                    style(ws.cell(r, col), bold)
                continue
            if in_bn and isinstance(value, int) and col <= 6:
                value = value / 10
            cell = ws.cell(r, col, value)
            style(cell, bold, "center" if value == DASH else None, fmt)
    note = ws.cell(
        FIRST_DATA_ROW + form.n + 1,
        1,
        "Ghi chú: dự phòng ngân sách không có số thực hiện (đã phân bổ vào các nhiệm vụ chi); "
        'ô trống: không có số liệu; dấu "-": không phát sinh ở cấp này.',
    )
    style(note, "italic")
    for letter, width in _WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"


def _fill_commune_sheet(ws: Worksheet, style: _Styler, report: Report) -> None:
    """``Các xã, phường``: the lines down, one group of three amount columns per commune."""
    form = report.form
    ws["A1"] = "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"
    style(ws["A1"], "bold")
    ws["A3"] = _title(report.year, report.period, "CÂN ĐỐI THU, CHI NGÂN SÁCH CẤP XÃ")
    style(ws["A3"], "title")
    start = max(REFORM_DATE, dt.date(report.year, 1, 1))
    ws["A4"] = (
        f"({len(report.communes)} xã, phường; thực hiện từ "
        f"{start.day:02d}/{start.month:02d}/{start.year})"
    )
    style(ws["A4"], "italic")
    ws["A5"] = _index_line(budget_index(report.year))
    style(ws["A5"], "italic")
    ws["C6"] = "Đơn vị: triệu đồng"
    style(ws["C6"], "italic")
    for col, text in enumerate(("STT", "Nội dung", "Mã số"), start=1):
        style(ws.cell(7, col, text), "bold", "block")
        ws.merge_cells(start_row=7, start_column=col, end_row=8, end_column=col)
    subs = ("Dự toán cấp trên giao", "Dự toán HĐND giao", _execution_label(report.period))
    first_data_row = 9
    for g, commune in enumerate(report.communes):
        col = 4 + 3 * g
        style(ws.cell(7, col, commune.name_vi), "bold", "block")  # over its group, unmerged
        for j, text in enumerate(subs):
            style(ws.cell(8, col + j, text), "bold", "block")
    for i, line in enumerate(form.lines):
        r = first_data_row + i
        style(ws.cell(r, 1, line.stt), None, "center")
        ws.cell(r, 2, line.name)
        if line.code:
            style(ws.cell(r, 3, line.code), None, "center")
        for g, commune in enumerate(report.communes):
            cols = report.table[commune.admin_unit_id]
            for j, c in enumerate(COLUMNS):
                value = cols[c][i]
                if value is None:
                    continue
                cell = ws.cell(r, 4 + 3 * g + j, value)
                style(cell, None, "center" if value == DASH else None, "#,##0")
    style(
        ws.cell(
            first_data_row + form.n + 1,
            1,
            'Ghi chú: ô trống: không có số liệu; dấu "-": không phát sinh ở cấp xã.',
        ),
        "italic",
    )
    ws.column_dimensions["A"].width = 7
    ws.column_dimensions["B"].width = 58
    ws.freeze_panes = f"D{first_data_row}"


def _write_workbook(path: Path, report: Report) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"Công khai ngân sách {report.year} ({report.period})"
    style = _Styler()
    city_body = "Thành phố Hà Nội"
    end = LEGACY_VALID_TO
    sheets = [
        (CITY_SHEET, city_body, CITY_SHEET, CITY, True),
        (CITY_LEVEL_SHEET, city_body, CITY_LEVEL_SHEET, CITY_LEVEL, False),
        *((d.short_name_vi, d.name_vi, d.name_vi, d.gso_code, False) for d in report.districts),
    ]
    if report.former_districts:
        scope = (
            f"Ngân sách cấp huyện từ 01/01 đến {end.day}/{end.month}/{end.year}: "
            f"{len(units_at('district', end))} quận, huyện, thị xã"
        )
        sheets.append((FORMER_DISTRICTS_SHEET, city_body, scope, FORMER_DISTRICTS, False))
    for title, body, scope, unit, in_bn in sheets:
        ws = wb.create_sheet(title[:31])
        _fill_sheet(
            ws, style, report, body=body, scope=scope, columns=report.table[unit], in_bn=in_bn
        )
    if report.communes:
        _fill_commune_sheet(wb.create_sheet(COMMUNES_SHEET), style, report)
    return save_reproducibly(wb, path)
