"""Budget disclosure workbooks through the real loader: a DuckDB file, archive and work dirs.

Normal files come from the sample generator; broken ones are generated workbooks edited
with openpyxl here, the way a publisher's mistake would look.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from sources.loading.admin_units import build_admin_units
from sources.loading.ingest import LoadOutcome, ingest_file
from sources.loading.spec import SourceFileError
from sources.readers import budget
from sources.sample import budget as sample_budget
from tests.published import load_published
from tests.sources.workbooks import edited as _edited
from tests.sources.workbooks import one as _one

SEED = 2025
CITY = "Toàn thành phố"
AGENCIES = "Khối thành phố"
HOAN_KIEM = "Hoàn Kiếm"
COMMUNES = "Các xã, phường"
CLOSED_DISTRICTS = "Cấp huyện (đến 30.6.2025)"
LINES_PER_SHEET = 40  # to 2024; from 2025 two more (crude oil, aid and other revenue)
LINES_FROM_2025 = 42
SHEETS = 32  # city, city agencies, 30 districts
FILE_2023 = "cong_khai_ngan_sach_2023_12T.xlsx"
FILE_2025_9T = "cong_khai_ngan_sach_2025_9T.xlsx"
FILE_2026_3T = "cong_khai_ngan_sach_2026_3T.xlsx"
REPORTS = {
    **{(y, p): "districts" for y in (2021, 2022, 2023, 2024) for p in ("6T", "12T")},
    (2024, "9T"): "districts",
    (2025, "3T"): "districts",
    (2025, "6T"): "districts",
    (2025, "9T"): "communes",
    (2025, "12T"): "communes",
    **{(2026, p): "communes" for p in ("3T", "6T", "9T")},
}
PERIOD_END = {"3T": (3, 31), "6T": (6, 30), "9T": (9, 30), "12T": (12, 31)}


def _units_valid(level: str, on: dt.date) -> list[dict]:
    return [
        u
        for u in build_admin_units().to_pylist()
        if u["level"] == level and u["valid_from"] <= on <= (u["valid_to"] or dt.date.max)
    ]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    paths = sample_budget.write(tmp_path_factory.mktemp("budget_sample"), SEED)
    return {p.name: p for p in paths}


def _ingest(con: duckdb.DuckDBPyConnection, path: Path, root: Path) -> LoadOutcome:
    return ingest_file(con, budget.SPEC, path, archive_dir=root / "archive", work_dir=root / "work")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def loaded(
    sample: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]]]:
    """Every sample file loaded into one warehouse file."""
    root = tmp_path_factory.mktemp("budget_loaded")
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    outcomes = [_ingest(con, path, root) for path in sample.values()]
    yield con, outcomes
    con.close()


def _line(
    con: duckdb.DuckDBPyConnection, slot: str, sheet: str, path: str, unit: str | None = None
) -> dict:
    cur = con.execute(
        "select * from raw.budget where _slot = ? and sheet_name = ? and unit_name = ? "
        "and line_path = ?",
        [slot, sheet, unit or sheet, path],
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, (slot, sheet, path, rows)
    return dict(zip(names, rows[0], strict=True))


def test_whole_sample_loads_every_sheet_and_line(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
) -> None:
    """A worksheet row counts once (rows read); on the wide commune sheet it holds one
    line of each of the 126 communes (rows loaded)."""
    con, outcomes = loaded
    assert {(o.partition_key, o.slot) for o in outcomes} == {
        (str(y), f"{y}-{p}") for y, p in REPORTS
    }
    all_units = 0
    for o in outcomes:
        year, period = o.slot.split("-")
        lines = LINES_PER_SHEET if int(year) < 2025 else LINES_FROM_2025
        end = dt.date(int(year), *PERIOD_END[period])
        if REPORTS[(int(year), period)] == "districts":
            units = 2 + len(_units_valid("district", end))
            read = units
        else:
            closed = int(year) == 2025
            units = 2 + closed + len(_units_valid("commune", end))
            read = 3 + closed
        assert (o.status, o.rows_read, o.rows_loaded, o.rows_rejected, o.warnings) == (
            "loaded", read * lines, units * lines, 0, []
        ), o.message  # fmt: skip
        all_units += units
    per_unit = con.execute(
        "select _slot, sheet_name, unit_name, count(*) from raw.budget "
        "group by _slot, sheet_name, unit_name"
    ).fetchall()
    assert len(per_unit) == all_units
    assert {n for _, _, _, n in per_unit} == {LINES_PER_SHEET, LINES_FROM_2025}
    assert _one(con, "select count(*) from raw.budget__rejects") == (0,)
    assert con.execute(
        "select status, count(*) from audit.load_manifest group by status"
    ).fetchall() == [("loaded", len(REPORTS))]


def test_published_figures_and_units(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
) -> None:
    con, _ = loaded
    published = load_published()
    city = _line(con, "2023-12T", CITY, "A")
    assert city["execution_cumulative_bn_vnd"] == Decimal(published["B1"]["value"])
    assert (city["admin_unit_id"], city["unit_scope"], city["source_unit"]) == (
        "01", "city_total", "tỷ đồng"
    )  # fmt: skip
    assert city["item_name"].startswith("TỔNG THU NSNN")
    h1_2024 = _line(con, "2024-6T", CITY, "A")
    assert h1_2024["execution_cumulative_bn_vnd"] == Decimal(published["B4"]["value"])
    assert h1_2024["report_period"] == "6T" and h1_2024["budget_year"] == 2024
    hk = _line(con, "2022-12T", HOAN_KIEM, "A")
    assert (hk["admin_unit_id"], hk["unit_scope"], hk["source_unit"]) == (
        "01-002", "district", "triệu đồng"
    )  # fmt: skip
    # 14,732,000 triệu đồng in the sheet = 14,732 bn VND (B6).
    assert hk["execution_cumulative_bn_vnd"] == Decimal(published["B6"]["value"])
    agencies = _line(con, "2022-12T", AGENCIES, "A")
    assert (agencies["admin_unit_id"], agencies["unit_scope"]) == ("01", "city_agencies")
    # 2025: the year's revenue (B9) and nine months (B14, 499.9 thousand bn)
    assert _line(con, "2025-12T", CITY, "A")["execution_cumulative_bn_vnd"] == Decimal(
        published["B9"]["value"]
    )
    assert _line(con, "2025-9T", CITY, "A")["execution_cumulative_bn_vnd"] == Decimal(
        published["B14"]["value"]
    )
    ids = con.execute(
        "select distinct admin_unit_id from raw.budget where unit_scope = 'district'"
    ).fetchall()
    assert len(ids) == 30 and all(i.startswith("01-") for (i,) in ids)
    # The city sheet is the sum of the others on every line (bn VND after conversion).
    mismatches = con.execute(
        """
        select c._slot, c.line_path
        from raw.budget c
        join raw.budget p using (_slot, line_path)
        where c.unit_scope = 'city_total' and p.unit_scope <> 'city_total'
        group by c._slot, c.line_path, c.execution_cumulative_bn_vnd
        having c.execution_cumulative_bn_vnd is distinct from sum(p.execution_cumulative_bn_vnd)
        """
    ).fetchall()
    assert mismatches == []


def test_outline_paths_levels_and_leaves(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
) -> None:
    con, _ = loaded
    lines = con.execute(
        "select _source_row_number, outline_code, line_path, outline_level, is_leaf, "
        "budget_code from raw.budget where _slot = '2023-12T' and sheet_name = ? "
        "order by _source_row_number",
        [HOAN_KIEM],
    ).fetchall()
    # The column-numbering row 9 (A | B | C | 1 | 2 ...) is not a line: the first line
    # is row 10, the revenue total A.
    assert lines[0] == (10, "A", "A", 0, False, None)
    assert [r[0] for r in lines] == list(range(10, 10 + LINES_PER_SHEET))
    by_path = {r[2]: r for r in lines}
    assert by_path["A/I/1/1.1"][1:] == ("1.1", "A/I/1/1.1", 3, True, "1700")
    assert by_path["A/II/1"][1:] == ("1", "A/II/1", 2, True, "1700")  # "1" recurs under II
    assert by_path["B/II/1"][5] == "070"  # Mã số kept as text with its zero
    assert by_path["B/IV"][3:5] == (1, True)
    assert [r[2] for r in lines if r[1] == "B"] == ["B"]
    # Leaves of the revenue section add up to the published parent; all rows do not.
    leaf_sum, all_sum, total = _one(
        con,
        """
        select sum(execution_cumulative_bn_vnd) filter (where is_leaf),
            sum(execution_cumulative_bn_vnd),
            max(execution_cumulative_bn_vnd) filter (where line_path = 'A')
        from raw.budget
        where _slot = '2023-12T' and sheet_name = ? and line_path like 'A%'
        """,
        [CITY],
    )
    assert leaf_sum == total and all_sum > 3 * total


def test_dash_and_blank_cells_are_null_not_zero(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
) -> None:
    con, _ = loaded
    dash = _line(con, "2023-12T", HOAN_KIEM, "A/II/1")  # import VAT: "-" at district level
    assert dash["execution_cumulative_bn_vnd"] is None
    assert dash["estimate_superior_bn_vnd"] is None
    assert (dash["execution_marker"], dash["estimate_superior_marker"]) == ("-", "-")
    assert dash["pct_of_superior_estimate"] is None
    reserve = _line(con, "2023-12T", CITY, "B/IV")  # reserves: execution left blank
    assert reserve["execution_cumulative_bn_vnd"] is None
    assert reserve["execution_marker"] == ""
    assert reserve["estimate_superior_bn_vnd"] > 0 and reserve["estimate_superior_marker"] is None
    assert (
        _one(
            con,
            "select count(*) from raw.budget where estimate_council_bn_vnd is null "
            "and estimate_council_marker = '' and unit_scope = 'district'",
        )[0]
        > 0
    )  # some districts leave the council estimate of "other revenue" blank
    zeros = _one(
        con,
        "select count(*) from raw.budget where execution_cumulative_bn_vnd = 0 "
        "or estimate_superior_bn_vnd = 0 or estimate_council_bn_vnd = 0",
    )
    assert zeros == (0,)


def test_same_file_twice_is_a_no_op(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    first = _ingest(db, sample[FILE_2023], tmp_path)
    again = _ingest(db, sample[FILE_2023], tmp_path)
    assert first.status == "loaded" and again.status == "unchanged"
    assert again.load_id == first.load_id and "nothing to do" in again.message
    assert _one(db, "select count(*) from raw.budget") == (SHEETS * LINES_PER_SHEET,)
    assert _one(db, "select count(*) from raw.budget__history") == (0,)
    assert _one(db, "select count(*) from audit.load_manifest") == (1,)


def test_revised_file_replaces_its_slot_and_keeps_the_old_rows(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    half = _ingest(db, sample["cong_khai_ngan_sach_2023_6T.xlsx"], tmp_path)
    first = _ingest(db, sample[FILE_2023], tmp_path)

    def revise(wb: openpyxl.Workbook) -> None:
        wb[CITY]["F10"] = 405300.5

    revised = _edited(sample[FILE_2023], tmp_path / "revised", revise)
    second = _ingest(db, revised, tmp_path)
    assert second.rows_replaced == SHEETS * LINES_PER_SHEET
    assert _line(db, "2023-12T", CITY, "A")["execution_cumulative_bn_vnd"] == Decimal("405300.5")
    old = _one(
        db,
        "select execution_cumulative_bn_vnd, _load_id, _superseded_by_load_id "
        "from raw.budget__history where sheet_name = ? and line_path = 'A'",
        [CITY],
    )
    assert old == (Decimal("405252"), first.load_id, second.load_id)
    assert _one(db, "select count(*) from raw.budget where _slot = '2023-12T'") == (1280,)
    # The 6-month report of the same year (same partition, other slot) is untouched.
    assert _one(db, "select count(distinct _load_id), count(*) from raw.budget "
                    "where _slot = '2023-6T'") == (1, 1280)  # fmt: skip
    assert _one(db, "select _load_id from raw.budget where _slot = '2023-6T' limit 1") == (
        half.load_id,
    )
    statuses = dict(db.execute("select load_id, status from audit.load_manifest").fetchall())
    assert statuses == {half.load_id: "loaded", first.load_id: "superseded",
                        second.load_id: "loaded"}  # fmt: skip


def _assert_failed_and_nothing_loaded(db: duckdb.DuckDBPyConnection, file_name: str) -> str:
    assert _one(db, "select count(*) from raw.budget") == (0,)
    status, error = _one(db, "select status, error from audit.load_manifest where file_name = ?",
                         [file_name])  # fmt: skip
    assert status == "failed"
    return error


def test_missing_city_sheet_fails_whole(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def rename(wb: openpyxl.Workbook) -> None:
        wb[CITY].title = "Tổng hợp"

    broken = _edited(sample[FILE_2023], tmp_path / "broken", rename)
    with pytest.raises(SourceFileError) as err:
        _ingest(db, broken, tmp_path)
    message = str(err.value)
    assert FILE_2023 in message and "'Toàn thành phố'" in message and "Tổng hợp" in message
    assert _assert_failed_and_nothing_loaded(db, FILE_2023) == message


def test_workbook_without_any_form_sheet_fails_whole(
    db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["Báo cáo tình hình kinh tế - xã hội"])
    path = tmp_path / "in" / "cong_khai_ngan_sach_2024_6T.xlsx"
    path.parent.mkdir()
    wb.save(path)
    with pytest.raises(SourceFileError, match="wrong or missing sheet: no sheet 'Toàn thành phố'"):
        _ingest(db, path, tmp_path)
    _assert_failed_and_nothing_loaded(db, path.name)


def test_unknown_unit_line_fails_whole_naming_sheet_row_and_column(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def usd(wb: openpyxl.Workbook) -> None:
        wb[HOAN_KIEM]["H6"] = "Đơn vị: nghìn USD"

    broken = _edited(sample[FILE_2023], tmp_path / "broken", usd)
    with pytest.raises(SourceFileError) as err:
        _ingest(db, broken, tmp_path)
    assert (err.value.row, err.value.column) == (6, "H")
    message = str(err.value)
    assert message.startswith(f"file {FILE_2023}, row 6, column 'H': sheet 'Hoàn Kiếm'")
    assert "unknown unit 'nghìn usd'" in message
    _assert_failed_and_nothing_loaded(db, FILE_2023)


def test_other_known_units_are_converted_to_bn_vnd(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def thousands(wb: openpyxl.Workbook) -> None:
        ws = wb[HOAN_KIEM]
        ws["H6"] = "Đơn vị tính: nghìn đồng"
        ws["F10"] = ws["F10"].value * 1000
        wb[AGENCIES]["H6"] = "ĐVT: Tỉ đồng"  # spelling variant of tỷ
        wb[AGENCIES]["F10"] = 1.5

    edited = _edited(sample[FILE_2023], tmp_path / "edited", thousands)
    assert _ingest(db, edited, tmp_path).rows_rejected == 0
    hk = _line(db, "2023-12T", HOAN_KIEM, "A")
    assert hk["source_unit"] == "nghìn đồng"
    assert hk["execution_cumulative_bn_vnd"] == Decimal("15189.731")
    agencies = _line(db, "2023-12T", AGENCIES, "A")
    assert (agencies["source_unit"], agencies["execution_cumulative_bn_vnd"]) == (
        "tỷ đồng", Decimal("1.5")
    )  # fmt: skip


def test_text_in_a_number_cell_is_rejected_and_the_rest_loads(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def typo(wb: openpyxl.Workbook) -> None:
        wb[HOAN_KIEM]["F13"] = "abc"
        wb["Ba Đình"]["D14"] = "1.234,5"  # a vi-VN number typed as text

    broken = _edited(sample[FILE_2023], tmp_path / "broken", typo)
    outcome = _ingest(db, broken, tmp_path)
    assert (outcome.status, outcome.rows_rejected, outcome.rows_loaded) == ("loaded", 2, 1278)
    rejects = db.execute(
        "select row_number, column_name, value, reason, _load_id from raw.budget__rejects "
        "order by row_number"
    ).fetchall()
    assert [r[:3] for r in rejects] == [
        (13, "Ước thực hiện năm", "abc"),
        (14, "Dự toán năm / Cấp trên giao", "1.234,5"),
    ]
    assert rejects[0][3].startswith("sheet 'Hoàn Kiếm' cell F13: text where a number belongs")
    assert rejects[1][3].startswith("sheet 'Ba Đình' cell D14:")
    assert {r[4] for r in rejects} == {outcome.load_id}
    paths = {r[0] for r in db.execute(
        "select line_path from raw.budget where sheet_name = ?", [HOAN_KIEM]
    ).fetchall()}  # fmt: skip
    assert "A/I/1/1.1" not in paths and len(paths) == LINES_PER_SHEET - 1
    # Row 13 of every other sheet loads.
    assert _one(db, "select count(*) from raw.budget where _source_row_number = 13") == (31,)


def test_text_in_too_many_cells_fails_the_file_whole(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def typos(wb: openpyxl.Workbook) -> None:
        for row in range(10, 24):  # 14 of 1280 lines: above 1 %
            wb[HOAN_KIEM].cell(row, 6, "n/a")

    broken = _edited(sample[FILE_2023], tmp_path / "broken", typos)
    with pytest.raises(SourceFileError) as err:
        _ingest(db, broken, tmp_path)
    message = str(err.value)
    assert "14 of 1280 rows rejected" in message and "nothing loaded" in message
    assert "row 10 column 'Ước thực hiện năm' value 'n/a'" in message
    _assert_failed_and_nothing_loaded(db, FILE_2023)
    assert _one(db, "select count(*) from raw.budget__rejects") == (14,)


def test_the_same_cell_bad_on_many_sheets_counts_once_per_sheet(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    """Row numbers repeat across sheets: a source row is (sheet, row), so 14 sheets with
    a bad F13 are 14 rejected rows, above the threshold."""

    def typos(wb: openpyxl.Workbook) -> None:
        for ws in wb.worksheets[2:16]:
            ws["F13"] = "n/a"

    broken = _edited(sample[FILE_2023], tmp_path / "broken", typos)
    with pytest.raises(SourceFileError, match="14 of 1280 rows rejected"):
        _ingest(db, broken, tmp_path)
    sheets = db.execute(
        "select count(distinct sheet), count(*) from raw.budget__rejects"
    ).fetchall()
    assert sheets == [(14, 14)]
    _assert_failed_and_nothing_loaded(db, FILE_2023)


def test_outline_code_that_fits_no_level_is_rejected(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def codes(wb: openpyxl.Workbook) -> None:
        wb[HOAN_KIEM]["A13"] = "1,1"
        wb[HOAN_KIEM]["A14"] = "2.2"  # a dotted code under the wrong parent ("1")

    broken = _edited(sample[FILE_2023], tmp_path / "broken", codes)
    outcome = _ingest(db, broken, tmp_path)
    assert outcome.rows_rejected == 2
    rejects = db.execute(
        "select row_number, column_name, value, reason from raw.budget__rejects order by row_number"
    ).fetchall()
    assert [r[:3] for r in rejects] == [(13, "STT", "1,1"), (14, "STT", "2.2")]
    assert "fits no level" in rejects[0][3]
    assert "does not belong under '1'" in rejects[1][3]


def test_sheet_named_after_an_unknown_district_rejects_its_rows(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def rename(wb: openpyxl.Workbook) -> None:
        wb[HOAN_KIEM].title = "Hoàn Kiếm Mới"

    broken = _edited(sample[FILE_2023], tmp_path / "broken", rename)
    with pytest.raises(SourceFileError, match="40 of 1280 rows rejected"):
        _ingest(db, broken, tmp_path)  # one sheet of 32 is above the 1 % threshold
    _assert_failed_and_nothing_loaded(db, FILE_2023)
    rejects = db.execute(
        "select distinct column_name, value, reason from raw.budget__rejects"
    ).fetchall()
    assert len(rejects) == 1
    column, value, reason = rejects[0]
    assert (column, value) == ("(sheet)", "Hoàn Kiếm Mới")
    assert "no district named 'Hoàn Kiếm Mới'" in reason
    assert _one(db, "select count(*) from raw.budget__rejects") == (LINES_PER_SHEET,)


def test_notes_sheet_is_skipped_with_a_warning(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def notes(wb: openpyxl.Workbook) -> None:
        wb.create_sheet("Thuyết minh").append(["Thuyết minh tình hình thu, chi ngân sách"])

    edited = _edited(sample[FILE_2023], tmp_path / "edited", notes)
    outcome = _ingest(db, edited, tmp_path)
    assert outcome.rows_loaded == SHEETS * LINES_PER_SHEET
    assert outcome.warnings == [
        f"{FILE_2023}: sheet 'Thuyết minh' has no header row with 'STT' and 'Nội dung': skipped"
    ]


def test_file_named_for_another_year_fails_whole(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    wrong = tmp_path / "in" / "cong_khai_ngan_sach_2022_12T.xlsx"
    wrong.parent.mkdir()
    wrong.write_bytes(sample[FILE_2023].read_bytes())
    with pytest.raises(SourceFileError, match="is about 2023, the file name about 2022"):
        _ingest(db, wrong, tmp_path)
    _assert_failed_and_nothing_loaded(db, wrong.name)


def test_post_reform_reports_carry_the_city_level_communes_and_closed_districts(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
) -> None:
    con, _ = loaded
    scopes = dict(
        con.execute(
            "select unit_scope, count(distinct admin_unit_id) from raw.budget "
            "where _slot = '2025-9T' group by unit_scope"
        ).fetchall()
    )
    communes = _units_valid("commune", dt.date(2025, 9, 30))
    assert scopes == {
        "city_total": 1, "city_agencies": 1, "former_districts": 1, "commune": len(communes)
    }  # fmt: skip
    ids = {r[0] for r in con.execute(
        "select distinct admin_unit_id from raw.budget where unit_scope = 'commune'"
    ).fetchall()}  # fmt: skip
    assert ids == {u["admin_unit_id"] for u in communes}
    first = communes[0]
    commune = _line(con, "2025-9T", COMMUNES, "A", unit=first["name_vi"])
    assert (commune["admin_unit_id"], commune["source_unit"]) == (
        first["admin_unit_id"],
        "triệu đồng",
    )
    assert (commune["execution_start_date"], commune["execution_end_date"]) == (
        dt.date(2025, 7, 1), dt.date(2025, 9, 30)
    )  # fmt: skip
    assert commune["pct_of_superior_estimate"] is None  # the wide sheet prints no rates
    closed = _line(con, "2025-12T", CLOSED_DISTRICTS, "A")
    span = (closed["execution_start_date"], closed["execution_end_date"])
    assert (closed["admin_unit_id"], *span) == ("01", dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    # The closed district budgets are the 30 districts' January-June of the 6T report.
    assert (
        closed["execution_cumulative_bn_vnd"]
        == _one(
            con,
            "select sum(execution_cumulative_bn_vnd) from raw.budget "
            "where _slot = '2025-6T' and unit_scope = 'district' and line_path = 'A'",
        )[0]
    )
    assert _one(
        con,
        "select count(*) from raw.budget where unit_scope = 'district' "
        "and execution_end_date > date '2025-06-30'",
    ) == (0,)
    # City = city level + closed districts + communes after the reform, on every line.
    mismatches = con.execute(
        """
        select c._slot, c.line_path
        from raw.budget c
        join raw.budget p using (_slot, line_path)
        where c.unit_scope = 'city_total' and p.unit_scope <> 'city_total'
            and c._slot in ('2025-9T', '2025-12T', '2026-9T')
        group by c._slot, c.line_path, c.estimate_superior_bn_vnd
        having c.estimate_superior_bn_vnd is distinct from sum(p.estimate_superior_bn_vnd)
        """
    ).fetchall()
    assert mismatches == []


def test_budget_index_follows_the_year_and_a_wrong_one_fails(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
    db: duckdb.DuckDBPyConnection,
    sample: dict[str, Path],
    tmp_path: Path,
) -> None:
    con, _ = loaded
    indexes = dict(
        con.execute(
            "select budget_year, list(distinct budget_index) from raw.budget group by 1"
        ).fetchall()
    )
    assert {y: tuple(v) for y, v in indexes.items()} == {
        **{y: ("324/2016/TT-BTC",) for y in range(2021, 2026)},
        2026: ("130/2025/TT-BTC",),
    }
    old = "Thông tư số 130/2025/TT-BTC"

    def older(wb: openpyxl.Workbook) -> None:
        wb[AGENCIES]["A5"] = wb[AGENCIES]["A5"].value.replace(old, "Thông tư số 324/2016/TT-BTC")

    broken = _edited(sample[FILE_2026_3T], tmp_path / "broken", older)
    with pytest.raises(SourceFileError) as err:
        _ingest(db, broken, tmp_path)
    assert (err.value.row, err.value.column) == (5, "A")
    assert "the budget index 324/2016/TT-BTC does not apply to budget year 2026" in str(err.value)
    _assert_failed_and_nothing_loaded(db, FILE_2026_3T)


def _district_sheet(wb: openpyxl.Workbook) -> None:
    """A publisher's slip: the old district template filled in for a 9-month 2025 report."""
    ws = wb.copy_worksheet(wb[AGENCIES])
    ws.title = "Quận Hoàn Kiếm"
    ws["A1"] = "ỦY BAN NHÂN DÂN QUẬN HOÀN KIẾM"
    ws["A4"] = "(Quận Hoàn Kiếm)"


