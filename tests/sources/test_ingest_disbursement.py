"""Loading disbursement reports: the sample, restatements, plan years, commune investors
after the 2025 reform, and every kind of bad input.

Fixtures are the sample's own files, edited the way real files go wrong.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from sources.formats.text import match_key
from sources.loading.admin_units import build_admin_units, build_crosswalk
from sources.loading.spec import SourceFileError
from sources.readers.disbursement import SPEC
from sources.sample import disbursement as sample

MONTH = "giai_ngan_2024-06.csv"
AFTER_REFORM = "giai_ngan_2025-09.csv"  # cut on 30/09/2025: communes, no districts
JANUARY = "giai_ngan_2026-01.csv"  # the 2025 plan year's extension month and 2026's first
NO_DISTRICT_LEVEL = "no district level after 2025-06-30"
PLAN_YEAR = "Năm kế hoạch"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("disbursement")
    return {p.name: p for p in sample.write(out, seed=2025)}


def _lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:  # keep the CRLF line ends
        return f.read().splitlines(keepends=True)


def _write(tmp_path: Path, lines: list[str], name: str = MONTH) -> Path:
    target = tmp_path / "edited" / name
    target.parent.mkdir(exist_ok=True)
    target.unlink(missing_ok=True)  # a new file: a loaded one is its archive entry's inode
    target.write_text("\ufeff" + "".join(lines), encoding="utf-8")
    return target


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 writes Vietnamese: precomposed base letters (ư, ơ, â, ê,
    ô, ă, đ) followed by a combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for i, mark in enumerate(marks):
            rest = marks[:i] + marks[i + 1 :]
            try:
                out += unicodedata.normalize("NFC", base + mark).encode("cp1258")
                out += "".join(rest).encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


def _edit_cell(line: str, column: int, value: str) -> str:
    cells = line.rstrip("\r\n").split(";")
    cells[column] = value
    return ";".join(cells) + "\r\n"


def _column(lines: list[str], name: str) -> int:
    return lines[0].lstrip("\ufeff").rstrip("\r\n").split(";").index(name)


def _row_of(lines: list[str], column: str, test) -> int:
    """Index of the first data line whose ``column`` passes ``test``."""
    i = _column(lines, column)
    return next(n for n, line in enumerate(lines) if n and test(line.split(";")[i]))


def test_every_sample_file_loads_with_units_mapped(warehouse, files) -> None:
    total = 0
    for path in sorted(files.values()):
        outcome = warehouse.load(SPEC, path)
        assert outcome.status == "loaded" and outcome.rows_rejected == 0, outcome.message
        total += outcome.rows_loaded
    assert warehouse.scalar("select count(*) from raw.disbursement") == total
    assert (
        warehouse.scalar("select count(*) from raw.disbursement where admin_unit_id is null") == 0
    )
    hk = warehouse.scalar(
        "select count(*) from raw.disbursement "
        "where admin_unit_id = '01-002' and report_month = '2024-06'"
    )
    assert hk > 0
    # amounts arrive in bn VND: the published TTg plan of 2024 (81,033 bn) is the sum of plans
    plan = warehouse.scalar(
        "select sum(plan_ttg_bn_vnd) from raw.disbursement where report_month = '2024-06'"
    )
    assert round(float(plan)) == 81033
    # older reports have no plan-year column: the plan year is the as-of date's year
    assert warehouse.rows(
        "select distinct plan_year from raw.disbursement where report_month = '2024-06'"
    ) == [(2024,)]
    manifest = warehouse.scalar(
        "select count(*) from audit.load_manifest "
        "where status = 'loaded' and source = 'disbursement'"
    )
    assert manifest == len(files)


def test_a_january_report_holds_two_plan_years_keyed_by_plan_year(warehouse, files) -> None:
    outcome = warehouse.load(SPEC, files[JANUARY])
    assert outcome.status == "loaded" and outcome.rows_rejected == 0, outcome.message
    per_year = warehouse.rows(
        "select plan_year, count(*), min(as_of_date)::varchar, max(as_of_date)::varchar "
        "from raw.disbursement group by plan_year order by plan_year"
    )
    assert [(y, a, b) for y, _, a, b in per_year] == [
        (2025, "2026-01-31", "2026-01-31"),
        (2026, "2026-01-31", "2026-01-31"),
    ]
    assert (
        sum(n for _, n, _, _ in per_year) == outcome.rows_loaded == len(_lines(files[JANUARY])) - 1
    )
    # a project financed in both plan years is one row per plan year, each with its own
    # plans and its own cumulative since 1 January of its plan year
    both = warehouse.rows(
        "select project_code, list(plan_year order by plan_year), "
        "list(disbursed_cumulative_bn_vnd order by plan_year) from raw.disbursement "
        "group by project_code having count(*) = 2"
    )
    assert len(both) > 10
    assert all(years == [2025, 2026] and cum[0] > cum[1] for _, years, cum in both)
    # the slot is the report month: a restated January file replaces both plan years
    assert warehouse.rows("select distinct _slot from raw.disbursement") == [("2026-01",)]


def test_commune_level_investors_after_the_reform_map_to_the_units_of_that_date(
    warehouse, files
) -> None:
    outcome = warehouse.load(SPEC, files[AFTER_REFORM])
    assert outcome.status == "loaded" and outcome.rows_rejected == 0, outcome.message
    units = {u["admin_unit_id"]: u for u in build_admin_units().to_pylist()}
    rows = warehouse.rows(
        "select admin_unit_id, unit_name, investor, as_of_date from raw.disbursement"
    )
    communes = [r for r in rows if r[0] != "01"]
    assert len(communes) > 30 and any(r[0] == "01" for r in rows)
    for unit_id, unit_name, investor, as_of in communes:
        unit = units[unit_id]
        assert unit["level"] == "commune" and unit["parent_id"] == "01", unit_id
        assert unit["valid_from"] <= as_of and unit["valid_to"] is None
        assert match_key(unit_name) == match_key(unit["short_name_vi"])
        assert match_key(investor).endswith(match_key(unit["short_name_vi"])), investor
    # the people's committee of a commune or its project board is the investor
    assert {i.split()[0] for _, _, i, _ in communes} <= {"Ủy", "UBND", "Ban"}


def test_same_bytes_again_is_a_no_op_that_says_so(warehouse, files) -> None:
    first = warehouse.load(SPEC, files[MONTH])
    rows = warehouse.rows("select * from raw.disbursement order by project_code")
    again = warehouse.load(SPEC, files[MONTH])
    assert again.status == "unchanged"
    assert "same bytes" in again.message and first.load_id in again.message
    assert warehouse.rows("select * from raw.disbursement order by project_code") == rows
    assert warehouse.scalar("select count(*) from audit.load_manifest") == 1


def test_a_revised_file_replaces_the_month_and_keeps_history(warehouse, files, tmp_path) -> None:
    first = warehouse.load(SPEC, files[MONTH])
    lines = _lines(files[MONTH])
    lines[1] = _edit_cell(lines[1], 9, "999.999,9")  # revised cumulative of one project
    revised = warehouse.load(SPEC, _write(tmp_path, lines))
    assert revised.status == "loaded" and revised.rows_replaced == first.rows_loaded
    assert warehouse.scalar("select count(*) from raw.disbursement") == first.rows_loaded
    assert (
        warehouse.scalar(
            "select count(*) from raw.disbursement__history where _load_id = ? "
            "and _superseded_by_load_id = ?",
            [first.load_id, revised.load_id],
        )
        == first.rows_loaded
    )
    statuses = dict(warehouse.rows("select load_id, status from audit.load_manifest"))
    assert statuses == {first.load_id: "superseded", revised.load_id: "loaded"}
    # which file produced this row: the manifest answers
    produced_by = warehouse.rows(
        "select m.file_name, m.sha256 from raw.disbursement r "
        "join audit.load_manifest m on m.load_id = r._load_id limit 1"
    )
    assert produced_by == [(MONTH, revised.sha256)]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (9, "1,234.5", "not a vi-VN number"),  # en-US number in a vi-VN file
        (6, "không rõ", "not a vi-VN number"),  # text in a numeric column
        (5, "15/07/2024", "outside the file's month"),  # date outside the partition
        (5, "31/02/2024", "not a date"),
        (4, "Quận Không Tồn Tại", "no district named"),  # unknown district name
    ],
)
def test_a_bad_value_is_quarantined_with_row_column_and_reason(
    warehouse, files, tmp_path, column, value, reason
) -> None:
    lines = _lines(files[MONTH])
    header = lines[0].lstrip("\ufeff").rstrip("\r\n").split(";")
    lines[3] = _edit_cell(lines[3], column, value)
    outcome = warehouse.load(SPEC, _write(tmp_path, lines))
    assert outcome.status == "loaded" and outcome.rows_rejected == 1
    assert outcome.rows_loaded == len(lines) - 2
    [(row, col, got, why)] = warehouse.rows(
        "select row_number, column_name, value, reason from raw.disbursement__rejects"
    )
    assert (row, col) == (4, header[column])  # line 4 of the file
    assert value in got and reason in why


def test_nfd_decomposed_names_load(warehouse, files, tmp_path) -> None:
    text = files[MONTH].read_text(encoding="utf-8-sig")
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    target = tmp_path / MONTH
    target.write_text(nfd, encoding="utf-8")
    outcome = warehouse.load(SPEC, target)
    assert outcome.rows_rejected == 0 and outcome.rows_loaded == len(_lines(files[MONTH])) - 1
    names = warehouse.rows("select distinct unit_name from raw.disbursement")
    assert all(unicodedata.is_normalized("NFC", n) for (n,) in names)


def test_too_many_rejects_fail_the_file_whole_and_keep_earlier_loads(
    warehouse, files, tmp_path
) -> None:
    good = warehouse.load(SPEC, files[MONTH])
    before = warehouse.rows("select * from raw.disbursement order by project_code")
    lines = _lines(files[MONTH])
    for i in (1, 2, 3):
        lines[i] = _edit_cell(lines[i], 8, "abc")
    with pytest.raises(SourceFileError) as failure:
        warehouse.load(SPEC, _write(tmp_path, lines))
    message = str(failure.value)
    assert MONTH in message and "3 of" in message and "threshold" in message
    assert "row 2 column 'Giải ngân trong kỳ (triệu đồng)' value 'abc'" in message
    assert warehouse.rows("select * from raw.disbursement order by project_code") == before
    failed = warehouse.rows(
        "select status, rows_rejected, error is not null from audit.load_manifest "
        "where load_id <> ?",
        [good.load_id],
    )
    assert failed == [("failed", 3, True)]
    assert warehouse.scalar("select count(*) from raw.disbursement__history") == 0


def test_extra_column_warns_and_loads(warehouse, files, tmp_path) -> None:
    lines = [line.rstrip("\r\n") + ";ghi chú\r\n" for line in _lines(files[MONTH])]
    lines[0] = lines[0].replace(";ghi chú", ";Ghi chú")
    outcome = warehouse.load(SPEC, _write(tmp_path, lines))
    assert outcome.status == "loaded" and outcome.rows_rejected == 0
    assert outcome.warnings == [f"{MONTH}: unexpected column 'Ghi chú' ignored"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda lines: [], "file is empty"),
        (lambda lines: lines[:1], "header but no data rows"),
        (lambda lines: [lines[0].replace("Nguồn vốn", "Nguon"), *lines[1:]], "'Nguồn vốn'"),
        (
            lambda lines: [lines[0].replace("(triệu đồng)", "(đô la)", 1), *lines[1:]],
            "unknown unit 'đô la'",
        ),
        (lambda lines: [*lines[:-1], lines[-1][:25]], "truncated"),
        (lambda lines: [*lines[:3], "a;b\r\n", *lines[3:]], "row 4"),
    ],
    ids=["empty", "header-only", "missing-column", "unknown-unit", "truncated", "short-row"],
)
def test_broken_files_fail_whole_naming_file_and_place(
    warehouse, files, tmp_path, edit, expected
) -> None:
    lines = edit(_lines(files[MONTH]))
    target = tmp_path / MONTH
    target.write_bytes(("\ufeff" + "".join(lines)).encode() if lines else b"")
    with pytest.raises(SourceFileError) as failure:
        warehouse.load(SPEC, target)
    assert MONTH in str(failure.value) and expected in str(failure.value)
    assert warehouse.scalar("select count(*) from raw.disbursement") == 0
    assert warehouse.scalar("select status from audit.load_manifest") == "failed"


def test_legacy_encoding_is_refused_unless_declared(warehouse, files, tmp_path) -> None:
    text = files[MONTH].read_text(encoding="utf-8-sig")
    target = tmp_path / MONTH
    target.write_bytes(to_cp1258(text))
    with pytest.raises(SourceFileError, match="not UTF-8.*declare it"):
        warehouse.load(SPEC, target)
    outcome = warehouse.load(replace(SPEC, encoding="cp1258"), target)
    assert outcome.status == "loaded" and outcome.rows_rejected == 0
    assert (
        warehouse.scalar("select count(*) from raw.disbursement where unit_name = 'Thành phố'") > 0
    )


@pytest.mark.parametrize(
    "name", ["../giai_ngan_2024-06.csv", "a/../../giai_ngan_2024-06.csv", ".giai_ngan_2024-06.csv"]
)
def test_unsafe_file_names_are_refused_and_nothing_is_written(warehouse, files, name) -> None:
    with pytest.raises(SourceFileError, match="refused|hidden"):
        warehouse.load(SPEC, files[MONTH], name=name)
    assert not warehouse.archive.exists()


@pytest.mark.parametrize("name", ["giai_ngan_2024-13.csv", "giai_ngan_2024-06.xlsx", "report.csv"])
def test_names_that_are_not_this_sources_are_refused(warehouse, files, name) -> None:
    with pytest.raises(SourceFileError, match="is not a disbursement file name"):
        warehouse.load(SPEC, files[MONTH], name=name)


def test_a_repeated_project_code_rejects_every_occurrence(warehouse, files, tmp_path) -> None:
    lines = _lines(files[MONTH])
    code = lines[1].split(";")[0]
    lines[5] = _edit_cell(lines[5], 0, code)
    # 2 of ~150 rows is above the default 1%: a source may set its own threshold
    outcome = warehouse.load(replace(SPEC, reject_threshold=0.05), _write(tmp_path, lines))
    assert outcome.rows_rejected == 2 and outcome.rows_loaded == len(lines) - 3
    rejects = warehouse.rows(
        "select row_number, column_name, reason from raw.disbursement__rejects order by 1"
    )
    key = "plan_year + project_code"
    assert [(r, c) for r, c, _ in rejects] == [(2, key), (6, key)]
    assert f"the key 2024 / {code} appears 2 times (row 2, row 6)" in rejects[0][2]
    assert (
        warehouse.scalar("select count(*) from raw.disbursement where project_code = ?", [code])
        == 0
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Đơn vị", "Quận Hoàn Kiếm"),  # also the name of a new ward: never mapped to it
        ("Đơn vị", "Q. Hoàn Kiếm"),
        ("Đơn vị", "Huyện Ba Vì"),
        ("Chủ đầu tư", "Ban Quản lý dự án đầu tư xây dựng quận Hoàn Kiếm"),
        ("Chủ đầu tư", "UBND huyện Ba Vì"),
        ("Chủ đầu tư", "Quận Hoàn Kiếm"),
    ],
)
def test_a_district_after_the_reform_is_rejected_with_the_reason(
    warehouse, files, tmp_path, column, value
) -> None:
    lines = _lines(files[AFTER_REFORM])
    row = _row_of(lines, "Đơn vị", lambda unit: unit != "Thành phố")
    lines[row] = _edit_cell(lines[row], _column(lines, column), value)
    # 1 of ~130 rows is above the default 1%: a source may set its own threshold
    outcome = warehouse.load(
        replace(SPEC, reject_threshold=0.05), _write(tmp_path, lines, AFTER_REFORM)
    )
    assert outcome.status == "loaded" and outcome.rows_rejected == 1
    assert outcome.rows_loaded == len(lines) - 2
    rejects = warehouse.rows(
        "select row_number, column_name, value, reason from raw.disbursement__rejects"
    )
    assert (row + 1, column, NO_DISTRICT_LEVEL) in {(r, c, why) for r, c, _, why in rejects}
    assert all(value in v for _, c, v, _ in rejects if c == column)
    # the same names before the reform are a district and its board: they load
    before = _lines(files["giai_ngan_2025-06.csv"])
    row = _row_of(before, "Đơn vị", lambda unit: unit != "Thành phố")
    before[row] = _edit_cell(before[row], _column(before, column), value)
    early = warehouse.load(SPEC, _write(tmp_path, before, "giai_ngan_2025-06.csv"))
    assert early.rows_rejected == 0, early.message


def test_a_pre_reform_ward_in_a_2026_file_is_rejected_naming_where_it_went(
    warehouse, files, tmp_path
) -> None:
    units = build_admin_units().to_pylist()
    names = {}
    for u in units:
        if u["level"] == "commune":
            names.setdefault(match_key(u["short_name_vi"]), []).append(u)
    went = {}
    for r in build_crosswalk().to_pylist():
        if r["crosswalk_type"] == "to_current":
            went.setdefault(r["old_admin_unit_id"], []).append(r["new_admin_unit_id"])
    # a ward of Hoàn Kiếm with a name of its own, that went whole into one new unit
    ward = next(
        u
        for u in units
        if u["parent_id"] == "01-002"
        and u["valid_to"] is not None
        and len(names[match_key(u["short_name_vi"])]) == 1
        and len(went[u["admin_unit_id"]]) == 1
    )
    new = next(u for u in units if u["admin_unit_id"] == went[ward["admin_unit_id"]][0])
    lines = _lines(files[JANUARY])
    row = _row_of(lines, "Đơn vị", lambda unit: unit != "Thành phố")
    lines[row] = _edit_cell(lines[row], _column(lines, "Đơn vị"), ward["name_vi"])
    outcome = warehouse.load(replace(SPEC, reject_threshold=0.05), _write(tmp_path, lines, JANUARY))
    assert outcome.rows_rejected == 1
    [(r, column, value, reason)] = warehouse.rows(
        "select row_number, column_name, value, reason from raw.disbursement__rejects"
    )
    assert (r, column) == (row + 1, "Đơn vị") and ward["name_vi"] in value
    assert new["name_vi"] in reason and "ended" in reason, reason


@pytest.mark.parametrize(
    ("month", "plan_year", "reason"),
    [
        ("giai_ngan_2025-03.csv", "2024", "plan year 2024 is not open on 31/03/2025"),
        ("giai_ngan_2025-03.csv", "2026", "plan year 2026 is not open on 31/03/2025"),
        ("giai_ngan_2025-03.csv", "hai", "expected a whole number"),
        ("giai_ngan_2025-03.csv", "", "required value is blank"),
    ],
)
def test_a_plan_year_that_is_not_open_is_rejected(
    warehouse, files, tmp_path, month, plan_year, reason
) -> None:
    lines = _lines(files[month])
    lines[3] = _edit_cell(lines[3], _column(lines, PLAN_YEAR), plan_year)
    outcome = warehouse.load(replace(SPEC, reject_threshold=0.05), _write(tmp_path, lines, month))
    assert outcome.rows_rejected == 1
    [(row, column, why)] = warehouse.rows(
        "select row_number, column_name, reason from raw.disbursement__rejects"
    )
    assert (row, column) == (4, PLAN_YEAR) and reason in why


def test_a_current_report_without_the_plan_year_column_fails_whole(
    warehouse, files, tmp_path
) -> None:
    lines = _lines(files[JANUARY])
    i = _column(lines, PLAN_YEAR)
    cut = [";".join(c for n, c in enumerate(line.split(";")) if n != i) for line in lines]
    target = tmp_path / JANUARY
    target.write_text("\ufeff" + "".join(cut), encoding="utf-8")
    with pytest.raises(SourceFileError) as failure:
        warehouse.load(SPEC, target)
    assert JANUARY in str(failure.value) and repr(PLAN_YEAR) in str(failure.value)
    assert warehouse.scalar("select count(*) from raw.disbursement") == 0
