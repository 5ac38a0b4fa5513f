"""The budget sample, read back with a reader written here (not the generator's code).

Published figures B1..B19 (both published-figure files) are recomputed from the
workbooks as a loader would: find the header below the title rows, convert the unit
line to bn VND, take the line the indicator names (``A`` revenue on the territory,
``B`` local expenditure, or the group row by its label). The form's identities and
traps are checked on every sheet and, on the wide commune sheet, on every commune's
column group.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from sources.loading.admin_units import build_admin_units
from sources.sample import FIRST_MONTH, LAST_MONTH, budget
from tests.published import load_published, matches

SEED = 20250101
MONTHS = {"3T": 3, "6T": 6, "9T": 9, "12T": 12}
CITY_SHEET = "Toàn thành phố"
CITY_LEVEL_SHEET = "Khối thành phố"
COMMUNES_SHEET = "Các xã, phường"
CLOSED_DISTRICTS_SHEET = "Cấp huyện (đến 30.6.2025)"
LAST_DISTRICT_DAY = dt.date(2025, 6, 30)
AMOUNTS = ("ttg", "hdnd", "exec")
UNIT_TO_BN = {"tỷ đồng": Decimal(1), "triệu đồng": Decimal("0.001")}
UNIT_LINE = re.compile(r"^\s*Đơn vị\s*:\s*(.+?)\s*$")
INDEX_LINE = re.compile(r"Mục lục ngân sách nhà nước .* Thông tư số (\S+)$")
ROMAN = re.compile(r"^(I|II|III|IV|V|VI|VII|VIII|IX|X)$")
FILE_NAME = re.compile(r"cong_khai_ngan_sach_(\d{4})_(3T|6T|9T|12T)\.xlsx")
# The group rows (level I) an indicator names, by their label in the form.
GROUP_LABELS = {
    "state_budget_revenue_domestic": "Thu nội địa",
    "state_budget_revenue_import_export": "Thu từ hoạt động xuất nhập khẩu",
    "state_budget_revenue_crude_oil": "Thu từ dầu thô",
    "local_budget_expenditure_development_investment": "Chi đầu tư phát triển",
    "local_budget_expenditure_recurrent": "Chi thường xuyên",
}


@dataclass
class Row:
    stt: str
    name: str
    code: object
    raw: dict[str, object]  # ttg, hdnd, exec, pct_ttg, pct_hdnd exactly as stored


@dataclass
class Sheet:
    """One unit's table: a whole sheet, or a commune's column group of the wide sheet."""

    to_bn: Decimal
    rows: list[Row]
    index: str | None = None  # the budget index the sheet names, if any

    def bn(self, row: Row, column: str) -> Decimal | None:
        """Amount in bn VND, or None for a blank or "-" cell."""
        value = row.raw[column]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return Decimal(str(value)) * self.to_bn

    def line(self, indicator: str) -> Row:
        if indicator.startswith("local_budget_expenditure"):
            label = GROUP_LABELS.get(indicator)
            section = "B"
        else:
            label = GROUP_LABELS.get(indicator.replace("_execution_rate", "").replace(
                "_yoy_ratio", ""))  # fmt: skip
            section = "A"
        if label is None:
            (row,) = [r for r in self.rows if r.stt == section and r.name.startswith("TỔNG")]
            return row
        (row,) = [r for r in subtree(self.rows, section, section) if r.name == label]
        assert ROMAN.match(row.stt), row
        return row


def _head(grid: list[tuple], title: str) -> tuple[Decimal, int, str | None]:
    to_bn, index = None, None
    for i, cells in enumerate(grid):
        for value in cells:
            if isinstance(value, str) and (m := UNIT_LINE.match(value)):
                unit = m.group(1).lower()
                if unit not in UNIT_TO_BN:
                    raise ValueError(f"{title}: unknown unit {unit!r}")
                to_bn = UNIT_TO_BN[unit]
            if isinstance(value, str) and (m := INDEX_LINE.search(value)):
                index = m.group(1)
        if "STT" in cells:
            assert to_bn is not None, f"{title}: no unit line"
            return to_bn, i, index
    raise AssertionError(f"{title}: no header")


def _rows(grid: list[tuple], start: int, cols: dict[str, int | None]) -> list[Row]:
    rows: list[Row] = []
    for cells in grid[start:]:
        stt, name = cells[cols["stt"]], cells[cols["name"]]
        if stt is None and name is None:
            break  # end of the table; a note follows
        if name == "B" and cells[cols["code"]] == "C":
            continue  # the column-numbering row (A | B | C | 1 | 2 ...)
        raw = {
            k: (cells[cols[k]] if cols[k] is not None else None)
            for k in ("ttg", "hdnd", "exec", "pct_ttg", "pct_hdnd")
        }
        rows.append(Row(str(stt).strip(), str(name).strip(), cells[cols["code"]], raw))
    return rows


def read_sheet(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, Sheet]:
    """Parse one disclosure sheet: ``{title: Sheet}``, or ``{commune: Sheet}`` for the
    wide sheet whose column groups are headed by unit names."""
    grid = [tuple(r) for r in ws.iter_rows(values_only=True)]
    to_bn, at, index = _head(grid, ws.title)
    top, sub = grid[at], grid[at + 1]
    base = {"stt": top.index("STT"), "name": top.index("Nội dung"), "code": top.index("Mã số")}
    is_exec = re.compile(r"(Ước )?[Tt]hực hiện")
    if "Dự toán năm" in top:
        exec_col = next(j for j, v in enumerate(top) if isinstance(v, str) and is_exec.match(v))
        cols = {
            **base,
            "ttg": sub.index("Cấp trên giao"),
            "hdnd": sub.index("HĐND giao"),
            "exec": exec_col,
            "pct_ttg": sub.index("Dự toán cấp trên giao"),
            "pct_hdnd": sub.index("Dự toán HĐND giao"),
        }
        return {ws.title: Sheet(to_bn, _rows(grid, at + 2, cols), index)}
    out = {}
    starts = [j for j, v in enumerate(top) if j > base["code"] and v is not None]
    for j in starts:
        group = sub[j : j + 3]
        assert group[:2] == ("Dự toán cấp trên giao", "Dự toán HĐND giao"), group
        assert is_exec.match(group[2]), group
        cols = {**base, "ttg": j, "hdnd": j + 1, "exec": j + 2, "pct_ttg": None, "pct_hdnd": None}
        out[top[j]] = Sheet(to_bn, _rows(grid, at + 2, cols), index)
    return out


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


def period_end(year: int, period: str) -> dt.date:
    month = MONTHS[period]
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def expected_reports() -> set[tuple[int, str]]:
    """Half-year and year reports from FIRST_MONTH's year, 9T of 2024 (the base of the
    2025 nine-month y/y ratio), every quarter from 2025: each once its period has ended
    by LAST_MONTH."""
    out = set()
    for year in range(FIRST_MONTH[0], LAST_MONTH[0] + 1):
        for period, month in MONTHS.items():
            kept = period in ("6T", "12T") or year >= 2025 or (year, period) == (2024, "9T")
            if kept and (year, month) <= LAST_MONTH:
                out.add((year, period))
    return out


Book = dict[str, Sheet]  # unit (sheet title or commune group) -> its table


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], float]:
    out = tmp_path_factory.mktemp("budget_sample")
    return budget.write(out, SEED), time.monotonic()


@pytest.fixture(scope="module")
def sheet_titles(generated: tuple[list[Path], float]) -> dict[tuple[int, str], list[str]]:
    paths, _ = generated
    out = {}
    for path in paths:
        m = FILE_NAME.fullmatch(path.name)
        wb = openpyxl.load_workbook(path, read_only=True)
        out[(int(m.group(1)), m.group(2))] = wb.sheetnames
        wb.close()
    return out


@pytest.fixture(scope="module")
def books(generated: tuple[list[Path], float]) -> dict[tuple[int, str], Book]:
    paths, _ = generated
    out = {}
    for path in paths:
        m = FILE_NAME.fullmatch(path.name)
        assert m, path.name
        wb = openpyxl.load_workbook(path, read_only=True)
        book: Book = {}
        for ws in wb.worksheets:
            book.update(read_sheet(ws))
        out[(int(m.group(1)), m.group(2))] = book
        wb.close()
    return out


def _valid(level: str, on: dt.date) -> list[dict]:
    return [
        u
        for u in build_admin_units().to_pylist()
        if u["level"] == level and u["valid_from"] <= on <= (u["valid_to"] or dt.date.max)
    ]


def test_writes_one_workbook_per_report(
    generated: tuple[list[Path], float], sheet_titles: dict, books: dict
) -> None:
    paths, _ = generated
    assert paths == sorted(paths)
    assert {p.name for p in paths} == {
        f"cong_khai_ngan_sach_{y}_{p}.xlsx" for y, p in expected_reports()
    }
    assert len(paths) == 16 and all(p.parent.name == "budget" for p in paths)
    for (year, period), titles in sheet_titles.items():
        end = period_end(year, period)
        book = books[(year, period)]
        assert titles[:2] == [CITY_SHEET, CITY_LEVEL_SHEET]
        assert book[CITY_SHEET].to_bn == 1
        assert all(s.to_bn == Decimal("0.001") for t, s in book.items() if t != CITY_SHEET)
        if end <= LAST_DISTRICT_DAY:  # the 30 districts valid at the period end
            districts = {u["short_name_vi"] for u in _valid("district", end)}
            assert len(districts) == 30 and set(titles[2:]) == districts
        else:  # the city level, the 126 communes (and in 2025 the closed districts)
            communes = {u["name_vi"] for u in _valid("commune", end)}
            closed = [CLOSED_DISTRICTS_SHEET] if year == 2025 else []
            assert titles[2:] == [*closed, COMMUNES_SHEET]
            assert len(communes) == 126
            assert set(book) == {CITY_SHEET, CITY_LEVEL_SHEET, *closed, *communes}


def test_sheets_name_the_budget_index_of_their_year(books: dict) -> None:
    for (year, period), book in books.items():
        indexes = {s.index for s in book.values()}
        if year < 2024 or (year == 2024 and period != "9T"):
            assert indexes == {None}  # the reports as first published name none
        else:
            assert indexes == {"130/2025/TT-BTC" if year >= 2026 else "324/2016/TT-BTC"}


def _report(figure: dict) -> tuple[int, str]:
    """The report a figure's period names: YYYY (12T), YYYY-H1 (6T), YYYY-<n>M (nT)."""
    m = re.fullmatch(r"(\d{4})(?:-(H1|\d{1,2}M))?", figure["period"])
    assert m, figure["period"]
    part = m.group(2)
    period = "12T" if part is None else "6T" if part == "H1" else f"{part[:-1]}T"
    return int(m.group(1)), period


