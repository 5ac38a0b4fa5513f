"""Test-wide setup: every test runs against a throwaway data dir, never ./data."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

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
