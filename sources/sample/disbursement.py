"""Sample monthly public-investment disbursement reports (giải ngân vốn đầu tư công), by project.

Format (as the city's finance department exports it from Excel): one file per monthly
report, ``disbursement/giai_ngan_YYYY-MM.csv``, FIRST_MONTH .. LAST_MONTH of
:mod:`sources.sample` (2021-01 .. 2026-11, 71 files).

- UTF-8 with a byte-order mark, ``;`` delimiter, CRLF line ends, one header row;
- numbers in vi-VN style: ``.`` groups thousands, ``,`` is the decimal mark; plans are
  whole ``triệu đồng`` (``1.234.567``), disbursed amounts have one decimal
  (``1.234.567,8``); 1 bn VND (tỷ đồng) = 1.000 triệu đồng;
- dates ``dd/mm/yyyy``.

Columns, in order:

``Mã dự án``
    7-digit project code, stable across years (multi-year projects reappear).
``Tên dự án``
    project name (fixed by the investment decision: a project begun before the 2025
    reform keeps the district and ward names it was approved with).
``Chủ đầu tư``
    investor: a city project-management board, a department, a district board or a
    commune's people's committee before 2025-07-01; a city board or department, or a
    commune-level unit's people's committee (``Ủy ban nhân dân phường Ba Đình``,
    ``UBND xã Ba Vì``) or its project board from 2025-07-01.
``Nguồn vốn``
    funding source: ``Ngân sách thành phố``, ``Ngân sách trung ương hỗ trợ có mục tiêu``,
    ``Vốn ODA``, ``Ngân sách quận, huyện`` (to 2025-06-30), ``Ngân sách cấp xã`` (from
    2025-07-01), ``Ngân sách thành phố hỗ trợ có mục tiêu``,
    ``Chương trình mục tiêu quốc gia``.
``Đơn vị``
    unit the project's investor belongs to: ``Thành phố`` for city-level investors;
    before 2025-07-01 the district, written as its clerk writes it (``Hoàn Kiếm``,
    ``Q. Hoàn Kiếm``, ``Quận Hoàn Kiếm``, ``H. Ba Vì``, ``TX. Sơn Tây`` ...); from
    2025-07-01, when Hanoi has no districts, the commune-level unit (``Phường Ba Đình``,
    ``P. Ba Đình``, ``Ba Đình``, ``Xã Ba Vì``, ``X. Ba Vì``). At the reform the district
    projects went to the commune-level unit their site went to (through the old → new
    crosswalk), a few to city boards.
``Ngày số liệu``
    as-of date of the report: the month's last day, except the November 2023 report,
    cut on 15/11/2023, and the October 2025 report, cut on 20/10/2025 (the cut of the
    published figures D4..D6 and D9..D11).
``Năm kế hoạch``
    plan year of the row (only in reports from 2025-01, the current layout). Capital of
    a plan year may be disbursed until 31 January of the next year, so a January report
    holds two plan years: the previous one in its last (extension) month and the new
    one. A project financed in both appears once per plan year. In the older layout
    (2021-01 .. 2024-12) the column is absent and the plan year is the as-of date's year.
``Kế hoạch vốn TTg giao (triệu đồng)``
    the project's capital plan for the plan year within the plan assigned by the Prime
    Minister; 0 for projects financed from the city's own extra capital.
``Kế hoạch vốn TP giao (triệu đồng)``
    the project's plan as assigned by the city (>= the TTg plan).
``Giải ngân trong kỳ (triệu đồng)``
    disbursed since the previous report of the same plan year (January: since
    1 January), so December 2023 covers 16/11 .. 31/12 and the extension month
    (January of the next year) covers 1/1 .. 31/1.
``Lũy kế giải ngân từ đầu năm (triệu đồng)``
    cumulative disbursed since the start of the plan year (1 January; through the
    extension month for the previous plan year); never decreases within a plan year and
    may exceed the TTg plan.

Every monthly file restates each project of each open plan year: its plans and its
cumulative figure. Rate = cumulative / plan of the same plan year, on either plan. City
totals (sum over all projects) are calibrated in exactly: D1 (2024 TTg plan 81.033 bn),
D2/D3 (cumulative 17.180 bn at 30/06/2024 and 32.490 bn at 31/10/2024), D4..D6 (30.130 bn
at 15/11/2023 against TTg plan 46.937 bn and city plan 53.091 bn), D7/D8 (2025 plans
87.693,46 bn TTg and 107.134,7 bn city) and D9..D11 (44.428 bn at 20/10/2025). Other
months follow S-shaped curves with a December rush, year-end rates of 86-94 % of the TTg
plan at 31/12 and 2-5 % more in the January extension (modelled from the 2024 plan year
on, the first whose extension month falls in the current layout). Plans do not change
within a plan year.

Random streams: the 2021-2024 plan years are drawn as before the 2025 layout, from the
domain's stream; everything from the 2024 extension month on (the 2025 and 2026 plan
years, new projects, the transfer of district projects at the reform) from a second
stream of the domain, so adding later months never changes earlier files.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

from sources.loading.admin_units import REFORM_DATE, build_admin_units, build_crosswalk
from sources.sample import FIRST_MONTH, LAST_MONTH, CalibrationError

log = logging.getLogger(__name__)

SOURCE = "disbursement"
STREAM = 2
LATER_STREAM = 2025  # sub-stream of STREAM for the current layout (see the docstring)
# The publisher's layout changed with the reports of this year: a plan-year column, and
# January reports that carry the previous plan year's extension month.
LAYOUT_YEAR = 2025
LEGACY_YEARS = tuple(range(FIRST_MONTH[0], LAYOUT_YEAR))  # plan years of the older layout
LATER_YEARS = tuple(range(LAYOUT_YEAR, LAST_MONTH[0] + 1))

LEGACY_COLUMNS = (
    "Mã dự án",
    "Tên dự án",
    "Chủ đầu tư",
    "Nguồn vốn",
    "Đơn vị",
    "Ngày số liệu",
    "Kế hoạch vốn TTg giao (triệu đồng)",
    "Kế hoạch vốn TP giao (triệu đồng)",
    "Giải ngân trong kỳ (triệu đồng)",
    "Lũy kế giải ngân từ đầu năm (triệu đồng)",
)
PLAN_YEAR_COLUMN = "Năm kế hoạch"
COLUMNS = (*LEGACY_COLUMNS[:6], PLAN_YEAR_COLUMN, *LEGACY_COLUMNS[6:])
CITY_UNIT = "Thành phố"

# Calibration (../shared/domain/published_figures*.csv), amounts in triệu đồng.
PLAN_TTG = {2023: 46_937_000, 2024: 81_033_000, 2025: 87_693_460}  # D5 (30.130 / 64.2 %), D1, D7
PLAN_TP = {2023: 53_091_000, 2024: 87_500_000, 2025: 107_134_700}  # D6, D8; 2024: context
CUMULATIVE_AT = {
    dt.date(2023, 11, 15): 30_130_000,  # D4
    dt.date(2024, 6, 30): 17_180_000,  # D2: 21.2 % of the 2024 TTg plan
    dt.date(2024, 10, 31): 32_490_000,  # D3: 40.1 %
    dt.date(2025, 10, 20): 44_428_000,  # D9: 51 % of the TTg plan (D10), 41.5 % of the city's (D11)
}
# Reports not cut on the month's last day: (year, month) -> day of the cut.
SHORT_REPORTS = {(2023, 11): 15, (2025, 10): 20}
YEAR_END_RATE = (0.86, 0.94)  # cumulative at 31/12 / TTg plan
EXTENSION_RATE = (0.02, 0.05)  # disbursed in the January extension month / TTg plan
LEGACY_TTG_BN = (45_000, 52_000)  # range of an uncalibrated TTg plan, bn VND
LATER_TTG_BN = (92_000, 101_000)
# Published text of the figures checked after generation: (id, text).
PUBLISHED = {
    "D1": "81033",
    "D2": "21.2",
    "D3": "40.1",
    "D4": "30130",
    "D5": "64.2",
    "D6": "56.75",
    "D7": "87693.46",
    "D8": "107134.7",
    "D9": "44428",
    "D10": "51",
    "D11": "41.5",
}

# Relative disbursement intensity by month: slow start, December rush.
MONTH_WEIGHTS = np.array([0.35, 0.5, 0.7, 0.8, 0.9, 1.0, 0.95, 1.0, 1.1, 1.25, 1.6, 3.3])

CITY_INVESTORS = {
    "giao_thong": "Ban Quản lý dự án đầu tư xây dựng công trình giao thông thành phố Hà Nội",
    "dan_dung": (
        "Ban Quản lý dự án đầu tư xây dựng công trình dân dụng và công nghiệp thành phố Hà Nội"
    ),
    "ha_tang": (
        "Ban Quản lý dự án đầu tư xây dựng công trình hạ tầng kỹ thuật và nông nghiệp "
        "thành phố Hà Nội"
    ),
    "van_hoa": "Ban Quản lý dự án đầu tư xây dựng công trình văn hóa - xã hội thành phố Hà Nội",
    "duong_sat": "Ban Quản lý đường sắt đô thị Hà Nội",
    "y_te": "Sở Y tế Hà Nội",
    "cong_an": "Công an thành phố Hà Nội",
}
# City boards that took over district projects at the reform.
TAKEOVER_INVESTORS = ("dan_dung", "ha_tang", "giao_thong")
# (name template, investor key); {commune}, {district} are filled in.
CITY_TEMPLATES = (
    ("Xây dựng tuyến đường Vành đai 4 - Vùng Thủ đô, đoạn qua {district}", "giao_thong"),
    ("Cải tạo, nâng cấp tuyến đường tỉnh lộ qua {commune}, {district}", "giao_thong"),
    ("Xây dựng cầu vượt nút giao tại {commune}, {district}", "giao_thong"),
    ("Xây dựng trường Trung học phổ thông {commune}, {district}", "dan_dung"),
    ("Cải tạo, mở rộng Bệnh viện đa khoa {district}", "y_te"),
    ("Xây dựng trạm bơm tiêu {commune}, {district}", "ha_tang"),
    ("Xây dựng hệ thống thu gom, xử lý nước thải {district}", "ha_tang"),
    ("Tu bổ, tôn tạo di tích lịch sử tại {commune}, {district}", "van_hoa"),
    ("Xây dựng trụ sở Công an {commune}, {district}", "cong_an"),
)
ODA_TEMPLATES = (
    ("Tuyến đường sắt đô thị thí điểm thành phố Hà Nội, đoạn Nhổn - ga Hà Nội", "duong_sat"),
    ("Tuyến đường sắt đô thị số 2, đoạn Nam Thăng Long - Trần Hưng Đạo", "duong_sat"),
    ("Xây dựng hệ thống xử lý nước thải Yên Xá", "ha_tang"),
    ("Cải thiện hạ tầng giao thông đô thị, đoạn qua {district}", "giao_thong"),
)
DISTRICT_TEMPLATES = (
    "Xây dựng trường Mầm non {commune}",
    "Cải tạo, nâng cấp trường Tiểu học {commune}",
    "Xây dựng trường Trung học cơ sở {commune}",
    "Cải tạo, nâng cấp đường giao thông {commune}",
    "Xây dựng nhà văn hóa {commune}",
    "Cải tạo hệ thống thoát nước {commune}",
    "Xây dựng trạm y tế {commune}",
    "Chỉnh trang hè phố, hạ ngầm đường dây {commune}",
)
ABBREVIATIONS = {"quan": "Q.", "huyen": "H.", "thi_xa": "TX.", "phuong": "P.", "xa": "X."}
TYPE_WORDS = {  # unit types as written inside a sentence
    "quan": "quận",
    "huyen": "huyện",
    "thi_xa": "thị xã",
    "phuong": "phường",
    "xa": "xã",
    "thi_tran": "thị trấn",
}
DISTRICT_BUDGET = "Ngân sách quận, huyện"
COMMUNE_BUDGET = "Ngân sách cấp xã"
CITY_BUDGET = "Ngân sách thành phố"
CITY_TOPUP = "Ngân sách thành phố hỗ trợ có mục tiêu"
NATIONAL_PROGRAMME = "Chương trình mục tiêu quốc gia"
TAKEOVER_SHARE = 0.15  # district projects taken over by city boards at the reform
# A district named in an investor or unit (the reader rejects it from the reform on).
DISTRICT_WORDS = re.compile(r"(^|\W)(quận|huyện|thị xã|Q\.|H\.|TX\.)\s", re.IGNORECASE)


@dataclass
class _Unit:
    """Where a project reports in one era: the unit column, the investor, the funding."""

    label: str
    order: int  # 0 for city-level projects, else 1 + the unit's position
    investor: str
    funding: str
    level: str  # city, district or commune (the investor's level)


@dataclass
class _Project:
    code: str
    name: str
    before: _Unit  # as reported before the reform (unused for projects begun after it)
    first_year: int  # 2020 for projects begun before the sample starts
    last_year: int
    own_capital: bool  # financed from the city's own extra capital: TTg plan 0
    size: float
    start_month: int  # first month with disbursement in first_year
    district_id: str | None = None  # the district of a district project
    commune_id: str | None = None  # the commune of its site (the version it was named in)
    after: _Unit | None = None  # as reported from the reform on

    def unit_at(self, day: dt.date) -> _Unit:
        if day >= REFORM_DATE:
            if self.after is None:
                raise CalibrationError(f"project {self.code} has no unit after the reform")
            return self.after
        return self.before


@dataclass
class _Year:
    """One plan year: active projects, their plans and cumulative amounts at each report."""

    year: int
    dates: list[dt.date]  # the twelve reports of the year, then the extension month
    projects: list[_Project]
    plan_ttg: np.ndarray  # triệu đồng, per project
    plan_tp: np.ndarray  # triệu đồng, per project
    cumulative: np.ndarray = field(repr=False)  # tenths of triệu, (project, report)


def report_dates(year: int) -> list[dt.date]:
    """As-of dates of the twelve monthly reports of ``year``."""
    return [
        dt.date(year, m, SHORT_REPORTS.get((year, m), calendar.monthrange(year, m)[1]))
        for m in range(1, 13)
    ]


def _month(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total < 0 or weights.sum() <= 0:
        raise ValueError("cannot apportion a negative total or onto zero weights")
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    left = total - int(out.sum())
    order = np.argsort(-(raw - out), kind="stable")
    out[order[:left]] += 1
    return out


def _apportion_capped(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """``_apportion`` where no share may exceed its cap: the excess goes to the others."""
    if total > int(caps.sum()):
        raise CalibrationError(f"cannot place {total} under caps summing to {caps.sum()}")
    out = np.zeros(len(weights), dtype=np.int64)
    open_ = caps > 0
    left = total
    while left > 0:
        w = np.where(open_, weights, 0.0)
        if w.sum() <= 0:
            w = np.where(open_, (caps - out).astype(float), 0.0)
        share = _apportion(left, w)
        room = caps - out
        over = share > room
        if not over.any():
            return out + share
        out[over] = caps[over]
        open_ &= ~over
        left = total - int(out.sum())
    return out


def _period_weights(dates: list[dt.date], month_weights: np.ndarray) -> np.ndarray:
    """Disbursement intensity integrated over each report period (previous date, date]."""
    daily = []
    day = dt.date(dates[0].year, 1, 1)
    while day.year == dates[0].year:
        month = day.month
        daily.append(month_weights[month - 1] / calendar.monthrange(day.year, month)[1])
        day += dt.timedelta(days=1)
    ends = [d.timetuple().tm_yday for d in dates]
    starts = [0, *ends[:-1]]
    return np.array([sum(daily[s:e]) for s, e in zip(starts, ends, strict=True)])


def _city_increments(
    weights: np.ndarray, dates: list[dt.date], year_end: int, pins: dict[dt.date, int]
) -> np.ndarray:
    """City-wide disbursement per report period (tenths of triệu) that passes exactly
    through the pinned cumulative totals and ends the year at ``year_end``."""
    points = [(dates.index(d), v) for d, v in sorted(pins.items())] + [(len(dates) - 1, year_end)]
    increments = np.zeros(len(dates), dtype=np.int64)
    prev_index, prev_value = -1, 0
    for index, value in points:
        if value <= prev_value:
            raise CalibrationError(f"pinned cumulative {value} does not rise above {prev_value}")
        segment = slice(prev_index + 1, index + 1)
        increments[segment] = _apportion(value - prev_value, weights[segment])
        prev_index, prev_value = index, value
    return increments


def _valid_on(unit: dict, day: dt.date) -> bool:
    return unit["valid_from"] <= day and (unit["valid_to"] is None or unit["valid_to"] >= day)


def _in_text(unit: dict) -> str:
    return f"{TYPE_WORDS[unit['unit_type']]} {unit['short_name_vi']}"


def _districts(units: list[dict], on: dt.date) -> list[dict]:
    """Districts valid on ``on``, each with its communes valid then: (in-text name, id)."""
    districts = [dict(u) for u in units if u["level"] == "district" and _valid_on(u, on)]
    communes = [
        u for u in units if u["level"] == "commune" and u["parent_id"] != "01" and _valid_on(u, on)
    ]
    for d in districts:
        d["in_text"] = _in_text(d)
        d["communes"] = [
            (_in_text(c), c["admin_unit_id"])
            for c in communes
            if c["parent_id"] == d["admin_unit_id"]
        ]
    return districts


def _communes_after_reform(units: list[dict]) -> list[dict]:
    """The commune-level units directly under the city from the reform on, in order."""
    communes = [
        dict(u)
        for u in units
        if u["level"] == "commune" and u["parent_id"] == "01" and _valid_on(u, REFORM_DATE)
    ]
    for position, c in enumerate(communes):
        c["in_text"] = _in_text(c)
        c["order"] = 1 + position
    if not communes:
        raise CalibrationError(f"no commune-level unit valid on {REFORM_DATE}")
    return communes


def _unit_label(rng: np.random.Generator, district: dict) -> str:
    draw = rng.random()
    if draw < 0.6:
        return district["short_name_vi"]
    if draw < 0.85:
        return f"{ABBREVIATIONS[district['unit_type']]} {district['short_name_vi']}"
    return district["name_vi"]


def _commune_label(rng: np.random.Generator, commune: dict) -> str:
    draw = rng.random()
    if draw < 0.5:
        return commune["name_vi"]
    if draw < 0.75:
        return commune["short_name_vi"]
    return f"{ABBREVIATIONS[commune['unit_type']]} {commune['short_name_vi']}"


def _make_project(
    rng: np.random.Generator,
    code: str,
    districts: list[dict],
    first_year: int,
    last_year: int,
    start_month: int,
) -> _Project:
    """A project approved before the reform: city-level or a district's."""
    d_index = int(rng.integers(len(districts)))
    district = districts[d_index]
    commune, commune_id = district["communes"][int(rng.integers(len(district["communes"])))]
    names = {"commune": commune, "district": district["in_text"]}
    own_capital = bool(rng.random() < 0.12)
    level = rng.random()
    if level < 0.06 and not own_capital:  # large ODA project
        template, investor = ODA_TEMPLATES[int(rng.integers(len(ODA_TEMPLATES)))]
        unit = _Unit(CITY_UNIT, 0, CITY_INVESTORS[investor], "Vốn ODA", "city")
        size = float(rng.lognormal(10.4, 0.5))
    elif level < 0.36:  # city-level project
        template, investor = CITY_TEMPLATES[int(rng.integers(len(CITY_TEMPLATES)))]
        funding = (
            "Ngân sách trung ương hỗ trợ có mục tiêu"
            if rng.random() < 0.15 and not own_capital
            else CITY_BUDGET
        )
        unit = _Unit(CITY_UNIT, 0, CITY_INVESTORS[investor], funding, "city")
        size = float(rng.lognormal(9.4, 0.8))
    else:  # district-level project
        template = DISTRICT_TEMPLATES[int(rng.integers(len(DISTRICT_TEMPLATES)))]
        kind = rng.random()
        if kind < 0.2 and commune.startswith("xã "):
            investor = f"Ủy ban nhân dân {commune}"
        else:
            investor = f"Ban Quản lý dự án đầu tư xây dựng {district['in_text']}"
        if own_capital:
            funding = CITY_TOPUP
        elif kind < 0.55:
            funding = DISTRICT_BUDGET
        elif kind < 0.8 or district["unit_type"] == "quan":
            funding = CITY_TOPUP
        else:
            funding = NATIONAL_PROGRAMME
        unit = _Unit(_unit_label(rng, district), 1 + d_index, investor, funding, "district")
        template = f"{template}, {{district}}"
        size = float(rng.lognormal(8.0, 0.8))
    return _Project(
        code=code,
        name=template.format(**names),
        before=unit,
        first_year=first_year,
        last_year=last_year,
        own_capital=own_capital,
        size=size,
        start_month=start_month,
        district_id=district["admin_unit_id"] if unit.level == "district" else None,
        commune_id=commune_id,
    )