def _unit_sheet(book: Book, admin_unit: str) -> Sheet:
    if admin_unit == "01":
        return book[CITY_SHEET]
    (name,) = [
        u["short_name_vi"]
        for u in build_admin_units().to_pylist()
        if u["admin_unit_id"] == admin_unit
    ]
    return book[name]


BUDGET_FIGURES = sorted(
    fid
    for fid, row in load_published().items()
    if row["domain"] == "budget" and row["use"] != "context"
)


def test_both_files_have_budget_figures() -> None:
    published = load_published()
    periods = {published[f]["period"] for f in BUDGET_FIGURES}
    assert {"2023", "2024-H1", "2025", "2025-9M"} <= periods
    assert {published[f]["use"] for f in BUDGET_FIGURES} == {"reproduce", "bound"}


@pytest.mark.parametrize("figure_id", BUDGET_FIGURES)
def test_published_budget_figures_recomputed_from_workbooks(figure_id: str, books: dict) -> None:
    figure = load_published()[figure_id]
    year, period = _report(figure)
    sheet = _unit_sheet(books[(year, period)], figure["admin_unit"])
    indicator = figure["indicator"]
    row = sheet.line(indicator)
    executed = sheet.bn(row, "exec")
    printed = None
    if indicator.endswith("_execution_rate"):
        value = executed / sheet.bn(row, "ttg") * 100  # basis: the higher level's estimate
        printed = float(row.raw["pct_ttg"])
    elif indicator.endswith("_yoy_ratio"):
        before = _unit_sheet(books[(year - 1, period)], figure["admin_unit"])
        value = executed / before.bn(before.line(indicator), "exec") * 100
    else:
        assert figure["unit"] == "bn_vnd"
        value = executed
    if figure["use"] == "bound":  # a published lower bound ("more than ...")
        assert value >= Decimal(figure["value"]), (figure_id, value, figure["value"])
        assert printed is None or printed >= float(figure["value"])
    else:
        assert matches(float(value), figure["value"]), (figure_id, value, figure["value"])
        assert printed is None or matches(printed, figure["value"])