def test_district_sheet_after_the_reform_is_rejected_and_fails_the_file(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    """A whole sheet is 42 of the 210 rows of the workbook, above the 1 % threshold: the
    file fails, nothing loads, the 42 rejects stay on record with the reason."""
    broken = _edited(sample[FILE_2025_9T], tmp_path / "broken", _district_sheet)
    with pytest.raises(SourceFileError) as err:
        _ingest(db, broken, tmp_path)
    message = str(err.value)
    assert "42 of 210 rows rejected" in message and "nothing loaded" in message
    assert "no district level after 2025-06-30" in message
    _assert_failed_and_nothing_loaded(db, FILE_2025_9T)
    rejects = db.execute(
        "select sheet, column_name, value, reason, count(*) from raw.budget__rejects group by all"
    ).fetchall()
    assert len(rejects) == 1
    sheet, column, value, reason, count = rejects[0]
    assert (sheet, column, value, count) == ("Quận Hoàn Kiếm", "(sheet)", "Quận Hoàn Kiếm", 42)
    assert reason.startswith("sheet 'Quận Hoàn Kiếm': no district level after 2025-06-30:")
    assert "01-002" in reason  # the district it names


def test_district_column_group_after_the_reform_is_rejected(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    """The same on the wide sheet: a group headed "Quận Hoàn Kiếm" is not the ward of
    the same name, whatever the rest of the group says."""

    def rename(wb: openpyxl.Workbook) -> None:
        wb[COMMUNES]["D7"] = "Quận Hoàn Kiếm"

    broken = _edited(sample[FILE_2025_9T], tmp_path / "broken", rename)
    with pytest.raises(SourceFileError, match="42 of 168 rows rejected"):
        _ingest(db, broken, tmp_path)
    reasons = db.execute(
        "select distinct column_name, value, reason from raw.budget__rejects"
    ).fetchall()
    assert [(c, v) for c, v, _ in reasons] == [("Quận Hoàn Kiếm (column group)", "Quận Hoàn Kiếm")]
    assert "no district level after 2025-06-30" in reasons[0][2]


def test_bad_cell_of_one_commune_rejects_that_commune_line_only(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def typo(wb: openpyxl.Workbook) -> None:
        wb[COMMUNES]["F12"] = "n/a"  # the first commune's execution of line A/I/1/1.1

    broken = _edited(sample[FILE_2025_9T], tmp_path / "broken", typo)
    outcome = _ingest(db, broken, tmp_path)
    first = _units_valid("commune", dt.date(2025, 9, 30))[0]["name_vi"]
    assert (outcome.status, outcome.rows_rejected) == ("loaded", 1)
    assert outcome.rows_loaded == (3 + 126) * LINES_FROM_2025 - 1
    (row, column, value, reason) = db.execute(
        "select row_number, column_name, value, reason from raw.budget__rejects"
    ).fetchall()[0]
    assert (row, column, value) == (12, f"{first} / Thực hiện 9 tháng", "n/a")
    assert reason.startswith(f"sheet '{COMMUNES}' cell F12: text where a number belongs")
    assert _one(
        db, "select count(*) from raw.budget where _source_row_number = 12 and sheet_name = ?",
        [COMMUNES],
    ) == (125,)  # fmt: skip


def test_execution_column_of_another_period_fails_whole(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def half(wb: openpyxl.Workbook) -> None:
        wb[CITY]["F7"] = "Thực hiện 6 tháng"

    broken = _edited(sample[FILE_2025_9T], tmp_path / "broken", half)
    with pytest.raises(SourceFileError, match="does not match the report period 9T"):
        _ingest(db, broken, tmp_path)
    _assert_failed_and_nothing_loaded(db, FILE_2025_9T)
