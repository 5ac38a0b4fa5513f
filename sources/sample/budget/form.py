"""The disclosure form: its reports, sheets, columns and lines (Circular 343/2016/TT-BTC),
the units that get a sheet, and the roll-up of leaf lines to their parents.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

import numpy as np

from sources.loading.admin_units import LEGACY_VALID_TO, build_admin_units
from sources.readers.budget.form import PERIOD_MONTHS
from sources.sample import FIRST_MONTH, LAST_MONTH

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


Leaves = dict[str, dict[str, list[Amount]]]  # unit -> column -> amounts over a form's leaves


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
