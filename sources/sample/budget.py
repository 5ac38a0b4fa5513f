"""Sample budget disclosure workbooks (Circular 343/2016/TT-BTC style), one per report.

Files: ``budget/cong_khai_ngan_sach_{year}_{period}.xlsx``, one per report published by
the sample's last month (``LAST_MONTH``), 16 workbooks:

- 2021..2024: ``6T`` (cumulative execution January-June, published mid-year) and
  ``12T`` (estimated execution of the whole year, published the following January);
  plus ``9T`` of 2024 (January-September), the base the 2025 nine-month y/y ratio
  (B16) is taken against;
- from 2025 the quarterly disclosure Circular 343 also requires: ``3T``, ``6T``,
  ``9T``, ``12T`` of 2025 and ``3T``, ``6T``, ``9T`` of 2026 (the 2026 year report is
  not out before January 2027).

The estimates of a year (``Dự toán năm``) are the same in all its reports.

Sheets, by era (the district level ended on 2025-06-30, the 126 communes of the
two-level government started on 2025-07-01):

- reports whose period ends by 2025-06-30 (2021..2024, 3T and 6T of 2025):
  ``Toàn thành phố`` (the whole city, **tỷ đồng**, at most one decimal),
  ``Khối thành phố`` (what city-level agencies collect and spend, **triệu đồng**) and
  one sheet per district valid at the period end (30), titled with its short name
  (``Hoàn Kiếm``, ``Sơn Tây`` ...), in triệu đồng, ordered by GSO code.
  ``Toàn thành phố`` = (``Khối thành phố`` + the 30 districts) / 1000 on every line
  and amount column;
- reports after the reform (9T and 12T of 2025, every 2026 report): ``Toàn thành phố``,
  ``Khối thành phố`` (the city level, ngân sách cấp thành phố, the whole period) and
  one sheet ``Các xã, phường`` with the commune budgets (ngân sách cấp xã) of the 126
  communes valid at the period end, one column group per commune (below); a 2025
  report also has the sheet ``Cấp huyện (đến 30.6.2025)``: the 30 district budgets of
  January-June 2025 together (the district level's budgets were closed on 30 June and
  are published once, as a whole, not per district). Identity: ``Toàn thành phố`` =
  (``Khối thành phố`` + ``Cấp huyện`` + the 126 communes) / 1000 on every line and
  column. The commune budgets of 2025 start on 2025-07-01: their execution is
  July..period end, and their estimates are the part of the 2025 district estimates
  handed over to them (``Cấp huyện`` keeps the part the districts executed until June,
  estimate x their January-June share of the year's execution). First-half district
  detail of 2025 is therefore in the ``3T`` and ``6T`` 2025 reports, per district, as
  publishers issued them; the 9T/12T reports carry it only as the ``Cấp huyện`` whole.

Sheet layout (rows) of the single-unit sheets:

1. issuing body in A (``ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI`` or ``ỦY BAN NHÂN DÂN QUẬN
   HOÀN KIẾM``), form number ``Biểu số 93/CK-NSNN`` in H;
3. title (merged A:H): ``CÂN ĐỐI THU, CHI NGÂN SÁCH 6 THÁNG NĂM 2024`` (3T, 6T, 9T:
   ``3 THÁNG`` ...) or ``CÂN ĐỐI THU, CHI NGÂN SÁCH NĂM 2024`` (12T);
4. scope in brackets: ``(Toàn thành phố)``, ``(Khối thành phố)``, ``(Quận Hoàn Kiếm)``;
5. (reports other than the 2021..2024 6T/12T ones) the budget index the ``Mã số``
   codes follow: ``Mã số theo Mục lục ngân sách nhà nước ban hành kèm theo Thông tư số
   324/2016/TT-BTC`` (budget years to 2025) or ``... 130/2025/TT-BTC`` (from 2026);
6. unit line in H: ``Đơn vị: tỷ đồng`` or ``Đơn vị: triệu đồng``;
7-8. two-row header with merged cells:
   ``STT | Nội dung | Mã số | Dự toán năm [Cấp trên giao, HĐND giao] |
   Thực hiện 6 tháng`` (``Thực hiện 3 tháng`` / ``9 tháng``; 12T: ``Ước thực hiện
   năm``) ``| So sánh (%) [Dự toán cấp trên giao, Dự toán HĐND giao]``. "Cấp trên
   giao" is the estimate assigned by the higher level: the centre's statutory estimate
   (dự toán pháp lệnh) on the city sheets, the city's assignment on a district or
   commune. "HĐND giao" is the estimate approved by the unit's own council. Execution
   is cumulative (lũy kế) from January.
9. column numbering row ``A | B | C | 1 | 2 | 3 | 4=3/1 | 5=3/2`` (its ``A`` is not
   the outline code ``A``);
10+. one row per line (below), then a blank row and a ``Ghi chú:`` note row.

``Các xã, phường`` (wide, amounts only): rows 1-6 as above (title ``CÂN ĐỐI THU, CHI
NGÂN SÁCH CẤP XÃ ...``, unit line in C, triệu đồng); row 7 ``STT | Nội dung | Mã số``
then one group of three columns per commune headed by its full name in the group's
first column (``Phường Ba Đình``, ``Xã Sóc Sơn``; not merged: merging 126 ranges costs
more than the rest of the sheet), ordered by code; row 8 under each group ``Dự toán cấp
trên giao | Dự toán HĐND giao | Thực hiện 9 tháng`` (``Ước thực hiện năm``); lines from
row 9, the same lines as the other sheets, no % columns. 126 communes x 3 amounts is
one sheet of 42 x 381 cells: a sheet per commune would repeat the form's title, header
and % columns 126 times (about 3 x the cells, and openpyxl's time grows with cells), a
long table (commune, line) 2.5 x the cells.

Lines (column STT holds the outline code as text; parents and children share the
column; codes restart under each parent, so ``I``, ``1`` ... recur):

- ``A`` TỔNG THU NSNN TRÊN ĐỊA BÀN = I + II (from 2025: + III + IV)
  - ``I`` Thu nội địa: ``1`` central state-owned enterprises (``1.1`` VAT mục 1700,
    ``1.2`` corporate income tax mục 1050, ``1.3`` excise mục 1750), ``2`` local SOEs
    (``2.1``, ``2.2``), ``3`` FDI enterprises (``3.1``, ``3.2``), ``4`` non-state
    sector (``4.1``, ``4.2``), ``5`` personal income tax (1000), ``6`` registration
    fee (2800), ``7`` land-use fees (1400), ``8`` other revenue (4900);
  - ``II`` Thu từ hoạt động xuất nhập khẩu: ``1`` import VAT (1700), ``2`` import
    duty (1900), ``3`` export duty (1850);
  - from budget year 2025: ``III`` Thu từ dầu thô (crude oil) and ``IV`` Thu viện trợ
    và thu khác (aid and other revenue): the three published groups (domestic,
    import-export, crude oil) do not add up to the total, the remainder is its own
    line. Groups keep their numbers across the years (``A/II`` is import-export in
    every report), so a line path means one thing in every year.
- ``B`` TỔNG CHI NGÂN SÁCH ĐỊA PHƯƠNG = I + II + III + IV
  - ``I`` Chi đầu tư phát triển;
  - ``II`` Chi thường xuyên: ``1`` education (loại 070), ``2`` health (130),
    ``3`` science (100), ``4`` culture (160), ``5`` social security (370),
    ``6`` economic services (280), ``7`` general administration (``7.1`` salaries
    mục 6000, ``7.2`` allowances 6100, ``7.3`` contributions 6300, ``7.4`` other),
    ``8`` other recurrent;
  - ``III`` Chi trả nợ lãi; ``IV`` Dự phòng ngân sách.

``Mã số`` is text (``"070"`` keeps its zero): the mục (economic content) of revenue
and pay lines, the loại (function) of sector lines, blank on parents and on lines
without a single code. The codes of these lines are the same under Circular
324/2016/TT-BTC and Circular 130/2025/TT-BTC; what the new index removes is the
district chapters (chương 600-799), and from 2026 no report has a district (only the
row-5 note says which index applies). Parent rows carry the sum of their children, so
summing every row double-counts. Traps: district, ``Cấp huyện`` and commune columns
have ``-`` (not 0) on import-export, crude-oil and other revenue and on interest;
``Dự phòng ngân sách`` has a blank execution (reserves are spent through other lines);
some districts and communes leave the council estimate of ``8`` (other revenue) blank.
The ``%`` columns are values rounded to one decimal, not formulas, and are blank or
``-`` where a term is. City sheet amounts are exact tenths of a billion.

Published figures B1..B8 (``published_figures.csv``) and B9..B19
(``published_figures_2025.csv``: the 2025 year and nine-month revenue, its groups, rates
against the centre's estimate, the nine-month y/y ratio, local expenditure and its
groups; B13 and B19 are lower bounds) are calibrated in exactly and checked before
anything is written. ``scale`` is accepted for the common generator signature and
ignored: the number of budget reports is fixed. The 2021..2024 6T/12T reports are drawn
first, from the same stream as before the quarterly reports were added, so they do not
change; everything later draws from a second stream.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from copy import copy
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from sources.loading.admin_units import LEGACY_VALID_TO, REFORM_DATE, build_admin_units
from sources.readers.budget import PERIOD_MONTHS, budget_index, period_end
from sources.sample import FIRST_MONTH, LAST_MONTH, CalibrationError
from sources.sample._xlsx import save_reproducibly

log = logging.getLogger(__name__)

STREAM = 1
QUARTERLY_FROM = 2025  # budget year from which the sample has every quarterly report
YEARS = tuple(range(FIRST_MONTH[0], QUARTERLY_FROM))  # 2021..2024: 6T and 12T
PERIODS = ("6T", "12T")
EXTRA_REPORTS = ((2024, "9T"),)  # B16: Jan-Sep 2025 against Jan-Sep 2024
CITY_SHEET = "Toàn thành phố"
CITY_LEVEL_SHEET = "Khối thành phố"
FORMER_DISTRICTS_SHEET = (
    f"Cấp huyện (đến {LEGACY_VALID_TO.day}.{LEGACY_VALID_TO.month}.{LEGACY_VALID_TO.year})"
)
COMMUNES_SHEET = "Các xã, phường"
CITY = "city"
CITY_LEVEL = "city_level"
FORMER_DISTRICTS = "former_districts"
DASH = "-"
COLUMNS = ("ttg", "hdnd", "exec")  # Cấp trên giao, HĐND giao, execution (cumulative)

Amount = int | str | None  # integer (tenths of bn on the city sheet, triệu elsewhere), "-", blank

# Published figures calibrated in (figure ids of published_figures.csv). City amounts
# in tenths of a billion VND, Hoàn Kiếm amounts in million VND.
CITY_REVENUE_EXEC = {(2023, "12T"): 4_052_520, (2024, "12T"): 5_093_000, (2024, "6T"): 2_520_540}
CITY_REVENUE_STATUTORY_2024 = 4_085_000  # B3, B5 denominator (dự toán pháp lệnh)
HOAN_KIEM = "002"
HOAN_KIEM_REVENUE_EXEC = {2021: 14_003_000, 2022: 14_732_000}  # B8 denominator, B6
HOAN_KIEM_REVENUE_ESTIMATE_2022 = 11_250_000  # B7 denominator (city's assignment)
# published_figures_2025.csv, tenths of a billion VND, by report and line path.
CITY_2025 = {
    ("12T", "A"): 7_045_790,  # B9 revenue on the territory
    ("12T", "A/I"): 6_622_810,  # B10 domestic
    ("12T", "A/II"): 388_970,  # B11 import-export
    ("12T", "A/III"): 24_830,  # B12 crude oil
    ("12T", "A/IV"): 9_180,  # B9 - B10 - B11 - B12: other revenue, its own line
    ("12T", "B"): 1_557_340,  # B17 local expenditure
    ("12T", "B/I"): 850_380,  # B18 development investment
    ("12T", "B/II"): 705_446,  # B19: recurrent "above 70,544"
    ("12T", "B/III"): 1_514,  # interest: B17 - B18 - recurrent
    ("9T", "A"): 4_999_000,  # B14 (499.9 thousand bn)
}
CITY_REVENUE_STATUTORY_2025 = 5_138_000  # B13 (execution >= 137 %), B15 (97.3 %)
CITY_REVENUE_9T_2024 = 3_772_830  # B16 denominator (9T 2025 / 9T 2024 = 132.5 %)
RECURRENT_2025_AT_LEAST = 705_440  # B19 (bound)
PUBLISHED_RATES = {
    "B3": "124.7",
    "B5": "61.7",
    "B7": "131",
    "B8": "105.2",
    "B15": "97.3",
    "B16": "132.5",
}
PUBLISHED_RATE_BOUNDS = {"B13": "137"}


def reports() -> tuple[tuple[int, str], ...]:
    """(budget year, period) of every report published by ``LAST_MONTH``, in order."""
    out = []
    for year in range(FIRST_MONTH[0], LAST_MONTH[0] + 1):
        for period, months in PERIOD_MONTHS.items():
            kept = period in PERIODS or year >= QUARTERLY_FROM or (year, period) in EXTRA_REPORTS
            if kept and (year, months) <= LAST_MONTH:
                out.append((year, period))
    return tuple(out)


@dataclass(frozen=True)
class Line:
    """One row of the disclosure form. Shares apply to leaves only."""

    stt: str
    name: str
    code: str | None
    depth: int
    section: str  # "revenue" | "expenditure"
    share: float = 0.0  # base share of the city's section total
    district_weight: float = 0.0  # how much of the line districts collect / spend
    district_dash: bool = False  # "-" on district sheets (not applicable at that level)
    no_execution: bool = False  # execution left blank (budget reserve)


_VAT, _CIT = "Thuế giá trị gia tăng", "Thuế thu nhập doanh nghiệp"
_R, _E = "revenue", "expenditure"
LINES: tuple[Line, ...] = (
    Line("A", "TỔNG THU NSNN TRÊN ĐỊA BÀN (A = I + II)", None, 0, _R),
    Line("I", "Thu nội địa", None, 1, _R),
    Line("1", "Thu từ doanh nghiệp nhà nước do Trung ương quản lý", None, 2, _R),
    Line("1.1", _VAT, "1700", 3, _R, 0.10, 0.08),
    Line("1.2", _CIT, "1050", 3, _R, 0.08, 0.08),
    Line("1.3", "Thuế tiêu thụ đặc biệt", "1750", 3, _R, 0.035, 0.05),
    Line("2", "Thu từ doanh nghiệp nhà nước do địa phương quản lý", None, 2, _R),
    Line("2.1", _VAT, "1700", 3, _R, 0.015, 0.2),
    Line("2.2", _CIT, "1050", 3, _R, 0.015, 0.2),
    Line("3", "Thu từ doanh nghiệp có vốn đầu tư nước ngoài", None, 2, _R),
    Line("3.1", _VAT, "1700", 3, _R, 0.035, 0.2),
    Line("3.2", _CIT, "1050", 3, _R, 0.035, 0.2),
    Line("4", "Thu từ khu vực kinh tế ngoài quốc doanh", None, 2, _R),
    Line("4.1", _VAT, "1700", 3, _R, 0.10, 0.5),
    Line("4.2", _CIT, "1050", 3, _R, 0.08, 0.5),
    Line("5", "Thuế thu nhập cá nhân", "1000", 2, _R, 0.11, 0.4),
    Line("6", "Lệ phí trước bạ", "2800", 2, _R, 0.03, 0.6),
    Line("7", "Thu tiền sử dụng đất", "1400", 2, _R, 0.11, 0.8),
    Line("8", "Thu khác còn lại", "4900", 2, _R, 0.16, 0.5),
    Line("II", "Thu từ hoạt động xuất nhập khẩu", None, 1, _R),
    Line("1", "Thuế giá trị gia tăng hàng nhập khẩu", "1700", 2, _R, 0.035, district_dash=True),
    Line("2", "Thuế nhập khẩu", "1900", 2, _R, 0.015, district_dash=True),
    Line("3", "Thuế xuất khẩu", "1850", 2, _R, 0.003, district_dash=True),
    Line("B", "TỔNG CHI NGÂN SÁCH ĐỊA PHƯƠNG (B = I + II + III + IV)", None, 0, _E),
    Line("I", "Chi đầu tư phát triển", None, 1, _E, 0.42, 0.35),
    Line("II", "Chi thường xuyên", None, 1, _E),
    Line("1", "Chi sự nghiệp giáo dục - đào tạo và dạy nghề", "070", 2, _E, 0.16, 0.5),
    Line("2", "Chi sự nghiệp y tế, dân số và gia đình", "130", 2, _E, 0.05, 0.15),
    Line("3", "Chi sự nghiệp khoa học và công nghệ", "100", 2, _E, 0.01, 0.1),
    Line("4", "Chi sự nghiệp văn hóa thông tin", "160", 2, _E, 0.015, 0.35),
    Line("5", "Chi bảo đảm xã hội", "370", 2, _E, 0.03, 0.45),
    Line("6", "Chi sự nghiệp kinh tế", "280", 2, _E, 0.12, 0.35),
    Line("7", "Chi quản lý hành chính, Đảng, đoàn thể", None, 2, _E),
    Line("7.1", "Tiền lương", "6000", 3, _E, 0.03, 0.5),
    Line("7.2", "Phụ cấp lương", "6100", 3, _E, 0.02, 0.5),
    Line("7.3", "Các khoản đóng góp", "6300", 3, _E, 0.008, 0.5),
    Line("7.4", "Chi hoạt động khác", None, 3, _E, 0.02, 0.4),
    Line("8", "Chi thường xuyên khác", None, 2, _E, 0.05, 0.4),
    Line(
        "III",
        "Chi trả nợ lãi các khoản do chính quyền địa phương vay",
        None,
        1,
        _E,
        0.005,
        district_dash=True,
    ),  # fmt: skip
    Line("IV", "Dự phòng ngân sách", None, 1, _E, 0.02, 0.4, no_execution=True),
)
_EXPENDITURE_AT = next(i for i, ln in enumerate(LINES) if ln.stt == "B")
LINES_2025: tuple[Line, ...] = (
    Line("A", "TỔNG THU NSNN TRÊN ĐỊA BÀN (A = I + II + III + IV)", None, 0, _R),
    *LINES[1:_EXPENDITURE_AT],
    Line("III", "Thu từ dầu thô", None, 1, _R, district_dash=True),
    Line("IV", "Thu viện trợ và thu khác", None, 1, _R, district_dash=True),
    *LINES[_EXPENDITURE_AT:],
)


class Form:
    """The lines of one version of the form, with their outline relations."""

    def __init__(self, lines: tuple[Line, ...]) -> None:
        self.lines = lines
        self.n = len(lines)
        self.children: dict[int, list[int]] = {}
        paths: list[str] = []
        stack: list[int] = []
        for i, line in enumerate(lines):
            while stack and lines[stack[-1]].depth >= line.depth:
                stack.pop()
            if stack:
                self.children.setdefault(stack[-1], []).append(i)
            paths.append(f"{paths[stack[-1]]}/{line.stt}" if stack else line.stt)
            stack.append(i)
        self.paths = tuple(paths)
        self.leaves = tuple(i for i in range(self.n) if i not in self.children)
        self.other_revenue = next(i for i, ln in enumerate(lines) if ln.code == "4900")

    def at(self, path: str) -> int:
        """Index of the line at ``path`` (``A/I``)."""
        return self.paths.index(path)

    def leaves_under(self, path: str) -> list[int]:
        """Positions in ``leaves`` of the leaves at or below ``path``."""
        return [
            k
            for k, i in enumerate(self.leaves)
            if self.paths[i] == path or self.paths[i].startswith(path + "/")
        ]

    def mask(self, section: str, attr: str | None = None) -> np.ndarray:
        """1.0 for the leaves of ``section`` (without those flagged ``attr``), else 0.0."""
        return np.array(
            [
                float(
                    self.lines[i].section == section and not (attr and getattr(self.lines[i], attr))
                )
                for i in self.leaves
            ]
        )


LEGACY = Form(LINES)
FORM_2025 = Form(LINES_2025)
N_LINES = LEGACY.n
CHILDREN = LEGACY.children
LEAVES = LEGACY.leaves
OTHER_REVENUE = LEGACY.other_revenue
TOTAL_REVENUE = 0
TOTAL_EXPENDITURE = _EXPENDITURE_AT


def form_of(year: int) -> Form:
    return FORM_2025 if year >= QUARTERLY_FROM else LEGACY


@dataclass(frozen=True)
class Unit:
    """A district or commune: ids, full and short Vietnamese names."""

    admin_unit_id: str
    gso_code: str
    name_vi: str
    short_name_vi: str
    unit_type: str


def units_at(level: str, on: dt.date) -> list[Unit]:
    """Units of ``level`` valid on ``on``, ordered by GSO code."""
    rows = [
        r
        for r in build_admin_units().to_pylist()
        if r["level"] == level and r["valid_from"] <= on <= (r["valid_to"] or dt.date.max)
    ]
    rows.sort(key=lambda r: r["gso_code"])
    return [
        Unit(
            r["admin_unit_id"],
            r["gso_code"],
            unicodedata.normalize("NFC", r["name_vi"]),
            unicodedata.normalize("NFC", r["short_name_vi"]),
            r["unit_type"],
        )
        for r in rows
    ]


def _districts() -> list[Unit]:
    """The districts of the 2021..2024 reports (valid on 2024-12-31)."""
    return units_at("district", dt.date(YEARS[-1], 12, 31))


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    if total < 0 or (w < 0).any() or w.sum() <= 0:
        raise CalibrationError(f"cannot split {total} over weights {w}")
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    remainder = total - int(base.sum())
    fractions = np.where(w > 0, raw - base, -1.0)
    base[np.argsort(-fractions, kind="stable")[:remainder]] += 1
    return base


def _noise(rng: np.random.Generator, sigma: float, size: int) -> np.ndarray:
    return np.exp(rng.normal(0.0, sigma, size))


def _council(rng: np.random.Generator, ttg: np.ndarray, total: int, keep: np.ndarray) -> np.ndarray:
    """Council estimate per leaf: the higher level's plus a share of the council's top-up.

    Where the council leaves a line blank (``keep`` 0) its total is spread over the others.
    """
    noise = _noise(rng, 0.3, len(ttg))
    if keep.all():
        return ttg + _split(total - int(ttg.sum()), ttg * noise)
    return _split(total, ttg * keep * noise)


def _mask(section: str, attr: str | None = None) -> np.ndarray:
    """1.0 for the leaves of ``section`` (without those flagged ``attr``), else 0.0."""
    return LEGACY.mask(section, attr)


def _totals(rng: np.random.Generator, districts: list[Unit]) -> dict:
    """Section totals per year: city in tenths of bn, districts in million VND."""
    city: dict[tuple[str, int], dict[str, int]] = {}
    # Revenue: anchored on the published 2023 and 2024 executions, earlier years drawn.
    x12 = {2023: CITY_REVENUE_EXEC[(2023, "12T")], 2024: CITY_REVENUE_EXEC[(2024, "12T")]}
    x12[2022] = round(x12[2023] / (1 + rng.uniform(0.07, 0.12)))
    x12[2021] = round(x12[2022] / (1 + rng.uniform(0.10, 0.16)))
    for year in YEARS:
        ttg = (
            CITY_REVENUE_STATUTORY_2024
            if year == 2024
            else round(x12[year] / rng.uniform(1.08, 1.22))
        )
        x6 = CITY_REVENUE_EXEC.get((year, "6T")) or round(x12[year] * rng.uniform(0.47, 0.55))
        hdnd = round(ttg * rng.uniform(1.005, 1.03))
        city[(_R, year)] = {"ttg": ttg, "hdnd": hdnd, "12T": x12[year], "6T": x6}
    # Expenditure: about 100k bn in 2021, rising 8-13 % a year.
    spend = rng.uniform(98_000, 106_000) * 10
    for year in YEARS:
        if year > YEARS[0]:
            spend *= 1 + rng.uniform(0.08, 0.13)
        x = round(spend)
        ttg = round(x / rng.uniform(0.85, 0.97))
        city[(_E, year)] = {
            "ttg": ttg,
            "hdnd": round(ttg * rng.uniform(1.0, 1.04)),
            "12T": x,
            "6T": round(x * rng.uniform(0.36, 0.46)),
        }

    district: dict[tuple[str, int, str], dict[str, int]] = {}
    for d in districts:
        if d.gso_code == HOAN_KIEM:
            revenue = float(HOAN_KIEM_REVENUE_EXEC[2021])
        elif d.unit_type == "quan":
            revenue = 4_000_000 * float(np.exp(rng.normal(0, 0.35)))
        elif d.unit_type == "thi_xa":
            revenue = 900_000 * float(np.exp(rng.normal(0, 0.2)))
        else:
            revenue = 1_400_000 * float(np.exp(rng.normal(0, 0.35)))
        spend = rng.uniform(900_000, 1_900_000)
        for year in YEARS:
            if year > YEARS[0]:
                revenue *= 1 + rng.normal(0.08, 0.04)
                spend *= 1 + rng.normal(0.09, 0.03)
            if d.gso_code == HOAN_KIEM and year in HOAN_KIEM_REVENUE_EXEC:
                revenue = float(HOAN_KIEM_REVENUE_EXEC[year])
            x = round(revenue)
            if d.gso_code == HOAN_KIEM and year == 2022:
                ttg = HOAN_KIEM_REVENUE_ESTIMATE_2022
            else:
                ttg = round(x / rng.uniform(1.02, 1.30))
            district[(_R, year, d.gso_code)] = {
                "ttg": ttg,
                "hdnd": round(ttg * rng.uniform(1.0, 1.04)),
                "12T": x,
                "6T": round(x * rng.uniform(0.45, 0.56)),
            }
            x = round(spend)
            ttg = round(x / rng.uniform(0.85, 0.97))
            district[(_E, year, d.gso_code)] = {
                "ttg": ttg,
                "hdnd": round(ttg * rng.uniform(1.0, 1.05)),
                "12T": x,
                "6T": round(x * rng.uniform(0.36, 0.46)),
            }
    return {"city": city, "district": district}


def _leaf_amounts(rng: np.random.Generator, districts: list[Unit]) -> dict:
    """Leaf amounts: ``out[(year, period)][unit][column]`` -> list over LEAVES.

    Estimates (``ttg``, ``hdnd``) are drawn once a year and copied into both periods.
    """
    totals = _totals(rng, districts)
    shares = np.array([LINES[i].share for i in LEAVES])
    dweights = np.array([LINES[i].district_weight for i in LEAVES])
    # A district's own profile across lines, fixed over the years.
    profiles = {d.gso_code: dweights * _noise(rng, 0.25, len(LEAVES)) for d in districts}
    n = len(LEAVES)
    out: dict[tuple[int, str], dict[str, dict[str, list[Amount]]]] = {}
    for year in YEARS:
        city: dict[str, np.ndarray] = {
            c: np.zeros(n, np.int64) for c in ("ttg", "hdnd", "12T", "6T")
        }
        dist: dict[str, dict[str, np.ndarray]] = {
            d.gso_code: {c: np.zeros(n, np.int64) for c in city} for d in districts
        }
        codes = [d.gso_code for d in districts]
        blank_hdnd = {str(c) for c in rng.choice(codes, size=4, replace=False)}
        for section in (_R, _E):
            on = _mask(section)
            executed = _mask(section, "no_execution")
            local = _mask(section, "district_dash")
            t = totals["city"][(section, year)]
            ttg = _split(t["ttg"], shares * on * _noise(rng, 0.10, n))
            hdnd = _council(rng, ttg, t["hdnd"], np.ones(n))
            x12 = _split(t["12T"], ttg * executed * _noise(rng, 0.06, n))
            x6 = _split(t["6T"], x12 * _noise(rng, 0.06, n))
            for col, arr in (("ttg", ttg), ("hdnd", hdnd), ("12T", x12), ("6T", x6)):
                city[col] += arr
            for d in districts:
                t = totals["district"][(section, year, d.gso_code)]
                keep = np.ones(n)
                if section == _R and d.gso_code in blank_hdnd:
                    keep[LEAVES.index(OTHER_REVENUE)] = 0.0
                weights = ttg * local * profiles[d.gso_code] * _noise(rng, 0.05, n)
                d_ttg = _split(t["ttg"], weights)
                d_hdnd = _council(rng, d_ttg, t["hdnd"], keep)
                d_x12 = _split(t["12T"], d_ttg * executed * _noise(rng, 0.08, n))
                d_x6 = _split(t["6T"], d_x12 * _noise(rng, 0.06, n))
                for col, arr in (("ttg", d_ttg), ("hdnd", d_hdnd), ("12T", d_x12), ("6T", d_x6)):
                    dist[d.gso_code][col] += arr

        for period in PERIODS:
            units: dict[str, dict[str, list[Amount]]] = {}
            for unit, unit_cols in [(CITY, city), *((code, dist[code]) for code in dist)]:
                units[unit] = {
                    col: _cells(unit_cols[src], unit, col, blank_hdnd)
                    for col, src in (("ttg", "ttg"), ("hdnd", "hdnd"), ("exec", period))
                }
            units[CITY_LEVEL] = {
                col: _city_level(units, [d.gso_code for d in districts], col) for col in COLUMNS
            }
            out[(year, period)] = units
    return out


def _cells(
    values: np.ndarray, unit: str, col: str, blank_hdnd: set[str], form: Form = LEGACY
) -> list[Amount]:
    """Leaf amounts of one unit and column, with the form's "-" and blank cells."""
    row: list[Amount] = []
    for k, i in enumerate(form.leaves):
        line = form.lines[i]
        if line.no_execution and col == "exec":
            row.append(None)
        elif unit not in (CITY, CITY_LEVEL) and line.district_dash:
            row.append(DASH)
        elif col == "hdnd" and i == form.other_revenue and unit in blank_hdnd:
            row.append(None)
        else:
            row.append(int(values[k]))
    return row


