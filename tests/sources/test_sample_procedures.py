"""Procedures sample: the monthly dossier exports and re-extractions (format, determinism,
consistency of each dossier's states, unit names of every unit version, published
figures P1..P5 recomputed from the files, P6..P8 at the real scale) and the JSON API
served over them."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pyarrow as pa
import pytest

from sources.formats.text import match_key
from sources.loading.admin_units import build_admin_units
from sources.sample import FIRST_MONTH, LAST_MONTH, procedures
from sources.sample.procedures.clock import CALENDAR
from sources.sample.procedures.targets import REAL_SCALE, window_targets
from sources.sample.procedures_api import serve
from tests.published import REPO, load_published, matches

SEED = 2025
TS_FORMAT = "%d/%m/%Y %H:%M:%S"
# The documented file format, typed in here on purpose: the test reads the files the way
# a consumer would, not through the generator's own column list.
COLUMN_TYPES = {
    "ma_ho_so": "VARCHAR",
    "ma_tthc": "VARCHAR",
    "ten_tthc": "VARCHAR",
    "linh_vuc": "VARCHAR",
    "cap_thuc_hien": "VARCHAR",
    "don_vi_tiep_nhan": "VARCHAR",
    "quan_huyen": "VARCHAR",
    "kenh_thuc_hien": "INTEGER",
    "ngay_tiep_nhan": "TIMESTAMP",
    "ngay_hen_tra": "TIMESTAMP",
    "ngay_hoan_thanh": "TIMESTAMP",
    "ngay_tra_ket_qua": "TIMESTAMP",
    "ngay_ket_thuc": "TIMESTAMP",
    "trang_thai": "VARCHAR",
    "so_lan_bo_sung": "INTEGER",
    "thoi_gian_bo_sung_ngay": "INTEGER",
    "co_phi": "INTEGER",
    "thanh_toan_truc_tuyen": "INTEGER",
    "so_hoa": "INTEGER",
    "ket_qua_dien_tu": "INTEGER",
    "danh_gia": "INTEGER",
    "thoi_diem_trich_xuat": "TIMESTAMP",
}
INT_COLUMNS = {name for name, t in COLUMN_TYPES.items() if t == "INTEGER"}
TS_COLUMNS = {name for name, t in COLUMN_TYPES.items() if t == "TIMESTAMP"}
STATUSES = {
    "DA_TIEP_NHAN",
    "DANG_XU_LY",
    "YEU_CAU_BO_SUNG",
    "DA_HOAN_THANH",
    "DA_TRA_KET_QUA",
    "TU_CHOI",
    "DUNG_XU_LY",
    "CONG_DAN_RUT",
}
MONTHS = [
    f"{y}-{m:02d}"
    for y in range(FIRST_MONTH[0], LAST_MONTH[0] + 1)
    for m in range(1, 13)
    if FIRST_MONTH <= (y, m) <= LAST_MONTH
]
REFORM = dt.date(2025, 7, 1)
RE_EXTRACTION = re.compile(r"ho_so_(\d{4}-\d{2})_(\d{8}T\d{4})\.csv")
CENTRE = "Trung tâm Phục vụ hành chính công "


def read_csv_sql(pattern: Path | str) -> str:
    columns = ", ".join(f"'{name}': '{t}'" for name, t in COLUMN_TYPES.items())
    return (
        f"read_csv('{pattern}', header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', timestampformat = '{TS_FORMAT}', columns = {{{columns}}}, "
        "filename = true)"
    )


def digests(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> list[Path]:
    return procedures.write(tmp_path_factory.mktemp("sample"), seed=SEED)


@pytest.fixture(scope="module")
def folder(sample) -> Path:
    return sample[0].parent


@pytest.fixture(scope="module")
def con(folder):
    """``rows``: every row of every file; ``dossiers``: each dossier's latest state."""
    con = duckdb.connect()
    con.execute(
        f"""
        create table rows as
        select * replace (regexp_extract(filename, '[^/]+$') as filename)
        from {read_csv_sql(folder / "ho_so_*.csv")}
        """
    )
    con.execute(
        """
        create table dossiers as
        select * from rows
        qualify row_number() over (partition by ma_ho_so order by thoi_diem_trich_xuat desc) = 1
        """
    )
    yield con
    con.close()


