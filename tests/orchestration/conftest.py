"""Fixtures of the orchestration tests that run Dagster jobs in process: a fresh data dir
handed to Dagster as the ``egov_settings`` resource, and sample disbursement files."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.settings import load_settings, prepare_data_dir
from sources.sample import disbursement as disbursement_sample


@pytest.fixture(scope="module")
def disbursement_files(tmp_path_factory) -> Path:
    """The default sample's disbursement reports (seed 2025, scale 1)."""
    out = tmp_path_factory.mktemp("sample")
    disbursement_sample.write(out, 2025, 1.0)
    return out / "disbursement"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data dir; the tests hand its settings to Dagster as the ``egov_settings``
    resource (the code location may have been imported for another data dir)."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("EGOV_DATA_DIR", str(folder))
    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
    prepare_data_dir(load_settings())
    return folder
