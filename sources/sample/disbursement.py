"""Sample monthly public-investment disbursement reports (giải ngân vốn đầu tư công), by project.

Format (as the city's finance department exports it from Excel): one file per monthly
report, ``disbursement/giai_ngan_YYYY-MM.csv``, 2021-01 .. 2024-12 (48 files).

- UTF-8 with a byte-order mark, ``;`` delimiter, CRLF line ends, one header row;
- numbers in vi-VN style: ``.`` groups thousands, ``,`` is the decimal mark; plans are
  whole ``triệu đồng`` (``1.234.567``), disbursed amounts have one decimal
  (``1.234.567,8``); 1 bn VND (tỷ đồng) = 1.000 triệu đồng;
- dates ``dd/mm/yyyy``.

Columns, in order:

``Mã dự án``
    7-digit project code, stable across years (multi-year projects reappear).
``Tên dự án``
    project name.
``Chủ đầu tư``
    investor (a city project-management board, a department, a district board or a
    commune's people's committee).
``Nguồn vốn``
    funding source: ``Ngân sách thành phố``, ``Ngân sách trung ương hỗ trợ có mục tiêu``,
    ``Vốn ODA``, ``Ngân sách quận, huyện``, ``Ngân sách thành phố hỗ trợ có mục tiêu``,
    ``Chương trình mục tiêu quốc gia``.
``Đơn vị``
    unit the project belongs to: ``Thành phố`` for city-level projects, else the
    district written as its clerk writes it (``Hoàn Kiếm``, ``Q. Hoàn Kiếm``,
    ``Quận Hoàn Kiếm``, ``H. Ba Vì``, ``TX. Sơn Tây`` ...): normalise before mapping.
``Ngày số liệu``
    as-of date of the report: the month's last day, except the November 2023 report,
    cut on 15/11/2023.
``Kế hoạch vốn TTg giao (triệu đồng)``
    the project's capital plan for the year within the plan assigned by the Prime
    Minister; 0 for projects financed from the city's own extra capital.
``Kế hoạch vốn TP giao (triệu đồng)``
    the project's plan as assigned by the city (>= the TTg plan).
``Giải ngân trong kỳ (triệu đồng)``
    disbursed since the previous report of the same year (January: since 1 January),
    so December 2023 covers 16/11 .. 31/12.
``Lũy kế giải ngân từ đầu năm (triệu đồng)``
    cumulative disbursed since the start of the plan year; never decreases within a
    year and may exceed the TTg plan.

Every monthly file restates each active project's plans and its cumulative figure.
Rate = cumulative / plan of the same year, on either plan. City totals (sum over all
projects) are calibrated in exactly: D1 (2024 TTg plan 81.033 bn), D2/D3 (cumulative
17.180 bn at 30/06/2024 and 32.490 bn at 31/10/2024), D4..D6 (30.130 bn at 15/11/2023
against TTg plan 46.937 bn and city plan 53.091 bn). Other months follow S-shaped
curves with a December rush and year-end rates of 86-94 % of the TTg plan.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

from sources.admin_units import build_admin_units
from sources.sample import CalibrationError

log = logging.getLogger(__name__)

SOURCE = "disbursement"
STREAM = 2
YEARS = (2021, 2022, 2023, 2024)

COLUMNS = (
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
CITY_UNIT = "Thành phố"

# Calibration (../shared/domain/published_figures.csv), amounts in triệu đồng.
PLAN_TTG = {2023: 46_937_000, 2024: 81_033_000}  # D5 (30.130 / 64.2 %), D1
PLAN_TP = {2023: 53_091_000, 2024: 87_500_000}  # D6 (30.130 / 56.75 %); 2024: context
CUMULATIVE_AT = {
    dt.date(2023, 11, 15): 30_130_000,  # D4
    dt.date(2024, 6, 30): 17_180_000,  # D2: 21.2 % of the 2024 TTg plan
    dt.date(2024, 10, 31): 32_490_000,  # D3: 40.1 %
}
SHORT_REPORT = dt.date(2023, 11, 15)  # the one report not cut on the month's last day
YEAR_END_RATE = (0.86, 0.94)  # cumulative at 31/12 / TTg plan
# Published text of the figures checked after generation: (id, text).
PUBLISHED = {"D1": "81033", "D2": "21.2", "D3": "40.1", "D4": "30130", "D5": "64.2", "D6": "56.75"}

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
ABBREVIATIONS = {"quan": "Q.", "huyen": "H.", "thi_xa": "TX."}
TYPE_WORDS = {  # unit types as written inside a sentence
    "quan": "quận",
    "huyen": "huyện",
    "thi_xa": "thị xã",
    "phuong": "phường",
    "xa": "xã",
    "thi_tran": "thị trấn",
}


@dataclass
class _Project:
    code: str
    name: str
    investor: str
    funding: str
    unit_label: str
    unit_order: int  # 0 for city-level projects, else 1 + the district's position
    first_year: int  # 2020 for projects begun before the sample starts
    last_year: int
    own_capital: bool  # financed from the city's own extra capital: TTg plan 0
    size: float
    start_month: int  # first month with disbursement in first_year


@dataclass
class _Year:
    """One plan year: active projects, their plans and cumulative amounts at each report."""

    year: int
    dates: list[dt.date]
    projects: list[_Project]
    plan_ttg: np.ndarray  # triệu đồng, per project
    plan_tp: np.ndarray  # triệu đồng, per project
    cumulative: np.ndarray = field(repr=False)  # tenths of triệu, (project, report)


def report_dates(year: int) -> list[dt.date]:
    """As-of dates of the twelve monthly reports of ``year``."""
    dates = [dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]
    return [SHORT_REPORT if d.year == 2023 and d.month == 11 else d for d in dates]


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


def _districts() -> list[dict]:
    units = build_admin_units().to_pylist()
    districts = [u for u in units if u["level"] == "district"]
    communes = [u for u in units if u["level"] == "commune" and u["valid_to"] is not None]
    for d in districts:
        d["in_text"] = f"{TYPE_WORDS[d['unit_type']]} {d['short_name_vi']}"
        d["communes"] = [
            f"{TYPE_WORDS[c['unit_type']]} {c['short_name_vi']}"
            for c in communes
            if c["parent_id"] == d["admin_unit_id"]
        ]
    return districts


def _unit_label(rng: np.random.Generator, district: dict) -> str:
    draw = rng.random()
    if draw < 0.6:
        return district["short_name_vi"]
    if draw < 0.85:
        return f"{ABBREVIATIONS[district['unit_type']]} {district['short_name_vi']}"
    return district["name_vi"]


def _make_project(
    rng: np.random.Generator,
    code: str,
    districts: list[dict],
    first_year: int,
    last_year: int,
    start_month: int,
) -> _Project:
    d_index = int(rng.integers(len(districts)))
    district = districts[d_index]
    commune = district["communes"][int(rng.integers(len(district["communes"])))]
    names = {"commune": commune, "district": district["in_text"]}
    own_capital = bool(rng.random() < 0.12)
    level = rng.random()
    if level < 0.06 and not own_capital:  # large ODA project
        template, investor = ODA_TEMPLATES[int(rng.integers(len(ODA_TEMPLATES)))]
        funding, unit_label, unit_order = "Vốn ODA", CITY_UNIT, 0
        size = float(rng.lognormal(10.4, 0.5))
        investor = CITY_INVESTORS[investor]
    elif level < 0.36:  # city-level project
        template, investor = CITY_TEMPLATES[int(rng.integers(len(CITY_TEMPLATES)))]
        investor = CITY_INVESTORS[investor]
        funding = (
            "Ngân sách trung ương hỗ trợ có mục tiêu"
            if rng.random() < 0.15 and not own_capital
            else "Ngân sách thành phố"
        )
        unit_label, unit_order = CITY_UNIT, 0
        size = float(rng.lognormal(9.4, 0.8))
    else:  # district-level project
        template = DISTRICT_TEMPLATES[int(rng.integers(len(DISTRICT_TEMPLATES)))]
        kind = rng.random()
        if kind < 0.2 and commune.startswith("xã "):
            investor = f"Ủy ban nhân dân {commune}"
        else:
            investor = f"Ban Quản lý dự án đầu tư xây dựng {district['in_text']}"
        if own_capital:
            funding = "Ngân sách thành phố hỗ trợ có mục tiêu"
        elif kind < 0.55:
            funding = "Ngân sách quận, huyện"
        elif kind < 0.8 or district["unit_type"] == "quan":
            funding = "Ngân sách thành phố hỗ trợ có mục tiêu"
        else:
            funding = "Chương trình mục tiêu quốc gia"
        unit_label, unit_order = _unit_label(rng, district), 1 + d_index
        template = f"{template}, {{district}}"
        size = float(rng.lognormal(8.0, 0.8))
    return _Project(
        code=code,
        name=template.format(**names),
        investor=investor,
        funding=funding,
        unit_label=unit_label,
        unit_order=unit_order,
        first_year=first_year,
        last_year=last_year,
        own_capital=own_capital,
        size=size,
        start_month=start_month,
    )


def _projects(rng: np.random.Generator, scale: float) -> list[_Project]:
    """Projects under way on 1 January 2021 plus the ones started in each year."""
    districts = _districts()
    n_initial = max(10, round(110 * scale))
    n_new = max(5, round(45 * scale))
    total = n_initial + n_new * len(YEARS)
    codes = 7_000_000 + rng.choice(1_000_000, size=total, replace=False)
    projects = []
    for i in range(n_initial):
        last = YEARS[0] + int(rng.integers(0, 4))
        projects.append(_make_project(rng, str(codes[i]), districts, 2020, last, 1))
    for k, year in enumerate(YEARS):
        for j in range(n_new):
            code = str(codes[n_initial + k * n_new + j])
            last = year + int(rng.integers(0, 4))
            start = int(rng.integers(2, 8))
            projects.append(_make_project(rng, code, districts, year, last, start))
    return projects


def _plan_year(rng: np.random.Generator, year: int, projects: list[_Project]) -> _Year:
    active = [p for p in projects if p.first_year <= year <= p.last_year]
    n = len(active)
    if n == 0:
        raise CalibrationError(f"no project active in {year}")
    dates = report_dates(year)
    own = np.array([p.own_capital for p in active])
    if own.all():
        own[0] = False  # someone must carry the TTg plan
    sizes = np.array([p.size for p in active]) * rng.lognormal(0.0, 0.3, n)
    ttg_total = PLAN_TTG.get(year, int(rng.integers(45_000, 52_000)) * 1_000)
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


def _at_precision(value: float, published: str) -> bool:
    quantum = Decimal(1).scaleb(Decimal(published).as_tuple().exponent)
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP) == Decimal(published)


def _check(years: dict[int, _Year]) -> None:
    """Raise if a calibrated published figure or a consistency rule is missed."""
    problems = []
    totals: dict[dt.date, tuple[int, int, int]] = {}  # date -> (cum tenths, ttg, tp)
    for y in years.values():
        if (np.diff(y.cumulative, axis=1) < 0).any() or (y.cumulative < 0).any():
            problems.append(f"{y.year}: a project's cumulative decreases")
        if not (y.plan_tp >= y.plan_ttg).all():
            problems.append(f"{y.year}: a city plan below the TTg plan")
        if (y.cumulative[:, -1] > y.plan_tp * 10).any():
            problems.append(f"{y.year}: a project disburses more than its city plan")
        for t, d in enumerate(y.dates):
            totals[d] = (int(y.cumulative[:, t].sum()), int(y.plan_ttg.sum()), int(y.plan_tp.sum()))
        rate = totals[y.dates[-1]][0] / 10 / totals[y.dates[-1]][1]
        if not YEAR_END_RATE[0] <= rate <= YEAR_END_RATE[1]:
            problems.append(f"{y.year}: year-end rate {rate:.3f} out of range")
    for year, plan in PLAN_TTG.items():
        if int(years[year].plan_ttg.sum()) != plan:
            problems.append(f"{year}: TTg plan {years[year].plan_ttg.sum()} != {plan}")
    for year, plan in PLAN_TP.items():
        if int(years[year].plan_tp.sum()) != plan:
            problems.append(f"{year}: city plan {years[year].plan_tp.sum()} != {plan}")
    for d, value in CUMULATIVE_AT.items():
        if totals[d][0] != value * 10:
            problems.append(f"cumulative at {d}: {totals[d][0] / 10} != {value}")
    mid23, h1_24, oct24 = (totals[d] for d in sorted(CUMULATIVE_AT))
    figures = {
        "D1": years[2024].plan_ttg.sum() / 1_000,
        "D2": h1_24[0] / 10 / h1_24[1] * 100,
        "D3": oct24[0] / 10 / oct24[1] * 100,
        "D4": mid23[0] / 10 / 1_000,
        "D5": mid23[0] / 10 / mid23[1] * 100,
        "D6": mid23[0] / 10 / mid23[2] * 100,
    }
    for figure_id, value in figures.items():
        if not _at_precision(float(value), PUBLISHED[figure_id]):
            problems.append(f"{figure_id}: {value} != {PUBLISHED[figure_id]}")
    if problems:
        raise CalibrationError("disbursement sample misses its targets: " + "; ".join(problems))


def _vi_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _vi_tenths(tenths: int) -> str:
    whole, decimal = divmod(int(tenths), 10)
    return f"{_vi_int(whole)},{decimal}"


def _write_report(path: Path, y: _Year, t: int) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    as_of = y.dates[t].strftime("%d/%m/%Y")
    order = sorted(
        range(len(y.projects)), key=lambda i: (y.projects[i].unit_order, y.projects[i].code)
    )
    for i in order:
        p = y.projects[i]
        cumulative = int(y.cumulative[i, t])
        in_period = cumulative - (int(y.cumulative[i, t - 1]) if t > 0 else 0)
        writer.writerow(
            [
                p.code,
                p.name,
                p.investor,
                p.funding,
                p.unit_label,
                as_of,
                _vi_int(int(y.plan_ttg[i])),
                _vi_int(int(y.plan_tp[i])),
                _vi_tenths(in_period),
                _vi_tenths(cumulative),
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the 48 monthly disbursement reports under ``out_dir/disbursement``.

    ``scale`` multiplies the number of projects (about 130-180 a year at 1.0); the
    calibrated city totals do not depend on it. Returns the written paths, sorted.
    """
    rng = np.random.default_rng([seed, STREAM])
    projects = _projects(rng, scale)
    years = {year: _plan_year(rng, year, projects) for year in YEARS}
    _check(years)
    folder = out_dir / SOURCE
    paths = [
        _write_report(folder / f"giai_ngan_{year}-{month:02d}.csv", y, month - 1)
        for year, y in years.items()
        for month in range(1, 13)
    ]
    log.info("wrote %d disbursement reports to %s", len(paths), folder)
    return sorted(paths)