def test_revenue_groups_do_not_add_up_without_other_revenue(books: dict) -> None:
    sheet = books[(2025, "12T")][CITY_SHEET]
    total = sheet.bn(sheet.line("state_budget_revenue_on_territory"), "exec")
    groups = sum(
        sheet.bn(sheet.line(i), "exec")
        for i in ("state_budget_revenue_domestic", "state_budget_revenue_import_export",
                  "state_budget_revenue_crude_oil")
    )  # fmt: skip
    (other,) = [r for r in sheet.rows if r.name == "Thu viện trợ và thu khác"]
    assert groups < total and groups + sheet.bn(other, "exec") == total


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


def test_city_sheet_equals_its_parts_on_every_line(books: dict) -> None:
    """Before the reform the city level and the districts; after it the city level, the
    communes and in 2025 the closed district budgets (January-June)."""
    checked = 0
    for key, book in books.items():
        city = book[CITY_SHEET]
        parts = [s for title, s in book.items() if title != CITY_SHEET]
        assert len(parts) == (
            31 if period_end(*key) <= LAST_DISTRICT_DAY else 127 + (key[0] == 2025)
        )
        for part in parts:
            assert [(r.stt, r.name) for r in part.rows] == [(r.stt, r.name) for r in city.rows]
        for i, row in enumerate(city.rows):
            for column in AMOUNTS:
                numbers = [v for p in parts if (v := p.bn(p.rows[i], column)) is not None]
                expected = sum(numbers, Decimal(0)) if numbers else None
                assert city.bn(row, column) == expected, (key, row.stt, row.name, column)
                checked += expected is not None
    assert checked > 16 * 40 * 2


