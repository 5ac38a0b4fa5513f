"""The sample disbursement reports: format, consistency rules, and the published figures
D1..D11 recomputed straight from the generated files (read here with DuckDB, not with the
generator's code)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from sources.formats.text import match_key
from sources.loading.admin_units import build_admin_units
from sources.sample import FIRST_MONTH, LAST_MONTH, disbursement
from tests.published import REPO, load_published, matches

SEEDS = (20240601, 7)
LEGACY_HEADER = [
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
]
PLAN_YEAR = "Năm kế hoạch"
HEADER = [*LEGACY_HEADER[:6], PLAN_YEAR, *LEGACY_HEADER[6:]]
CURRENT_LAYOUT_FROM = (2025, 1)  # first report with the plan-year column
REFORM = dt.date(2025, 7, 1)  # no district level from this day (REFERENCE.md)
MONTHS = [
    (y, m)
    for y in range(FIRST_MONTH[0], LAST_MONTH[0] + 1)
    for m in range(1, 13)
    if FIRST_MONTH <= (y, m) <= LAST_MONTH
]
PUBLISHED = load_published()
FIGURES = sorted(fid for fid, row in PUBLISHED.items() if row["domain"] == "disbursement")
DISTRICT_WORD = re.compile(r"(^|\W)(quận|huyện|thị xã|Q\.|H\.|TX\.)\s", re.IGNORECASE)


def _vi_decimal(column: str) -> str:
    """SQL turning a vi-VN number ("1.234.567,8") into an exact decimal."""
    return f"""cast(replace(replace("{column}", '.', ''), ',', '.') as decimal(18, 1))"""


def _load(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        f"""
        create table raw as
        select * from read_csv(
            '{folder}/giai_ngan_*.csv', delim = ';', header = true, all_varchar = true,
            filename = true, encoding = 'utf-8', union_by_name = true
        )
        """
    )
    con.execute(
        f"""
        create table reports as
        select
            "Mã dự án" as project_code,
            "Chủ đầu tư" as investor,
            "Đơn vị" as unit,
            strptime("Ngày số liệu", '%d/%m/%Y')::date as as_of_date,
            coalesce(
                "{PLAN_YEAR}"::integer, year(strptime("Ngày số liệu", '%d/%m/%Y'))
            ) as plan_year,
            "{PLAN_YEAR}" is not null as has_plan_year_column,
            regexp_extract(filename, 'giai_ngan_(\\d{{4}}-\\d{{2}})\\.csv', 1) as report_month,
            {_vi_decimal("Kế hoạch vốn TTg giao (triệu đồng)")} as plan_ttg,
            {_vi_decimal("Kế hoạch vốn TP giao (triệu đồng)")} as plan_tp,
            {_vi_decimal("Giải ngân trong kỳ (triệu đồng)")} as in_period,
            {_vi_decimal("Lũy kế giải ngân từ đầu năm (triệu đồng)")} as cumulative
        from raw
        """
    )
    return con


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def sample(request, tmp_path_factory) -> tuple[list[Path], duckdb.DuckDBPyConnection]:
    out = tmp_path_factory.mktemp(f"disbursement_{request.param}")
    paths = disbursement.write(out, request.param)
    con = _load(out / "disbursement")
    yield paths, con
    con.close()


def _period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a published period: "2024", "2024-H1" or
    "2023-01-01..2023-11-15"."""
    if ".." in period:
        first, last = period.split("..")
        return dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    year, _, part = period.partition("-")
    end = dt.date(int(year), 6, 30) if part == "H1" else dt.date(int(year), 12, 31)
    return dt.date(int(year), 1, 1), end


def _short_cuts() -> dict[str, dt.date]:
    """Reports not cut at month end: those the published figures are cut at mid-month."""
    cuts = {}
    for fid in FIGURES:
        _, end = _period_bounds(PUBLISHED[fid]["period"])
        if end.day != calendar.monthrange(end.year, end.month)[1]:
            cuts[f"{end:%Y-%m}"] = end
    return cuts


