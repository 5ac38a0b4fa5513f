"""Sample GRDP releases of the Hanoi statistics office, one workbook per release.

Format (what the office publishes): ``grdp/grdp_<release>.xlsx`` where ``<release>``
is the publication month ``YYYY-MM``: the Q1 estimate in March, the 6-month estimate
in June, the 9-month estimate in September and the whole-year estimate in January of
the next year: every release published by the sample's last month (``LAST_MONTH``),
2021-03 .. 2026-09, 23 files (the whole-year release of 2026 is not out before
2027-01). Each workbook has two sheets,
``Giá hiện hành`` (current prices) and ``Giá so sánh 2010`` (constant 2010 prices),
laid out as:

- title rows, a line ``Kỳ công bố: MM/YYYY`` naming the release, the unit line
  ``Đơn vị: tỷ đồng``;
- a two-row header: ``STT | Chỉ tiêu | Mã ngành`` then, merged over their periods,
  ``Năm <Y-1>`` and ``Năm <Y>`` with the cumulative periods ``Quý I``, ``6 tháng``,
  ``9 tháng``, ``Cả năm`` up to the release's period (on the constant-price sheet a
  third block ``Tốc độ tăng so với cùng kỳ (%)`` gives the published, rounded growth);
- the total row (``Mã ngành`` = ``TONG``) and one row per sector: ``NLTS``
  agriculture-forestry-fishery, ``CNXD`` industry and construction, ``DV`` services,
  ``THUE`` product taxes less subsidies. The total is the sum of the sector rows.

Figures are cumulative from January. Every release restates the previous year's
figures (as revised); the whole-year release published in January revises the
quarters of the year it closes. Growth is y/y at constant prices; structure is shares
at current prices. Published figures G1..G16 (``published_figures.csv``) and G17..G34
(``published_figures_2025.csv``) are calibrated in exactly. A figure's vintage
``<YYYY-MM> estimate`` names the first release published in or after that month: the
``2025-12 estimate`` is the whole-year release ``grdp_2026-01.xlsx``, as the
``2025-01 estimate`` of 2024 is ``grdp_2025-01.xlsx``.

2025 (G17..G34): the 9-month release of 2025-09 first publishes Q3 at +8.2 % (G23) and
nine months at +7.92 % (G22); the whole-year release of 2026-01 revises Q1..Q3 and
states Q1 +7.41, Q2 +8.13, Q3 +8.85, Q4 +8.15 and the year +8.16 %, with the sector
growths and current-price shares of the file. Five total growths (four quarters and
the year) over four quarters are one constraint too many: they hold together only for
the 2024 quarter weights they imply, and the four sector growths only for the 2024
sector weights they imply. No published figure pins how 2024's second half splits into
Q3 and Q4, nor 2024's sector mix (G9 and G10 are totals), so those are set to the
weights the 2025 figures imply (services gain share on the rest in both halves of 2024).
Quarters x sectors are then balanced by iterative proportional fitting. 2026 (Q1, 6
and 9 months) is synthetic: no 2026 figure is published yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from sources.sample import FIRST_MONTH, LAST_MONTH, CalibrationError
from sources.sample._xlsx import save_reproducibly

log = logging.getLogger(__name__)

STREAM = 3
SECTORS = (
    ("NLTS", "Nông, lâm nghiệp và thủy sản"),
    ("CNXD", "Công nghiệp và xây dựng"),
    ("DV", "Dịch vụ"),
    ("THUE", "Thuế sản phẩm trừ trợ cấp sản phẩm"),
)
SECTOR_CODES = tuple(code for code, _ in SECTORS)
PERIODS = ("Q1", "6M", "9M", "12M")
PERIOD_LABELS = {"Q1": "Quý I", "6M": "6 tháng", "9M": "9 tháng", "12M": "Cả năm"}
PERIOD_QUARTERS = {"Q1": 1, "6M": 2, "9M": 3, "12M": 4}
PRICE_SHEETS = {"current": "Giá hiện hành", "constant_2010": "Giá so sánh 2010"}

# Published figures (../shared/domain/published_figures.csv) calibrated in.
H1_2023_FIRST_GROWTH = 5.97  # G1, 2023-06 release
H1_2024_FIRST_GROWTH = 6.00  # G2, 2024-06 release
Q1_2024_FIRST_GROWTH = 5.53  # G3
Q2_2024_FIRST_GROWTH = 6.44  # G4
H1_2024_FIRST_SECTOR_GROWTH = {"DV": 6.55, "CNXD": 5.37, "NLTS": 2.94, "THUE": 4.38}  # G5..G8
H1_2024_REVISED_GROWTH = 6.13  # G9, revised in the 2025-01 release
YEAR_GROWTH = {2021: 2.92, 2023: 6.27, 2024: 6.52}  # G12, G11, G10
SHARES_2022 = {"DV": 63.22, "CNXD": 24.04, "NLTS": 2.08, "THUE": 10.66}  # G13..G16
# published_figures_2025.csv: the whole-year release of 2026-01 ...
YEAR_2025_GROWTH = 8.16  # G17
QUARTER_2025_GROWTH = (7.41, 8.13, 8.85, 8.15)  # G18..G21, discrete quarters
SECTOR_2025_GROWTH = {"NLTS": 3.55, "CNXD": 7.46, "DV": 8.83, "THUE": 6.04}  # G24..G27
SHARES_2025 = {"NLTS": 1.86, "CNXD": 22.25, "DV": 66.44, "THUE": 9.45}  # G28..G31
# ... and the 9-month release of 2025-09, as first published.
NINE_MONTHS_2025_FIRST_GROWTH = 7.92  # G22
Q3_2025_FIRST_GROWTH = 8.2  # G23 (revised to 8.85 in 2026-01: G20)
NINE_MONTHS_2025_FIRST_SECTOR_GROWTH = {"DV": 8.74, "CNXD": 7.03, "NLTS": 3.43}  # G32..G34
# H1 2023 levels (constant prices, bn VND) around which the sectors other than services
# are drawn; services follow from G2 and G5..G8.
H1_2023_OTHER_SECTORS = {"NLTS": 6_000.0, "CNXD": 80_000.0, "THUE": 28_000.0}
# Years after 2025: sector growth means (%) of the synthetic levels.
LATER_SECTOR_GROWTH = {"NLTS": 3.2, "CNXD": 7.8, "DV": 8.6, "THUE": 6.5}
PRICE_DRIFT = {"NLTS": 1.045, "CNXD": 1.028, "DV": 1.034, "THUE": 1.030}  # deflators a year


@dataclass(frozen=True)
class Release:
    """One publication: the cumulative period it closes and when it was published."""

    year: int
    period: str

    @property
    def release_id(self) -> str:
        month = {"Q1": 3, "6M": 6, "9M": 9}.get(self.period)
        return f"{self.year + 1}-01" if month is None else f"{self.year}-{month:02d}"

    @property
    def periods(self) -> tuple[str, ...]:
        return PERIODS[: PERIODS.index(self.period) + 1]


def _releases() -> tuple[Release, ...]:
    """Every release published within FIRST_MONTH..LAST_MONTH, oldest first."""
    first = f"{FIRST_MONTH[0]}-{FIRST_MONTH[1]:02d}"
    last = f"{LAST_MONTH[0]}-{LAST_MONTH[1]:02d}"
    candidates = (
        Release(year, period)
        for year in range(FIRST_MONTH[0], LAST_MONTH[0] + 1)
        for period in PERIODS
    )
    return tuple(r for r in candidates if first <= r.release_id <= last)


RELEASES = _releases()
YEARS = tuple(sorted({r.year for r in RELEASES}))  # reference years of the releases


def _round1(value: float) -> float:
    return float(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _round_pct(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


Quarterly = dict[int, dict[str, np.ndarray]]  # year -> sector -> 4 quarterly levels


def _final_constant(rng: np.random.Generator) -> Quarterly:
    """Final (revised) quarterly levels at constant 2010 prices, 2020..2024, by sector.

    Built backwards from the H1-2023 structure, which the 2024 first estimate pins:
    with sector growths g_s and a total growth G, the services level must be
    S = sum_{s != DV} L_s (G - g_s) / (g_DV - G) for the sectors to add up.
    """
    h1_2023 = {
        code: level * (1 + rng.uniform(-0.03, 0.03))
        for code, level in H1_2023_OTHER_SECTORS.items()
    }
    target = H1_2024_FIRST_GROWTH
    growth = H1_2024_FIRST_SECTOR_GROWTH
    h1_2023["DV"] = sum(level * (target - growth[code]) for code, level in h1_2023.items()) / (
        growth["DV"] - target
    )
    # Q1 share of H1 that gives Q1 and Q2 growths their published values.
    q1_share = (1 + target / 100 - (1 + Q2_2024_FIRST_GROWTH / 100)) / (
        (1 + Q1_2024_FIRST_GROWTH / 100) - (1 + Q2_2024_FIRST_GROWTH / 100)
    )
    final: Quarterly = {2023: {}, 2022: {}}
    growth_2023 = {"NLTS": 1.032, "CNXD": 1.058, "DV": 1.063, "THUE": 1.051}
    for code in SECTOR_CODES:
        q1 = h1_2023[code] * q1_share
        q2 = h1_2023[code] - q1
        base_q2 = q2 / growth_2023[code]
        seasonal = np.array(
            [q1 / q2, 1.0, 1.04 + rng.uniform(0, 0.02), 1.12 + rng.uniform(0, 0.03)]
        )
        final[2022][code] = base_q2 * seasonal
        final[2023][code] = np.array([q1, q2, np.nan, np.nan])
    _fill_second_half(final, 2023, YEAR_GROWTH[2023])
    for code in SECTOR_CODES:
        final[2021] = final.get(2021, {})
        final[2021][code] = final[2022][code] / 1.0889
        final[2020] = final.get(2020, {})
        final[2020][code] = final[2021][code] / (1 + YEAR_GROWTH[2021] / 100)
    final[2024] = {
        code: np.array(
            [*(final[2023][code][:2] * (1 + H1_2024_REVISED_GROWTH / 100)), np.nan, np.nan]
        )
        for code in SECTOR_CODES
    }
    _fill_second_half_2024(final)
    final[2025] = _final_2025(final[2024])
    return final


def _fill_second_half(levels: Quarterly, year: int, year_growth: float) -> None:
    """Set Q3 and Q4 of ``year`` so that the whole year grows by ``year_growth`` percent,
    sharing the second half among sectors and quarters as in the year before."""
    prev = levels[year - 1]
    prev_total = sum(prev[c].sum() for c in SECTOR_CODES)
    h1 = sum(levels[year][c][:2].sum() for c in SECTOR_CODES)
    h2_prev = sum(prev[c][2:].sum() for c in SECTOR_CODES)
    factor = (prev_total * (1 + year_growth / 100) - h1) / h2_prev
    for code in SECTOR_CODES:
        levels[year][code][2:] = prev[code][2:] * factor


def _quarter_totals(levels: dict[str, np.ndarray]) -> np.ndarray:
    return sum(levels[code] for code in SECTOR_CODES)


def _balance(seed: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``seed`` (sectors x quarters) scaled until its rows sum to ``rows`` and its columns
    to ``columns`` (iterative proportional fitting; both must have the same total)."""
    if not np.isclose(rows.sum(), columns.sum(), rtol=1e-12):
        raise CalibrationError(
            f"GRDP sample: sector totals {rows.sum():.3f} != quarter totals {columns.sum():.3f}"
        )
    x = seed.astype(float).copy()
    for _ in range(1_000):
        x *= (rows / x.sum(axis=1))[:, None]
        x *= (columns / x.sum(axis=0))[None, :]
        if np.allclose(x.sum(axis=1), rows, rtol=1e-13, atol=1e-7):
            return x
    raise CalibrationError("GRDP sample: sector and quarter totals cannot be balanced")