def _commune_investor(rng: np.random.Generator, commune: dict) -> str:
    draw = rng.random()
    if draw < 0.4:
        return f"Ủy ban nhân dân {commune['in_text']}"
    if draw < 0.7:
        return f"UBND {commune['in_text']}"
    return f"Ban Quản lý dự án đầu tư xây dựng {commune['in_text']}"


def _make_commune_project(
    rng: np.random.Generator,
    code: str,
    communes: list[dict],
    first_year: int,
    last_year: int,
    start_month: int,
) -> _Project:
    """A project approved after the reform: city-level or a commune-level unit's."""
    commune = communes[int(rng.integers(len(communes)))]
    names = {"commune": commune["in_text"], "district": commune["in_text"]}
    own_capital = bool(rng.random() < 0.12)
    level = rng.random()
    if level < 0.06 and not own_capital:
        template, investor = ODA_TEMPLATES[int(rng.integers(len(ODA_TEMPLATES)))]
        unit = _Unit(CITY_UNIT, 0, CITY_INVESTORS[investor], "Vốn ODA", "city")
        size = float(rng.lognormal(10.4, 0.5))
    elif level < 0.40:
        template, investor = CITY_TEMPLATES[int(rng.integers(len(CITY_TEMPLATES)))]
        template = template.replace(", {district}", "")
        funding = (
            "Ngân sách trung ương hỗ trợ có mục tiêu"
            if rng.random() < 0.15 and not own_capital
            else CITY_BUDGET
        )
        unit = _Unit(CITY_UNIT, 0, CITY_INVESTORS[investor], funding, "city")
        size = float(rng.lognormal(9.4, 0.8))
    else:
        template = DISTRICT_TEMPLATES[int(rng.integers(len(DISTRICT_TEMPLATES)))]
        kind = rng.random()
        if own_capital or 0.5 <= kind < 0.8 or (kind >= 0.8 and commune["unit_type"] != "xa"):
            funding = CITY_TOPUP
        elif kind < 0.5:
            funding = COMMUNE_BUDGET
        else:
            funding = NATIONAL_PROGRAMME
        investor = _commune_investor(rng, commune)
        unit = _Unit(_commune_label(rng, commune), commune["order"], investor, funding, "commune")
        size = float(rng.lognormal(8.0, 0.8))
    return _Project(
        code=code,
        name=template.format(**names),
        before=unit,
        first_year=first_year,
        last_year=last_year,
        own_capital=own_capital,
        size=size,
        start_month=start_month,
        after=unit,
    )


