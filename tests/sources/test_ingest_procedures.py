"""Procedures source: monthly dossier CSVs and API JSON lines loaded by the real
``ingest_file`` into a real DuckDB file: rows, mapped units, rejects and whole-file
failures, and dossiers as mutable records (the latest extraction of each dossier kept
across files, earlier states in history, older extractions noted and skipped), as a data
engineer would see them."""

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

from sources.formats.tcvn3 import encode_tcvn3
from sources.loading.admin_units import build_admin_units
from sources.loading.http import fetch_month
from sources.loading.ingest import LoadOutcome, ingest_file, scan_landing
from sources.loading.spec import SourceFileError
from sources.loading.units import NO_DISTRICT_LEVEL
from sources.readers.procedures import SPEC
from sources.sample import DEFAULT_SEED
from sources.sample import procedures as sample
from sources.sample.procedures_api import serve

MONTH = "2022-03"
NEXT_MONTH = "2022-04"
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
    path.unlink(missing_ok=True)  # a new file: a loaded one is its archive entry's inode
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
    # A name written NFD decomposed loads, stored NFC as written, mapped like the others.
    nfd = next(r for r in rows if r[5] != unicodedata.normalize("NFC", r[5]) and r[4] == "Cấp xã")
    names = con.execute(
        "select receiving_unit_name, district_name from raw.procedures where dossier_id = ?",
        [nfd[0]],
    ).fetchall()
    assert names == [(unicodedata.normalize("NFC", nfd[5]), unicodedata.normalize("NFC", nfd[6]))]
    abbreviated = next(r for r in rows if r[5].startswith("P. "))
    assert con.execute(
        "select count(*) from raw.procedures where dossier_id = ?", [abbreviated[0]]
    ).fetchall() == [(1,)]
    city = con.execute(
        "select distinct admin_unit_id from raw.procedures where desk_level = 'city'"
    ).fetchall()
    assert city == [("01",)]


def test_every_file_of_the_default_sample_loads_without_rejects(con, tmp_path, folder):
    """In landing order (by receipt month, then re-extractions): the later states replace
    the earlier ones; the last regular export, extracted before the re-extractions, only
    adds notes for the dossiers they already hold."""
    landed = scan_landing(SPEC, folder)
    outcomes = [ingest(con, f.path, tmp_path) for f in landed]
    months = sorted({o.partition_key for o in outcomes})

    assert len(outcomes) == len(sample.MONTHS) + len(sample.RE_EXTRACTED_MONTHS)
    assert all(o.status == "loaded" and o.rows_rejected == 0 for o in outcomes)
    dossiers = con.execute("select count(distinct dossier_id) from raw.procedures__history")
    assert dossiers.fetchall()[0][0] > 5_000
    assert (
        count(con)
        == con.execute("select count(distinct dossier_id) from raw.procedures").fetchall()[0][0]
        > 100_000
    )
    kept = {o.file_name: o.rows_kept_newer for o in outcomes if o.rows_kept_newer}
    assert set(kept) == {f"ho_so_{m}.csv" for m in months[-2:]}
    assert sum(o.rows_replaced + o.rows_kept_newer for o in outcomes) == count(
        con, "raw.procedures__history"
    )
    assert count(con, "raw.procedures__rejects") == 0
    assert con.execute(
        "select count(distinct receipt_month), min(received_at)::date, max(received_at)::date, "
        "count(*) filter (where admin_unit_id is null), max(extracted_at), "
        "count(*) filter (where first_export_month <> receipt_month) from raw.procedures"
    ).fetchall() == [
        (
            len(sample.MONTHS),
            dt.date(2021, 1, 4),
            dt.date(2026, 11, 30),
            0,
            sample.re_extraction_time().item(),
            0,
        )
    ]


