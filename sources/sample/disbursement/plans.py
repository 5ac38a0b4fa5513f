"""Plans and disbursed amounts per plan year, calibrated to the published figures (D1..D8),
and the check that they hold before anything is written.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from sources.loading.admin_units import REFORM_DATE
from sources.sample import LAST_MONTH, CalibrationError
from sources.sample.disbursement.layout import LAYOUT_YEAR
from sources.sample.disbursement.projects import DISTRICT_WORDS, _Project

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
