"""Loading disbursement reports: the sample, restatements, and every kind of bad input.

Fixtures are the sample's own files, edited the way real files go wrong.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from sources.disbursement import SPEC
from sources.sample import disbursement as sample
from sources.spec import SourceFileError

MONTH = "giai_ngan_2024-06.csv"


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
    manifest = warehouse.scalar(
        "select count(*) from audit.load_manifest "
        "where status = 'loaded' and source = 'disbursement'"
    )
    assert manifest == len(files)


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
    assert [(r, c) for r, c, _ in rejects] == [(2, "project_code"), (6, "project_code")]
    assert f"the key {code} appears 2 times (row 2, row 6)" in rejects[0][2]
    assert (
        warehouse.scalar("select count(*) from raw.disbursement where project_code = ?", [code])
        == 0
    )
