"""The versioned admin-unit dimension built from vietnamadminunits."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
import pytest

from sources.admin_units import build_admin_units, build_crosswalk
from tests.published import PUBLISHED_CSVS, REPO, SHARED_CSVS, load_published

REFERENCE_SEED = REPO / "dbt_project" / "seeds" / "ref_hanoi_district_units_2014_2025.csv"
SHARED_REFERENCE = REPO.parent / "shared" / "domain" / "hanoi_district_units_2014_2025.csv"


@pytest.fixture(scope="module")
def units() -> duckdb.DuckDBPyRelation:
    con = duckdb.connect()
    con.register("units", build_admin_units())
    return con


def _count(con: duckdb.DuckDBPyConnection, where: str) -> int:
    return con.execute(f"select count(*) from units where {where}").fetchall()[0][0]


def test_before_reform_30_districts_and_526_communes(units) -> None:
    published = load_published()
    before = "valid_from <= date '2024-12-31' and valid_to >= date '2021-01-01'"
    assert _count(units, f"level = 'district' and {before}") == int(published["A1"]["value"])
    assert _count(units, f"level = 'commune' and {before}") == 526
    types = dict(
        units.execute(
            f"select unit_type, count(*) from units where level = 'commune' and {before} group by 1"
        ).fetchall()
    )
    assert types == {"phuong": 160, "thi_tran": 21, "xa": 345}


def test_hoan_kiem_has_18_wards(units) -> None:
    expected = int(load_published()["A2"]["value"])
    assert _count(units, "parent_id = '01-002' and unit_type = 'phuong'") == expected


def test_after_reform_126_communes_without_districts(units) -> None:
    current = "valid_to is null and level = 'commune'"
    assert _count(units, current) == 126
    assert _count(units, f"{current} and unit_type = 'phuong'") == 51
    assert _count(units, f"{current} and unit_type = 'xa'") == 75
    assert _count(units, f"{current} and parent_id <> '01'") == 0
    assert _count(units, "valid_from = date '2025-07-01'") == 126


def test_ids_are_unique_although_gso_codes_are_reused(units) -> None:
    assert (
        _count(units, "true")
        == units.execute("select count(distinct admin_unit_id) from units").fetchall()[0][0]
    )
    reused = units.execute(
        "select gso_code from units where level = 'commune' group by 1 having count(*) > 1"
    ).fetchall()
    assert reused, "old and new commune codes overlap in the source; ids must keep them apart"


def test_versions_do_not_overlap(units) -> None:
    legacy_end = units.execute("select max(valid_to) from units").fetchall()[0][0]
    assert legacy_end == dt.date(2025, 6, 30)


def test_districts_match_the_reference_list(units) -> None:
    with REFERENCE_SEED.open(encoding="utf-8") as f:
        reference = {
            (r["district_code"], r["name_vi"], r["name_ascii"], r["unit_type"])
            for r in csv.DictReader(f)
        }
    built = set(
        units.execute(
            "select gso_code, short_name_vi, name_ascii, unit_type from units "
            "where level = 'district'"
        ).fetchall()
    )
    assert built == reference


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="../shared is not beside this checkout")
def test_seed_copies_equal_the_shared_files() -> None:
    assert REFERENCE_SEED.read_bytes() == SHARED_REFERENCE.read_bytes()
    for seed, shared in zip(PUBLISHED_CSVS, SHARED_CSVS, strict=True):
        assert seed.read_bytes() == shared.read_bytes(), f"{seed} differs from {shared}"


def test_crosswalk_covers_every_old_commune_with_weights_summing_to_one() -> None:
    con = duckdb.connect()
    con.register("cw", build_crosswalk())
    con.register("units", build_admin_units())
    old = con.execute(
        "select count(*) from units where level = 'commune' and valid_to is not null"
    ).fetchall()[0][0]
    mapped, bad_sums, primaries = con.execute(
        "select count(distinct old_admin_unit_id), "
        "count(distinct old_admin_unit_id) filter (where s > 1 + 1e-9 or s < 1 - 1e-9), "
        "min(p) from (select old_admin_unit_id, sum(allocation_weight) as s, "
        "sum(is_primary::int) as p from cw group by 1)"
    ).fetchall()[0]
    assert (mapped, bad_sums, primaries) == (old, 0, 1)
    split = con.execute(
        "select count(distinct old_admin_unit_id) from cw where method = 'split_by_area'"
    ).fetchall()[0][0]
    assert split > 0
    targets = con.execute(
        "select count(*) from cw left join units on new_admin_unit_id = admin_unit_id "
        "where valid_from is distinct from date '2025-07-01'"
    ).fetchall()[0][0]
    assert targets == 0
