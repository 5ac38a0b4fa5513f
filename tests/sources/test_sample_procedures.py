"""Procedures sample: the monthly dossier CSVs (format, determinism, consistency, unit
names, published figure P1 recomputed from the files) and the JSON API served over them."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
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

from sources.admin_units import LEGACY_VALID_TO, build_admin_units
from sources.sample import procedures
from sources.sample.procedures_api import serve
from sources.text import match_key
from tests.published import REPO, load_published

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
EXTRACTED_AT = dt.datetime(2025, 1, 5, 8, 0, 0)


def read_csv_sql(pattern: Path | str) -> str:
    columns = ", ".join(f"'{name}': '{t}'" for name, t in COLUMN_TYPES.items())
    return (
        f"read_csv('{pattern}', header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', timestampformat = '{TS_FORMAT}', columns = {{{columns}}})"
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
    con = duckdb.connect()
    con.execute(f"create view dossiers as select * from {read_csv_sql(folder / 'ho_so_*.csv')}")
    yield con
    con.close()


@pytest.fixture(scope="module")
def legacy_units() -> list[dict]:
    return [u for u in build_admin_units().to_pylist() if u["valid_to"] == LEGACY_VALID_TO]


def unique_unit(name: str, candidates: list[dict]) -> dict:
    """The one unit among ``candidates`` whose name has the key of ``name``; fails otherwise."""
    hits = [u for u in candidates if match_key(u["name_vi"]) == match_key(name)]
    assert len(hits) == 1, f"{name!r} matches {[u['name_vi'] for u in hits]}"
    return hits[0]


# --- files -------------------------------------------------------------------------


def test_writes_one_file_per_month_in_the_documented_encoding(sample):
    expected = [f"ho_so_{y}-{m:02d}.csv" for y in range(2021, 2025) for m in range(1, 13)]
    assert [p.name for p in sample] == expected
    for path in sample:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name
        header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8")
        assert next(csv.reader([header])) == list(COLUMN_TYPES), path.name
    assert not list(sample[0].parent.glob(".*.tmp"))


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
    assert len(counts) == 48
    assert 65_000 <= sum(counts) <= 80_000
    assert min(counts) >= 700 and max(counts) <= 2_200


# --- published figure P1 --------------------------------------------------------------


def test_p1_same_day_share_of_hoan_kiem_ward_desks_meets_the_published_bound(con, legacy_units):
    figure = load_published()["P1"]
    assert figure["use"] == "bound" and figure["unit"] == "pct"
    district_id, year = figure["admin_unit"], int(figure["period"])
    districts = [u for u in legacy_units if u["level"] == "district"]
    wards = {
        u["admin_unit_id"]: u
        for u in legacy_units
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
        ward = unique_unit(unit_name, [u for u in legacy_units if u["parent_id"] == district_id])
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


def test_timestamps_follow_each_other(con):
    violations = con.execute(
        """
        select
            count(*) filter (where ngay_tiep_nhan is null or ngay_hen_tra is null),
            count(*) filter (where ngay_hen_tra::date < ngay_tiep_nhan::date),
            count(*) filter (where ngay_hoan_thanh < ngay_tiep_nhan),
            count(*) filter (where ngay_tra_ket_qua < ngay_hoan_thanh),
            count(*) filter (where ngay_tra_ket_qua is not null and ngay_hoan_thanh is null),
            count(*) filter (where ngay_ket_thuc < ngay_tiep_nhan),
            count(*) filter (where greatest(ngay_tiep_nhan, ngay_hoan_thanh, ngay_tra_ket_qua,
                                            ngay_ket_thuc) > ?)
        from dossiers
        """,
        [EXTRACTED_AT],
    ).fetchall()[0]
    assert violations == (0,) * 7


def test_status_agrees_with_the_timestamps(con):
    rows = con.execute(
        """
        select trang_thai,
            ngay_hoan_thanh is not null, ngay_tra_ket_qua is not null,
            ngay_ket_thuc is not null, count(*)
        from dossiers group by all
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
    open_since_before_september = con.execute(
        "select count(*) from dossiers where trang_thai in ('DA_TIEP_NHAN', 'DANG_XU_LY', "
        "'YEU_CAU_BO_SUNG', 'DA_HOAN_THANH') and ngay_tiep_nhan < '2024-09-01'"
    ).fetchall()[0][0]
    assert open_since_before_september == 0
    waiting = con.execute(
        "select count(*) from dossiers where trang_thai = 'YEU_CAU_BO_SUNG' and so_lan_bo_sung = 0"
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
        from dossiers
        """
    ).fetchall()[0]
    assert counts[:-1] == (0,) * 9
    assert 20 <= counts[-1] <= 30


def test_reception_is_on_working_days_in_office_hours(con):
    received = con.execute("select ngay_tiep_nhan from dossiers").fetchnumpy()["ngay_tiep_nhan"]
    days = received.astype("datetime64[D]")
    assert np.is_busday(days, busdaycal=procedures.CALENDAR).all()
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
    online = [r[1] for r in rows]
    paid = [r[2] for r in rows]
    digitised = [r[3] for r in rows]
    assert 0.25 <= online[0] <= 0.35 and 0.70 <= online[-1] <= 0.80
    assert online == sorted(online) and paid == sorted(paid) and digitised == sorted(digitised)
    assert all(0.005 <= r[4] <= 0.03 for r in rows)


def test_on_time_rate_by_decision_766_is_between_95_and_99_percent(con):
    cols = con.execute(
        "select cap_thuc_hien, ngay_hoan_thanh, ngay_hen_tra, so_lan_bo_sung, "
        "thoi_gian_bo_sung_ngay from dossiers where ngay_hoan_thanh is not null"
    ).fetchnumpy()
    due = np.busday_offset(
        cols["ngay_hen_tra"].astype("datetime64[D]"),
        cols["thoi_gian_bo_sung_ngay"].astype(np.int64),
        roll="forward",
        busdaycal=procedures.CALENDAR,
    )
    on_time = (cols["ngay_hoan_thanh"].astype("datetime64[D]") <= due) & (
        cols["so_lan_bo_sung"] <= 1
    )
    levels = np.asarray(cols["cap_thuc_hien"], dtype=object)
    for level in ("Cấp tỉnh", "Cấp huyện", "Cấp xã"):
        rate = on_time[levels == level].mean()
        assert 0.95 <= rate <= 0.99, (level, rate)
    assert (~on_time[cols["so_lan_bo_sung"] > 1]).all()


# --- unit names ----------------------------------------------------------------------


def test_every_unit_name_maps_to_exactly_one_legacy_unit(con, legacy_units):
    districts = [u for u in legacy_units if u["level"] == "district"]
    communes_of = defaultdict(list)
    for u in legacy_units:
        if u["level"] == "commune":
            communes_of[u["parent_id"]].append(u)
    rows = con.execute(
        "select distinct cap_thuc_hien, quan_huyen, don_vi_tiep_nhan from dossiers"
    ).fetchall()
    seen: set[str] = set()
    for level, district_name, unit_name in rows:
        if level == "Cấp tỉnh":
            assert district_name is None and unit_name.startswith("Sở ")
            continue
        district = unique_unit(district_name, districts)
        if level == "Cấp huyện":
            unit = unique_unit(unit_name, districts)
            assert unit["admin_unit_id"] == district["admin_unit_id"]
        else:
            unit = unique_unit(unit_name, communes_of[district["admin_unit_id"]])
        seen.add(unit["admin_unit_id"])
    assert len(seen) == 30 + 526, "every legacy district and commune receives dossiers"


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
    assert min(len(nfd), len(upper), len(ascii_only), len(abbreviated)) >= 50
    rows, canonical_rows = con.execute(
        "select count(*), count(*) filter (where regexp_matches(don_vi_tiep_nhan, "
        "'^(Phường|Quận|Xã|Huyện|Thị trấn|Thị xã|Sở) ')) from dossiers"
    ).fetchall()[0]
    assert len(canonical) > 500
    assert 0.75 <= canonical_rows / rows <= 0.9, "canonical names are the large majority"


# --- JSON API --------------------------------------------------------------------------


def csv_records(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {row["ma_ho_so"]: row for row in csv.DictReader(f)}


def as_api_value(column: str, text: str):
    """What the API should send for a CSV field (independent of the server's SQL)."""
    if text == "":
        return None
    if column in INT_COLUMNS:
        return int(text)
    if column in TS_COLUMNS:
        return dt.datetime.strptime(text, TS_FORMAT).isoformat() + "+07:00"
    return text


def test_api_pages_return_exactly_the_month_in_the_csv(folder):
    month = "2022-03"
    expected = csv_records(folder / f"ho_so_{month}.csv")
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
            assert len(body["data"]) <= 400
            records += body["data"]
            page = body["next_page"]
    ids = [rec["ma_ho_so"] for rec in records]
    assert ids == sorted(expected), "every id once, in ma_ho_so order"
    for rec in records:
        row = expected[rec["ma_ho_so"]]
        assert list(rec) == list(COLUMN_TYPES)
        assert rec == {c: as_api_value(c, row[c]) for c in COLUMN_TYPES}


def test_api_lists_months_and_caps_page_size(folder):
    with serve(folder) as api, httpx.Client(base_url=api.url) as client:
        months = client.get("/api/v1/months").json()["data"]
        default = client.get("/api/v1/dossiers", params={"month": "2023-07"}).json()
        capped = client.get("/api/v1/dossiers", params={"month": "2023-07", "page_size": 1001})
        past_end = client.get("/api/v1/dossiers", params={"month": "2023-07", "page": 99}).json()
    assert months == [f"{y}-{m:02d}" for y in range(2021, 2025) for m in range(1, 13)]
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
    assert right.status_code == 200 and len(right.json()["data"]) == 48


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