def _fill_second_half_2024(levels: Quarterly) -> None:
    """Q3 and Q4 of 2024, and 2024's sector mix: the year grows by G10 on 2023 and its
    quarter and sector weights are those the 2025 figures imply (G18..G21 average to G17
    weighted by 2024's quarters; G24..G27 average to G17 weighted by 2024's sectors). No
    published figure pins how 2024 splits into quarters after H1, or into sectors (G9
    and G10 are totals): services gain the same share on the rest in both halves."""
    prev, cur = levels[2023], levels[2024]
    year_total = _quarter_totals(prev).sum() * (1 + YEAR_GROWTH[2024] / 100)
    h1 = _quarter_totals(cur)[:2]
    h2 = year_total - h1.sum()
    g = QUARTER_2025_GROWTH
    # year_total * G17 = sum of quarter levels x their growths, with q3 + q4 = h2.
    q3 = (year_total * YEAR_2025_GROWTH - h1[0] * g[0] - h1[1] * g[1] - h2 * g[3]) / (g[2] - g[3])
    q4 = h2 - q3
    if not 0.85 <= q4 / q3 <= 1.25:
        raise CalibrationError(f"GRDP sample: 2024 Q4/Q3 = {q4 / q3:.3f} is implausible")
    # Half-year sector levels before the tilt: H1 as set, H2 as 2023's second half.
    halves = {code: np.array([cur[code][:2].sum(), prev[code][2:].sum()]) for code in SECTOR_CODES}
    h2_before = sum(halves[code][1] for code in SECTOR_CODES)
    for code in SECTOR_CODES:
        halves[code][1] *= h2 / h2_before
    # Services times (1 + t) in each half, the rest scaled to keep the half's total:
    # each sector's year level is linear in t, so is sum_k level_k x (g_k - G17).
    excess = {code: SECTOR_2025_GROWTH[code] - YEAR_2025_GROWTH for code in SECTOR_CODES}
    others = [code for code in SECTOR_CODES if code != "DV"]
    services = halves["DV"]
    rest = sum(halves[code] for code in others)
    # level_k(t) = halves_k + t * slope_k (per half), slope_DV = services,
    # slope_other = -halves_other * services / rest.
    at_zero = sum(halves[code].sum() * excess[code] for code in SECTOR_CODES)
    slope = (services.sum() * excess["DV"]) - sum(
        (halves[code] * services / rest).sum() * excess[code] for code in others
    )
    t = -at_zero / slope
    if not -0.05 <= t <= 0.05:
        raise CalibrationError(f"GRDP sample: 2024 services tilt {t:+.3f} is implausible")
    for code in SECTOR_CODES:
        if code == "DV":
            halves[code] = services * (1 + t)
        else:
            halves[code] = halves[code] * (1 - t * services / rest)
    for code in SECTOR_CODES:
        cur[code][:2] *= halves[code][0] / cur[code][:2].sum()
    seed = np.array([prev[code][2:] for code in SECTOR_CODES])
    rows = np.array([halves[code][1] for code in SECTOR_CODES])
    balanced = _balance(seed, rows, np.array([q3, q4]))
    for k, code in enumerate(SECTOR_CODES):
        cur[code][2:] = balanced[k]