def _projects(rng: np.random.Generator, scale: float, units: list[dict]) -> list[_Project]:
    """Projects under way on 1 January of the first year plus the ones started in each
    plan year of the older layout."""
    districts = _districts(units, dt.date(LEGACY_YEARS[0], 1, 1))
    n_initial = max(10, round(110 * scale))
    n_new = max(5, round(45 * scale))
    total = n_initial + n_new * len(LEGACY_YEARS)
    codes = 7_000_000 + rng.choice(1_000_000, size=total, replace=False)
    projects = []
    for i in range(n_initial):
        last = LEGACY_YEARS[0] + int(rng.integers(0, 4))
        first = LEGACY_YEARS[0] - 1
        projects.append(_make_project(rng, str(codes[i]), districts, first, last, 1))
    for k, year in enumerate(LEGACY_YEARS):
        for j in range(n_new):
            code = str(codes[n_initial + k * n_new + j])
            last = year + int(rng.integers(0, 4))
            start = int(rng.integers(2, 8))
            projects.append(_make_project(rng, code, districts, year, last, start))
    return projects


def _later_projects(
    rng: np.random.Generator, scale: float, earlier: list[_Project], units: list[dict]
) -> list[_Project]:
    """Projects started in the plan years of the current layout: district or city
    projects while the plan year starts before the reform, commune or city after."""
    n_new = max(5, round(60 * scale))  # more starts than before: the reform's programme
    taken = {p.code for p in earlier}
    drawn = 7_000_000 + rng.choice(
        1_000_000, size=n_new * len(LATER_YEARS) + len(taken), replace=False
    )
    codes = [c for c in dict.fromkeys(str(c) for c in drawn) if c not in taken]
    communes = _communes_after_reform(units)
    projects = []
    for k, year in enumerate(LATER_YEARS):
        starts_on = dt.date(year, 1, 1)
        districts = _districts(units, starts_on) if starts_on < REFORM_DATE else []
        for j in range(n_new):
            code = codes[k * n_new + j]
            last = year + int(rng.integers(0, 4))
            start = int(rng.integers(2, 8))
            if districts:
                projects.append(_make_project(rng, code, districts, year, last, start))
            else:
                projects.append(_make_commune_project(rng, code, communes, year, last, start))
    return projects