def test_csv_exports_and_the_api_give_the_same_latest_states(tmp_path, folder, month_jsonl):
    """The month's export and the later exports that update its dossiers, loaded from
    CSV, equal the month fetched from the API (JSON lines, one extraction time)."""
    from_csv = duckdb.connect(str(tmp_path / "from_csv.duckdb"))
    from_json = duckdb.connect(str(tmp_path / "from_json.duckdb"))
    later = [m for m in sample.MONTHS if MONTH <= m <= "2022-12"]
    try:
        for m in later:
            ingest(from_csv, folder / f"ho_so_{m}.csv", tmp_path / "a")
        b = ingest(from_json, month_jsonl, tmp_path / "b")
        assert b.rows_loaded == len(month_jsonl.read_bytes().splitlines())
        assert b.rows_rejected == 0
        query = (
            "select * exclude (extracted_at, first_export_month) from ({}) "
            f"where receipt_month = '{MONTH}' order by dossier_id"
        )
        a_rows = from_csv.execute(query.format("select * from raw.procedures")).fetchall()
        b_rows = from_json.execute(query.format("select * from raw.procedures")).fetchall()
        assert len(a_rows) == b.rows_loaded
        assert [r[:-8] for r in a_rows] == [r[:-8] for r in b_rows]
        latest = from_csv.execute(
            f"select max(extracted_at) from raw.procedures where receipt_month = '{MONTH}'"
        ).fetchall()[0][0]
        assert from_json.execute("select distinct extracted_at from raw.procedures").fetchall() == [
            (latest,)
        ]
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
        5, "ngay_tiep_nhan", "01/04/2022 09:00:00", "ngay_tiep_nhan",
        "after the file's month 2022-03 (dates outside the partition)",
    ),
    "finished after the extraction": (
        5, "ngay_ket_thuc", "05/04/2022 09:00:00", "ngay_ket_thuc",
        "ended after the extraction time",
    ),
    "unparseable extraction time": (
        6, "thoi_diem_trich_xuat", "2022-04-05", "thoi_diem_trich_xuat",
        "not a timestamp dd/MM/yyyy HH:mm:ss",
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
        (lambda line: b"\n" + line, "lines but"),
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


# --- dossiers are mutable: the latest extraction of each dossier wins --------------------


def states(con, table: str = "raw.procedures") -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in con.execute(
            f"select dossier_id, status, finished_at, extracted_at, _source_file_name from {table}"
        ).fetchall()
    }


def updated_in_next_month(folder: Path) -> set[str]:
    """Dossiers in MONTH's export (received then or earlier) with a later state in
    NEXT_MONTH's export."""

    def ids(month: str) -> set[str]:
        with (folder / f"ho_so_{month}.csv").open(encoding="utf-8-sig", newline="") as f:
            return {r["ma_ho_so"] for r in csv.DictReader(f)}

    return ids(MONTH) & ids(NEXT_MONTH)


def test_a_later_export_updates_earlier_dossiers_and_keeps_their_states(con, tmp_path, folder):
    first = ingest(con, folder / f"ho_so_{MONTH}.csv", tmp_path)
    before = states(con)
    second = ingest(con, folder / f"ho_so_{NEXT_MONTH}.csv", tmp_path)
    after = states(con)
    updated = updated_in_next_month(folder)

    assert len(updated) > 20
    assert second.rows_replaced == len(updated) and second.rows_kept_newer == 0
    assert "replacing" in second.message
    assert count(con) == len(before) + second.rows_loaded - second.rows_replaced
    history = states(con, "raw.procedures__history")
    assert set(history) == updated
    for dossier in updated:
        assert history[dossier] == before[dossier]  # the superseded state, unchanged
        assert after[dossier][2] > before[dossier][2]  # extracted later
        assert after[dossier][3] == f"ho_so_{NEXT_MONTH}.csv"
    assert sum(after[d][1] is not None for d in updated) > sum(
        before[d][1] is not None for d in updated
    ), "the later states finish dossiers"
    assert con.execute(
        "select count(*) from raw.procedures where dossier_id in ? and _partition_key = ? "
        "and first_export_month = ?",
        [list(updated), NEXT_MONTH, MONTH],
    ).fetchall()[0][0] == len(updated)  # delivered by the next export, first exported in M
    assert first.rows_loaded == len(before)


