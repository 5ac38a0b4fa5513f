"""Bad set-up gives one clear line naming the path and what to do, never a stack trace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO


def _one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_missing_data_dir_is_named_with_the_fix(run_egov, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    line = _one_line_error(run_egov(missing, "run"))
    assert str(missing) in line and "mkdir -p" in line
    assert not missing.exists()


def test_data_dir_that_is_a_file(run_egov, tmp_path: Path) -> None:
    a_file = tmp_path / "data"
    a_file.write_text("not a folder")
    line = _one_line_error(run_egov(a_file, "status"))
    assert str(a_file) in line and "not a folder" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_unwritable_data_dir(run_egov, tmp_path: Path) -> None:
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o500)
    line = _one_line_error(run_egov(locked, "run"))
    assert str(locked) in line and "not writable" in line


def test_corrupt_build_database(run_egov, tmp_path: Path) -> None:
    db = tmp_path / "warehouse" / "build.duckdb"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a duckdb file" * 100)
    line = _one_line_error(run_egov(tmp_path, "run"))
    assert str(db) in line and "corrupt" in line and "move it aside" in line
    assert db.read_bytes() == b"this is not a duckdb file" * 100


def test_locked_build_database_names_the_holder(run_egov, tmp_path: Path) -> None:
    db = tmp_path / "warehouse" / "build.duckdb"
    db.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.read()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        line = _one_line_error(run_egov(tmp_path, "run"))
        assert str(db) in line and f"locked by process {holder.pid}" in line
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    with duckdb.connect(str(db)) as con:  # the holder let go: the file is intact
        assert con.execute("select 1").fetchall() == [(1,)]


def test_missing_dbt_manifest(run_egov, tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target"))
    data = tmp_path / "data"
    data.mkdir()
    line = _one_line_error(run_egov(data, "run", EGOV_DBT_PROJECT_DIR=str(project)))
    assert str(project / "target" / "manifest.json") in line and "make install" in line


def test_unknown_sample_source(run_egov, tmp_path: Path) -> None:
    line = _one_line_error(run_egov(tmp_path, "sample", "--out", str(tmp_path), "--source", "x"))
    assert "unknown source 'x'" in line and "procedures" in line