def _recompute(con: duckdb.DuckDBPyConnection, row: dict[str, str]) -> Decimal:
    """The figure by REFERENCE.md's definitions: a plan is the plan year's plan in the
    report its vintage names; cumulative and rates are the plan year's figures at the
    period's last day, the plan year being the period's year."""
    start, end = _period_bounds(row["period"])
    if row["indicator"].startswith("public_investment_plan"):
        month = re.search(r"\d{4}-\d{2}", row["vintage"]).group(0)
        where, params = "report_month = ? and plan_year = ?", [month, start.year]
    else:
        where, params = "as_of_date = ? and plan_year = ?", [end, start.year]
    cumulative, plan_ttg, plan_tp, n = con.execute(
        f"select sum(cumulative), sum(plan_ttg), sum(plan_tp), count(*) from reports where {where}",
        params,
    ).fetchall()[0]
    assert n > 0, f"no rows for {row['figure_id']} ({where} {params})"
    return {
        "public_investment_plan": plan_ttg / 1000,  # triệu -> bn VND
        "public_investment_plan_city": plan_tp / 1000,
        "public_investment_disbursed": cumulative / 1000,
        "public_investment_disbursement_rate": cumulative / plan_ttg * 100,
        "public_investment_disbursement_rate_city_plan": cumulative / plan_tp * 100,
    }[row["indicator"]]


@pytest.mark.parametrize("figure_id", FIGURES)
def test_published_figure_recomputed_from_files(sample, figure_id: str) -> None:
    _, con = sample
    row = PUBLISHED[figure_id]
    value = _recompute(con, row)
    assert row["unit"] == ("pct" if "rate" in row["indicator"] else "bn_vnd")
    assert matches(float(value), row["value"]), f"{figure_id}: {value} vs {row['value']}"


def test_files_named_by_month_with_bom_and_the_layout_of_their_time(sample) -> None:
    paths, _ = sample
    assert [p.name for p in paths] == [f"giai_ngan_{y}-{m:02d}.csv" for y, m in MONTHS]
    for path, month in zip(paths, MONTHS, strict=True):
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))
        header = HEADER if month >= CURRENT_LAYOUT_FROM else LEGACY_HEADER
        assert rows[0] == header, path.name
        assert len(rows) > 50 and all(len(r) == len(header) for r in rows)


def test_amounts_written_in_vietnamese_number_format(sample) -> None:
    paths, _ = sample
    whole = re.compile(r"^\d{1,3}(\.\d{3})*$")
    one_decimal = re.compile(r"^\d{1,3}(\.\d{3})*,\d$")
    for path in (paths[-1], paths[MONTHS.index((2024, 12))]):
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, delimiter=";")
            rows = list(reader)
        plans = [r[c] for r in rows for c in ("Kế hoạch vốn TTg giao (triệu đồng)",)]
        amounts = [r["Lũy kế giải ngân từ đầu năm (triệu đồng)"] for r in rows]
        assert all(whole.match(v) for v in plans)
        assert all(one_decimal.match(v) for v in amounts)
        assert any("." in v for v in amounts)  # thousands groups really occur


def test_as_of_date_is_month_end_except_the_published_mid_month_cuts(sample) -> None:
    _, con = sample
    got = dict(
        con.execute(
            "select report_month, min(as_of_date) from reports group by report_month "
            "having count(distinct as_of_date) = 1"
        ).fetchall()
    )
    cuts = _short_cuts()
    assert sorted(cuts) == ["2023-11", "2025-10"]
    expected = {
        f"{y}-{m:02d}": cuts.get(f"{y}-{m:02d}", dt.date(y, m, calendar.monthrange(y, m)[1]))
        for y, m in MONTHS
    }
    assert got == expected