def _successors() -> dict[str, str]:
    """Old commune id (of any earlier version) -> the unit in force today its site went
    to (the primary piece of a split ward, the larger share when several are primary),
    from the admin-unit crosswalk composed to the current units."""
    best: dict[str, tuple[bool, float, str]] = {}
    for row in build_crosswalk().to_pylist():
        if row.get("crosswalk_type", "to_current") != "to_current":
            continue
        rank = (bool(row["is_primary"]), float(row["allocation_weight"]), row["new_admin_unit_id"])
        old = row["old_admin_unit_id"]
        if old not in best or rank[:2] > best[old][:2]:
            best[old] = rank
    return {old: rank[2] for old, rank in best.items()}


def _assign_after_reform(
    rng: np.random.Generator, projects: list[_Project], units: list[dict]
) -> None:
    """Where each project still open after the reform reports from then on: city projects
    stay with the city; a district project goes to the commune-level unit its site went
    to (its people's committee or project board as investor), a few to city boards."""
    communes = {c["admin_unit_id"]: c for c in _communes_after_reform(units)}
    successors = _successors()
    for p in projects:
        if p.after is not None or p.last_year < REFORM_DATE.year:
            continue
        if p.before.level == "city":
            p.after = p.before
            continue
        if rng.random() < TAKEOVER_SHARE:
            board = CITY_INVESTORS[TAKEOVER_INVESTORS[int(rng.integers(len(TAKEOVER_INVESTORS)))]]
            funding = CITY_BUDGET if p.before.funding == DISTRICT_BUDGET else p.before.funding
            p.after = _Unit(CITY_UNIT, 0, board, funding, "city")
            continue
        new_id = successors.get(p.commune_id or "") or _district_successor(p, successors)
        commune = communes[new_id]
        if p.before.investor.startswith("Ủy ban nhân dân"):
            investor = f"Ủy ban nhân dân {commune['in_text']}"
        else:
            investor = _commune_investor(rng, commune)
        funding = COMMUNE_BUDGET if p.before.funding == DISTRICT_BUDGET else p.before.funding
        label = _commune_label(rng, commune)
        p.after = _Unit(label, commune["order"], investor, funding, "commune")


