"""Test-wide setup and the shared fixtures: every test runs against a throwaway data dir,
never ./data; a build database loaded with the real ingest code (``warehouse``); the
default sample written once per session (``sample_dir``); the default sample run through
the whole pipeline once per session (``built_sample``; tests that change it work on a
copy, :func:`copy_data_dir`)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from sources.loading.ingest import LoadOutcome, ingest_file
from sources.loading.registry import specs
from sources.loading.spec import SourceSpec

REPO = Path(__file__).resolve().parents[1]
EGOV = str(Path(sys.executable).with_name("egov"))

# Set before anything imports orchestration.definitions, which reads settings at import.
os.environ["EGOV_DATA_DIR"] = tempfile.mkdtemp(prefix="egov-tests-")
os.environ.pop("DAGSTER_HOME", None)
os.environ.pop("EGOV_DBT_PROJECT_DIR", None)


def egov_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for an `egov` subprocess on its own data dir."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME",)}
    env.update({"EGOV_DATA_DIR": str(data_dir), "COLUMNS": "200", **extra})
    return env


@pytest.fixture
def run_egov() -> Callable[..., subprocess.CompletedProcess]:
    """Run the real `egov` CLI in a subprocess: run_egov(data_dir, "status", "--json")."""

    def _run(data_dir: Path, *args: str, timeout: float = 600, **env: str):
        return subprocess.run(
            [EGOV, *args],
            cwd=REPO,
            env=egov_env(data_dir, **env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return _run


class Warehouse:
    """A build database in a temp folder, with archive and work dirs beside it, loaded with
    the real ingest code."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.con = duckdb.connect(str(root / "build.duckdb"))
        self.archive = root / "archive"
        self.work = root / "work"

    def load(self, source: SourceSpec | str, path: Path, name: str | None = None) -> LoadOutcome:
        """Ingest ``path`` as ``source`` (its spec, or its name in the registry)."""
        spec = specs()[source] if isinstance(source, str) else source
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


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default sample (seed DEFAULT_SEED, scale 1) of disbursement and procedures,
    written once for the session; tests read it and edit copies, never the files."""
    from sources.sample import DEFAULT_SEED, write_source

    out = tmp_path_factory.mktemp("sample")
    for source in ("disbursement", "procedures"):
        write_source(source, out, DEFAULT_SEED, 1.0)
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files marked ``slow`` (the whole pipeline, minutes each) first, so that with
    pytest-xdist (``-n 2 --dist loadfile``) they start at once, one per worker, while the
    other worker goes through the quick files."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@dataclass(frozen=True)
class BuiltSample:
    """A data dir after `egov run` on a fresh checkout, and what that run printed."""

    data: Path
    run: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> BuiltSample:
    """`egov run` on an empty data dir (it places the default sample in landing/, loads,
    checks, builds and publishes), once per test session. Read it; to change it, take a
    copy with :func:`copy_data_dir`."""
    data = tmp_path_factory.mktemp("built_sample")
    proc = subprocess.run(
        [EGOV, "run"], cwd=REPO, env=egov_env(data), capture_output=True, text=True, timeout=1800
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return BuiltSample(data, proc)


def copy_data_dir(source: Path, target: Path) -> Path:
    """A copy of a data dir (build database, archive, published versions, Dagster
    instance) that later runs may change without touching ``source``."""
    shutil.copytree(source, target, symlinks=True)
    return target


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