def _final_2025(prev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """2025 as the whole-year release of 2026-01 states it: quarters by G18..G21, sectors
    by G24..G27 (consistent with G17 through 2024's weights)."""
    growth = np.array([SECTOR_2025_GROWTH[code] for code in SECTOR_CODES])
    rows = np.array([prev[code].sum() for code in SECTOR_CODES]) * (1 + growth / 100)
    columns = _quarter_totals(prev) * (1 + np.array(QUARTER_2025_GROWTH) / 100)
    seed = np.array([prev[code] for code in SECTOR_CODES]) * (1 + growth / 100)[:, None]
    balanced = _balance(seed, rows, columns)
    return {code: balanced[k] for k, code in enumerate(SECTOR_CODES)}


def _first_2025(final: Quarterly) -> dict[str, np.ndarray]:
    """2025 Q1..Q3 as the in-year releases (2025-03, -06, -09) first publish them: nine
    months +7.92 % (G22), Q3 +8.2 % (G23), three sectors' nine months by G32..G34 and
    taxes less subsidies what is left. Q4 is not published in-year (kept from final)."""
    prev, later = final[2024], final[2025]
    base = _quarter_totals(prev)
    nine_months = base[:3].sum() * (1 + NINE_MONTHS_2025_FIRST_GROWTH / 100)
    q3 = base[2] * (1 + Q3_2025_FIRST_GROWTH / 100)
    h1 = nine_months - q3
    revised = _quarter_totals(later)
    q1 = h1 * revised[0] / revised[:2].sum()
    rows = {
        code: prev[code][:3].sum() * (1 + growth / 100)
        for code, growth in NINE_MONTHS_2025_FIRST_SECTOR_GROWTH.items()
    }
    rows["THUE"] = nine_months - sum(rows.values())
    taxes_growth = rows["THUE"] / prev["THUE"][:3].sum() * 100 - 100
    if not 0 <= taxes_growth <= 15:
        raise CalibrationError(f"GRDP sample: 9M 2025 taxes growth {taxes_growth:.2f} %")
    seed = np.array([later[code][:3] for code in SECTOR_CODES])
    balanced = _balance(
        seed, np.array([rows[code] for code in SECTOR_CODES]), np.array([q1, h1 - q1, q3])
    )
    return {code: np.array([*balanced[k], later[code][3]]) for k, code in enumerate(SECTOR_CODES)}


def _first_estimates(final: Quarterly, rng: np.random.Generator) -> Quarterly:
    """Levels as first published during the year, before the January revision."""
    estimates: Quarterly = {}
    for year in (y for y in YEARS if y < 2025):
        estimates[year] = {
            code: final[year][code] * (1 + rng.normal(0, 0.003, size=4)) for code in SECTOR_CODES
        }
    for code in SECTOR_CODES:
        # 2023: both first-half quarters first published 5.97% above 2022.
        estimates[2023][code][:2] = final[2022][code][:2] * (1 + H1_2023_FIRST_GROWTH / 100)
        # 2024: Q1 +5.53% in every sector, H1 by the published sector growths.
        base = final[2023][code]
        q1 = base[0] * (1 + Q1_2024_FIRST_GROWTH / 100)
        h1 = base[:2].sum() * (1 + H1_2024_FIRST_SECTOR_GROWTH[code] / 100)
        estimates[2024][code][:2] = [q1, h1 - q1]
    return estimates


def _deflators(final: Quarterly, rng: np.random.Generator) -> dict[int, dict[str, float]]:
    """Current / constant price ratios by year and sector; 2022's give the published shares."""
    total_current_2022 = 1_196_000.0 * (1 + rng.uniform(-0.01, 0.01))
    base = {
        code: total_current_2022 * SHARES_2022[code] / 100 / final[2022][code].sum()
        for code in SECTOR_CODES
    }
    return {
        year: {code: base[code] * PRICE_DRIFT[code] ** (year - 2022) for code in SECTOR_CODES}
        for year in range(2020, 2025)
    }


def _extend_from_2025(
    final: Quarterly,
    estimates: Quarterly,
    deflators: dict[int, dict[str, float]],
    rng: np.random.Generator,
) -> None:
    """2025's first estimates and deflators (the shares G28..G31), then the synthetic
    years after 2025 (in-year estimates, and final levels once a year closes)."""
    estimates[2025] = _first_2025(final)
    if abs(sum(SHARES_2025.values()) - 100) > 1e-9:
        raise CalibrationError("GRDP sample: the 2025 shares do not add up to 100")
    natural = {code: deflators[2024][code] * PRICE_DRIFT[code] for code in SECTOR_CODES}
    total_current = sum(final[2025][code].sum() * natural[code] for code in SECTOR_CODES)
    deflators[2025] = {
        code: total_current * SHARES_2025[code] / 100 / final[2025][code].sum()
        for code in SECTOR_CODES
    }
    for year in (y for y in YEARS if y > 2025):
        final[year] = {
            code: final[year - 1][code]
            * (1 + rng.normal(LATER_SECTOR_GROWTH[code], 0.4, size=4) / 100)
            for code in SECTOR_CODES
        }
        estimates[year] = {
            code: final[year][code] * (1 + rng.normal(0, 0.003, size=4)) for code in SECTOR_CODES
        }
        deflators[year] = {
            code: deflators[year - 1][code] * PRICE_DRIFT[code] for code in SECTOR_CODES
        }


def _cumulative(quarters: np.ndarray, period: str) -> float:
    return float(quarters[: PERIOD_QUARTERS[period]].sum())


def _release_table(
    release: Release,
    final: Quarterly,
    estimates: Quarterly,
    deflators: dict[int, dict[str, float]],
) -> dict[tuple[str, int, str, str], float]:
    """(price basis, year, period, sector) -> level rounded to 0.1 bn VND, total included."""
    revised = release.period == "12M"  # published in January: the year is revised
    values: dict[tuple[str, int, str, str], float] = {}
    for year in (release.year - 1, release.year):
        source = final if (year < release.year or revised) else estimates
        for period in release.periods:
            for basis in PRICE_SHEETS:
                total = 0.0
                for code in SECTOR_CODES:
                    level = _cumulative(source[year][code], period)
                    if basis == "current":
                        level *= deflators[year][code]
                    level = _round1(level)
                    values[(basis, year, period, code)] = level
                    total += level
                values[(basis, year, period, "TONG")] = _round1(total)
    return values


def _growth(values: dict, year: int, period: str, code: str = "TONG") -> float:
    return (
        values[("constant_2010", year, period, code)]
        / values[("constant_2010", year - 1, period, code)]
        * 100
        - 100
    )


def _quarter_growth(values: dict, year: int, quarter: int, code: str = "TONG") -> float:
    """Y/y growth of the discrete quarter (Q1, 6M - Q1, 9M - 6M, 12M - 9M)."""

    def level(y: int) -> float:
        cumulative = values[("constant_2010", y, PERIODS[quarter - 1], code)]
        before = values[("constant_2010", y, PERIODS[quarter - 2], code)] if quarter > 1 else 0
        return cumulative - before

    return level(year) / level(year - 1) * 100 - 100


def _share(values: dict, year: int, period: str, code: str) -> float:
    return values[("current", year, period, code)] / values[("current", year, period, "TONG")] * 100


def _checks_2025(tables: dict[str, dict]) -> list[tuple[str, float, float]]:
    """(figure, value from the rounded file values, target) of G17..G34."""
    year_end, nine_months = tables["2026-01"], tables["2025-09"]
    checks = [
        ("G17", _growth(year_end, 2025, "12M"), YEAR_2025_GROWTH),
        ("G22", _growth(nine_months, 2025, "9M"), NINE_MONTHS_2025_FIRST_GROWTH),
        ("G23", _quarter_growth(nine_months, 2025, 3), Q3_2025_FIRST_GROWTH),
    ]
    for quarter, target in enumerate(QUARTER_2025_GROWTH, start=1):
        checks.append((f"G18-21 Q{quarter}", _quarter_growth(year_end, 2025, quarter), target))
    for code, target in SECTOR_2025_GROWTH.items():
        checks.append((f"G24-27 {code}", _growth(year_end, 2025, "12M", code), target))
    for code, target in SHARES_2025.items():
        checks.append((f"G28-31 {code}", _share(year_end, 2025, "12M", code), target))
    for code, target in NINE_MONTHS_2025_FIRST_SECTOR_GROWTH.items():
        checks.append((f"G32-34 {code}", _growth(nine_months, 2025, "9M", code), target))
    return checks


def _check_calibration(tables: dict[str, dict]) -> None:
    """Raise if any calibrated published figure is not met by the rounded file values."""
    checks: list[tuple[str, float, float]] = [
        ("G1", _growth(tables["2023-06"], 2023, "6M"), H1_2023_FIRST_GROWTH),
        ("G2", _growth(tables["2024-06"], 2024, "6M"), H1_2024_FIRST_GROWTH),
        ("G3", _growth(tables["2024-06"], 2024, "Q1"), Q1_2024_FIRST_GROWTH),
        ("G9", _growth(tables["2025-01"], 2024, "6M"), H1_2024_REVISED_GROWTH),
        ("G10", _growth(tables["2025-01"], 2024, "12M"), YEAR_GROWTH[2024]),
        ("G11", _growth(tables["2024-01"], 2023, "12M"), YEAR_GROWTH[2023]),
        ("G12", _growth(tables["2022-01"], 2021, "12M"), YEAR_GROWTH[2021]),
    ]
    t = tables["2024-06"]
    q2 = [
        t[("constant_2010", y, "6M", "TONG")] - t[("constant_2010", y, "Q1", "TONG")]
        for y in (2023, 2024)
    ]
    checks.append(("G4", q2[1] / q2[0] * 100 - 100, Q2_2024_FIRST_GROWTH))
    for code, target in H1_2024_FIRST_SECTOR_GROWTH.items():
        checks.append((f"G5-8 {code}", _growth(t, 2024, "6M", code), target))
    for code, target in SHARES_2022.items():
        checks.append((f"G13-16 {code}", _share(tables["2023-01"], 2022, "12M", code), target))
    checks += _checks_2025(tables)
    missed = [
        f"{name}: {value:.4f} != {target}"
        for name, value, target in checks
        if _round_pct(value) != _round_pct(target)
    ]
    if missed:
        raise CalibrationError("GRDP sample misses published figures: " + "; ".join(missed))


def _write_workbook(path: Path, release: Release, values: dict) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    years = (release.year - 1, release.year)
    title = (
        f"TỔNG SẢN PHẨM TRÊN ĐỊA BÀN THÀNH PHỐ (GRDP) "
        f"{PERIOD_LABELS[release.period].upper()} NĂM {release.year}"
    )
    for basis, sheet_name in PRICE_SHEETS.items():
        ws = wb.create_sheet(sheet_name)
        ws.append(["CỤC THỐNG KÊ THÀNH PHỐ HÀ NỘI"])
        ws.append([title])
        ws.append([f"({sheet_name}; số liệu {'sơ bộ' if release.period == '12M' else 'ước tính'})"])
        ws.append([f"Kỳ công bố: {release.release_id[5:]}/{release.release_id[:4]}"])
        ws.append([None, None, None, None, "Đơn vị: tỷ đồng"])
        ws.append([])
        n = len(release.periods)
        blocks = [f"Năm {y}" for y in years]
        if basis == "constant_2010":
            blocks.append("Tốc độ tăng so với cùng kỳ (%)")
        header = ["STT", "Chỉ tiêu", "Mã ngành"]
        for block in blocks:
            header += [block] + [None] * (n - 1)
        ws.append(header)
        ws.append([None, None, None] + [PERIOD_LABELS[p] for p in release.periods] * len(blocks))
        header_row = ws.max_row - 1
        for col in (1, 2, 3):
            ws.merge_cells(
                start_row=header_row, start_column=col, end_row=header_row + 1, end_column=col
            )
        for i in range(len(blocks)):
            first = 4 + i * n
            if n > 1:
                ws.merge_cells(
                    start_row=header_row,
                    start_column=first,
                    end_row=header_row,
                    end_column=first + n - 1,
                )
        rows = [("", "TỔNG SẢN PHẨM TRÊN ĐỊA BÀN (GRDP)", "TONG")] + [
            (str(i), name, code) for i, (code, name) in enumerate(SECTORS, start=1)
        ]
        for stt, name, code in rows:
            line: list = [stt or None, name, code]
            for year in years:
                line += [values[(basis, year, p, code)] for p in release.periods]
            if basis == "constant_2010":
                line += [
                    float(_round_pct(_growth(values, release.year, p, code)))
                    for p in release.periods
                ]
            ws.append(line)
            if code == "TONG":
                for cell in ws[ws.max_row]:
                    cell.font = Font(bold=True)
        for cell in ws[header_row]:
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        ws.column_dimensions["B"].width = 40
    return save_reproducibly(wb, path)


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the GRDP release workbooks (``RELEASES``) under ``out_dir/grdp``; ``scale``
    does not apply."""
    rng = np.random.default_rng([seed, STREAM])
    final = _final_constant(rng)
    estimates = _first_estimates(final, rng)
    deflators = _deflators(final, rng)
    _extend_from_2025(final, estimates, deflators, rng)
    tables = {r.release_id: _release_table(r, final, estimates, deflators) for r in RELEASES}
    _check_calibration(tables)
    folder = out_dir / "grdp"
    paths = [
        _write_workbook(folder / f"grdp_{r.release_id}.xlsx", r, tables[r.release_id])
        for r in RELEASES
    ]
    log.info("wrote %d GRDP releases to %s", len(paths), folder)
    return sorted(paths)