def _district_successor(project: _Project, successors: dict[str, str]) -> str:
    """When the crosswalk does not list the project's ward (a ward of an older version),
    the new unit most of its district's wards went to."""
    prefix = f"{project.district_id}-"
    counts: dict[str, int] = {}
    for old, new in sorted(successors.items()):
        if old.startswith(prefix):
            counts[new] = counts.get(new, 0) + 1
    if not counts:
        raise CalibrationError(f"no successor for the district of project {project.code}")
    return max(sorted(counts), key=lambda new: counts[new])


def _plan_year(
    rng: np.random.Generator,
    year: int,
    projects: list[_Project],
    ttg_bn_range: tuple[int, int],
) -> _Year:
    active = [p for p in projects if p.first_year <= year <= p.last_year]
    n = len(active)
    if n == 0:
        raise CalibrationError(f"no project active in {year}")
    dates = report_dates(year)
    own = np.array([p.own_capital for p in active])
    if own.all():
        own[0] = False  # someone must carry the TTg plan
    sizes = np.array([p.size for p in active]) * rng.lognormal(0.0, 0.3, n)
    ttg_total = PLAN_TTG.get(year, int(rng.integers(*ttg_bn_range)) * 1_000)
    tp_total = PLAN_TP.get(year, round(ttg_total * rng.uniform(1.06, 1.14) / 1_000) * 1_000)
    plan_ttg = np.zeros(n, dtype=np.int64)
    plan_ttg[~own] = _apportion(ttg_total, sizes[~own])
    topup = (rng.random(n) < 0.3) & ~own
    extra_weights = np.where(own, sizes, np.where(topup, sizes * rng.uniform(0.05, 0.35, n), 0))
    if extra_weights.sum() == 0:
        extra_weights = sizes
    plan_tp = plan_ttg + _apportion(tp_total - ttg_total, extra_weights)
    if (plan_ttg[~own] <= 0).any() or (plan_tp <= 0).any():
        raise CalibrationError(f"{year}: a project got an empty plan; raise the scale")

    # City curve: noisy monthly intensity, pinned where a published figure says so.
    weights = _period_weights(dates, MONTH_WEIGHTS * rng.lognormal(0.0, 0.12, 12))
    year_end = round(ttg_total * 10 * rng.uniform(*YEAR_END_RATE))
    pins = {d: v * 10 for d, v in CUMULATIVE_AT.items() if d.year == year}
    city = _city_increments(weights, dates, year_end, pins)

    # Project paths: own final amount and own monthly profile, then every period's
    # city-wide increment is shared in proportion to the projects' own increments.
    # A project never disburses more than its city plan within the year.
    final = plan_tp * rng.beta(8.0, 2.0, n)
    final *= year_end / 10 / final.sum()
    caps = plan_tp * 10
    profile = weights[None, :] * rng.lognormal(0.0, 0.6, (n, len(dates)))
    for i, p in enumerate(active):
        if p.first_year == year:
            profile[i, [d.month < p.start_month for d in dates]] = 0.0
    own_path = final[:, None] * profile / profile.sum(axis=1, keepdims=True)
    increments = np.zeros((n, len(dates)), dtype=np.int64)
    for t in range(len(dates)):
        room = caps - increments[:, :t].sum(axis=1)
        increments[:, t] = _apportion_capped(int(city[t]), own_path[:, t], room)
    cumulative = np.cumsum(increments, axis=1)
    return _Year(year, dates, active, plan_ttg, plan_tp, cumulative)


