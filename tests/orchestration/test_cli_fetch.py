"""`egov fetch` against a real HTTP server on 127.0.0.1 serving the sample's dossiers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sources.sample import procedures
from sources.sample.procedures_api import serve


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api")
    procedures.write(folder, seed=2025, scale=0.2)
    with serve(folder / "procedures", token="s3cret") as server:
        yield server, folder / "procedures"


def test_fetch_lands_whole_months_as_json_lines(api, run_egov, tmp_path: Path) -> None:
    server, folder = api
    proc = run_egov(
        tmp_path, "fetch", "--url", server.url, "--from", "2024-11", "--to", "2024-12",
        EGOV_PROCEDURES_API_TOKEN="s3cret",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # An export holds the dossiers received that month and the earlier ones whose state
    # changed since; the API serves the dossiers received in the month, one row each.
    received: dict[str, set[str]] = {"2024-11": set(), "2024-12": set()}
    for path in folder.glob("ho_so_*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                day, month, year = row["ngay_tiep_nhan"][:10].split("/")
                received.get(f"{year}-{month}", set()).add(row["ma_ho_so"])
    for month, expected in received.items():
        landed = tmp_path / "landing" / "procedures" / f"ho_so_{month}.jsonl"
        ids = [json.loads(line)["ma_ho_so"] for line in landed.read_text().splitlines()]
        assert expected and len(ids) == len(set(ids)) and set(ids) == expected
    assert "Fetched 2 month(s)" in proc.stdout


def test_fetch_without_the_token_is_refused_and_lands_nothing(
    api, run_egov, tmp_path: Path
) -> None:
    server, _ = api
    proc = run_egov(tmp_path, "fetch", "--url", server.url, "--from", "2024-11")
    assert proc.returncode == 2
    assert "401" in proc.stderr and "Traceback" not in proc.stderr
    assert list((tmp_path / "landing" / "procedures").iterdir()) == []


def test_fetch_rejects_a_malformed_month(api, run_egov, tmp_path: Path) -> None:
    server, _ = api
    proc = run_egov(tmp_path, "fetch", "--url", server.url, "--from", "../2024-11")
    assert proc.returncode == 2 and "YYYY-MM" in proc.stderr