def test_parent_rows_carry_the_sum_of_their_children(books: dict) -> None:
    checked = 0
    for key, book in books.items():
        for title, sheet in book.items():
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
    assert checked > 16 * 32 * 10


def test_dash_and_blank_cells_are_kept_and_are_not_numbers(books: dict) -> None:
    for key, book in books.items():
        blank_council = 0
        for title, sheet in book.items():
            local = title not in (CITY_SHEET, CITY_LEVEL_SHEET)  # district, commune ...
            dashed = subtree(sheet.rows, "II", "A") + subtree(sheet.rows, "III", "B")
            assert dashed[0].name.startswith("Thu từ hoạt động xuất nhập khẩu")
            assert dashed[-1].name.startswith("Chi trả nợ lãi")
            if key[0] >= 2025:  # crude oil and other revenue: the city's only
                dashed += subtree(sheet.rows, "III", "A") + subtree(sheet.rows, "IV", "A")
            for row in dashed:
                values = [row.raw[c] for c in AMOUNTS]
                if local:
                    assert values == ["-"] * 3, (key, title, row.stt)
                else:
                    assert all(isinstance(v, int | float) for v in values), (key, title, row.stt)
            (reserve,) = [r for r in sheet.rows if r.name == "Dự phòng ngân sách"]
            assert isinstance(reserve.raw["ttg"], int | float)
            assert reserve.raw["exec"] is None and reserve.raw["pct_ttg"] is None
            for row in subtree(sheet.rows, "A", "A"):
                if row.raw["hdnd"] is None and isinstance(row.raw["ttg"], int | float):
                    assert local, (key, title)
                    assert row.raw["pct_hdnd"] is None
                    assert isinstance(row.raw["exec"], int | float)
                    blank_council += 1
            assert all(
                v != 0 for r in sheet.rows for v in r.raw.values()
            ), (key, title)  # fmt: skip
        assert blank_council >= 1, key


def test_executions_grow_through_the_year_and_estimates_are_shared(books: dict) -> None:
    for year in {y for y, _ in books}:
        reports = sorted((p for y, p in books if y == year), key=MONTHS.get)
        assert len(reports) >= 2
        for early, late in zip(reports, reports[1:], strict=False):
            a_book, b_book = books[(year, early)], books[(year, late)]
            assert (
                b_book[CITY_SHEET].line("state_budget_revenue_on_territory").raw["exec"]
                > a_book[CITY_SHEET].line("state_budget_revenue_on_territory").raw["exec"]
            )
            for title in set(a_book) & set(b_book):
                for a, b in zip(a_book[title].rows, b_book[title].rows, strict=True):
                    assert (a.raw["ttg"], a.raw["hdnd"]) == (b.raw["ttg"], b.raw["hdnd"])
                    if title == CLOSED_DISTRICTS_SHEET:  # closed on 30 June
                        assert a.raw["exec"] == b.raw["exec"]
                    elif isinstance(a.raw["exec"], int | float):
                        assert 0 < a.raw["exec"] < b.raw["exec"], (year, title, a.stt, a.name)


def test_closed_district_budgets_are_the_districts_first_half(books: dict) -> None:
    """The 2025 9T/12T reports carry the districts' January-June as one whole: the sum
    of the 30 district sheets of the 6T report."""
    h1, q3 = books[(2025, "6T")], books[(2025, "9T")]
    closed = q3[CLOSED_DISTRICTS_SHEET]
    districts = [s for t, s in h1.items() if t not in (CITY_SHEET, CITY_LEVEL_SHEET)]
    assert len(districts) == 30
    for i, row in enumerate(closed.rows):
        numbers = [v for d in districts if (v := d.bn(d.rows[i], "exec")) is not None]
        assert closed.bn(row, "exec") == (sum(numbers, Decimal(0)) if numbers else None)
