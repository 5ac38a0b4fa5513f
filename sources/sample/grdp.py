"""Sample GRDP releases of the Hanoi statistics office, one workbook per release.

Format (what the office publishes): ``grdp/grdp_<release>.xlsx`` where ``<release>``
is the publication month ``YYYY-MM``: the Q1 estimate in March, the 6-month estimate
in June, the 9-month estimate in September and the whole-year estimate in January of
the next year (2021-03 .. 2025-01, 16 files). Each workbook has two sheets,
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
at current prices. Published figures G1..G16 are calibrated in exactly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from sources.sample import CalibrationError
from sources.sample._xlsx import save_reproducibly

log = logging.getLogger(__name__)

STREAM = 3
YEARS = (2021, 2022, 2023, 2024)
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


RELEASES = tuple(Release(year, period) for year in YEARS for period in PERIODS)


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
        "NLTS": 6_400.0 * (1 + rng.uniform(-0.03, 0.03)),
        "CNXD": 71_000.0 * (1 + rng.uniform(-0.03, 0.03)),
        "THUE": 31_000.0 * (1 + rng.uniform(-0.03, 0.03)),
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
    _fill_second_half(final, 2024, YEAR_GROWTH[2024])
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


def _first_estimates(final: Quarterly, rng: np.random.Generator) -> Quarterly:
    """Levels as first published during the year, before the January revision."""
    estimates: Quarterly = {}
    for year in YEARS:
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
    drift = {"NLTS": 1.045, "CNXD": 1.028, "DV": 1.034, "THUE": 1.030}
    return {
        year: {code: base[code] * drift[code] ** (year - 2022) for code in SECTOR_CODES}
        for year in (2020, *YEARS)
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
    shares = tables["2023-01"]
    for code, target in SHARES_2022.items():
        share = (
            shares[("current", 2022, "12M", code)] / shares[("current", 2022, "12M", "TONG")] * 100
        )
        checks.append((f"G13-16 {code}", share, target))
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
    """Write the 16 GRDP release workbooks under ``out_dir/grdp``; ``scale`` does not apply."""
    rng = np.random.default_rng([seed, STREAM])
    final = _final_constant(rng)
    estimates = _first_estimates(final, rng)
    deflators = _deflators(final, rng)
    tables = {r.release_id: _release_table(r, final, estimates, deflators) for r in RELEASES}
    _check_calibration(tables)
    folder = out_dir / "grdp"
    paths = [
        _write_workbook(folder / f"grdp_{r.release_id}.xlsx", r, tables[r.release_id])
        for r in RELEASES
    ]
    log.info("wrote %d GRDP releases to %s", len(paths), folder)
    return sorted(paths)
