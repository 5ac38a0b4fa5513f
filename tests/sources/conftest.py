"""Fixtures for loading files into a real DuckDB file with the real ingest code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from sources.loading.ingest import LoadOutcome, ingest_file
from sources.loading.spec import SourceSpec


class Warehouse:
    """A build database in a temp folder, with archive and work dirs beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.con = duckdb.connect(str(root / "build.duckdb"))
        self.archive = root / "archive"
        self.work = root / "work"

    def load(self, spec: SourceSpec, path: Path, name: str | None = None) -> LoadOutcome:
        return ingest_file(
            self.con, spec, path, archive_dir=self.archive, work_dir=self.work, file_name=name
        )

    def scalar(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchall()[0][0]

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    wh = Warehouse(tmp_path)
    yield wh
    wh.con.close()