def _extend(rng: np.random.Generator, y: _Year) -> None:
    """Add the plan year's extension month (January of the next year: capital of a plan
    year may be disbursed until 31 January), from the current layout on and within the
    sample's range. The extra amount never takes a project above its city plan."""
    day = dt.date(y.year + 1, 1, 31)
    if day.year < LAYOUT_YEAR or _month(day) > LAST_MONTH:
        return
    last = y.cumulative[:, -1]
    room = y.plan_tp * 10 - last
    total = min(round(int(y.plan_ttg.sum()) * 10 * rng.uniform(*EXTENSION_RATE)), int(room.sum()))
    weights = room * rng.lognormal(0.0, 0.6, len(room))
    extra = _apportion_capped(total, weights, room)
    y.cumulative = np.column_stack([y.cumulative, last + extra])
    y.dates.append(day)


def _at_precision(value: float, published: str) -> bool:
    quantum = Decimal(1).scaleb(Decimal(published).as_tuple().exponent)
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP) == Decimal(published)


def _written(y: _Year) -> list[int]:
    """Indices of the plan year's reports that fall within the sample's range."""
    return [t for t, d in enumerate(y.dates) if _month(d) <= LAST_MONTH]


def _check(years: dict[int, _Year]) -> None:
    """Raise if a calibrated published figure or a consistency rule is missed."""
    problems = []
    totals: dict[tuple[int, dt.date], tuple[int, int, int]] = {}  # (cum tenths, ttg, tp)
    for y in years.values():
        if (np.diff(y.cumulative, axis=1) < 0).any() or (y.cumulative < 0).any():
            problems.append(f"{y.year}: a project's cumulative decreases")
        if not (y.plan_tp >= y.plan_ttg).all():
            problems.append(f"{y.year}: a city plan below the TTg plan")
        if (y.cumulative[:, -1] > y.plan_tp * 10).any():
            problems.append(f"{y.year}: a project disburses more than its city plan")
        for t, d in enumerate(y.dates):
            totals[(y.year, d)] = (
                int(y.cumulative[:, t].sum()),
                int(y.plan_ttg.sum()),
                int(y.plan_tp.sum()),
            )
        december = y.dates[11]
        rate = totals[(y.year, december)][0] / 10 / totals[(y.year, december)][1]
        if not YEAR_END_RATE[0] <= rate <= YEAR_END_RATE[1]:
            problems.append(f"{y.year}: year-end rate {rate:.3f} out of range")
        for t in _written(y):
            for p in y.projects:
                level = p.unit_at(y.dates[t]).level
                allowed = ("city", "commune") if y.dates[t] >= REFORM_DATE else ("city", "district")
                if level not in allowed:
                    problems.append(f"{p.code}: a {level} unit on {y.dates[t]}")
                unit = p.unit_at(y.dates[t])
                if y.dates[t] >= REFORM_DATE and (
                    DISTRICT_WORDS.search(unit.investor) or DISTRICT_WORDS.search(unit.label)
                ):
                    problems.append(f"{p.code}: a district named on {y.dates[t]}")
    for year, plan in PLAN_TTG.items():
        if int(years[year].plan_ttg.sum()) != plan:
            problems.append(f"{year}: TTg plan {years[year].plan_ttg.sum()} != {plan}")
    for year, plan in PLAN_TP.items():
        if int(years[year].plan_tp.sum()) != plan:
            problems.append(f"{year}: city plan {years[year].plan_tp.sum()} != {plan}")
    for d, value in CUMULATIVE_AT.items():
        if totals[(d.year, d)][0] != value * 10:
            problems.append(f"cumulative at {d}: {totals[(d.year, d)][0] / 10} != {value}")
    mid23, h1_24, oct24, oct25 = (totals[(d.year, d)] for d in sorted(CUMULATIVE_AT))
    figures = {
        "D1": years[2024].plan_ttg.sum() / 1_000,
        "D2": h1_24[0] / 10 / h1_24[1] * 100,
        "D3": oct24[0] / 10 / oct24[1] * 100,
        "D4": mid23[0] / 10 / 1_000,
        "D5": mid23[0] / 10 / mid23[1] * 100,
        "D6": mid23[0] / 10 / mid23[2] * 100,
        "D7": oct25[1] / 1_000,
        "D8": oct25[2] / 1_000,
        "D9": oct25[0] / 10 / 1_000,
        "D10": oct25[0] / 10 / oct25[1] * 100,
        "D11": oct25[0] / 10 / oct25[2] * 100,
    }
    for figure_id, value in figures.items():
        if not _at_precision(float(value), PUBLISHED[figure_id]):
            problems.append(f"{figure_id}: {value} != {PUBLISHED[figure_id]}")
    if problems:
        raise CalibrationError(
            "disbursement sample misses its targets: " + "; ".join(problems[:20])
        )