def test_an_older_extraction_never_overwrites_the_newer_state(con, tmp_path, folder):
    newer = ingest(con, folder / f"ho_so_{NEXT_MONTH}.csv", tmp_path)
    before = states(con)
    older = ingest(con, folder / f"ho_so_{MONTH}.csv", tmp_path)
    after = states(con)
    updated = updated_in_next_month(folder)

    assert newer.status == older.status == "loaded"
    assert older.rows_kept_newer == len(updated) and older.rows_rejected == 0
    assert older.rows_replaced == 0
    assert len(older.warnings) == 1
    assert older.warnings[0].startswith(
        f"ho_so_{MONTH}.csv: {len(updated)} row(s) hold an older extraction than the loaded "
        "state of their dossier_id (first, row "
    )
    assert older.warnings[0].endswith(
        ": older extraction (2022-04-05 08:00:00) than the loaded state "
        f"(2022-05-05 08:00:00, ho_so_{NEXT_MONTH}.csv): kept the newer); "
        "kept in raw.procedures__history"
    )
    assert f"{len(updated)} older than the loaded state (kept the newer)" in older.message
    assert {d: after[d] for d in updated} == {d: before[d] for d in updated}
    # The older states are history (superseded by the load holding the newer), not rejects.
    kept = con.execute(
        "select dossier_id, extracted_at, _superseded_by_load_id from raw.procedures__history"
    ).fetchall()
    assert {r[0] for r in kept} == updated
    assert {(r[1], r[2]) for r in kept} == {(dt.datetime(2022, 4, 5, 8), newer.load_id)}
    assert count(con, "raw.procedures__rejects") == 0
    # The month's own export arrived: its dossiers were first exported in their month.
    assert con.execute(
        "select count(*) from raw.procedures where receipt_month = ? "
        "and first_export_month <> receipt_month",
        [MONTH],
    ).fetchall() == [(0,)]
    assert con.execute("select status from audit.load_manifest").fetchall() == [
        ("loaded",),
        ("loaded",),
    ]


def test_loading_the_same_states_again_changes_nothing(con, tmp_path, month_csv):
    ingest(con, month_csv, tmp_path)
    before = raw_rows(con)
    again = month_file(tmp_path)
    again.write_bytes(month_csv.read_bytes() + b"")  # same bytes: a no-op by sha256
    assert ingest(con, again, tmp_path).status == "unchanged"
    other_bytes = month_file(tmp_path, f"ho_so_{MONTH}.csv")
    other_bytes.write_bytes(month_csv.read_bytes().replace(b"\r\n", b"\n"))  # LF only
    outcome = ingest(con, other_bytes, tmp_path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_replaced) == ("loaded", 0, 0)
    assert outcome.rows_kept_newer == 0 and outcome.rows_rejected == 0
    assert raw_rows(con) == before
    assert count(con, "raw.procedures__history") == 0


def re_extraction(tmp_path: Path, csv_rows, stamp: str, *, drop_column: bool) -> Path:
    header, rows = csv_rows
    at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M").strftime("%d/%m/%Y %H:%M:%S")
    column = header.index("thoi_diem_trich_xuat")
    rows = [[*r[:column], at, *r[column + 1 :]] for r in rows]
    if drop_column:
        header = [h for i, h in enumerate(header) if i != column]
        rows = [[v for i, v in enumerate(r) if i != column] for r in rows]
    return write_csv(month_file(tmp_path, f"ho_so_{MONTH}_{stamp}.csv"), header, rows)