def test_january_reports_carry_the_previous_plan_year_from_the_current_layout(sample) -> None:
    _, con = sample
    years = dict(
        con.execute(
            "select report_month, list(distinct plan_year order by plan_year) from reports "
            "group by report_month"
        ).fetchall()
    )
    for y, m in MONTHS:
        key = f"{y}-{m:02d}"
        if m == 1 and (y, m) >= CURRENT_LAYOUT_FROM:
            assert years[key] == [y - 1, y], key
        else:
            assert years[key] == [y], key
    # the column is there exactly from the current layout on
    layout = con.execute(
        "select bool_and(has_plan_year_column = (report_month >= ?)) from reports",
        [f"{CURRENT_LAYOUT_FROM[0]}-{CURRENT_LAYOUT_FROM[1]:02d}"],
    ).fetchall()[0][0]
    assert layout
    # a project financed in both plan years appears once for each in the January report
    both = con.execute(
        "select count(*) from (select project_code from reports where report_month = ? "
        "group by project_code having count(distinct plan_year) = 2)",
        [f"{LAST_MONTH[0]}-01"],
    ).fetchall()[0][0]
    assert both > 10


def test_cumulative_never_decreases_within_a_plan_year(sample) -> None:
    _, con = sample
    bad = con.execute(
        """
        select count(*) filter (where cumulative < previous), count(*) filter (where cumulative < 0)
        from (
            select cumulative, lag(cumulative) over (
                partition by project_code, plan_year order by as_of_date
            ) as previous
            from reports
        )
        """
    ).fetchall()[0]
    assert bad == (0, 0)


def test_in_period_is_the_difference_of_cumulatives(sample) -> None:
    _, con = sample
    checked, wrong = con.execute(
        """
        select count(*), count(*) filter (where in_period <> cumulative - coalesce(previous, 0))
        from (
            select in_period, cumulative, lag(cumulative) over (
                partition by project_code, plan_year order by as_of_date
            ) as previous
            from reports
        )
        """
    ).fetchall()[0]
    assert checked > 8000 and wrong == 0
    # December 2023 starts from the 15/11 cut: its in-period covers six weeks.
    dec, nov_half = con.execute(
        "select sum(in_period) filter (where as_of_date = '2023-12-31'), "
        "sum(in_period) filter (where as_of_date = '2023-11-15') from reports"
    ).fetchall()[0]
    assert dec > nov_half > 0
    # The extension month adds to the plan year's December, a little.
    december, extension = con.execute(
        "select sum(cumulative) filter (where as_of_date = '2025-12-31'), "
        "sum(cumulative) filter (where as_of_date = '2026-01-31' and plan_year = 2025) "
        "from reports"
    ).fetchall()[0]
    assert december < extension < december * Decimal("1.1")


def test_every_report_restates_the_plans_of_every_project_of_its_plan_years(sample) -> None:
    _, con = sample
    reports_per_year = dict(
        con.execute(
            "select plan_year, count(distinct report_month) from reports group by plan_year"
        ).fetchall()
    )
    rows = con.execute(
        """
        select plan_year, project_code,
            count(*), count(distinct plan_ttg), count(distinct plan_tp), min(plan_tp >= plan_ttg)
        from reports group by plan_year, project_code
        """
    ).fetchall()
    assert rows
    for plan_year, code, n, ttg, tp, ordered in rows:
        assert (n, ttg, tp, ordered) == (reports_per_year[plan_year], 1, 1, True), code
    # a plan year runs to 31 January of the next year, and never longer
    assert (
        con.execute(
            "select count(*) from reports where not (year(as_of_date) = plan_year "
            "or (year(as_of_date) = plan_year + 1 and month(as_of_date) = 1))"
        ).fetchall()[0][0]
        == 0
    )


