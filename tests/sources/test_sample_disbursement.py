"""The sample disbursement reports: format, consistency rules, and the published figures
D1..D6 recomputed straight from the generated files (read here with DuckDB, not with the
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

from sources.sample import disbursement
from sources.text import match_key
from tests.published import REPO, load_published, matches

SEEDS = (20240601, 7)
HEADER = [
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
MONTHS = [(y, m) for y in range(2021, 2025) for m in range(1, 13)]
FIGURES = sorted(fid for fid, row in load_published().items() if row["domain"] == "disbursement")


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
            filename = true, encoding = 'utf-8'
        )
        """
    )
    con.execute(
        f"""
        create table reports as
        select
            "Mã dự án" as project_code,
            "Đơn vị" as unit,
            strptime("Ngày số liệu", '%d/%m/%Y')::date as as_of_date,
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


def _period_end(period: str) -> dt.date:
    """Last day of a published period: "2024", "2024-H1" or "2023-01-01..2023-11-15"."""
    if ".." in period:
        return dt.date.fromisoformat(period.split("..")[1])
    year, _, part = period.partition("-")
    return dt.date(int(year), 6, 30) if part == "H1" else dt.date(int(year), 12, 31)


def _totals(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> tuple[Decimal, Decimal, Decimal]:
    rows = con.execute(
        "select sum(cumulative), sum(plan_ttg), sum(plan_tp), count(*) from reports "
        "where as_of_date = ?",
        [as_of],
    ).fetchall()
    cumulative, plan_ttg, plan_tp, n = rows[0]
    assert n > 0, f"no report has the as-of date {as_of}"
    return cumulative, plan_ttg, plan_tp


@pytest.mark.parametrize("figure_id", FIGURES)
def test_published_figure_recomputed_from_files(sample, figure_id: str) -> None:
    _, con = sample
    row = load_published()[figure_id]
    cumulative, plan_ttg, plan_tp = _totals(con, _period_end(row["period"]))
    value = {
        "public_investment_plan": plan_ttg / 1000,  # triệu -> bn VND
        "public_investment_disbursed": cumulative / 1000,
        "public_investment_disbursement_rate": cumulative / plan_ttg * 100,
        "public_investment_disbursement_rate_city_plan": cumulative / plan_tp * 100,
    }[row["indicator"]]
    assert row["unit"] == ("pct" if "rate" in row["indicator"] else "bn_vnd")
    assert matches(float(value), row["value"]), f"{figure_id}: {value} vs {row['value']}"


def test_files_named_by_month_with_bom_and_header(sample) -> None:
    paths, _ = sample
    assert [p.name for p in paths] == [f"giai_ngan_{y}-{m:02d}.csv" for y, m in MONTHS]
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))
        assert rows[0] == HEADER
        assert len(rows) > 50 and all(len(r) == len(HEADER) for r in rows)


def test_amounts_written_in_vietnamese_number_format(sample) -> None:
    paths, _ = sample
    whole = re.compile(r"^\d{1,3}(\.\d{3})*$")
    one_decimal = re.compile(r"^\d{1,3}(\.\d{3})*,\d$")
    with paths[-1].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))[1:]
    assert all(whole.match(r[6]) and whole.match(r[7]) for r in rows)
    assert all(one_decimal.match(r[8]) and one_decimal.match(r[9]) for r in rows)
    assert any("." in r[9] for r in rows)  # thousands groups really occur


def test_as_of_date_is_month_end_except_mid_november_2023(sample) -> None:
    _, con = sample
    got = dict(
        con.execute(
            "select report_month, min(as_of_date) from reports group by report_month "
            "having count(distinct as_of_date) = 1"
        ).fetchall()
    )
    expected = {
        f"{y}-{m:02d}": dt.date(y, m, 15 if (y, m) == (2023, 11) else calendar.monthrange(y, m)[1])
        for y, m in MONTHS
    }
    assert got == expected


def test_cumulative_never_decreases_within_a_year(sample) -> None:
    _, con = sample
    bad = con.execute(
        """
        select count(*) filter (where cumulative < previous), count(*) filter (where cumulative < 0)
        from (
            select cumulative, lag(cumulative) over (
                partition by project_code, year(as_of_date) order by as_of_date
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
                partition by project_code, year(as_of_date) order by as_of_date
            ) as previous
            from reports
        )
        """
    ).fetchall()[0]
    assert checked > 5000 and wrong == 0
    # December 2023 starts from the 15/11 cut: its in-period covers six weeks.
    dec, nov_half = con.execute(
        "select sum(in_period) filter (where as_of_date = '2023-12-31'), "
        "sum(in_period) filter (where as_of_date = '2023-11-15') from reports"
    ).fetchall()[0]
    assert dec > nov_half > 0


def test_every_report_restates_the_year_plans_of_every_project(sample) -> None:
    _, con = sample
    rows = con.execute(
        """
        select year(as_of_date), project_code,
            count(*), count(distinct plan_ttg), count(distinct plan_tp), min(plan_tp >= plan_ttg)
        from reports group by year(as_of_date), project_code
        """
    ).fetchall()
    assert rows and all(r[2:] == (12, 1, 1, True) for r in rows)


def test_portfolio_looks_like_the_city_programme(sample) -> None:
    _, con = sample
    per_year = con.execute(
        """
        select year(as_of_date) as y,
            count(distinct project_code),
            count(distinct project_code) filter (where plan_ttg = 0 and plan_tp > 0),
            count(distinct project_code) filter (where cumulative > plan_ttg),
            count(distinct project_code) filter (where unit = 'Thành phố'),
            count(distinct project_code) filter (where unit <> 'Thành phố'),
            sum(cumulative) filter (where month(as_of_date) = 12) / sum(plan_ttg)
                filter (where month(as_of_date) = 12)
        from reports group by y order by y
        """
    ).fetchall()
    assert [r[0] for r in per_year] == [2021, 2022, 2023, 2024]
    for _, projects, own_capital, above_ttg, city, district, year_end_rate in per_year:
        assert 100 <= projects <= 200
        assert own_capital > 0 and above_ttg > 0 and city > 0 and district > 0
        assert Decimal("0.85") <= year_end_rate <= Decimal("0.95")
    multi_year = con.execute(
        "select count(*) from (select project_code from reports group by project_code "
        "having count(distinct year(as_of_date)) > 1)"
    ).fetchall()[0][0]
    assert multi_year > 20


def test_every_unit_is_the_city_or_exactly_one_district(sample) -> None:
    _, con = sample
    with (REPO / "dbt_project" / "seeds" / "ref_hanoi_district_units_2014_2025.csv").open(
        encoding="utf-8"
    ) as f:
        districts = [row["name_vi"] for row in csv.DictReader(f)]
    units = [u for (u,) in con.execute("select distinct unit from reports").fetchall()]
    for unit in units:
        if unit != "Thành phố":
            assert len([d for d in districts if match_key(d) == match_key(unit)]) == 1, unit
    assert any(u.startswith(("Q. ", "H. ", "TX. ")) for u in units)


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
        "select count(distinct project_code) from reports where year(as_of_date) = 2024"
    ).fetchall()[0][0]
    plan = load_published()["D1"]
    _, plan_ttg, _ = _totals(con, dt.date(2024, 12, 31))
    assert 40 <= projects < 100
    assert matches(float(plan_ttg / 1000), plan["value"])