def test_a_re_extraction_names_its_time_and_updates_the_month(con, tmp_path, month_csv, csv_rows):
    ingest(con, month_csv, tmp_path)
    loaded = count(con)
    path = re_extraction(tmp_path, csv_rows, "20220601T0800", drop_column=True)

    outcome = ingest(con, path, tmp_path)

    assert outcome.slot == outcome.partition_key == MONTH
    assert (outcome.rows_loaded, outcome.rows_replaced, outcome.rows_rejected) == (
        len(csv_rows[1]),
        len(csv_rows[1]),
        0,
    )
    assert count(con) == loaded
    assert con.execute("select distinct extracted_at from raw.procedures").fetchall() == [
        (dt.datetime(2022, 6, 1, 8, 0),)
    ]


def test_a_re_extraction_whose_column_disagrees_with_its_name_rejects_the_row(
    con, tmp_path, csv_rows
):
    header, rows = csv_rows
    column = header.index("thoi_diem_trich_xuat")
    rows = [list(r) for r in rows]
    path = re_extraction(tmp_path, (header, rows), "20220601T0800", drop_column=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    edited = next(csv.reader([lines[3]]))
    edited[column] = "02/06/2022 08:00:00"
    write_csv(path, header, [next(csv.reader([line])) for line in lines[1:3]] + [edited]
              + [next(csv.reader([line])) for line in lines[4:]])  # fmt: skip

    outcome = ingest(con, path, tmp_path)

    assert outcome.rows_rejected == 1
    [(line, name, value, reason)] = rejects(con)
    assert (line, name, value) == (4, "thoi_diem_trich_xuat", "02/06/2022 08:00:00")
    assert reason == "extraction time differs from the file name's 2022-06-01 08:00"


def test_an_export_without_extraction_time_fails_naming_the_column(con, tmp_path, csv_rows):
    header, rows = csv_rows
    column = header.index("thoi_diem_trich_xuat")
    path = write_csv(
        month_file(tmp_path),
        [h for i, h in enumerate(header) if i != column],
        [[v for i, v in enumerate(r) if i != column] for r in rows],
    )
    with pytest.raises(SourceFileError) as excinfo:
        ingest(con, path, tmp_path)
    assert_failed_whole(con, excinfo, "missing required column(s) 'thoi_diem_trich_xuat'")


# --- after the reform ----------------------------------------------------------------------


def received_in(folder: Path, month: str) -> tuple[list[str], list[list[str]]]:
    """Header and the rows received in ``month`` of its export."""
    with (folder / f"ho_so_{month}.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [r for r in rows[1:] if r[8][3:10] == f"{month[5:]}/{month[:4]}"]


@pytest.fixture(scope="module")
def reform_rows(folder) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an export after the reform (2025-09)."""
    return received_in(folder, "2025-09")


def test_a_post_reform_export_loads_communes_and_their_centres(con, tmp_path, reform_rows):
    header, rows = reform_rows
    path = write_csv(month_file(tmp_path, "ho_so_2025-09.csv"), header, rows)
    outcome = ingest(con, path, tmp_path)

    assert (outcome.rows_loaded, outcome.rows_rejected) == (len(rows), 0)
    levels = dict(
        con.execute(
            "select desk_level, count(distinct admin_unit_id) from raw.procedures group by all"
        ).fetchall()
    )
    assert levels["commune"] == 126 and "district" not in levels
    centre = next(r for r in rows if r[5].startswith("Trung tâm Phục vụ"))
    assert con.execute(
        "select admin_unit_id like '01-_____' from raw.procedures where dossier_id = ?",
        [centre[0]],
    ).fetchall() == [(True,)]


def test_a_district_named_after_the_reform_is_rejected(con, tmp_path, reform_rows):
    header, rows = reform_rows
    rows = [list(r) for r in rows]
    level, unit = header.index("cap_thuc_hien"), header.index("don_vi_tiep_nhan")
    index = next(i for i, r in enumerate(rows) if r[level] == "Cấp xã")
    rows[index][level] = "Cấp huyện"
    rows[index][unit] = "Quận Hoàn Kiếm"
    path = write_csv(month_file(tmp_path, "ho_so_2025-09.csv"), header, rows)

    outcome = ingest(con, path, tmp_path)

    assert (outcome.rows_loaded, outcome.rows_rejected) == (len(rows) - 1, 1)
    [(line, column, value, reason)] = rejects(con)
    assert (line, column) == (index + 2, "don_vi_tiep_nhan")
    assert "Quận Hoàn Kiếm" in value and reason == NO_DISTRICT_LEVEL
    assert NO_DISTRICT_LEVEL == "no district level after 2025-06-30"


def test_a_pre_reform_ward_in_a_2026_export_is_rejected_naming_where_it_went(con, tmp_path, folder):
    header, rows = received_in(folder, "2026-03")
    rows = [list(r) for r in rows]
    unit = header.index("don_vi_tiep_nhan")
    index = next(i for i, r in enumerate(rows) if r[header.index("cap_thuc_hien")] == "Cấp xã")
    rows[index][unit] = "Phường Hàng Bạc"
    path = write_csv(month_file(tmp_path, "ho_so_2026-03.csv"), header, rows)

    outcome = ingest(con, path, tmp_path)

    assert outcome.rows_rejected == 1
    [(line, column, value, reason)] = rejects(con)
    assert (line, column, value) == (index + 2, "don_vi_tiep_nhan", "Phường Hàng Bạc")
    new_names = {u["name_vi"] for u in build_admin_units().to_pylist() if u["parent_id"] == "01"}
    assert "Hàng Bạc" in reason and "since 2025-07-01" in reason
    assert any(name in reason for name in new_names), reason


def test_an_id_loaded_with_another_received_time_is_another_dossier_and_rejected(
    con, tmp_path, folder, month_csv
):
    ingest(con, month_csv, tmp_path)
    taken = con.execute(
        "select dossier_id, received_at from raw.procedures order by dossier_id limit 1"
    ).fetchall()[0]
    with (folder / f"ho_so_{NEXT_MONTH}.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    index = next(i for i, r in enumerate(rows) if r[8][3:10] == "04/2022")
    rows[index][0] = taken[0]
    path = write_csv(month_file(tmp_path, f"ho_so_{NEXT_MONTH}.csv"), header, rows)

    outcome = ingest(con, path, tmp_path)

    assert outcome.rows_rejected == 1
    [(line, column, value, reason)] = rejects(con)
    assert (line, column, value) == (index + 2, "dossier_id", taken[0])
    assert reason == (
        f"the key {taken[0]} is loaded with received_at {taken[1]} (ho_so_{MONTH}.csv): "
        "another record under the same key, not a later state of it"
    )
    assert con.execute(
        "select received_at from raw.procedures where dossier_id = ?", [taken[0]]
    ).fetchall() == [(taken[1],)]


def test_other_values_under_the_same_extraction_time_are_rejected(
    con, tmp_path, month_csv, csv_rows
):
    """A state cannot be told from another with the same extraction time: the loaded one
    stays, the other is a reject naming both."""
    ingest(con, month_csv, tmp_path)
    before = raw_rows(con)
    header, rows = csv_rows
    rows = [list(r) for r in rows]
    status = header.index("trang_thai")
    index = next(i for i, r in enumerate(rows) if r[status] == "DA_TRA_KET_QUA")
    rows[index][status] = "DA_HOAN_THANH"
    path = write_csv(month_file(tmp_path), header, rows)

    outcome = ingest(con, path, tmp_path)

    assert (outcome.rows_loaded, outcome.rows_rejected, outcome.rows_replaced) == (0, 1, 0)
    [(line, column, value, reason)] = rejects(con)
    assert (line, column, value) == (index + 2, "extracted_at", "2022-04-05 08:00:00")
    assert reason == (
        f"same extraction time as the loaded state of {rows[index][0]} (ho_so_{MONTH}.csv) "
        "but other values: which is right cannot be known, kept the loaded"
    )
    assert raw_rows(con) == before