def _city_level(units: dict, codes: list[str], col: str, form: Form = LEGACY) -> list[Amount]:
    """City-level leaf = city leaf (tenths of bn -> million VND) minus the other parts'
    (districts; after the reform the closed district budgets and the communes)."""
    row: list[Amount] = []
    for k, i in enumerate(form.leaves):
        city = units[CITY][col][k]
        if city is None:
            row.append(None)
            continue
        districts = sum(v for c in codes if isinstance(v := units[c][col][k], int))
        value = city * 100 - districts
        if value <= 0:
            raise CalibrationError(
                f"city-level {col} of line {form.paths[i]} {form.lines[i].name!r} is {value}: "
                "the other parts exceed the city"
            )
        row.append(value)
    return row


Leaves = dict[str, dict[str, list[Amount]]]  # unit -> column -> amounts over a form's leaves


def _nine_months_2024(rng: np.random.Generator, h1: Leaves, fy: Leaves, codes: list[str]) -> Leaves:
    """The 9T report of 2024, between its 6T and 12T reports: the city's leaves take a
    share of their way from June to December (revenue to B16's base), every district's
    the same share on each line; the city level is what is left."""
    n = len(LEAVES)
    share = np.zeros(n)
    city6, city12 = h1[CITY]["exec"], fy[CITY]["exec"]
    city9 = list(city6)
    for section in (_R, _E):
        ks = [
            k for k in range(n) if LINES[LEAVES[k]].section == section and isinstance(city6[k], int)
        ]
        start, end = sum(city6[k] for k in ks), sum(city12[k] for k in ks)
        target = (
            CITY_REVENUE_9T_2024
            if section == _R
            else start + round((end - start) * rng.uniform(0.42, 0.55))
        )
        gap = np.array([city12[k] - city6[k] for k in ks], dtype=float)
        steps = _split(target - start, gap * _noise(rng, 0.05, len(ks)))
        for k, g, step in zip(ks, gap, steps, strict=True):
            city9[k] = city6[k] + int(step)
            share[k] = step / g
    out: Leaves = {CITY: {"ttg": fy[CITY]["ttg"], "hdnd": fy[CITY]["hdnd"], "exec": city9}}
    for code in codes:
        a, b = h1[code]["exec"], fy[code]["exec"]
        out[code] = {
            "ttg": fy[code]["ttg"],
            "hdnd": fy[code]["hdnd"],
            "exec": [
                x + round(share[k] * (b[k] - x)) if isinstance(x, int) else x
                for k, x in enumerate(a)
            ],
        }
    out[CITY_LEVEL] = {col: _city_level(out, codes, col) for col in COLUMNS}
    return out