def _vi_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _vi_tenths(tenths: int) -> str:
    whole, decimal = divmod(int(tenths), 10)
    return f"{_vi_int(whole)},{decimal}"


def _rows(y: _Year, t: int, with_plan_year: bool) -> list[list[str]]:
    """The rows of plan year ``y`` in its report ``t``, ordered by unit and code."""
    day = y.dates[t]
    units = [p.unit_at(day) for p in y.projects]
    order = sorted(range(len(y.projects)), key=lambda i: (units[i].order, y.projects[i].code))
    rows = []
    for i in order:
        p, unit = y.projects[i], units[i]
        cumulative = int(y.cumulative[i, t])
        in_period = cumulative - (int(y.cumulative[i, t - 1]) if t > 0 else 0)
        plan_year = [str(y.year)] if with_plan_year else []
        rows.append(
            [
                p.code,
                p.name,
                unit.investor,
                unit.funding,
                unit.label,
                day.strftime("%d/%m/%Y"),
                *plan_year,
                _vi_int(int(y.plan_ttg[i])),
                _vi_int(int(y.plan_tp[i])),
                _vi_tenths(in_period),
                _vi_tenths(cumulative),
            ]
        )
    return rows


def _write_report(path: Path, parts: list[tuple[_Year, int]], month: tuple[int, int]) -> Path:
    """One monthly report: the rows of every plan year open in ``month``."""
    current = month[0] >= LAYOUT_YEAR
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS if current else LEGACY_COLUMNS)
    for y, t in sorted(parts, key=lambda part: part[0].year):
        writer.writerows(_rows(y, t, current))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def _report_months() -> list[tuple[int, int]]:
    months, (year, month) = [], FIRST_MONTH
    while (year, month) <= LAST_MONTH:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the monthly disbursement reports (FIRST_MONTH..LAST_MONTH) under
    ``out_dir/disbursement``.

    ``scale`` multiplies the number of projects (about 130-200 a plan year at 1.0); the
    calibrated city totals do not depend on it. Returns the written paths, sorted.
    """
    units = build_admin_units().to_pylist()
    rng = np.random.default_rng([seed, STREAM])
    projects = _projects(rng, scale, units)
    years = {year: _plan_year(rng, year, projects, LEGACY_TTG_BN) for year in LEGACY_YEARS}
    later = np.random.default_rng([seed, STREAM, LATER_STREAM])
    projects += _later_projects(later, scale, projects, units)
    _assign_after_reform(later, projects, units)
    for year in LEGACY_YEARS:
        _extend(later, years[year])
    for year in LATER_YEARS:
        years[year] = _plan_year(later, year, projects, LATER_TTG_BN)
        _extend(later, years[year])
    _check(years)
    parts: dict[tuple[int, int], list[tuple[_Year, int]]] = {}
    for y in years.values():
        for t in _written(y):
            parts.setdefault(_month(y.dates[t]), []).append((y, t))
    months = _report_months()
    if sorted(parts) != months:
        raise CalibrationError("a report month of the sample's range has no plan year open")
    folder = out_dir / SOURCE
    paths = [
        _write_report(folder / f"giai_ngan_{y}-{m:02d}.csv", parts[(y, m)], (y, m))
        for y, m in months
    ]
    log.info("wrote %d disbursement reports to %s", len(paths), folder)
    return sorted(paths)
