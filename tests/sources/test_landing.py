"""Ingest planning without Dagster: landed files against the hashes already loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.loading.ingest import file_sha256
from sources.loading.landing import (
    LandingError,
    contiguous_ranges,
    in_window,
    landing_fingerprint,
    plan_ingest,
)
from sources.loading.registry import specs

SPEC = specs()["disbursement"]
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def _land(landing: Path, *months: str) -> list[Path]:
    folder = landing / SPEC.name
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for month in months:
        path = folder / SPEC.file_example.replace("2024-01", month)
        path.write_text(f"file of {month}\n", encoding="utf-8")
        paths.append(path)
    return paths


def _plan(landing: Path, loaded: set[str], **kwargs):
    return plan_ingest([SPEC], landing, {SPEC.name: MONTHS}, {SPEC.name: loaded}, **kwargs)


def test_new_files_become_partitions_and_loaded_ones_are_left_out(tmp_path: Path) -> None:
    paths = _land(tmp_path, "2024-01", "2024-02", "2024-03", "2024-05")
    plan = _plan(tmp_path, {file_sha256(paths[1])})
    assert plan.partitions == {SPEC.name: ["2024-01", "2024-03", "2024-05"]}
    assert plan.ranges == {SPEC.name: [("2024-01", "2024-01"), ("2024-03", "2024-03"),
                                       ("2024-05", "2024-05")]}  # fmt: skip
    assert plan.spans() == {SPEC.name: "2024-01..2024-05 (3 partitions)"}
    assert plan.new_files == {SPEC.name: len(paths) - 1}
    everything = _plan(tmp_path, {file_sha256(p) for p in paths})
    assert everything.empty


def test_a_window_reruns_every_landed_partition_in_it(tmp_path: Path) -> None:
    paths = _land(tmp_path, "2024-01", "2024-02", "2024-03", "2024-05")
    plan = _plan(tmp_path, {file_sha256(p) for p in paths}, window=("2024-02", "2024-05"))
    assert plan.partitions == {SPEC.name: ["2024-02", "2024-03", "2024-05"]}
    assert plan.ranges == {SPEC.name: [("2024-02", "2024-03"), ("2024-05", "2024-05")]}
    assert plan.new_files == {}


def test_a_misnamed_or_out_of_range_file_stops_the_plan_naming_it(tmp_path: Path) -> None:
    _land(tmp_path, "2024-01")
    stray = tmp_path / SPEC.name / "notes.csv"
    stray.write_text("x\n", encoding="utf-8")
    with pytest.raises(LandingError, match=str(stray)):
        _plan(tmp_path, set())
    stray.unlink()
    (late,) = _land(tmp_path, "2031-01")
    with pytest.raises(LandingError, match=str(late)):
        _plan(tmp_path, set())


def test_window_ranges_and_fingerprint_helpers(tmp_path: Path) -> None:
    assert in_window("2024", ("2023-11", "2024-02"))
    assert not in_window("2024-03", ("2023-11", "2024-02"))
    assert contiguous_ranges(MONTHS, {"2024-01", "2024-02", "2024-12"}) == [
        ("2024-01", "2024-02"),
        ("2024-12", "2024-12"),
    ]
    before = landing_fingerprint(tmp_path)
    _land(tmp_path, "2024-04")
    assert landing_fingerprint(tmp_path) != before
