"""Procedures source: monthly dossier CSVs and API JSON lines loaded by the real
``ingest_file`` into a real DuckDB file: rows, mapped units, rejects and whole-file
failures, as a data engineer would see them."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import unicodedata
from pathlib import Path

import duckdb
import pytest

from sources.http import fetch_month
from sources.ingest import LoadOutcome, ingest_file
from sources.procedures import SPEC
from sources.sample import DEFAULT_SEED
from sources.sample import procedures as sample
from sources.sample.procedures_api import serve
from sources.spec import SourceFileError
from sources.tcvn3 import encode_tcvn3

MONTH = "2022-03"
METADATA = (
    "_load_id",
    "_source_file_name",
    "_source_file_sha256",
    "_source_row_number",
    "_loaded_at",
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The default sample's dossier files (seed 2025, scale 1)."""
    paths = sample.write(tmp_path_factory.mktemp("sample"), DEFAULT_SEED)
    return paths[0].parent


@pytest.fixture(scope="module")
def month_csv(folder) -> Path:
    return folder / f"ho_so_{MONTH}.csv"


@pytest.fixture(scope="module")
def month_jsonl(folder, tmp_path_factory) -> Path:
    """The sample month as fetched from the sample API (page by page) by the fetcher."""
    with serve(folder) as api:
        return fetch_month(api.url, MONTH, tmp_path_factory.mktemp("api"), page_size=400).path


