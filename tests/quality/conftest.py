"""Sample files in their real formats, edited the way real files go wrong, loaded into a
real DuckDB file with the real ingest code; one great-expectations session per module."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from sources.loading.ingest import LoadOutcome, ingest_file
from sources.loading.registry import specs
from sources.sample import disbursement as disbursement_sample
from sources.sample import procedures as procedures_sample


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    """The deterministic sample of disbursement and procedures (seed 2025)."""
    out = tmp_path_factory.mktemp("sample")
    disbursement_sample.write(out, 2025, 1.0)
    procedures_sample.write(out, 2025, 1.0)
    return out


def edit_csv(
    source: Path,
    target: Path,
    edit: Callable[[list[str], list[list[str]]], list[list[str]]],
    *,
    delimiter: str,
) -> Path:
    """Rewrite a sample CSV (UTF-8 with BOM) through ``edit(header, rows) -> rows``."""
    text = source.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header, *rows = list(reader)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(edit(header, rows))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    return target


class Warehouse:
    """A build database in a temp folder, loaded with the real ingest code."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.con = duckdb.connect(str(root / "build.duckdb"))

    def load(self, source: str, path: Path) -> LoadOutcome:
        outcome = ingest_file(
            self.con, specs()[source], path, archive_dir=self.root / "archive",
            work_dir=self.root / "work",
        )  # fmt: skip
        assert outcome.status == "loaded", outcome.message
        return outcome


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    wh = Warehouse(tmp_path)
    yield wh
    wh.con.close()


@pytest.fixture(scope="module")
def data_docs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data_docs")


@pytest.fixture(scope="module")
def gx_session(data_docs_dir: Path):
    """One ephemeral great-expectations context for the module (GX imports once, ~9 s)."""
    from quality.runner import GxSession

    return GxSession(data_docs_dir)