@pytest.fixture(scope="module")
def units() -> list[dict]:
    return build_admin_units().to_pylist()


def valid_on(unit: dict, day: dt.date) -> bool:
    return unit["valid_from"] <= day and (unit["valid_to"] is None or unit["valid_to"] >= day)


def unique_unit(name: str, candidates: list[dict]) -> dict:
    """The one unit among ``candidates`` whose name has the key of ``name``; fails otherwise."""
    hits = [u for u in candidates if match_key(u["name_vi"]) == match_key(name)]
    assert len(hits) == 1, f"{name!r} matches {[u['name_vi'] for u in hits]}"
    return hits[0]


# --- files -------------------------------------------------------------------------


def test_writes_one_export_per_month_and_the_re_extractions(sample):
    regular = [p.name for p in sample if not RE_EXTRACTION.fullmatch(p.name)]
    again = [m.groups() for p in sample if (m := RE_EXTRACTION.fullmatch(p.name))]
    assert regular == [f"ho_so_{m}.csv" for m in MONTHS]
    after_last = dt.date(LAST_MONTH[0] + LAST_MONTH[1] // 12, LAST_MONTH[1] % 12 + 1, 1)
    assert [m for m, _ in again] == MONTHS[-3:-1]
    assert {stamp for _, stamp in again} == {f"{after_last:%Y%m}07T0800"}
    for path in sample:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name
        header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8")
        assert next(csv.reader([header])) == list(COLUMN_TYPES), path.name
    assert not [p for p in sample[0].parent.iterdir() if p.name.startswith(".")]


def test_same_seed_gives_identical_bytes_in_another_process(sample, tmp_path):
    # Another interpreter, hash seed, time zone and locale: none of them may matter.
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "America/New_York", "LC_ALL": "C"}
    code = (
        "import sys; from pathlib import Path; from sources.sample import procedures; "
        f"procedures.write(Path(sys.argv[1]), seed={SEED})"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, env=env, check=True)
    again = sorted((tmp_path / "procedures").glob("ho_so_*.csv"))
    assert digests(again) == digests(sample)


def test_different_seed_gives_different_files(tmp_path):
    first = procedures.write(tmp_path / "a", seed=1, scale=0.2)
    second = procedures.write(tmp_path / "b", seed=2, scale=0.2)
    a, b = digests(first), digests(second)
    assert a.keys() == b.keys()
    assert all(a[name] != b[name] for name in a)


def test_scale_below_the_minimum_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scale must be at least"):
        procedures.write(tmp_path, seed=SEED, scale=0.0)
    assert not (tmp_path / "procedures").exists()


def test_volume_is_about_1500_dossiers_a_month(con):
    per_month = con.execute(
        "select strftime(ngay_tiep_nhan, '%Y-%m') as m, count(*) from dossiers group by m"
    ).fetchall()
    counts = [n for _, n in per_month]
    assert len(counts) == len(MONTHS)
    assert 1_300 * len(MONTHS) <= sum(counts) <= 1_700 * len(MONTHS)
    assert min(counts) >= 700 and max(counts) <= 2_200


# --- dossiers are mutable: exports, later states, re-extractions --------------------------


