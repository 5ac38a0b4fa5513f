"""GRDP release workbooks through the real loader: a DuckDB file, archive and work dirs.

Normal files come from the sample generator; broken ones are generated workbooks edited
with openpyxl here. A release has about ten sector rows, so one reject is above the 1 %
threshold: a broken release fails whole and keeps its rejects on record.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from sources.loading.ingest import LoadOutcome, ingest_file
from sources.loading.spec import SourceFileError
from sources.readers import grdp
from sources.sample import grdp as sample_grdp
from tests.published import load_published, matches
from tests.sources.workbooks import edited as _edited
from tests.sources.workbooks import one as _one

SEED = 2025
CURRENT = "Giá hiện hành"
CONSTANT = "Giá so sánh 2010"
FILE = "grdp_2024-06.xlsx"
PERIODS_IN_RELEASE = {"03": 1, "06": 2, "09": 3, "01": 4}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    paths = sample_grdp.write(tmp_path_factory.mktemp("grdp_sample"), SEED)
    return {p.name: p for p in paths}


def _ingest(con: duckdb.DuckDBPyConnection, path: Path, root: Path) -> LoadOutcome:
    return ingest_file(con, grdp.SPEC, path, archive_dir=root / "archive", work_dir=root / "work")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def loaded(
    sample: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]]]:
    root = tmp_path_factory.mktemp("grdp_loaded")
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    outcomes = [_ingest(con, path, root) for path in sample.values()]
    yield con, outcomes
    con.close()


def _value(
    con: duckdb.DuckDBPyConnection, release: str, basis: str, year: int, period: str, code: str
) -> tuple[Decimal, Decimal | None]:
    return _one(
        con,
        "select value_bn_vnd, published_growth_pct from raw.grdp where release_id = ? "
        "and price_basis = ? and year = ? and period = ? and sector_code = ?",
        [release, basis, year, period, code],
    )


def _failed(con: duckdb.DuckDBPyConnection, file_name: str) -> str:
    assert _one(con, "select count(*) from raw.grdp") == (0,)
    status, error = _one(
        con, "select status, error from audit.load_manifest where file_name = ?", [file_name]
    )
    assert status == "failed"
    return error


def test_every_release_loads_with_both_price_bases(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
) -> None:
    con, outcomes = loaded
    assert len(outcomes) == len(sample_grdp.RELEASES) == 23  # 2021-03 .. 2026-09
    for o in outcomes:
        periods = PERIODS_IN_RELEASE[o.slot[5:]]
        # 2 sheets x 5 sector rows; each row gives 2 years x the periods published so far.
        assert (o.status, o.rows_read, o.rows_rejected, o.warnings) == ("loaded", 10, 0, [])
        assert o.rows_loaded == 2 * 5 * 2 * periods, o.message
        assert o.partition_key == o.slot == o.file_name[5:12]
    counts = con.execute(
        "select price_basis, count(distinct release_id), count(distinct sector_code) "
        "from raw.grdp group by price_basis order by price_basis"
    ).fetchall()
    assert counts == [("constant_2010", 23, 5), ("current", 23, 5)]
    # The whole-year release of January 2025 holds 2024 and 2023 (the year it closes).
    years = con.execute(
        "select distinct year from raw.grdp where release_id = '2025-01' order by year"
    ).fetchall()
    assert years == [(2023,), (2024,)]
    assert _one(con, "select count(*) from raw.grdp__rejects") == (0,)
    growth_where = _one(
        con,
        "select count(*) filter (where published_growth_pct is not null and "
        "(price_basis <> 'constant_2010' or year <> (select max(year) from raw.grdp g "
        "where g.release_id = raw.grdp.release_id))) from raw.grdp",
    )
    assert growth_where == (0,)  # growth only on the constant-price rows of the latest year


def test_published_growth_is_reproduced_from_loaded_levels(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
) -> None:
    con, _ = loaded
    published = load_published()
    now, printed = _value(con, "2024-06", "constant_2010", 2024, "6M", "TONG")
    before, none = _value(con, "2024-06", "constant_2010", 2023, "6M", "TONG")
    assert none is None
    assert matches(float(now / before * 100 - 100), published["G2"]["value"])
    assert printed == Decimal(published["G2"]["value"])  # 6.00, as printed
    # The revision (G9) is a separate vintage: both stay.
    revised, printed = _value(con, "2025-01", "constant_2010", 2024, "6M", "TONG")
    revised_base, _ = _value(con, "2025-01", "constant_2010", 2023, "6M", "TONG")
    assert revised != now
    assert matches(float(revised / revised_base * 100 - 100), published["G9"]["value"])
    assert printed == Decimal(published["G9"]["value"])
    # Shares at current prices (G13): services / total, 2022, January 2023 release.
    dv, _ = _value(con, "2023-01", "current", 2022, "12M", "DV")
    total, _ = _value(con, "2023-01", "current", 2022, "12M", "TONG")
    assert matches(float(dv / total * 100), published["G13"]["value"])
    name = _one(
        con,
        "select distinct sector_name from raw.grdp where sector_code = 'DV' and "
        "release_id = '2024-06'",
    )
    assert name == ("Dịch vụ",)


def test_same_file_twice_is_a_no_op(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    first = _ingest(db, sample[FILE], tmp_path)
    again = _ingest(db, sample[FILE], tmp_path)
    assert (first.status, again.status, again.load_id) == ("loaded", "unchanged", first.load_id)
    assert _one(db, "select count(*) from raw.grdp") == (40,)
    assert _one(db, "select count(*) from audit.load_manifest") == (1,)


def test_corrected_release_replaces_its_rows_and_keeps_the_old_ones(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    other = _ingest(db, sample["grdp_2024-03.xlsx"], tmp_path)
    first = _ingest(db, sample[FILE], tmp_path)
    old_value, _ = _value(db, "2024-06", "current", 2024, "6M", "DV")

    def correct(wb: openpyxl.Workbook) -> None:
        wb[CURRENT]["G12"] = 428400.5  # services, 6 months 2024

    second = _ingest(db, _edited(sample[FILE], tmp_path / "fixed", correct), tmp_path)
    assert (second.status, second.rows_replaced) == ("loaded", 40)
    assert _value(db, "2024-06", "current", 2024, "6M", "DV")[0] == Decimal("428400.5")
    history = _one(
        db,
        "select value_bn_vnd, _load_id, _superseded_by_load_id from raw.grdp__history "
        "where price_basis = 'current' and year = 2024 and period = '6M' and sector_code = 'DV'",
    )
    assert history == (old_value, first.load_id, second.load_id)
    assert _one(db, "select count(*) from raw.grdp where release_id = '2024-03'") == (20,)
    assert _one(db, "select distinct _load_id from raw.grdp where release_id = '2024-03'") == (
        other.load_id,
    )


@pytest.mark.parametrize("sheet", [CONSTANT, CURRENT])
def test_missing_sheet_fails_whole(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path, sheet: str
) -> None:
    def drop(wb: openpyxl.Workbook) -> None:
        wb[sheet].title = "Sheet1"

    with pytest.raises(SourceFileError) as err:
        _ingest(db, _edited(sample[FILE], tmp_path / "broken", drop), tmp_path)
    message = str(err.value)
    assert message.startswith(f"file {FILE}: wrong or missing sheet: no sheet {sheet!r}")
    assert _failed(db, FILE) == message


def test_unknown_unit_line_fails_whole(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def usd(wb: openpyxl.Workbook) -> None:
        wb[CONSTANT]["E5"] = "Đơn vị: triệu USD"

    with pytest.raises(SourceFileError) as err:
        _ingest(db, _edited(sample[FILE], tmp_path / "broken", usd), tmp_path)
    assert str(err.value).startswith(
        f"file {FILE}, row 5, column 'E': sheet 'Giá so sánh 2010': unknown unit 'triệu usd'"
    )
    _failed(db, FILE)


def test_million_dong_unit_is_converted(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def millions(wb: openpyxl.Workbook) -> None:
        ws = wb[CURRENT]
        ws["E5"] = "Đơn vị: triệu đồng"
        for row in ws.iter_rows(min_row=9, max_row=13, min_col=4, max_col=7):
            for cell in row:
                cell.value = round(cell.value * 1000)

    _ingest(db, _edited(sample[FILE], tmp_path / "edited", millions), tmp_path)
    assert _value(db, "2024-06", "current", 2024, "6M", "DV")[0] == Decimal("428364.9")


def test_text_value_is_rejected_with_row_column_and_value(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def typo(wb: openpyxl.Workbook) -> None:
        wb[CONSTANT]["F11"] = "73.258,6"  # industry, 6 months 2024, typed as vi-VN text

    with pytest.raises(SourceFileError) as err:
        _ingest(db, _edited(sample[FILE], tmp_path / "broken", typo), tmp_path)
    assert "1 of 10 rows rejected" in str(err.value)
    assert "row 11 column 'Năm 2024 / Quý I' value '73.258,6'" in str(err.value)
    _failed(db, FILE)
    reject = _one(db, "select row_number, column_name, value, reason from raw.grdp__rejects")
    assert reject == (
        11,
        "Năm 2024 / Quý I",
        "73.258,6",
        "sheet 'Giá so sánh 2010' cell F11: text where a number belongs",
    )


def test_unknown_sector_code_is_rejected(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def sector(wb: openpyxl.Workbook) -> None:
        wb[CURRENT]["C12"] = "DVU"

    with pytest.raises(SourceFileError, match="1 of 10 rows rejected"):
        _ingest(db, _edited(sample[FILE], tmp_path / "broken", sector), tmp_path)
    reject = _one(db, "select row_number, column_name, value, reason from raw.grdp__rejects")
    assert reject[:3] == (12, "Mã ngành", "DVU")
    assert "unknown sector code 'DVU'" in reject[3]


def test_year_outside_the_release_is_rejected(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def old_year(wb: openpyxl.Workbook) -> None:
        wb[CURRENT]["D7"] = "Năm 2022"

    with pytest.raises(SourceFileError, match="5 of 10 rows rejected"):
        _ingest(db, _edited(sample[FILE], tmp_path / "broken", old_year), tmp_path)
    rejects = db.execute(
        "select distinct column_name, reason from raw.grdp__rejects where row_number = 9"
    ).fetchall()
    assert sorted(rejects) == [
        ("Năm 2022 / 6 tháng", "sheet 'Giá hiện hành' cell E9: year 2022 is outside the "
         "release 2024-06 (2023 and 2024)"),
        ("Năm 2022 / Quý I", "sheet 'Giá hiện hành' cell D9: year 2022 is outside the "
         "release 2024-06 (2023 and 2024)"),
    ]  # fmt: skip


def test_dash_growth_is_null_but_dash_level_is_rejected(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def dash_growth(wb: openpyxl.Workbook) -> None:
        wb[CONSTANT]["I10"] = "-"  # agriculture, growth 6 months

    _ingest(db, _edited(sample[FILE], tmp_path / "ok", dash_growth), tmp_path)
    assert _value(db, "2024-06", "constant_2010", 2024, "6M", "NLTS")[1] is None
    assert _value(db, "2024-06", "constant_2010", 2024, "Q1", "NLTS")[1] == Decimal("5.53")

    def dash_level(wb: openpyxl.Workbook) -> None:
        wb[CONSTANT]["I10"] = "-"
        wb[CONSTANT]["G10"] = "-"

    with pytest.raises(SourceFileError, match="row 10 column 'Năm 2024 / 6 tháng' value '-'"):
        _ingest(db, _edited(sample[FILE], tmp_path / "broken", dash_level), tmp_path)
    # The earlier load of the slot is untouched by the failed one.
    assert _one(db, "select count(*) from raw.grdp where release_id = '2024-06'") == (40,)


def test_period_that_is_not_cumulative_fails_whole(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    def quarter(wb: openpyxl.Workbook) -> None:
        wb[CURRENT]["E8"] = "Quý II"

    with pytest.raises(SourceFileError) as err:
        _ingest(db, _edited(sample[FILE], tmp_path / "broken", quarter), tmp_path)
    assert (err.value.row, err.value.column) == (8, "E")
    assert "'Quý II' under 'Năm 2023' is not a cumulative period" in str(err.value)
    _failed(db, FILE)


def test_file_named_for_another_release_fails_whole(
    db: duckdb.DuckDBPyConnection, sample: dict[str, Path], tmp_path: Path
) -> None:
    wrong = tmp_path / "in" / "grdp_2024-09.xlsx"
    wrong.parent.mkdir()
    wrong.write_bytes(sample[FILE].read_bytes())
    with pytest.raises(SourceFileError, match=r"'Kỳ công bố: 06/2024' names another release"):
        _ingest(db, wrong, tmp_path)
    _failed(db, wrong.name)


def test_2025_q3_first_published_and_revised_are_separate_vintages(
    loaded: tuple[duckdb.DuckDBPyConnection, list[LoadOutcome]],
) -> None:
    con, _ = loaded
    published = load_published()

    def q3_growth(release: str) -> float:
        levels = {
            (year, period): _value(con, release, "constant_2010", year, period, "TONG")[0]
            for year in (2024, 2025)
            for period in ("6M", "9M")
        }
        now = levels[(2025, "9M")] - levels[(2025, "6M")]
        before = levels[(2024, "9M")] - levels[(2024, "6M")]
        return float(now / before * 100 - 100)

    assert matches(q3_growth("2025-09"), published["G23"]["value"])  # first published
    assert matches(q3_growth("2026-01"), published["G20"]["value"])  # revised
    # The whole-year release prints the year's growth (G17) and holds 2025 and 2024 only.
    _, printed = _value(con, "2026-01", "constant_2010", 2025, "12M", "TONG")
    assert printed == Decimal(published["G17"]["value"])
    years = con.execute(
        "select distinct year from raw.grdp where release_id = '2026-01' order by year"
    ).fetchall()
    assert years == [(2024,), (2025,)]
