"""The sample governance-index tables: format, rank rules, the PCI top-30 rule, the
provinces of each era (63, then 34 from 2025), the synthetic-source note of 2025, and
the published indices figures of both reference files recomputed straight from the
generated files (read here with DuckDB and explicit column types, not with the
generator's code)."""

from __future__ import annotations

import csv
import importlib.util
import re
import sqlite3
from pathlib import Path

import duckdb
import pytest

from sources.sample import governance_indices
from tests.published import REPO, load_published, matches

SEEDS = (20240601, 7)
YEARS = (2021, 2022, 2023, 2024, 2025)  # an index of year Y is published in Y + 1
DISTRICT_YEARS = (2021, 2022, 2023, 2024)  # no district level after 2025-06-30
MERGED_FROM = 2025  # provinces merged 63 -> 34 on 2025-07-01
PROVINCE_HEADER = [
    "chi_so",
    "nam",
    "ma_tinh",
    "tinh_thanh",
    "diem",
    "xep_hang",
    "so_don_vi_xep_hang",
]
PROVINCE_HEADER_FROM_2025 = [*PROVINCE_HEADER, "nguon"]
DISTRICT_HEADER = ["ma_quan_huyen", "ten_don_vi", "diem", "xep_hang"]
PROVINCE_TYPES = {
    "chi_so": "VARCHAR",
    "nam": "INTEGER",
    "ma_tinh": "VARCHAR",
    "tinh_thanh": "VARCHAR",
    "diem": "DECIMAL(9, 4)",
    "xep_hang": "INTEGER",
    "so_don_vi_xep_hang": "INTEGER",
    "nguon": "VARCHAR",
}
FIGURES = sorted(
    (fid for fid, row in load_published().items() if row["domain"] == "indices"),
    key=lambda fid: int(fid[1:]),
)
# Published indicator -> (table, chi_so, measure).
INDICATORS = {
    "par_index": ("provinces", "PAR_INDEX", "diem"),
    "par_index_rank": ("provinces", "PAR_INDEX", "xep_hang"),
    "sipas": ("provinces", "SIPAS", "diem"),
    "sipas_rank": ("provinces", "SIPAS", "xep_hang"),
    "papi": ("provinces", "PAPI", "diem"),
    "papi_rank": ("provinces", "PAPI", "xep_hang"),
    "pci": ("provinces", "PCI", "diem"),
    "pci_rank": ("provinces", "PCI", "xep_hang"),
    "district_par_index": ("districts", None, "diem"),
    "district_par_index_rank": ("districts", None, "xep_hang"),
    "district_par_index_mean": ("districts", None, "avg(diem)"),
}