def test_each_export_holds_its_month_and_later_states_of_earlier_dossiers(con):
    rows = con.execute(
        """
        select filename,
            count(*) filter (where strftime(ngay_tiep_nhan, '%Y-%m') = m) as received,
            count(*) filter (where strftime(ngay_tiep_nhan, '%Y-%m') < m) as updates,
            count(*) filter (where strftime(ngay_tiep_nhan, '%Y-%m') > m) as later,
            min(thoi_diem_trich_xuat), max(thoi_diem_trich_xuat)
        from (select *, regexp_extract(filename, 'ho_so_(\\d{4}-\\d{2})', 1) as m from rows)
        group by filename
        """
    ).fetchall()
    by_name = {r[0]: r[1:] for r in rows}
    for month in MONTHS:
        received, updates, later, first, last = by_name[f"ho_so_{month}.csv"]
        year, mo = map(int, month.split("-"))
        nxt = dt.date(year + mo // 12, mo % 12 + 1, 5)
        assert first == last == dt.datetime.combine(nxt, dt.time(8)), month
        assert received > 500 and later == 0, month
        if month != MONTHS[0]:
            assert 0 < updates < received, month
    for name, (received, updates, later, first, last) in by_name.items():
        if m := RE_EXTRACTION.fullmatch(name):
            stamp = dt.datetime.strptime(m.group(2), "%Y%m%dT%H%M")
            assert first == last == stamp
            assert updates == later == 0 and received == by_name[f"ho_so_{m.group(1)}.csv"][0]


def test_a_later_state_only_moves_forward(con):
    """Each dossier's rows, in extraction order: fixed facts never change, a finish, return
    or end time once set stays, and a closed dossier is never reopened."""
    broken = con.execute(
        """
        with ordered as (
            select *,
                lag(ngay_hoan_thanh) over w as prev_finished,
                lag(ngay_tra_ket_qua) over w as prev_returned,
                lag(ngay_ket_thuc) over w as prev_ended,
                lag(trang_thai) over w as prev_status,
                lag(ma_tthc || don_vi_tiep_nhan || ngay_tiep_nhan || ngay_hen_tra
                    || kenh_thuc_hien || co_phi || so_hoa) over w as prev_fixed,
                lag(thoi_diem_trich_xuat) over w as prev_at
            from rows
            window w as (partition by ma_ho_so order by thoi_diem_trich_xuat)
        )
        select count(*) filter (where prev_fixed != ma_tthc || don_vi_tiep_nhan
                                || ngay_tiep_nhan || ngay_hen_tra || kenh_thuc_hien
                                || co_phi || so_hoa),
            count(*) filter (where prev_finished is distinct from ngay_hoan_thanh
                             and prev_finished is not null),
            count(*) filter (where prev_returned is not null
                             and prev_returned is distinct from ngay_tra_ket_qua),
            count(*) filter (where prev_ended is not null
                             and prev_ended is distinct from ngay_ket_thuc),
            count(*) filter (where prev_status in ('TU_CHOI', 'DUNG_XU_LY', 'CONG_DAN_RUT')
                             and trang_thai != prev_status),
            count(*) filter (where prev_at = thoi_diem_trich_xuat),
            count(*) filter (where prev_at is not null)
        from ordered
        """
    ).fetchall()[0]
    assert broken[:-1] == (0,) * 6
    assert broken[-1] > 5_000, "the sample holds thousands of later states"


def test_re_extractions_find_more_dossiers_finished(con):
    for month in procedures.RE_EXTRACTED_MONTHS:
        first, again = con.execute(
            """
            select
                count(*) filter (where filename = ? and ngay_hoan_thanh is not null),
                count(*) filter (where starts_with(filename, ?) and ngay_hoan_thanh is not null)
            from rows where strftime(ngay_tiep_nhan, '%Y-%m') = ?
            """,
            [f"ho_so_{month}.csv", f"ho_so_{month}_", month],
        ).fetchall()[0]
        assert again > first, month


# --- published figures P1..P8 ---------------------------------------------------------------


def test_p1_same_day_share_of_hoan_kiem_ward_desks_meets_the_published_bound(con, units):
    figure = load_published()["P1"]
    assert figure["use"] == "bound" and figure["unit"] == "pct"
    district_id, year = figure["admin_unit"], int(figure["period"])
    in_year = [u for u in units if valid_on(u, dt.date(year, 6, 30))]
    districts = [u for u in in_year if u["level"] == "district"]
    wards = {
        u["admin_unit_id"]
        for u in in_year
        if u["parent_id"] == district_id and u["unit_type"] == "phuong"
    }
    names = con.execute(
        "select distinct quan_huyen, don_vi_tiep_nhan from dossiers "
        "where cap_thuc_hien = 'Cấp xã' and year(ngay_tiep_nhan) = ?",
        [year],
    ).fetchall()
    desks = []
    for district_name, unit_name in names:
        if unique_unit(district_name, districts)["admin_unit_id"] != district_id:
            continue
        ward = unique_unit(unit_name, [u for u in in_year if u["parent_id"] == district_id])
        assert ward["admin_unit_id"] in wards
        desks.append({"quan_huyen": district_name, "don_vi_tiep_nhan": unit_name})
    con.register("p1_desks", pa.Table.from_pylist(desks))
    same_day, received = con.execute(
        f"""
        select
            count(*) filter (
                where ngay_hoan_thanh::date = ngay_tiep_nhan::date
                and ngay_tra_ket_qua::date = ngay_tiep_nhan::date
            ),
            count(*)
        from dossiers
        join p1_desks using (quan_huyen, don_vi_tiep_nhan)
        where cap_thuc_hien = 'Cấp xã' and year(ngay_tiep_nhan) = {year}
        """
    ).fetchall()[0]
    con.unregister("p1_desks")
    assert received >= 200, "too few dossiers for the figure to mean anything"
    share = same_day / received * 100
    assert share >= float(figure["value"]), f"P1 {share:.2f}% ({same_day}/{received})"


def window(figure: dict) -> tuple[dt.date, dt.date]:
    start, end = figure["period"].split("..")
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


def window_counts_from_files(con, figure: dict) -> dict[str, int]:
    """REFERENCE.md's definitions over the latest state of each dossier: commune-level
    desks, received in the window; resolved = finished by its last day; late = finished
    after the due day extended by the supplement wait, or with more than one request."""
    start, end = window(figure)
    rows = con.execute(
        """
        select kenh_thuc_hien, ngay_hen_tra, ngay_hoan_thanh, so_lan_bo_sung,
            thoi_gian_bo_sung_ngay
        from dossiers
        where cap_thuc_hien = 'Cấp xã' and ngay_tiep_nhan::date between ? and ?
        """,
        [start, end],
    ).fetchnumpy()
    finished = rows["ngay_hoan_thanh"].astype("datetime64[D]")
    resolved = ~np.isnat(finished) & (finished <= np.datetime64(end))
    due = np.busday_offset(
        rows["ngay_hen_tra"].astype("datetime64[D]"),
        rows["thoi_gian_bo_sung_ngay"].astype(np.int64),
        roll="forward",
        busdaycal=CALENDAR,
    )
    late = resolved & ((finished > due) | (rows["so_lan_bo_sung"] > 1))
    channel = rows["kenh_thuc_hien"]
    return {
        "received": channel.size,
        "online": int((channel == 2).sum()),
        "in_person": int((channel == 1).sum()),
        "postal": int((channel == 3).sum()),
        "resolved": int(resolved.sum()),
        "resolved_late": int(late.sum()),
    }


SHARES = {"P2": "online", "P3": "in_person", "P4": "postal"}


@pytest.mark.parametrize("figure_id", ["P2", "P3", "P4", "P5"])
def test_p2_to_p5_shares_of_commune_desks_after_the_reform_match(con, figure_id):
    published = load_published()
    figure = published[figure_id]
    assert figure["use"] == "reproduce" and figure["unit"] == "pct"
    counts = window_counts_from_files(con, figure)
    if figure_id in SHARES:
        share = 100 * counts[SHARES[figure_id]] / counts["received"]
    else:
        share = 100 * (counts["resolved"] - counts["resolved_late"]) / counts["resolved"]
    assert matches(share, figure["value"]), f"{figure_id}: {share:.4f} vs {figure['value']}"
    assert counts["received"] > 3_000, "the window holds thousands of dossiers at scale 1"


def test_window_targets_are_the_published_counts_at_the_real_scale():
    published = load_published()
    targets = window_targets(REAL_SCALE)
    assert (targets.received, targets.resolved, targets.resolved_late) == tuple(
        int(published[f]["value"]) for f in ("P6", "P7", "P8")
    )
    assert all(published[f]["use"] == "context" for f in ("P6", "P7", "P8"))


def test_the_real_scale_generates_p6_to_p8_exactly_and_the_shares():
    """The three calibrated months drawn at the real volume (about 700,000 dossiers),
    without writing the other 68 months."""
    published = load_published()
    counts = procedures.window_counts(SEED, REAL_SCALE)
    assert counts["received"] == int(published["P6"]["value"])
    assert counts["resolved"] == int(published["P7"]["value"])
    assert counts["resolved_late"] == int(published["P8"]["value"])
    for figure_id, key in SHARES.items():
        assert matches(100 * counts[key] / counts["received"], published[figure_id]["value"])
    on_time = 100 * (counts["resolved"] - counts["resolved_late"]) / counts["resolved"]
    assert matches(on_time, published["P5"]["value"])


# --- internal consistency -----------------------------------------------------------


def test_dossier_ids_are_unique_and_well_formed(con):
    total, distinct, malformed = con.execute(
        r"""
        select count(*), count(distinct ma_ho_so),
            count(*) filter (where not regexp_full_match(
                ma_ho_so, 'H26\.(S\d{2}|\d{3}|\d{5})-\d{6}-\d{6}'))
        from dossiers
        """
    ).fetchall()[0]
    assert total == distinct
    assert malformed == 0
    bad_day = con.execute(
        "select count(*) from dossiers "
        "where split_part(ma_ho_so, '-', 2) != strftime(ngay_tiep_nhan, '%y%m%d')"
    ).fetchall()[0][0]
    assert bad_day == 0


def test_timestamps_follow_each_other_and_the_extraction(con):
    violations = con.execute(
        """
        select
            count(*) filter (where ngay_tiep_nhan is null or ngay_hen_tra is null
                             or thoi_diem_trich_xuat is null),
            count(*) filter (where ngay_hen_tra::date < ngay_tiep_nhan::date),
            count(*) filter (where ngay_hoan_thanh < ngay_tiep_nhan),
            count(*) filter (where ngay_tra_ket_qua < ngay_hoan_thanh),
            count(*) filter (where ngay_tra_ket_qua is not null and ngay_hoan_thanh is null),
            count(*) filter (where ngay_ket_thuc < ngay_tiep_nhan),
            count(*) filter (where greatest(ngay_tiep_nhan, ngay_hoan_thanh, ngay_tra_ket_qua,
                                            ngay_ket_thuc) > thoi_diem_trich_xuat)
        from rows
        """
    ).fetchall()[0]
    assert violations == (0,) * 7


def test_status_agrees_with_the_timestamps(con):
    rows = con.execute(
        """
        select trang_thai,
            ngay_hoan_thanh is not null, ngay_tra_ket_qua is not null,
            ngay_ket_thuc is not null, count(*)
        from rows group by all
        """
    ).fetchall()
    expected = {
        "DA_TIEP_NHAN": (False, False, False),
        "DANG_XU_LY": (False, False, False),
        "YEU_CAU_BO_SUNG": (False, False, False),
        "DA_HOAN_THANH": (True, False, False),
        "DA_TRA_KET_QUA": (True, True, False),
        "TU_CHOI": (False, False, True),
        "DUNG_XU_LY": (False, False, True),
        "CONG_DAN_RUT": (False, False, True),
    }
    seen = {status for status, *_ in rows}
    assert seen == STATUSES, "every documented status occurs at scale 1"
    for status, finished, returned, ended, n in rows:
        assert (finished, returned, ended) == expected[status], (status, n)
    still_open_from_long_ago = con.execute(
        "select count(*) from dossiers where trang_thai in ('DA_TIEP_NHAN', 'DANG_XU_LY', "
        "'YEU_CAU_BO_SUNG', 'DA_HOAN_THANH') and ngay_tiep_nhan < ?",
        [dt.datetime.strptime(MONTHS[-4], "%Y-%m")],
    ).fetchall()[0][0]
    assert still_open_from_long_ago == 0
    waiting = con.execute(
        "select count(*) from rows where trang_thai = 'YEU_CAU_BO_SUNG' and so_lan_bo_sung = 0"
    ).fetchall()[0][0]
    assert waiting == 0


def test_codes_and_flags_stay_in_their_vocabularies(con):
    counts = con.execute(
        """
        select
            count(*) filter (where kenh_thuc_hien not in (1, 2, 3) or kenh_thuc_hien is null),
            count(*) filter (where cap_thuc_hien not in ('Cấp tỉnh', 'Cấp huyện', 'Cấp xã')),
            count(*) filter (where not regexp_full_match(ma_tthc, '[12]\\.00\\d{4}')),
            count(*) filter (where co_phi not in (0, 1) or so_hoa not in (0, 1)
                             or thanh_toan_truc_tuyen not in (0, 1)
                             or ket_qua_dien_tu not in (0, 1)),
            count(*) filter (where thanh_toan_truc_tuyen = 1 and co_phi = 0),
            count(*) filter (where ket_qua_dien_tu = 1 and ngay_hoan_thanh is null),
            count(*) filter (where danh_gia not between 1 and 5),
            count(*) filter (where danh_gia is not null and trang_thai != 'DA_TRA_KET_QUA'),
            count(*) filter (where so_lan_bo_sung not between 0 and 3
                             or thoi_gian_bo_sung_ngay < 0
                             or (so_lan_bo_sung = 0) != (thoi_gian_bo_sung_ngay = 0)),
            count(distinct ma_tthc)
        from rows
        """
    ).fetchall()[0]
    assert counts[:-1] == (0,) * 9
    assert 20 <= counts[-1] <= 30


def test_no_district_level_after_the_reform(con):
    levels = dict(
        con.execute(
            "select cap_thuc_hien, count(*) from dossiers where ngay_tiep_nhan >= ? group by all",
            [REFORM],
        ).fetchall()
    )
    assert set(levels) == {"Cấp tỉnh", "Cấp xã"}
    assert levels["Cấp xã"] > 5 * levels["Cấp tỉnh"]
    assert (
        con.execute(
            "select count(*) from dossiers where ngay_tiep_nhan >= ? and quan_huyen is not null",
            [REFORM],
        ).fetchall()[0][0]
        == 0
    )


def test_reception_is_on_working_days_in_office_hours(con):
    received = con.execute("select ngay_tiep_nhan from dossiers").fetchnumpy()["ngay_tiep_nhan"]
    days = received.astype("datetime64[D]")
    assert np.is_busday(days, busdaycal=CALENDAR).all()
    seconds = (received - days).astype("timedelta64[s]").astype(np.int64)
    assert seconds.min() >= 8 * 3600 and seconds.max() <= 17 * 3600


def test_rates_move_the_way_the_domain_says(con):
    rows = con.execute(
        """
        select year(ngay_tiep_nhan) as y,
            avg((kenh_thuc_hien = 2)::int),
            sum(thanh_toan_truc_tuyen) / sum(co_phi),
            avg(so_hoa),
            avg((trang_thai in ('TU_CHOI', 'DUNG_XU_LY', 'CONG_DAN_RUT'))::int)
        from dossiers group by y order by y
        """
    ).fetchall()
    before = [r for r in rows if r[0] < REFORM.year]
    online = [r[1] for r in before]
    paid = [r[2] for r in rows]
    digitised = [r[3] for r in rows]
    assert 0.25 <= online[0] <= 0.35 and 0.70 <= online[-1] <= 0.80
    assert online == sorted(online) and paid == sorted(paid) and digitised == sorted(digitised)
    assert all(0.005 <= r[4] <= 0.03 for r in rows)
    communes_after = con.execute(
        "select avg((kenh_thuc_hien = 2)::int) from dossiers "
        "where cap_thuc_hien = 'Cấp xã' and ngay_tiep_nhan >= ?",
        [REFORM],
    ).fetchall()[0][0]
    assert 0.55 <= communes_after <= 0.70


def test_on_time_rate_by_decision_766_holds_by_level_and_era(con):
    cols = con.execute(
        "select cap_thuc_hien, ngay_tiep_nhan, ngay_hoan_thanh, ngay_hen_tra, so_lan_bo_sung, "
        "thoi_gian_bo_sung_ngay from dossiers where ngay_hoan_thanh is not null"
    ).fetchnumpy()
    due = np.busday_offset(
        cols["ngay_hen_tra"].astype("datetime64[D]"),
        cols["thoi_gian_bo_sung_ngay"].astype(np.int64),
        roll="forward",
        busdaycal=CALENDAR,
    )
    on_time = (cols["ngay_hoan_thanh"].astype("datetime64[D]") <= due) & (
        cols["so_lan_bo_sung"] <= 1
    )
    levels = np.asarray(cols["cap_thuc_hien"], dtype=object)
    after = cols["ngay_tiep_nhan"] >= np.datetime64(REFORM)
    for level in ("Cấp tỉnh", "Cấp huyện", "Cấp xã"):
        rate = on_time[(levels == level) & ~after].mean()
        assert 0.95 <= rate <= 0.99, (level, rate)
    assert on_time[(levels == "Cấp xã") & after].mean() >= 0.995
    assert (~on_time[cols["so_lan_bo_sung"] > 1]).all()


# --- unit names ----------------------------------------------------------------------


def test_every_unit_name_maps_to_exactly_one_unit_valid_that_day(con, units):
    rows = con.execute(
        "select distinct cap_thuc_hien, quan_huyen, don_vi_tiep_nhan, "
        "date_trunc('month', ngay_tiep_nhan)::date from dossiers"
    ).fetchall()
    seen: set[str] = set()
    for level, district_name, unit_name, month in rows:
        if level == "Cấp tỉnh":
            assert district_name is None and unit_name.startswith("Sở ")
            continue
        valid = [u for u in units if valid_on(u, month)]
        if month >= REFORM:
            assert level == "Cấp xã" and district_name is None
            name = unit_name.removeprefix(CENTRE)
            unit = unique_unit(name, [u for u in valid if u["level"] == "commune"])
            assert unit["parent_id"] == "01"
            seen.add(unit["admin_unit_id"])
            continue
        district = unique_unit(district_name, [u for u in valid if u["level"] == "district"])
        if level == "Cấp huyện":
            unit = unique_unit(unit_name, [u for u in valid if u["level"] == "district"])
            assert unit["admin_unit_id"] == district["admin_unit_id"]
        else:
            siblings = [u for u in valid if u["parent_id"] == district["admin_unit_id"]]
            unit = unique_unit(unit_name, siblings)
        seen.add(unit["admin_unit_id"])
    first = dt.date(*FIRST_MONTH, 1)
    receiving = {
        u["admin_unit_id"]
        for u in units
        if u["level"] in ("district", "commune")
        and (u["valid_to"] is None or u["valid_to"] >= first)
    }
    assert seen == receiving, "every district and commune of every version receives dossiers"


def test_every_reporting_unit_receives_dossiers_every_month(con, units):
    """Districts (with their communes) before the reform, communes after it: at scale 1
    none has a month without dossiers, so the coverage table flags none as missing."""
    per_month = defaultdict(set)
    for month, district, unit in con.execute(
        "select distinct strftime(ngay_tiep_nhan, '%Y-%m'), quan_huyen, don_vi_tiep_nhan "
        "from dossiers where cap_thuc_hien != 'Cấp tỉnh'"
    ).fetchall():
        per_month[month].add(match_key(district if district else unit.removeprefix(CENTRE)))
    for month in MONTHS:
        day = dt.date.fromisoformat(f"{month}-15")
        expected = {
            match_key(u["name_vi"])
            for u in units
            if valid_on(u, day)
            and (u["level"] == "district" or (u["level"] == "commune" and u["parent_id"] == "01"))
        }
        assert per_month[month] == expected, month


def test_unit_names_come_in_the_variants_sources_write(con):
    names = [
        r[0]
        for r in con.execute(
            "select distinct don_vi_tiep_nhan from dossiers union "
            "select distinct quan_huyen from dossiers where quan_huyen is not null"
        ).fetchall()
    ]
    nfd = [n for n in names if unicodedata.normalize("NFC", n) != n]
    upper = [n for n in names if n.isupper() and not n.isascii()]
    ascii_only = [n for n in names if n.isascii()]
    abbreviated = [n for n in names if n.split(" ", 1)[0] in {"P.", "Q.", "X.", "H.", "TT."}]
    canonical = [n for n in names if n.startswith(("Phường ", "Quận ", "Xã ", "Huyện "))]
    centres = [n for n in names if n.startswith(CENTRE)]
    assert min(len(nfd), len(upper), len(ascii_only), len(abbreviated)) >= 50
    assert len(centres) >= 120, "after the reform the communes' centres are written too"
    rows, canonical_rows = con.execute(
        "select count(*), count(*) filter (where regexp_matches(don_vi_tiep_nhan, "
        "'^(Phường|Quận|Xã|Huyện|Thị trấn|Thị xã|Sở|Trung tâm) ')) from dossiers"
    ).fetchall()[0]
    assert len(canonical) > 500
    assert 0.75 <= canonical_rows / rows <= 0.9, "canonical names are the large majority"


# --- JSON API --------------------------------------------------------------------------


def latest_records(folder: Path, month: str) -> dict[str, dict[str, str]]:
    """The month's dossiers in their latest state, read with the csv module."""
    latest: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("ho_so_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if not row["ngay_tiep_nhan"][3:].startswith(f"{month[5:]}/{month[:4]}"):
                    continue
                at = dt.datetime.strptime(row["thoi_diem_trich_xuat"], TS_FORMAT)
                known = latest.get(row["ma_ho_so"])
                if known is None or at > dt.datetime.strptime(
                    known["thoi_diem_trich_xuat"], TS_FORMAT
                ):
                    latest[row["ma_ho_so"]] = row
    return latest


def as_api_value(column: str, text: str):
    """What the API should send for a CSV field (independent of the server's SQL)."""
    if text == "":
        return None
    if column in INT_COLUMNS:
        return int(text)
    if column in TS_COLUMNS:
        return dt.datetime.strptime(text, TS_FORMAT).isoformat() + "+07:00"
    return text


@pytest.mark.parametrize("month", ["2022-03", MONTHS[-2]])
def test_api_pages_return_the_latest_state_of_the_month(folder, month):
    expected = latest_records(folder, month)
    extracted = max(
        dt.datetime.strptime(r["thoi_diem_trich_xuat"], TS_FORMAT) for r in expected.values()
    )
    records = []
    with serve(folder) as api, httpx.Client(base_url=api.url) as client:
        page = 1
        while page is not None:
            r = client.get(
                "/api/v1/dossiers", params={"month": month, "page": page, "page_size": 400}
            )
            assert r.status_code == 200
            body = r.json()
            assert body["month"] == month and body["page"] == page and body["page_size"] == 400
            assert body["total"] == len(expected)
            assert body["extracted_at"] == extracted.isoformat() + "+07:00"
            assert len(body["data"]) <= 400
            records += body["data"]
            page = body["next_page"]
    ids = [rec["ma_ho_so"] for rec in records]
    assert ids == sorted(expected), "every id once, in ma_ho_so order"
    fields = [c for c in COLUMN_TYPES if c != "thoi_diem_trich_xuat"]
    for rec in records:
        row = expected[rec["ma_ho_so"]]
        assert list(rec) == fields
        assert rec == {c: as_api_value(c, row[c]) for c in fields}


def test_api_lists_months_and_caps_page_size(folder):
    with serve(folder) as api, httpx.Client(base_url=api.url) as client:
        months = client.get("/api/v1/months").json()["data"]
        default = client.get("/api/v1/dossiers", params={"month": "2023-07"}).json()
        capped = client.get("/api/v1/dossiers", params={"month": "2023-07", "page_size": 1001})
        past_end = client.get("/api/v1/dossiers", params={"month": "2023-07", "page": 99}).json()
    assert months == MONTHS
    assert default["page"] == 1 and default["page_size"] == 500 and len(default["data"]) == 500
    assert default["next_page"] == 2
    assert capped.status_code == 400 and "page_size" in capped.json()["error"]["message"]
    assert past_end["data"] == [] and past_end["next_page"] is None


def test_api_requires_the_bearer_token_when_started_with_one(folder):
    with serve(folder, token="s3cret") as api, httpx.Client(base_url=api.url) as client:
        missing = client.get("/api/v1/months")
        wrong = client.get("/api/v1/months", headers={"Authorization": "Bearer nope"})
        right = client.get("/api/v1/months", headers={"Authorization": "Bearer s3cret"})
    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing.json()["error"]["status"] == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert right.status_code == 200 and len(right.json()["data"]) == len(MONTHS)


def test_api_answers_unknown_months_paths_and_bad_parameters_with_json_errors(folder):
    with serve(folder) as api, httpx.Client(base_url=api.url) as client:
        unknown_month = client.get("/api/v1/dossiers", params={"month": "2020-01"})
        unknown_path = client.get("/api/v1/nothing")
        bad_month = client.get("/api/v1/dossiers", params={"month": "2022-13"})
        no_month = client.get("/api/v1/dossiers")
        bad_page = client.get("/api/v1/dossiers", params={"month": "2022-01", "page": "x"})
    assert unknown_month.status_code == 404
    assert "2020-01" in unknown_month.json()["error"]["message"]
    assert unknown_path.status_code == 404
    for response in (bad_month, no_month, bad_page):
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"]["status"] == 400


def test_api_stops_serving_after_shutdown(folder):
    api = serve(folder)
    assert httpx.get(f"{api.url}/api/v1/months").status_code == 200
    api.shutdown()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{api.url}/api/v1/months", timeout=2)
