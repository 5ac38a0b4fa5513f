"""The budget sample, read back with a reader written here (not the generator's code).

Published figures B1..B8 are recomputed from the workbooks as a loader would: find the
header below the title rows, convert the unit line to bn VND, take the line with
outline code ``A``. The form's identities and traps are checked on every sheet.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from sources.admin_units import build_admin_units
from sources.sample import budget
from tests.published import load_published, matches

SEED = 20250101
YEARS = (2021, 2022, 2023, 2024)
PERIODS = ("6T", "12T")
CITY_SHEET = "Toàn thành phố"
CITY_LEVEL_SHEET = "Khối thành phố"
AMOUNTS = ("ttg", "hdnd", "exec")
UNIT_TO_BN = {"tỷ đồng": Decimal(1), "triệu đồng": Decimal("0.001")}
UNIT_LINE = re.compile(r"^\s*Đơn vị\s*:\s*(.+?)\s*$")
ROMAN = re.compile(r"^(I|II|III|IV|V|VI|VII|VIII|IX|X)$")


@dataclass
class Row:
    stt: str
    name: str
    code: object
    raw: dict[str, object]  # ttg, hdnd, exec, pct_ttg, pct_hdnd exactly as stored


@dataclass
class Sheet:
    to_bn: Decimal
    rows: list[Row]

    def bn(self, row: Row, column: str) -> Decimal | None:
        """Amount in bn VND, or None for a blank or "-" cell."""
        value = row.raw[column]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return Decimal(str(value)) * self.to_bn

    def revenue_total(self) -> Row:
        (row,) = [r for r in self.rows if r.stt == "A" and r.name.startswith("TỔNG THU")]
        return row


def read_sheet(ws: openpyxl.worksheet.worksheet.Worksheet) -> Sheet:
    """Parse one disclosure sheet: unit line, two-row header, outline rows."""
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    to_bn = None
    header_at = None
    for i, cells in enumerate(grid):
        for value in cells:
            if isinstance(value, str) and (m := UNIT_LINE.match(value)):
                unit = m.group(1).lower()
                if unit not in UNIT_TO_BN:
                    raise ValueError(f"{ws.title}: unknown unit {unit!r}")
                to_bn = UNIT_TO_BN[unit]
        if "STT" in cells:
            header_at = i
            break
    assert to_bn is not None and header_at is not None, f"{ws.title}: no unit line or header"
    top, sub = grid[header_at], grid[header_at + 1]
    exec_col = next(
        j for j, v in enumerate(top) if isinstance(v, str) and re.match(r"(Ước )?[Tt]hực hiện", v)
    )
    cols = {
        "stt": top.index("STT"),
        "name": top.index("Nội dung"),
        "code": top.index("Mã số"),
        "ttg": sub.index("Cấp trên giao"),
        "hdnd": sub.index("HĐND giao"),
        "exec": exec_col,
        "pct_ttg": sub.index("Dự toán cấp trên giao"),
        "pct_hdnd": sub.index("Dự toán HĐND giao"),
    }
    rows: list[Row] = []
    for cells in grid[header_at + 2 :]:
        stt, name = cells[cols["stt"]], cells[cols["name"]]
        if stt is None and name is None:
            break  # end of the table; a note follows
        if name == "B" and cells[cols["code"]] == "C":
            continue  # the column-numbering row (A | B | C | 1 | 2 ...)
        raw = {k: cells[cols[k]] for k in ("ttg", "hdnd", "exec", "pct_ttg", "pct_hdnd")}
        rows.append(Row(str(stt).strip(), str(name).strip(), cells[cols["code"]], raw))
    return Sheet(to_bn, rows)


def depth(stt: str) -> int:
    if ROMAN.match(stt):
        return 1
    if re.fullmatch(r"[A-Z]", stt):
        return 0
    if re.fullmatch(r"\d+", stt):
        return 2
    if re.fullmatch(r"\d+\.\d+", stt):
        return 3
    raise ValueError(f"unknown outline code {stt!r}")


def children(rows: list[Row]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    stack: list[int] = []
    for i, row in enumerate(rows):
        while stack and depth(rows[stack[-1]].stt) >= depth(row.stt):
            stack.pop()
        if stack:
            out.setdefault(stack[-1], []).append(i)
        stack.append(i)
    return out


def subtree(rows: list[Row], stt: str, within: str) -> list[Row]:
    """Row ``stt`` under section ``within`` (``A`` or ``B``) and its descendants."""
    start = next(i for i, r in enumerate(rows) if r.stt == within)
    at = next(i for i in range(start, len(rows)) if rows[i].stt == stt)
    out = [rows[at]]
    for row in rows[at + 1 :]:
        if depth(row.stt) <= depth(rows[at].stt):
            break
        out.append(row)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], float]:
    out = tmp_path_factory.mktemp("budget_sample")
    return budget.write(out, SEED), time.monotonic()


@pytest.fixture(scope="module")
def books(generated: tuple[list[Path], float]) -> dict[tuple[int, str], dict[str, Sheet]]:
    paths, _ = generated
    out = {}
    for path in paths:
        m = re.fullmatch(r"cong_khai_ngan_sach_(\d{4})_(6T|12T)\.xlsx", path.name)
        assert m, path.name
        wb = openpyxl.load_workbook(path, read_only=True)
        out[(int(m.group(1)), m.group(2))] = {ws.title: read_sheet(ws) for ws in wb.worksheets}
        wb.close()
    return out


@pytest.fixture(scope="module")
def district_sheets() -> dict[str, str]:
    """admin_unit_id -> sheet title (short name) of the 30 legacy districts."""
    units = build_admin_units().to_pylist()
    return {u["admin_unit_id"]: u["short_name_vi"] for u in units if u["level"] == "district"}


def test_writes_one_workbook_per_year_and_period(
    generated: tuple[list[Path], float], books: dict, district_sheets: dict[str, str]
) -> None:
    paths, _ = generated
    assert paths == sorted(paths)
    assert {p.name for p in paths} == {
        f"cong_khai_ngan_sach_{y}_{p}.xlsx" for y in YEARS for p in PERIODS
    }
    assert all(p.parent.name == "budget" for p in paths)
    for sheets in books.values():
        assert list(sheets)[:2] == [CITY_SHEET, CITY_LEVEL_SHEET]
        assert set(list(sheets)[2:]) == set(district_sheets.values())
        assert sheets[CITY_SHEET].to_bn == 1
        assert all(s.to_bn == Decimal("0.001") for t, s in sheets.items() if t != CITY_SHEET)


def _figure_sheet(books: dict, district_sheets: dict, figure: dict, year: int) -> Sheet:
    m = re.fullmatch(r"(\d{4})(-H1)?", figure["period"])
    assert m, figure["period"]
    period = "6T" if m.group(2) else "12T"
    title = CITY_SHEET if figure["admin_unit"] == "01" else district_sheets[figure["admin_unit"]]
    return books[(year, period)][title]


BUDGET_FIGURES = sorted(
    fid
    for fid, row in load_published().items()
    if row["domain"] == "budget" and row["use"] != "context"
)


@pytest.mark.parametrize("figure_id", BUDGET_FIGURES)
def test_published_budget_figures_recomputed_from_workbooks(
    figure_id: str, books: dict, district_sheets: dict[str, str]
) -> None:
    figure = load_published()[figure_id]
    year = int(figure["period"][:4])
    sheet = _figure_sheet(books, district_sheets, figure, year)
    total = sheet.revenue_total()
    executed = sheet.bn(total, "exec")
    indicator = figure["indicator"]
    if indicator == "state_budget_revenue_on_territory":
        assert figure["unit"] == "bn_vnd"
        value = executed
    elif indicator == "state_budget_revenue_execution_rate":
        value = executed / sheet.bn(total, "ttg") * 100  # basis: the higher level's estimate
        assert matches(float(total.raw["pct_ttg"]), figure["value"])  # the printed rate
    elif indicator == "state_budget_revenue_yoy_ratio":
        before = _figure_sheet(books, district_sheets, figure, year - 1)
        value = executed / before.bn(before.revenue_total(), "exec") * 100
    else:
        pytest.fail(f"no recomputation for {indicator}")
    assert matches(float(value), figure["value"]), (figure_id, value, figure["value"])


def test_same_seed_gives_identical_bytes_and_another_seed_differs(
    generated: tuple[list[Path], float], tmp_path: Path
) -> None:
    paths, written_at = generated
    time.sleep(max(0.0, 2.1 - (time.monotonic() - written_at)))  # zip times tick every 2 s
    again = budget.write(tmp_path / "again", SEED)
    assert [p.name for p in again] == [p.name for p in paths]
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name
    other = budget.write(tmp_path / "other", SEED + 1)
    for first, second in zip(paths, other, strict=True):
        assert first.read_bytes() != second.read_bytes(), first.name


def test_city_sheet_equals_city_level_plus_districts_on_every_line(books: dict) -> None:
    checked = 0
    for key, sheets in books.items():
        city = sheets[CITY_SHEET]
        parts = [s for title, s in sheets.items() if title != CITY_SHEET]
        assert len(parts) == 31
        for part in parts:
            assert [(r.stt, r.name) for r in part.rows] == [(r.stt, r.name) for r in city.rows]
        for i, row in enumerate(city.rows):
            for column in AMOUNTS:
                numbers = [v for p in parts if (v := p.bn(p.rows[i], column)) is not None]
                expected = sum(numbers, Decimal(0)) if numbers else None
                assert city.bn(row, column) == expected, (key, row.stt, row.name, column)
                checked += expected is not None
    assert checked > 8 * 40 * 2


def test_parent_rows_carry_the_sum_of_their_children(books: dict) -> None:
    checked = 0
    for key, sheets in books.items():
        for title, sheet in sheets.items():
            tree = children(sheet.rows)
            assert {sheet.rows[i].stt for i in tree} >= {"A", "I", "II", "B"}
            for parent, kids in tree.items():
                for column in AMOUNTS:
                    numbers = [
                        v for k in kids if (v := sheet.bn(sheet.rows[k], column)) is not None
                    ]
                    got = sheet.bn(sheet.rows[parent], column)
                    where = (key, title, sheet.rows[parent].stt, column)
                    if numbers:
                        assert got == sum(numbers, Decimal(0)), where
                        checked += 1
                    else:
                        assert got is None, where
            # Summing every row of the revenue section counts the total several times.
            revenue = subtree(sheet.rows, "A", "A")
            everything = sum(sheet.bn(r, "exec") or 0 for r in revenue)
            assert everything > 3 * sheet.bn(revenue[0], "exec")
    assert checked > 8 * 32 * 10


def test_dash_and_blank_cells_are_kept_and_are_not_numbers(
    books: dict, district_sheets: dict[str, str]
) -> None:
    districts = set(district_sheets.values())
    for key, sheets in books.items():
        blank_council = 0
        for title, sheet in sheets.items():
            import_export = subtree(sheet.rows, "II", "A")
            interest = subtree(sheet.rows, "III", "B")
            assert import_export[0].name.startswith("Thu từ hoạt động xuất nhập khẩu")
            assert interest[0].name.startswith("Chi trả nợ lãi")
            for row in import_export + interest:
                if title in districts:
                    assert all(v == "-" for v in row.raw.values()), (key, title, row.stt)
                else:
                    assert all(isinstance(row.raw[c], int | float) for c in AMOUNTS)
            (reserve,) = [r for r in sheet.rows if r.name == "Dự phòng ngân sách"]
            assert isinstance(reserve.raw["ttg"], int | float)
            assert reserve.raw["exec"] is None and reserve.raw["pct_ttg"] is None
            for row in subtree(sheet.rows, "A", "A"):
                if row.raw["hdnd"] is None and isinstance(row.raw["ttg"], int | float):
                    assert title in districts
                    assert row.raw["pct_hdnd"] is None
                    assert isinstance(row.raw["exec"], int | float)
                    blank_council += 1
        assert blank_council >= 1, key


def test_half_year_is_below_full_year_and_estimates_are_shared(books: dict) -> None:
    for year in YEARS:
        h1, fy = books[(year, "6T")], books[(year, "12T")]
        assert (
            fy[CITY_SHEET].revenue_total().raw["exec"] > h1[CITY_SHEET].revenue_total().raw["exec"]
        )
        for title, sheet in fy.items():
            for a, b in zip(h1[title].rows, sheet.rows, strict=True):
                assert (a.raw["ttg"], a.raw["hdnd"]) == (b.raw["ttg"], b.raw["hdnd"])
                if isinstance(a.raw["exec"], int | float):
                    assert 0 < a.raw["exec"] < b.raw["exec"], (year, title, a.stt, a.name)