def _quarters(rng: np.random.Generator, year_end: np.ndarray, totals: dict[str, int]) -> dict:
    """Cumulative leaf executions 9T, 6T, 3T (totals given), each split from the next
    period's leaves so that every leaf grows through the year."""
    out = {}
    later = year_end
    for period in ("9T", "6T", "3T"):
        later = _split(totals[period], later * _noise(rng, 0.04, len(later)))
        out[period] = later
    return out


def _spread(totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each line's total split over the rows (communes) of ``weights`` (communes x lines)."""
    out = np.zeros(weights.shape, np.int64)
    for k, total in enumerate(totals):
        if total > 0:
            out[:, k] = _split(int(total), weights[:, k])
    return out


def _city_estimates(
    rng: np.random.Generator, form: Form, executed: np.ndarray, revenue_estimate: int
) -> tuple[np.ndarray, np.ndarray]:
    """The city's superior and council estimates per leaf from its year's execution."""
    n = len(form.leaves)
    rev, spent = form.mask(_R), form.mask(_E, "no_execution")
    reserve = form.leaves_under("B/IV")[0]
    ttg_r = _split(revenue_estimate, executed * rev * _noise(rng, 0.08, n))
    spending = int((executed * spent).sum())
    weights = executed * spent * _noise(rng, 0.08, n)
    weights[reserve] = 0.02 * spending
    ttg_e = _split(round(spending / rng.uniform(0.86, 0.95)), weights)
    hdnd_r = _council(rng, ttg_r, round(revenue_estimate * rng.uniform(1.005, 1.03)), np.ones(n))
    hdnd_e = _council(rng, ttg_e, round(int(ttg_e.sum()) * rng.uniform(1.0, 1.04)), np.ones(n))
    return ttg_r + ttg_e, hdnd_r + hdnd_e


def _city_periods(
    rng: np.random.Generator, form: Form, year_end: np.ndarray, totals: dict[str, dict[str, int]]
) -> dict[str, np.ndarray]:
    """Cumulative city executions per period, revenue and expenditure each to its totals."""
    out = {"12T": year_end}
    for section in (_R, _E):
        part = _quarters(rng, year_end * form.mask(section, "no_execution"), totals[section])
        for period, leaves in part.items():
            out[period] = out.get(period, 0) + leaves
    return out


def _as_cells(
    form: Form, arrays: dict[str, dict[str, np.ndarray]], parts: list[str], blank: set[str]
) -> Leaves:
    """Amounts of every unit with "-" and blank cells, and the city level's residual."""
    out: Leaves = {
        unit: {col: _cells(cols[col], unit, col, blank, form) for col in COLUMNS}
        for unit, cols in arrays.items()
    }
    out[CITY_LEVEL] = {col: _city_level(out, parts, col, form) for col in COLUMNS}
    return out


def _commune_profiles(rng: np.random.Generator, form: Form, communes: list[Unit]) -> np.ndarray:
    """How much of each line a commune collects or spends (communes x leaves), fixed."""
    weights = np.array([form.lines[i].district_weight for i in form.leaves])
    size = np.array([1.6 if c.unit_type == "phuong" else 0.8 for c in communes])
    size *= _noise(rng, 0.35, len(communes))
    noise = np.exp(rng.normal(0.0, 0.2, (len(communes), len(form.leaves))))
    return size[:, None] * weights[None, :] * noise


def _blank_council(
    rng: np.random.Generator, form: Form, ids: list[str], count: int
) -> tuple[set[str], np.ndarray]:
    """Units that leave the council estimate of "other revenue" blank, and a keep mask."""
    blank = {str(c) for c in rng.choice(ids, size=count, replace=False)}
    keep = np.ones((len(ids), len(form.leaves)))
    k = form.leaves.index(form.other_revenue)
    for row, unit in enumerate(ids):
        if unit in blank:
            keep[row, k] = 0.0
    return blank, keep


def _year_2025(
    rng: np.random.Generator, fy2024: Leaves, districts: list[Unit], communes: list[Unit]
) -> tuple[dict[str, Leaves], dict]:
    """The four 2025 reports: districts to June, the closed district budgets and the
    communes (from July) after; and what 2026 builds on."""
    form = FORM_2025
    n = len(form.leaves)
    year_end = np.zeros(n, np.int64)
    for (period, path), total in CITY_2025.items():
        if period == "12T" and path.count("/") == 1:
            ks = form.leaves_under(path)
            shares = np.array([form.lines[form.leaves[k]].share or 1.0 for k in ks])
            year_end[ks] = _split(total, shares * _noise(rng, 0.10, len(ks)))
    ttg, hdnd = _city_estimates(rng, form, year_end, CITY_REVENUE_STATUTORY_2025)
    r9 = CITY_2025[("9T", "A")]
    r6 = round(r9 * rng.uniform(0.64, 0.70))
    e9 = round(CITY_2025[("12T", "B")] * rng.uniform(0.56, 0.64))
    e6 = round(e9 * rng.uniform(0.62, 0.70))
    totals = {
        _R: {"9T": r9, "6T": r6, "3T": round(r6 * rng.uniform(0.44, 0.52))},
        _E: {"9T": e9, "6T": e6, "3T": round(e6 * rng.uniform(0.40, 0.50))},
    }
    city = _city_periods(rng, form, year_end, totals)

    # Districts (to June): grown from their 2024 year, split like the city's estimate.
    local = form.mask(_R, "district_dash") + form.mask(_E, "district_dash")
    executed = np.array([float(not form.lines[i].no_execution) for i in form.leaves])
    weights = np.array([form.lines[i].district_weight for i in form.leaves])
    codes = [d.gso_code for d in districts]
    profiles = {c: weights * _noise(rng, 0.25, n) for c in codes}
    blank_d, keep_d = _blank_council(rng, form, codes, 4)
    d_cols: dict[str, dict[str, np.ndarray]] = {}
    for row, code in enumerate(codes):
        cols = {c: np.zeros(n, np.int64) for c in ("ttg", "hdnd", "12T", "6T", "3T")}
        for section, growth, plan, half in (
            (_R, (0.08, 0.04), (1.02, 1.30), (0.45, 0.56)),
            (_E, (0.09, 0.03), (0.85, 0.97), (0.36, 0.46)),
        ):
            base = sum(
                v
                for k, v in enumerate(fy2024[code]["exec"])
                if isinstance(v, int) and LINES[LEAVES[k]].section == section
            )
            x12 = round(base * (1 + rng.normal(*growth)))
            d_ttg_total = round(x12 / rng.uniform(*plan))
            x6 = round(x12 * rng.uniform(*half))
            on = form.mask(section) * local
            d_ttg = _split(d_ttg_total, ttg * on * profiles[code] * _noise(rng, 0.05, n))
            keep = keep_d[row] if section == _R else np.ones(n)
            d_hdnd = _council(rng, d_ttg, round(d_ttg_total * rng.uniform(1.0, 1.04)), keep)
            d12 = _split(x12, d_ttg * executed * _noise(rng, 0.08, n))
            d6 = _split(x6, d12 * _noise(rng, 0.06, n))
            d3 = _split(round(x6 * rng.uniform(0.40, 0.50)), d6 * _noise(rng, 0.06, n))
            for col, arr in (
                ("ttg", d_ttg),
                ("hdnd", d_hdnd),
                ("12T", d12),
                ("6T", d6),
                ("3T", d3),
            ):
                cols[col] += arr
        d_cols[code] = cols

    # At the reform: the closed district budgets keep their January-June execution and
    # that share of their estimates; the communes get the rest of the estimates.
    totals_d = {c: sum(d_cols[code][c] for code in codes) for c in ("ttg", "hdnd", "12T", "6T")}
    first_half = np.where(totals_d["12T"] > 0, totals_d["6T"] / np.maximum(totals_d["12T"], 1), 0.5)
    fd = {
        "ttg": np.round(totals_d["ttg"] * first_half).astype(np.int64),
        "hdnd": np.round(totals_d["hdnd"] * first_half).astype(np.int64),
        "exec": totals_d["6T"],
    }
    profile = _commune_profiles(rng, form, communes)
    ids = [c.admin_unit_id for c in communes]
    blank_c, keep_c = _blank_council(rng, form, ids, 5)
    c12_total = np.round((totals_d["12T"] - totals_d["6T"]) * rng.uniform(0.9, 1.1, n)).astype(
        np.int64
    )
    c9_total = np.round(c12_total * rng.uniform(0.45, 0.55, n)).astype(np.int64)
    c_ttg = _spread(totals_d["ttg"] - fd["ttg"], profile)
    c_hdnd = _spread(totals_d["hdnd"] - fd["hdnd"], profile * keep_c)
    c12 = _spread(c12_total, c_ttg * np.exp(rng.normal(0.0, 0.08, c_ttg.shape)))
    c9 = _spread(c9_total, c12 * np.exp(rng.normal(0.0, 0.05, c12.shape)))

    out: dict[str, Leaves] = {}
    for period in ("3T", "6T"):
        arrays = {CITY: {"ttg": ttg, "hdnd": hdnd, "exec": city[period]}}
        for code in codes:
            d = d_cols[code]
            arrays[code] = {"ttg": d["ttg"], "hdnd": d["hdnd"], "exec": d[period]}
        out[period] = _as_cells(form, arrays, codes, blank_d)
    for period, c_exec in (("9T", c9), ("12T", c12)):
        arrays = {CITY: {"ttg": ttg, "hdnd": hdnd, "exec": city[period]}, FORMER_DISTRICTS: fd}
        for row, unit in enumerate(ids):
            arrays[unit] = {"ttg": c_ttg[row], "hdnd": c_hdnd[row], "exec": c_exec[row]}
        out[period] = _as_cells(form, arrays, [FORMER_DISTRICTS, *ids], blank_c)
    carry = {
        "city": year_end,
        "local": totals_d["6T"] + c12_total,  # what the local level executed in 2025
        "local_reserve": totals_d["ttg"],
        "profile": profile,
    }
    return out, carry


def _year_2026(rng: np.random.Generator, carry: dict, communes: list[Unit]) -> dict[str, Leaves]:
    """2026 (3T, 6T, 9T published by November): the city and the 126 communes."""
    form = FORM_2025
    n = len(form.leaves)
    rev, spent = form.mask(_R), form.mask(_E, "no_execution")
    before = carry["city"]
    r12 = round(int((before * rev).sum()) * rng.uniform(1.06, 1.10))
    e12 = round(int((before * spent).sum()) * rng.uniform(1.06, 1.12))
    year_end = _split(r12, before * rev * _noise(rng, 0.05, n)) + _split(
        e12, before * spent * _noise(rng, 0.05, n)
    )
    ttg, hdnd = _city_estimates(rng, form, year_end, round(r12 / rng.uniform(1.05, 1.18)))
    r9, e9 = round(r12 * rng.uniform(0.68, 0.74)), round(e12 * rng.uniform(0.56, 0.64))
    r6, e6 = round(r9 * rng.uniform(0.62, 0.70)), round(e9 * rng.uniform(0.62, 0.70))
    totals = {
        _R: {"9T": r9, "6T": r6, "3T": round(r6 * rng.uniform(0.42, 0.50))},
        _E: {"9T": e9, "6T": e6, "3T": round(e6 * rng.uniform(0.40, 0.50))},
    }
    city = _city_periods(rng, form, year_end, totals)

    local12 = np.round(carry["local"] * rng.uniform(1.04, 1.12, n)).astype(np.int64)
    plan = np.where(rev > 0, rng.uniform(1.02, 1.25, n), rng.uniform(0.85, 0.97, n))
    c_ttg_total = np.round(local12 / plan).astype(np.int64)
    reserve = form.leaves_under("B/IV")[0]
    c_ttg_total[reserve] = round(carry["local_reserve"][reserve] * rng.uniform(1.0, 1.1))
    c_hdnd_total = np.round(c_ttg_total * rng.uniform(1.0, 1.04, n)).astype(np.int64)
    c9_total = np.round(local12 * rng.uniform(0.66, 0.74, n)).astype(np.int64)
    c6_total = np.round(c9_total * rng.uniform(0.62, 0.70, n)).astype(np.int64)
    c3_total = np.round(c6_total * rng.uniform(0.42, 0.50, n)).astype(np.int64)
    ids = [c.admin_unit_id for c in communes]
    blank_c, keep_c = _blank_council(rng, form, ids, 5)
    profile = carry["profile"]
    c_ttg = _spread(c_ttg_total, profile)
    c_hdnd = _spread(c_hdnd_total, profile * keep_c)
    c9 = _spread(c9_total, c_ttg * np.exp(rng.normal(0.0, 0.08, c_ttg.shape)))
    c6 = _spread(c6_total, c9 * np.exp(rng.normal(0.0, 0.05, c9.shape)))
    c3 = _spread(c3_total, c6 * np.exp(rng.normal(0.0, 0.05, c6.shape)))
    out: dict[str, Leaves] = {}
    for period, c_exec in (("3T", c3), ("6T", c6), ("9T", c9)):
        arrays = {CITY: {"ttg": ttg, "hdnd": hdnd, "exec": city[period]}}
        for row, unit in enumerate(ids):
            arrays[unit] = {"ttg": c_ttg[row], "hdnd": c_hdnd[row], "exec": c_exec[row]}
        out[period] = _as_cells(form, arrays, ids, blank_c)
    return out


def _with_parents(leaves: list[Amount], form: Form = LEGACY) -> list[Amount]:
    """Full column over the form's lines: leaves as given, parents = sum of their present
    children."""
    full: list[Amount] = [None] * form.n
    for k, i in enumerate(form.leaves):
        full[i] = leaves[k]
    for i in reversed(range(form.n)):
        if i not in form.children:
            continue
        kids = [full[j] for j in form.children[i]]
        numbers = [v for v in kids if isinstance(v, int)]
        if numbers:
            full[i] = sum(numbers)
        elif all(v == DASH for v in kids):
            full[i] = DASH
        else:
            full[i] = None
    return full


def _pct(num: Amount, den: Amount) -> float | str | None:
    """``num / den`` in percent, rounded half-up to one decimal, as the forms print it."""
    if num == DASH or den == DASH:
        return DASH
    if not isinstance(num, int) or not isinstance(den, int) or den == 0:
        return None
    ratio = Decimal(num * 100) / Decimal(den)
    return float(ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _rate(num: int, den: int, published: str) -> str:
    exponent = Decimal(published).as_tuple().exponent
    value = (Decimal(num * 100) / Decimal(den)).quantize(
        Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP
    )
    return str(value)


@dataclass
class Report:
    """One workbook: its leaves per unit and which sheets carry them."""

    year: int
    period: str
    leaves: Leaves
    districts: list[Unit] = field(default_factory=list)  # one sheet each (to 2025-06-30)
    communes: list[Unit] = field(default_factory=list)  # groups of ``Các xã, phường``
    former_districts: bool = False  # the ``Cấp huyện`` sheet (2025 after the reform)
    table: dict[str, dict[str, list[Amount]]] = field(init=False)

    def __post_init__(self) -> None:
        self.table = {
            unit: {col: _with_parents(cols[col], self.form) for col in COLUMNS}
            for unit, cols in self.leaves.items()
        }

    @property
    def form(self) -> Form:
        return form_of(self.year)

    @property
    def parts(self) -> list[str]:
        """Units whose amounts add up to the city's."""
        return [
            CITY_LEVEL,
            *(d.gso_code for d in self.districts),
            *([FORMER_DISTRICTS] if self.former_districts else []),
            *(c.admin_unit_id for c in self.communes),
        ]

    @property
    def index_note(self) -> str | None:
        """The budget index the report names (the 2021..2024 6T/12T reports name none)."""
        if self.year in YEARS and self.period in PERIODS:
            return None
        return budget_index(self.year)

    def amount(self, unit: str, col: str, path: str) -> Amount:
        return self.table[unit][col][self.form.at(path)]


def _reports(seed: int) -> dict[tuple[int, str], Report]:
    """Every report of ``reports()``; legacy years from stream 1 as drawn since the first
    sample, the quarterly reports from a second stream."""
    rng = np.random.default_rng([seed, STREAM])
    districts = _districts()
    codes = [d.gso_code for d in districts]
    legacy = _leaf_amounts(rng, districts)
    wanted = reports()
    out: dict[tuple[int, str], Report] = {
        key: Report(*key, leaves, districts) for key, leaves in legacy.items() if key in wanted
    }
    later = np.random.default_rng([seed, STREAM, 2])
    h1, fy = legacy[(2024, "6T")], legacy[(2024, "12T")]
    if (2024, "9T") in wanted:
        out[(2024, "9T")] = Report(2024, "9T", _nine_months_2024(later, h1, fy, codes), districts)
    if any(year >= QUARTERLY_FROM for year, _ in wanted):
        districts_2025 = units_at("district", LEGACY_VALID_TO)
        communes = units_at("commune", REFORM_DATE)
        y2025, carry = _year_2025(later, fy, districts_2025, communes)
        y2026 = _year_2026(later, carry, communes)
        for year, periods in ((2025, y2025), (2026, y2026)):
            for period, leaves in periods.items():
                if (year, period) not in wanted:
                    continue
                if period_end(year, period) < REFORM_DATE:
                    out[(year, period)] = Report(year, period, leaves, districts_2025)
                else:
                    out[(year, period)] = Report(
                        year, period, leaves, communes=communes, former_districts=year == 2025
                    )
    if missing := sorted(set(wanted) - set(out)):
        raise CalibrationError(f"no budget generator for the reports {missing}")
    return {key: out[key] for key in wanted}


def _check(books: dict[tuple[int, str], Report]) -> None:
    """Raise CalibrationError unless B1..B19 and the form's identities hold."""
    missed: list[str] = []

    def expect(label: str, got: object, want: object) -> None:
        if got != want:
            missed.append(f"{label}: got {got}, want {want}")

    def revenue(key: tuple[int, str], unit: str = CITY, col: str = "exec") -> Amount:
        return books[key].amount(unit, col, "A")

    for key, want in CITY_REVENUE_EXEC.items():
        expect(f"city revenue {key}", revenue(key), want)
    x24, x24_h1, ttg24 = (
        revenue((2024, "12T")),
        revenue((2024, "6T")),
        revenue((2024, "12T"), col="ttg"),
    )
    expect("B3 statutory estimate 2024", ttg24, CITY_REVENUE_STATUTORY_2024)
    expect("B3", _rate(x24, ttg24, PUBLISHED_RATES["B3"]), PUBLISHED_RATES["B3"])
    expect("B5", _rate(x24_h1, ttg24, PUBLISHED_RATES["B5"]), PUBLISHED_RATES["B5"])
    hk = {y: revenue((y, "12T"), HOAN_KIEM) for y in (2021, 2022)}
    for year, want in HOAN_KIEM_REVENUE_EXEC.items():
        expect(f"Hoàn Kiếm revenue {year}", hk[year], want)
    hk_ttg = revenue((2022, "12T"), HOAN_KIEM, "ttg")
    expect("B7", _rate(hk[2022], hk_ttg, PUBLISHED_RATES["B7"]), PUBLISHED_RATES["B7"])
    expect("B8", _rate(hk[2022], hk[2021], PUBLISHED_RATES["B8"]), PUBLISHED_RATES["B8"])

    y25, q25, q24 = books[(2025, "12T")], books[(2025, "9T")], books[(2024, "9T")]
    for (period, path), want in CITY_2025.items():
        expect(f"city 2025 {period} {path}", books[(2025, period)].amount(CITY, "exec", path), want)
    ttg25 = y25.amount(CITY, "ttg", "A")
    expect("B13/B15 statutory estimate 2025", ttg25, CITY_REVENUE_STATUTORY_2025)
    x25, x9 = y25.amount(CITY, "exec", "A"), q25.amount(CITY, "exec", "A")
    expect("B16 base (9T 2024)", q24.amount(CITY, "exec", "A"), CITY_REVENUE_9T_2024)
    if Decimal(x25 * 100) / Decimal(ttg25) < Decimal(PUBLISHED_RATE_BOUNDS["B13"]):
        missed.append(f"B13: {x25} / {ttg25} below {PUBLISHED_RATE_BOUNDS['B13']} %")
    expect("B15", _rate(x9, ttg25, PUBLISHED_RATES["B15"]), PUBLISHED_RATES["B15"])
    expect("B16", _rate(x9, CITY_REVENUE_9T_2024, PUBLISHED_RATES["B16"]), PUBLISHED_RATES["B16"])
    if y25.amount(CITY, "exec", "B/II") < RECURRENT_2025_AT_LEAST:
        missed.append("B19: recurrent expenditure below the published bound")

    for key, book in books.items():
        for col in COLUMNS:
            for i in range(book.form.n):
                parts = [v for u in book.parts if isinstance(v := book.table[u][col][i], int)]
                city = book.table[CITY][col][i]
                if (city or 0) * 100 != sum(parts) or (city is None) != (not parts):
                    missed.append(f"{key} {col} line {i}: city {city} != sum {sum(parts)}")
                if any(v <= 0 for v in parts):
                    missed.append(f"{key} {col} line {i}: an amount is not positive")
    by_year: dict[int, list[Report]] = {}
    for book in books.values():
        by_year.setdefault(book.year, []).append(book)
    for year, year_books in by_year.items():
        year_books.sort(key=lambda b: PERIOD_MONTHS[b.period])
        for early, late in zip(year_books, year_books[1:], strict=False):
            for unit in set(early.table) & set(late.table):
                for col in ("ttg", "hdnd"):
                    if early.table[unit][col] != late.table[unit][col]:
                        missed.append(
                            f"{year} {unit} {col} differs in {early.period}, {late.period}"
                        )
                if unit == FORMER_DISTRICTS:  # closed on 30 June: the same in 9T and 12T
                    expect(
                        f"{year} closed districts",
                        early.table[unit]["exec"],
                        late.table[unit]["exec"],
                    )
                    continue
                for i, (a, b) in enumerate(
                    zip(early.table[unit]["exec"], late.table[unit]["exec"], strict=True)
                ):
                    if isinstance(a, int) and not (isinstance(b, int) and 0 < a < b):
                        missed.append(
                            f"{year} {unit} line {i}: {early.period} {a} not below "
                            f"{late.period} {b}"
                        )
    if missed:
        raise CalibrationError("budget sample misses: " + "; ".join(missed[:20]))


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


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the budget disclosure workbooks under ``out_dir / "budget"``.

    Deterministic in ``seed`` (random stream 1); ``scale`` is ignored. Raises
    CalibrationError before writing anything if a published figure would be missed.
    Returns the written paths, sorted.
    """
    del scale  # the number of budget reports does not scale
    books = _reports(seed)
    _check(books)
    folder = Path(out_dir) / "budget"
    paths = [
        _write_workbook(folder / f"cong_khai_ngan_sach_{year}_{period}.xlsx", report)
        for (year, period), report in books.items()
    ]
    log.info("wrote %d budget workbooks to %s", len(paths), folder)
    return sorted(paths)