@pytest.fixture(scope="module")
def csv_rows(month_csv) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the sample month, as a consumer reads them."""
    with month_csv.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield con
    con.close()


def ingest(con, path: Path, tmp_path: Path, spec=SPEC, name: str | None = None) -> LoadOutcome:
    return ingest_file(
        con, spec, path, archive_dir=tmp_path / "archive", work_dir=tmp_path / "work",
        file_name=name,
    )  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A CSV in the export's dialect: text quoted, empty fields for nulls, CRLF."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


def month_file(tmp_path: Path, name: str = f"ho_so_{MONTH}.csv") -> Path:
    folder = tmp_path / "landing"
    folder.mkdir(exist_ok=True)
    return folder / name


def raw_rows(con, table: str = "raw.procedures") -> list[tuple]:
    return con.execute(
        f"select * exclude ({', '.join(METADATA)}) from {table} order by dossier_id"
    ).fetchall()


def rejects(con) -> list[tuple]:
    return con.execute(
        "select row_number, column_name, value, reason from raw.procedures__rejects "
        "order by row_number, column_name"
    ).fetchall()


def count(con, table: str = "raw.procedures") -> int:
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


# --- the sample loads -----------------------------------------------------------------


def test_sample_month_loads_every_dossier_with_its_unit(con, tmp_path, month_csv, csv_rows):
    header, rows = csv_rows
    outcome = ingest(con, month_csv, tmp_path)

    assert outcome.status == "loaded"
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (
        len(rows),
        len(rows),
        0,
    )
    assert outcome.warnings == []
    ids = {r[0] for r in con.execute("select dossier_id from raw.procedures").fetchall()}
    assert ids == {r[header.index("ma_ho_so")] for r in rows}
    # The dossier id carries the receiving unit's code (S01..S10 for city departments):
    # every mapped admin_unit_id must end with it.
    wrong = con.execute(
        """
        select dossier_id, desk_level, receiving_unit_name, district_name, admin_unit_id
        from (
            select *, split_part(split_part(dossier_id, '.', 2), '-', 1) as code
            from raw.procedures
        )
        where not case
            when desk_level = 'city' then code like 'S%' and admin_unit_id = '01'
            when desk_level = 'district' then length(code) = 3 and admin_unit_id = '01-' || code
            else length(code) = 5 and admin_unit_id like '01-___-' || code
        end
        """
    ).fetchall()
    assert wrong == []
    unit = dict(con.execute("select dossier_id, admin_unit_id from raw.procedures").fetchall())
    nfd = "H26.00022-220302-000002"  # written 'Phường Đội Cấn' in NFD, Quận Ba Đình
    raw_name = next(r[5] for r in rows if r[0] == nfd)
    assert unicodedata.is_normalized("NFD", raw_name) and raw_name != "Phường Đội Cấn"
    assert unit[nfd] == "01-001-00022"
    abbreviated = "H26.00247-220303-000001"  # 'P. Phạm Đình Hổ' in 'Q. Hai Bà Trưng'
    assert next(r[5:7] for r in rows if r[0] == abbreviated) == [
        "P. Phạm Đình Hổ",
        "Q. Hai Bà Trưng",
    ]
    assert unit[abbreviated] == "01-007-00247"
    names = con.execute(
        "select receiving_unit_name, district_name from raw.procedures where dossier_id = ?",
        [nfd],
    ).fetchall()
    assert names == [("Phường Đội Cấn", "Quận Ba Đình")]  # stored NFC, as written
    city = con.execute(
        "select distinct admin_unit_id from raw.procedures where desk_level = 'city'"
    ).fetchall()
    assert city == [("01",)]


def test_every_month_of_the_default_sample_loads_without_rejects(con, tmp_path, folder):
    outcomes = [ingest(con, p, tmp_path) for p in sorted(folder.glob("ho_so_*.csv"))]

    assert len(outcomes) == 48
    assert all(o.status == "loaded" and o.rows_rejected == 0 for o in outcomes)
    assert count(con) == sum(o.rows_read for o in outcomes) > 70_000
    assert con.execute(
        "select count(distinct receipt_month), min(received_at)::date, max(received_at)::date, "
        "count(*) filter (where admin_unit_id is null) from raw.procedures"
    ).fetchall() == [(48, dt.date(2021, 1, 4), dt.date(2024, 12, 31), 0)]


def test_csv_and_jsonl_of_the_same_month_give_identical_rows(tmp_path, month_csv, month_jsonl):
    from_csv = duckdb.connect(str(tmp_path / "from_csv.duckdb"))
    from_json = duckdb.connect(str(tmp_path / "from_json.duckdb"))
    try:
        a = ingest(from_csv, month_csv, tmp_path / "a")
        b = ingest(from_json, month_jsonl, tmp_path / "b")
        assert a.rows_loaded == b.rows_loaded == len(month_jsonl.read_bytes().splitlines())
        assert b.rows_rejected == 0
        assert raw_rows(from_csv) == raw_rows(from_json)
    finally:
        from_csv.close()
        from_json.close()


def test_the_same_file_twice_is_a_no_op(con, tmp_path, month_csv):
    first = ingest(con, month_csv, tmp_path)
    copy = month_file(tmp_path)
    copy.write_bytes(month_csv.read_bytes())
    second = ingest(con, copy, tmp_path)

    assert second.status == "unchanged"
    assert second.load_id == first.load_id
    assert "nothing to do" in second.message
    assert count(con) == first.rows_loaded
    assert con.execute(
        "select status, count(*) from audit.load_manifest group by status"
    ).fetchall() == [("loaded", 1)]


# --- row-level rejects ------------------------------------------------------------------


def test_duplicate_dossier_ids_reject_every_occurrence_and_the_rest_loads(con, tmp_path, csv_rows):
    header, rows = csv_rows
    repeated = [rows[10], rows[20], rows[30]]
    path = write_csv(month_file(tmp_path), header, [*rows, *repeated])

    outcome = ingest(con, path, tmp_path)

    assert outcome.status == "loaded"
    assert outcome.rows_rejected == 6
    assert outcome.rows_loaded == len(rows) - 3
    found = rejects(con)
    assert {(r[0], r[2]) for r in found} == {
        (line, row[0])
        for row in repeated
        for line in (rows.index(row) + 2, len(rows) + 2 + repeated.index(row))
    }
    assert all(r[1] == "dossier_id" and "appears 2 times" in r[3] for r in found)
    loaded = {r[0] for r in con.execute("select dossier_id from raw.procedures").fetchall()}
    assert not loaded & {row[0] for row in repeated}


def test_duplicates_above_one_percent_fail_the_file_whole(con, tmp_path, csv_rows):
    header, rows = csv_rows
    repeated = rows[:10]  # 20 rows share 10 ids: 20/1514 = 1.3% > 1%
    path = write_csv(month_file(tmp_path), header, [*rows, *repeated])

    with pytest.raises(SourceFileError, match=rf"ho_so_{MONTH}\.csv: 20 of {len(rows) + 10} rows"):
        ingest(con, path, tmp_path)

    assert count(con) == 0
    assert count(con, "raw.procedures__rejects") == 20  # kept on record for the failed load
    assert con.execute("select status from audit.load_manifest").fetchall() == [("failed",)]


# (row index, file column, bad value, expected reject column, part of the reason)
BAD_VALUES = {
    "date outside the partition": (
        5, "ngay_tiep_nhan", "28/02/2022 09:00:00", "ngay_tiep_nhan",
        "outside the file's month 2022-03 (dates outside the partition)",
    ),
    "unparseable timestamp": (
        6, "ngay_hen_tra", "2022-03-05 17:00", "ngay_hen_tra",
        "not a timestamp dd/MM/yyyy HH:mm:ss",
    ),
    "finished before received": (
        7, "ngay_hoan_thanh", "01/01/2022 08:00:00", "ngay_hoan_thanh",
        "finished before received",
    ),
    "unknown district name": (
        8, "quan_huyen", "Quận Không Có", "don_vi_tiep_nhan", "no district named 'Quận Không Có'",
    ),
    "unknown commune name": (
        8, "don_vi_tiep_nhan", "Phường Không Có", "don_vi_tiep_nhan", "no commune named",
    ),
    "text in an integer column": (
        9, "so_lan_bo_sung", "hai", "so_lan_bo_sung", "expected a whole number",
    ),
    "decimal in an integer column": (
        9, "thoi_gian_bo_sung_ngay", "1.5", "thoi_gian_bo_sung_ngay", "expected a whole number",
    ),
    "channel not a number": (10, "kenh_thuc_hien", "web", "kenh_thuc_hien", "whole number"),
    "flag not 0/1": (12, "so_hoa", "2", "so_hoa", "flag must be 0 or 1"),
    "unknown level": (13, "cap_thuc_hien", "Cấp bộ", "cap_thuc_hien", "unknown level"),
    "blank dossier id": (14, "ma_ho_so", "", "ma_ho_so", "required value is blank"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_bad_value_rejects_its_row_and_the_rest_loads(con, tmp_path, csv_rows, case):
    index, column, bad, reject_column, reason = case
    header, rows = csv_rows
    rows = [list(r) for r in rows]
    if column in ("quan_huyen", "don_vi_tiep_nhan"):  # a commune desk's row
        index = next(i for i, r in enumerate(rows) if r[header.index("cap_thuc_hien")] == "Cấp xã")
    rows[index][header.index(column)] = bad
    path = write_csv(month_file(tmp_path), header, rows)

    outcome = ingest(con, path, tmp_path)

    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == (
        "loaded",
        len(rows) - 1,
        1,
    )
    found = [r for r in rejects(con) if r[1] == reject_column]
    assert len(found) == 1
    line, _, value, why = found[0]
    assert line == index + 2  # the line in the file (the header is line 1)
    assert bad in (value or "")
    assert reason in why


def test_a_district_desk_naming_another_district_is_rejected(con, tmp_path, csv_rows):
    header, rows = csv_rows
    rows = [list(r) for r in rows]
    level, district = header.index("cap_thuc_hien"), header.index("quan_huyen")
    index = next(
        i for i, r in enumerate(rows) if r[level] == "Cấp huyện" and "Hoàn Kiếm" not in r[district]
    )
    rows[index][district] = "Quận Hoàn Kiếm"
    path = write_csv(month_file(tmp_path), header, rows)

    outcome = ingest(con, path, tmp_path)

    assert outcome.rows_rejected == 1
    [(line, column, value, reason)] = rejects(con)
    assert (line, column, value) == (index + 2, "quan_huyen", "Quận Hoàn Kiếm")
    assert "is not the receiving unit" in reason


def test_a_bad_iso_timestamp_in_json_lines_is_rejected(con, tmp_path, month_jsonl):
    lines = month_jsonl.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[3])
    record["ngay_tiep_nhan"] = "03/03/2022 08:00:00"
    lines[3] = json.dumps(record, ensure_ascii=False)
    path = month_file(tmp_path, f"ho_so_{MONTH}.jsonl")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    outcome = ingest(con, path, tmp_path)

    assert (outcome.rows_loaded, outcome.rows_rejected) == (len(lines) - 1, 1)
    [(line, column, value, reason)] = rejects(con)
    assert (line, column, value) == (4, "ngay_tiep_nhan", "03/03/2022 08:00:00")
    assert "ISO 8601" in reason


# --- whole-file failures ----------------------------------------------------------------


def assert_failed_whole(con, excinfo, *fragments: str) -> None:
    message = str(excinfo.value)
    assert "ho_so_2022-03" in message
    for fragment in fragments:
        assert fragment in message
    assert count(con) == 0
    assert con.execute("select status from audit.load_manifest").fetchall() == [("failed",)]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_truncated_file_fails_whole(con, tmp_path, month_csv, month_jsonl, suffix):
    data = (month_csv if suffix == ".csv" else month_jsonl).read_bytes()
    path = month_file(tmp_path, f"ho_so_{MONTH}{suffix}")
    path.write_bytes(data[: len(data) // 2])  # cut in the middle of a row

    with pytest.raises(SourceFileError) as excinfo:
        ingest(con, path, tmp_path)

    assert_failed_whole(con, excinfo, "truncated")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda line: line[: len(line) // 2], "not valid JSON lines: Malformed JSON"),
        (lambda line: b"\n" + line, "1505 lines but 1504 JSON records"),
    ],
    ids=["malformed line", "blank line"],
)
def test_a_broken_json_lines_file_fails_whole(con, tmp_path, month_jsonl, damage, message):
    lines = month_jsonl.read_bytes().splitlines(keepends=True)
    lines[7] = damage(lines[7]).rstrip(b"\n") + b"\n"
    path = month_file(tmp_path, f"ho_so_{MONTH}.jsonl")
    path.write_bytes(b"".join(lines))

    with pytest.raises(SourceFileError) as excinfo:
        ingest(con, path, tmp_path)

    assert_failed_whole(con, excinfo, message)


def test_a_header_without_rows_fails(con, tmp_path, csv_rows):
    path = write_csv(month_file(tmp_path), csv_rows[0], [])
    with pytest.raises(SourceFileError) as excinfo:
        ingest(con, path, tmp_path)
    assert_failed_whole(con, excinfo, "header but no data rows")


def test_an_empty_file_fails(con, tmp_path):
    path = month_file(tmp_path)
    path.write_bytes(b"")
    with pytest.raises(SourceFileError) as excinfo:
        ingest(con, path, tmp_path)
    assert_failed_whole(con, excinfo, "file is empty")


def test_a_missing_required_column_fails_naming_it(con, tmp_path, csv_rows):
    header, rows = csv_rows
    drop = header.index("trang_thai")
    path = write_csv(
        month_file(tmp_path),
        [h for i, h in enumerate(header) if i != drop],
        [[v for i, v in enumerate(r) if i != drop] for r in rows],
    )
    with pytest.raises(SourceFileError) as excinfo:
        ingest(con, path, tmp_path)
    assert_failed_whole(con, excinfo, "missing required column(s) 'trang_thai'")


def test_an_extra_column_warns_and_the_file_loads(con, tmp_path, csv_rows):
    header, rows = csv_rows
    path = write_csv(month_file(tmp_path), [*header, "ghi_chu"], [[*r, "ghi chú"] for r in rows])
    outcome = ingest(con, path, tmp_path)

    assert (outcome.status, outcome.rows_loaded) == ("loaded", len(rows))
    assert outcome.warnings == [f"ho_so_{MONTH}.csv: unexpected column 'ghi_chu' ignored"]
    assert con.execute("select warnings from audit.load_manifest").fetchall() == [
        (outcome.warnings[0],)
    ]


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Excel writes it: a base letter with its circumflex,
    breve or horn precomposed (â, ơ, ư ...), the tone mark as a combining character."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        heads = [
            (unicodedata.normalize("NFC", base + m), [x for x in marks if x != m]) for m in marks
        ]
        for head, rest in [*heads, (base, marks)]:
            try:
                out += head.encode("cp1258") + "".join(rest).encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            raise ValueError(f"{ch!r} has no Windows-1258 form")
    return bytes(out)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [("cp1258", encode_cp1258), ("tcvn3", encode_tcvn3)],
    ids=["windows-1258", "tcvn3"],
)
def test_a_legacy_encoding_fails_until_declared_then_loads(
    con, tmp_path, month_csv, encoding, encode
):
    text = month_csv.read_text(encoding="utf-8-sig")
    path = month_file(tmp_path)
    path.write_bytes(encode(text))

    with pytest.raises(SourceFileError) as excinfo:
        ingest(con, path, tmp_path)
    assert_failed_whole(con, excinfo, "is not UTF-8", "declare it as the source's encoding")

    declared = dataclasses.replace(SPEC, encoding=encoding)
    outcome = ingest(con, path, tmp_path, spec=declared)
    reference = duckdb.connect(str(tmp_path / "utf8.duckdb"))
    try:
        ingest(reference, month_csv, tmp_path / "utf8")
        assert (outcome.status, outcome.rows_rejected) == ("loaded", 0)
        assert raw_rows(con) == raw_rows(reference)  # same names, same units
    finally:
        reference.close()
