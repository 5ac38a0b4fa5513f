"""One great-expectations session per module for the quality tests (the warehouse, the
sample and ``edit_csv`` are the shared ones of tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def data_docs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data_docs")


@pytest.fixture(scope="module")
def gx_session(data_docs_dir: Path):
    """One ephemeral great-expectations context for the module (GX imports once, ~9 s)."""
    from quality.runner import GxSession

    return GxSession(data_docs_dir)
