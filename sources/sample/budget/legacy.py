"""Amounts of the district era (2021..2024 and the 2024 nine months): city totals drawn and
calibrated, then spread over the districts and the form's leaf lines.
"""

from __future__ import annotations

import numpy as np

from sources.sample import CalibrationError
from sources.sample.budget.form import (
    _E,
    _R,
    CITY,
    CITY_LEVEL,
    COLUMNS,
    DASH,
    LEAVES,
    LEGACY,
    LINES,
    OTHER_REVENUE,
    PERIODS,
    YEARS,
    Amount,
    Form,
    Leaves,
    Unit,
)
from sources.sample.budget.published import (
    CITY_REVENUE_9T_2024,
    CITY_REVENUE_EXEC,
    CITY_REVENUE_STATUTORY_2024,
    HOAN_KIEM,
    HOAN_KIEM_REVENUE_ESTIMATE_2022,
    HOAN_KIEM_REVENUE_EXEC,
)


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
