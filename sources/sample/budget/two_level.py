"""Amounts of the quarterly reports from 2025: the districts until 2025-06-30, then the
126 communes of the two-level government.
"""

from __future__ import annotations

import numpy as np

from sources.sample.budget.form import (
    _E,
    _R,
    CITY,
    FORM_2025,
    FORMER_DISTRICTS,
    LEAVES,
    LINES,
    Form,
    Leaves,
    Unit,
)
from sources.sample.budget.legacy import (
    _as_cells,
    _city_estimates,
    _city_periods,
    _council,
    _noise,
    _split,
    _spread,
)
from sources.sample.budget.published import CITY_2025, CITY_REVENUE_STATUTORY_2025


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
