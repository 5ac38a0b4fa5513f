"""Loading the governance-index tables: the sample, and rows that must be quarantined."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.governance_indices import SPEC
from sources.sample import governance_indices as sample
from sources.spec import SourceFileError
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
    assert warehouse.scalar("select count(*) from raw.governance_indices") == 4 * (4 * 63 + 30)
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
