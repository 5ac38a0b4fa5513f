"""Loading the governance-index tables: the sample, and rows that must be quarantined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sources.loading.spec import SourceFileError
from sources.readers.governance_indices import SPEC
from sources.sample import governance_indices as sample
from tests.published import load_published, matches


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("indices")
    return {p.name: p for p in sample.write(out, seed=2025)}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return target


def test_sample_loads_and_reproduces_the_published_scores(warehouse, files) -> None:
    for path in sorted(files.values()):
        outcome = warehouse.load(SPEC, path)
        assert outcome.status == "loaded" and outcome.rows_rejected == 0, outcome.message
    # 2021..2024: 4 indices x 63 provinces + 30 districts; 2025: 4 x 34, no districts.
    assert warehouse.scalar("select count(*) from raw.governance_indices") == (
        4 * (4 * 63 + 30) + 4 * 34
    )
    published = load_published()
    par_2023 = warehouse.scalar(
        "select score from raw.governance_indices "
        "where admin_unit_id = '01' and index_code = 'PAR_INDEX' and index_year = 2023"
    )
    assert matches(float(par_2023), published["I1"]["value"])
    dong_da = warehouse.rows(
        "select score, rank from raw.governance_indices "
        "where admin_unit_id = '01-006' and index_year = 2023"
    )
    assert matches(float(dong_da[0][0]), published["I21"]["value"])
    assert str(dong_da[0][1]) == published["I22"]["value"]
    # PCI beyond rank 30 has no published score from 2023: null, not 0
    assert (
        warehouse.scalar(
            "select count(*) from raw.governance_indices where index_code = 'PCI' "
            "and index_year = 2023 and score is null"
        )
        == 33
    )


def test_a_district_code_that_contradicts_its_name_fails_the_small_table(
    warehouse, files, tmp_path
) -> None:
    """One bad row of 30 is above the 1% threshold: the table fails whole, naming the row."""
    name = "par_index_quan_huyen_2023.csv"
    text = files[name].read_text(encoding="utf-8")
    text = text.replace("006,Quận Đống Đa", "005,Quận Đống Đa")
    with pytest.raises(SourceFileError) as failure:
        warehouse.load(SPEC, _write(tmp_path, name, text))
    assert "row 2 column 'ma_quan_huyen' value '005'" in str(failure.value)
    assert "01-006" in str(failure.value)
    assert warehouse.scalar("select count(*) from raw.governance_indices") == 0
    [(column, value, reason)] = warehouse.rows(
        "select column_name, value, reason from raw.governance_indices__rejects"
    )
    assert column == "ma_quan_huyen" and value == "005" and "01-006" in reason


def test_unknown_index_and_wrong_year_are_rejected(warehouse, files, tmp_path) -> None:
    name = "chi_so_cap_tinh_2023.csv"
    lines = files[name].read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("PAR_INDEX,2023", "PAR_INDEX,2022")
    lines[2] = lines[2].replace("PAR_INDEX", "HAPPINESS")
    outcome = warehouse.load(SPEC, _write(tmp_path, name, "".join(lines)))
    assert outcome.rows_rejected == 2
    reasons = dict(
        warehouse.rows("select column_name, reason from raw.governance_indices__rejects")
    )
    assert "2023" in reasons["nam"] and "unknown index" in reasons["chi_so"]


def test_province_and_district_tables_of_a_year_do_not_replace_each_other(warehouse, files) -> None:
    warehouse.load(SPEC, files["chi_so_cap_tinh_2024.csv"])
    second = warehouse.load(SPEC, files["par_index_quan_huyen_2024.csv"])
    assert second.rows_replaced == 0
    assert warehouse.scalar("select count(*) from raw.governance_indices") == 4 * 63 + 30


def test_2025_table_ranks_34_and_keeps_its_synthetic_source_note(warehouse, files) -> None:
    outcome = warehouse.load(SPEC, files["chi_so_cap_tinh_2025.csv"])
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 136, 0)
    assert outcome.warnings == []  # nguon is a known column, not an unexpected one
    groups = warehouse.rows(
        "select index_code, count(*), min(ranked_units), max(ranked_units), max(rank), "
        "count(distinct source_note), min(source_note) from raw.governance_indices "
        "group by index_code order by index_code"
    )
    assert [g[1:] for g in groups] == [(34, 34, 34, 34, 1, "tổng hợp (số liệu mẫu)")] * 4
    # Tables without the column load with a null note.
    warehouse.load(SPEC, files["chi_so_cap_tinh_2024.csv"])
    assert warehouse.rows(
        "select count(*), count(source_note) from raw.governance_indices where index_year = 2024"
    ) == [(4 * 63, 0)]


def test_a_2025_table_of_63_provinces_fails_naming_the_merger(warehouse, files, tmp_path) -> None:
    """The 2024 table relabelled 2025: 63 rows, ranks of 63. Every row is rejected."""
    text = files["chi_so_cap_tinh_2024.csv"].read_text(encoding="utf-8")
    text = re.sub(r"^(\w+),2024,", r"\1,2025,", text, flags=re.MULTILINE)
    with pytest.raises(SourceFileError) as failure:
        warehouse.load(SPEC, _write(tmp_path, "chi_so_cap_tinh_2025.csv", text))
    message = str(failure.value)
    assert "252 of 252 rows rejected" in message
    assert "column 'so_don_vi_xep_hang' value '63': ranks of 34 after the merger of " in message
    assert warehouse.scalar("select count(*) from raw.governance_indices") == 0
    reasons = dict(
        warehouse.rows(
            "select column_name, any_value(reason) from raw.governance_indices__rejects "
            "group by column_name"
        )
    )
    assert reasons["so_don_vi_xep_hang"] == (
        "ranks of 34 after the merger of provinces on 2025-07-01: an index of 2025 ranks "
        "34 provinces"
    )
    assert "no province" in reasons["ma_tinh"] and "after the merger" in reasons["ma_tinh"]
    assert reasons["xep_hang"] == "rank beyond the 34 ranked units"


def test_a_2024_table_of_34_and_a_merged_away_province_in_2025_are_rejected(
    warehouse, files, tmp_path
) -> None:
    lines = files["chi_so_cap_tinh_2024.csv"].read_text(encoding="utf-8").splitlines(True)
    lines[1] = lines[1].replace(",63\n", ",34\n")
    outcome = warehouse.load(SPEC, _write(tmp_path, "chi_so_cap_tinh_2024.csv", "".join(lines)))
    assert outcome.rows_rejected == 1
    [(column, reason)] = warehouse.rows(
        "select column_name, reason from raw.governance_indices__rejects"
    )
    assert column == "so_don_vi_xep_hang" and reason.startswith("ranks of 63 before the merger")
    # Hà Giang (02) merged into Tuyên Quang on 2025-07-01: no such province in 2025.
    lines = files["chi_so_cap_tinh_2025.csv"].read_text(encoding="utf-8").splitlines(True)
    code = lines[2].split(",")[2]
    lines[2] = lines[2].replace(f",{code},", ",02,", 1)
    target = tmp_path / "later" / "chi_so_cap_tinh_2025.csv"
    target.parent.mkdir()
    target.write_text("".join(lines), encoding="utf-8")
    outcome = warehouse.load(SPEC, target)
    assert outcome.rows_rejected == 1
    assert warehouse.rows(
        "select value, reason from raw.governance_indices__rejects where row_number = 3"
    ) == [("02", "no province 02 after the merger of 2025-07-01 (34 provinces)")]


def test_no_district_table_after_the_reform(warehouse, files, tmp_path) -> None:
    text = files["par_index_quan_huyen_2024.csv"].read_text(encoding="utf-8")
    with pytest.raises(SourceFileError) as failure:
        warehouse.load(SPEC, _write(tmp_path, "par_index_quan_huyen_2025.csv", text))
    assert "30 of 30 rows rejected" in str(failure.value)
    assert "no district level after 2025-06-30" in str(failure.value)
    assert "par_index_quan_huyen_2025.csv" not in {
        p.name for p in files.values()
    }  # the sample has none either