def _load(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    columns = ", ".join(f"{name} {kind}" for name, kind in PROVINCE_TYPES.items())
    con.execute(f"create table provinces ({columns})")
    for path in sorted(folder.glob("chi_so_cap_tinh_*.csv")):
        header = _read_raw(path)[0]  # the 2025 table adds nguon
        types = ", ".join(f"'{name}': '{PROVINCE_TYPES[name]}'" for name in header)
        con.execute(
            f"""
            insert into provinces by name
            select * from read_csv(
                '{path}', header = true, delim = ',', columns = {{{types}}}
            )
            """
        )
    con.execute(
        f"""
        create table districts as
        select
            cast(regexp_extract(filename, '_(\\d{{4}})\\.csv', 1) as integer) as nam,
            ma_quan_huyen, ten_don_vi, diem, xep_hang
        from read_csv(
            '{folder}/par_index_quan_huyen_*.csv', header = true, delim = ',', filename = true,
            columns = {{
                'ma_quan_huyen': 'VARCHAR', 'ten_don_vi': 'VARCHAR', 'diem': 'DECIMAL(5, 2)',
                'xep_hang': 'INTEGER'
            }}
        )
        """
    )
    return con


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def sample(request, tmp_path_factory) -> tuple[list[Path], duckdb.DuckDBPyConnection]:
    out = tmp_path_factory.mktemp(f"governance_{request.param}")
    paths = governance_indices.write(out, request.param)
    con = _load(out / "governance_indices")
    yield paths, con
    con.close()


def _read_raw(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("figure_id", FIGURES)
def test_published_figure_recomputed_from_files(sample, figure_id: str) -> None:
    _, con = sample
    row = load_published()[figure_id]
    table, chi_so, measure = INDICATORS[row["indicator"]]
    year = int(row["period"])
    if table == "provinces":
        assert row["admin_unit"] == "01"
        found = con.execute(
            f"select {measure} from provinces where chi_so = ? and nam = ? and ma_tinh = ?",
            [chi_so, year, row["admin_unit"]],
        ).fetchall()
    elif row["admin_unit"] == "01":  # a city-wide statistic over the 30 districts
        found = con.execute(
            f"select {measure} from districts where nam = ? having count(*) = 30", [year]
        ).fetchall()
    else:
        found = con.execute(
            f"select {measure} from districts where nam = ? and ma_quan_huyen = ?",
            [year, row["admin_unit"].removeprefix("01-")],
        ).fetchall()
    assert len(found) == 1 and found[0][0] is not None, f"{figure_id}: {found}"
    value = found[0][0]
    assert matches(float(value), row["value"]), f"{figure_id}: {value} vs {row['value']}"


def test_files_and_headers(sample) -> None:
    paths, _ = sample
    assert [p.name for p in paths] == [f"chi_so_cap_tinh_{y}.csv" for y in YEARS] + [
        f"par_index_quan_huyen_{y}.csv" for y in DISTRICT_YEARS
    ]
    for path in paths:
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
        rows = _read_raw(path)
        year = int(path.stem[-4:])
        if path.name.startswith("chi_so"):
            merged = year >= MERGED_FROM
            assert rows[0] == (PROVINCE_HEADER_FROM_2025 if merged else PROVINCE_HEADER)
            assert len(rows) == 1 + 4 * (34 if merged else 63)
        else:
            assert rows[0] == DISTRICT_HEADER
            assert len(rows) == 1 + 30


def test_2025_values_say_they_are_synthetic(sample) -> None:
    _, con = sample
    notes = con.execute(
        "select nam >= ? as merged, count(*), count(nguon), "
        "count(*) filter (where nguon like '%số liệu mẫu%') from provinces group by merged "
        "order by merged",
        [MERGED_FROM],
    ).fetchall()
    assert notes == [(False, 4 * 4 * 63, 0, 0), (True, 4 * 34, 4 * 34, 4 * 34)]


def test_scores_written_with_the_publishers_decimals(sample) -> None:
    paths, _ = sample
    two, four = re.compile(r"^\d{2}\.\d{2}$"), re.compile(r"^\d{2}\.\d{4}$")
    for path in paths:
        rows = _read_raw(path)[1:]
        if path.name.startswith("chi_so"):
            for r in rows:
                assert (four if r[0] == "PAPI" else two).match(r[4]) or (
                    r[0] == "PCI" and r[4] == ""
                ), r
                assert re.fullmatch(r"\d{2}", r[2]), r
        else:
            assert all(two.match(r[2]) and re.fullmatch(r"\d{3}", r[0]) for r in rows)


def _package_provinces(table: str) -> set[str]:
    """Province codes of the vietnamadminunits data (``admin_units_legacy``: the 63
    before the merger, ``admin_units``: the 34 after), read here straight from SQLite."""
    package = importlib.util.find_spec("vietnamadminunits")
    db = Path(next(iter(package.submodule_search_locations))) / "data" / "dataset.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {code for (code,) in conn.execute(f"select distinct provinceCode from {table}")}


def test_63_provinces_before_2025_and_34_from_2025(sample) -> None:
    _, con = sample
    groups = con.execute(
        """
        select chi_so, nam, count(*), count(distinct ma_tinh), min(so_don_vi_xep_hang),
            max(so_don_vi_xep_hang), max(xep_hang), max(tinh_thanh) filter (where ma_tinh = '01')
        from provinces group by chi_so, nam
        """
    ).fetchall()
    assert len(groups) == 4 * len(YEARS)
    for index, year, rows, codes, low, high, worst, hanoi in groups:
        n = 34 if year >= MERGED_FROM else 63
        assert (rows, codes, low, high) == (n, n, n, n), (index, year)
        assert worst <= n and "Hà Nội" in hanoi
    for merged, table in ((False, "admin_units_legacy"), (True, "admin_units")):
        codes = {
            code
            for (code,) in con.execute(
                "select distinct ma_tinh from provinces where (nam >= ?) = ?",
                [MERGED_FROM, merged],
            ).fetchall()
        }
        assert codes == _package_provinces(table), table


def test_ranks_consistent_with_scores(sample) -> None:
    _, con = sample
    for table, keys in (("provinces", "chi_so, nam"), ("districts", "nam")):
        wrong = con.execute(
            f"""
            select count(*) from (
                select diem, xep_hang,
                    rank() over (partition by {keys} order by diem desc nulls last) as expected
                from {table}
            ) where diem is not null and xep_hang <> expected
            """
        ).fetchall()[0][0]
        assert wrong == 0, table
        # rank r always means r - 1 units placed strictly before it, blanks included
        wrong = con.execute(
            f"""
            select count(*) from (
                select xep_hang, rank() over (partition by {keys} order by xep_hang) as expected
                from {table}
            ) where xep_hang <> expected
            """
        ).fetchall()[0][0]
        assert wrong == 0, table


def test_pci_scores_blank_beyond_rank_30_from_2023(sample) -> None:
    _, con = sample
    rows = con.execute(
        """
        select chi_so, nam, xep_hang > 30 as beyond_30, count(*), count(diem)
        from provinces group by chi_so, nam, beyond_30
        """
    ).fetchall()
    for chi_so, year, beyond_30, n, scored in rows:
        hidden = chi_so == "PCI" and year >= 2023 and beyond_30
        assert scored == (0 if hidden else n), (chi_so, year, beyond_30)
    assert any(r[0] == "PCI" and r[1] == 2023 and r[2] and r[3] > 0 for r in rows)


def test_districts_are_the_30_legacy_units(sample) -> None:
    _, con = sample
    with (REPO / "dbt_project" / "seeds" / "ref_hanoi_district_units_2014_2025.csv").open(
        encoding="utf-8"
    ) as f:
        expected = {row["district_code"]: row["name_vi"] for row in csv.DictReader(f)}
    for year in DISTRICT_YEARS:
        got = dict(
            con.execute(
                "select ma_quan_huyen, ten_don_vi from districts where nam = ?", [year]
            ).fetchall()
        )
        assert got.keys() == expected.keys()
        assert all(got[code].endswith(" " + name) for code, name in expected.items())
    ranks_2023 = [r for (r,) in con.execute(
        "select xep_hang from districts where nam = 2023 order by xep_hang limit 4"
    ).fetchall()]  # fmt: skip
    assert ranks_2023 == [1, 2, 2, 4]  # the joint second place pushes the next to 4th


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = governance_indices.write(tmp_path / "a", 11)
    again = governance_indices.write(tmp_path / "b", 11)
    other = governance_indices.write(tmp_path / "c", 12)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert all(p.parent == tmp_path / "a" / "governance_indices" for p in first)
    differ = [a.name for a, b in zip(first, other, strict=True) if a.read_bytes() != b.read_bytes()]
    assert len(differ) == len(first)