def test_portfolio_looks_like_the_city_programme(sample) -> None:
    _, con = sample
    per_year = con.execute(
        """
        select plan_year as y,
            count(distinct project_code),
            count(distinct project_code) filter (where plan_ttg = 0 and plan_tp > 0),
            count(distinct project_code) filter (where cumulative > plan_ttg),
            count(distinct project_code) filter (where unit = 'Thành phố'),
            count(distinct project_code) filter (where unit <> 'Thành phố'),
            sum(cumulative) filter (where month(as_of_date) = 12 and year(as_of_date) = plan_year)
                / sum(plan_ttg) filter (where month(as_of_date) = 12
                    and year(as_of_date) = plan_year)
        from reports group by y order by y
        """
    ).fetchall()
    assert [r[0] for r in per_year] == list(range(FIRST_MONTH[0], LAST_MONTH[0] + 1))
    for year, projects, own_capital, above_ttg, city, local, year_end_rate in per_year:
        assert 100 <= projects <= 200
        assert own_capital > 0 and city > 0 and local > 0
        if year_end_rate is not None:  # the last plan year has no December report yet
            assert above_ttg > 0
            assert Decimal("0.85") <= year_end_rate <= Decimal("0.95"), year
    multi_year = con.execute(
        "select count(*) from (select project_code from reports group by project_code "
        "having count(distinct plan_year) > 1)"
    ).fetchall()[0][0]
    assert multi_year > 20


def _keys_valid_on(level: str, day: dt.date) -> list[str]:
    return [
        match_key(u["short_name_vi"])
        for u in build_admin_units().to_pylist()
        if u["level"] == level
        and u["valid_from"] <= day
        and (u["valid_to"] is None or u["valid_to"] >= day)
        and (level != "commune" or u["parent_id"] == "01")
    ]


def test_units_are_the_city_or_a_district_before_the_reform_and_a_commune_after(sample) -> None:
    _, con = sample
    with (REPO / "dbt_project" / "seeds" / "ref_hanoi_district_units_2014_2025.csv").open(
        encoding="utf-8"
    ) as f:
        districts = [match_key(row["name_vi"]) for row in csv.DictReader(f)]
    communes = _keys_valid_on("commune", REFORM)
    assert len(communes) == 126
    before = [u for (u,) in con.execute(
        "select distinct unit from reports where as_of_date < ?", [REFORM]
    ).fetchall()]  # fmt: skip
    after = con.execute(
        "select distinct unit, investor from reports where as_of_date >= ?", [REFORM]
    ).fetchall()
    for unit in before:
        if unit != "Thành phố":
            assert districts.count(match_key(unit)) == 1, unit
    assert any(u.startswith(("Q. ", "H. ", "TX. ")) for u in before)
    commune_investors = 0
    for unit, investor in after:
        assert not DISTRICT_WORD.search(unit) and not DISTRICT_WORD.search(investor), investor
        if unit == "Thành phố":
            assert "Hà Nội" in investor, investor
            continue
        assert communes.count(match_key(unit)) == 1, unit
        # the investor is the commune's people's committee or its project board
        assert investor.startswith(("Ủy ban nhân dân", "UBND", "Ban Quản lý dự án")), investor
        assert match_key(investor).endswith(match_key(unit)), (unit, investor)
        commune_investors += 1
    assert commune_investors > 50
    assert any(u.startswith(("P. ", "X. ")) for u, _ in after)
    assert any(u.startswith(("Phường ", "Xã ")) for u, _ in after)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = disbursement.write(tmp_path / "a", 11)
    again = disbursement.write(tmp_path / "b", 11)
    other = disbursement.write(tmp_path / "c", 12)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]
    assert all(p.parent == tmp_path / "a" / "disbursement" for p in first)


def test_scale_changes_the_project_count_not_the_published_totals(tmp_path: Path) -> None:
    disbursement.write(tmp_path, 11, scale=0.5)
    con = _load(tmp_path / "disbursement")
    projects = con.execute(
        "select count(distinct project_code) from reports where plan_year = 2024"
    ).fetchall()[0][0]
    assert 40 <= projects < 100
    for figure_id in FIGURES:
        row = PUBLISHED[figure_id]
        assert matches(float(_recompute(con, row)), row["value"]), figure_id
