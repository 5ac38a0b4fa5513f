"""GRDP sample releases: the published GRDP figures of both reference files (G1..G34)
recomputed straight from the workbooks, with a reader written here."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from sources.sample import LAST_MONTH, grdp
from tests.published import load_published, matches

SECTORS = {
    "services": "DV",
    "industry_construction": "CNXD",
    "agriculture_forestry_fishery": "NLTS",
    "product_taxes_less_subsidies": "THUE",
}
PERIOD_COLUMNS = {"Quý I": "Q1", "6 tháng": "6M", "9 tháng": "9M", "Cả năm": "12M"}
UNITS_TO_BN = {"tỷ đồng": 1.0, "triệu đồng": 0.001}


def read_sheet(ws) -> dict[tuple[int, str, str], float]:
    """(year, cumulative period, sector code) -> level in bn VND, found below the title rows."""
    rows = list(ws.iter_rows(values_only=True))
    unit = None
    for row in rows:
        for cell in row:
            if isinstance(cell, str) and cell.startswith("Đơn vị:"):
                unit = UNITS_TO_BN[cell.split(":", 1)[1].strip()]
    assert unit is not None, f"no unit line in sheet {ws.title}"
    header = next(i for i, row in enumerate(rows) if row[1] == "Chỉ tiêu")
    code_col = rows[header].index("Mã ngành")
    years: list[int | None] = []
    current = None
    for cell in rows[header]:
        if isinstance(cell, str) and (m := re.fullmatch(r"Năm (\d{4})", cell)):
            current = int(m.group(1))
        elif isinstance(cell, str):
            current = None  # another block (growth rates) starts
        years.append(current)
    values = {}
    for row in rows[header + 2 :]:
        for col, label in enumerate(rows[header + 1]):
            if years[col] is not None and label in PERIOD_COLUMNS:
                values[(years[col], PERIOD_COLUMNS[label], row[code_col])] = row[col] * unit
    return values


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, dict[str, dict]]:
    out = tmp_path_factory.mktemp("grdp")
    paths = grdp.write(out, seed=2025)
    result = {}
    for path in paths:
        release = re.fullmatch(r"grdp_(\d{4}-\d{2})\.xlsx", path.name).group(1)
        wb = openpyxl.load_workbook(path, read_only=True)
        result[release] = {
            "current": read_sheet(wb["Giá hiện hành"]),
            "constant": read_sheet(wb["Giá so sánh 2010"]),
        }
    return result


def _level(table: dict, year: int, period: str, code: str) -> float:
    """Cumulative level, or a single quarter for Q2..Q4 ("2024-Q2")."""
    if period in ("Q2", "Q3", "Q4"):
        previous = {"Q2": "Q1", "Q3": "6M", "Q4": "9M"}[period]
        cumulative = {"Q2": "6M", "Q3": "9M", "Q4": "12M"}[period]
        return table[(year, cumulative, code)] - table[(year, previous, code)]
    return table[(year, period, code)]


def _release_for(figure: dict, releases: dict, year: int, period: str) -> str:
    """The release a figure's vintage names. ``<YYYY-MM> estimate`` is the first release
    published in or after that month (``2025-12 estimate`` -> the whole-year release of
    2026-01, ``2025-01 estimate`` -> 2025-01); ``<YYYY> revision`` is the latest release
    published in YYYY that holds the period and the same period of the year before."""
    vintage = figure["vintage"]
    if m := re.match(r"(\d{4}-\d{2}) estimate\b", vintage):
        release = min(r for r in releases if r >= m.group(1))
        if stated := re.search(r"released (\d{4}-\d{2})", vintage):
            assert release == stated.group(1), vintage
        return release
    m = re.fullmatch(r"(\d{4}) revision", vintage)
    assert m, vintage
    stating = [
        r
        for r, t in releases.items()
        if r.startswith(m.group(1))
        and {(year, period, "TONG"), (year - 1, period, "TONG")} <= t["constant"].keys()
    ]
    return max(stating)


def recompute(figure: dict, releases: dict) -> float:
    m = re.fullmatch(r"(\d{4})(?:-(H1|9M|Q[1-4]))?", figure["period"])
    year = int(m.group(1))
    period = {"H1": "6M", None: "12M"}.get(m.group(2), m.group(2))
    lookup = {"Q2": "6M", "Q3": "9M", "Q4": "12M"}.get(period, period)  # cumulative holding it
    release = releases[_release_for(figure, releases, year, lookup)]
    indicator = figure["indicator"]
    if indicator.startswith("grdp_sector_share_"):
        code = SECTORS[indicator.removeprefix("grdp_sector_share_")]
        table = release["current"]
        return _level(table, year, period, code) / _level(table, year, period, "TONG") * 100
    code = (
        SECTORS[indicator.removeprefix("grdp_growth_yoy_")]
        if indicator != "grdp_growth_yoy"
        else "TONG"
    )
    table = release["constant"]
    return (_level(table, year, period, code) / _level(table, year - 1, period, code) - 1) * 100


GRDP_FIGURES = [
    f for f in load_published().values() if f["domain"] == "grdp" and f["use"] != "context"
]


@pytest.mark.parametrize("figure", GRDP_FIGURES, ids=[f["figure_id"] for f in GRDP_FIGURES])
def test_published_figure_is_reproduced(figure: dict, releases: dict) -> None:
    value = recompute(figure, releases)
    assert matches(value, figure["value"]), f"{figure['figure_id']}: {value} vs {figure['value']}"


def test_every_release_to_the_last_month_and_the_revisions(releases: dict) -> None:
    last = f"{LAST_MONTH[0]}-{LAST_MONTH[1]:02d}"
    assert sorted(releases) == sorted(r.release_id for r in grdp.RELEASES)
    assert max(releases) <= last and "2026-09" in releases and "2027-01" not in releases
    assert len(releases) == 23
    first = releases["2024-06"]["constant"][(2024, "6M", "TONG")]
    revised = releases["2025-01"]["constant"][(2024, "6M", "TONG")]
    assert first != revised
    # The whole-year release of 2026-01 revises 2025's nine months (and Q3, G23 -> G20).
    assert (
        releases["2025-09"]["constant"][(2025, "9M", "TONG")]
        != releases["2026-01"]["constant"][(2025, "9M", "TONG")]
    )
    # Later releases restate the year before as last revised: 2024 as in 2025-01, 2025 as
    # in 2026-01; 2026 is not closed (no whole-year release yet).
    for release, year, closing in (("2025-09", 2024, "2025-01"), ("2026-09", 2025, "2026-01")):
        for key, value in releases[release]["constant"].items():
            if key[0] == year:
                assert value == releases[closing]["constant"][key], (release, key)
    assert not any((2026, "12M", "TONG") in t["constant"] for t in releases.values())


def test_first_published_and_revised_q3_2025_are_both_in_the_files(releases: dict) -> None:
    published = load_published()
    first, revised = published["G23"], published["G20"]
    assert first["period"] == revised["period"] == "2025-Q3"
    assert matches(recompute(first, releases), first["value"])
    assert matches(recompute(revised, releases), revised["value"])
    assert _release_for(first, releases, 2025, "9M") == "2025-09"
    assert _release_for(revised, releases, 2025, "9M") == "2026-01"


def test_totals_are_the_sum_of_sectors_and_cumulative_periods_grow(releases: dict) -> None:
    for release in releases.values():
        for table in release.values():
            for (year, period, code), value in table.items():
                if code != "TONG":
                    continue
                parts = sum(table[(year, period, c)] for c in SECTORS.values())
                assert abs(parts - value) < 0.051
            for year in {y for (y, _, _) in table}:
                levels = [
                    table[(year, p, "TONG")]
                    for p in ("Q1", "6M", "9M", "12M")
                    if (year, p, "TONG") in table
                ]
                assert levels == sorted(levels)


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = grdp.write(tmp_path / "a", seed=11)
    b = grdp.write(tmp_path / "b", seed=11)
    c = grdp.write(tmp_path / "c", seed=12)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]
