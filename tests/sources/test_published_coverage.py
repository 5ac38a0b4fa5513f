"""Every published figure the sample must meet is recomputed by some test.

The grdp, budget, disbursement and indices tests parametrise over their domain's rows of
published_figures.csv, so a new row there is tested (and fails until the generator meets
it). The admin and procedures figures are recomputed by name; this test fails when such
a row is added, so that its recomputation is written too.
"""

from __future__ import annotations

from tests.published import load_published

PARAMETRISED_DOMAINS = {"grdp", "budget", "disbursement", "indices"}
RECOMPUTED_BY_NAME = {
    "A1": "tests/sources/test_admin_units.py",
    "A2": "tests/sources/test_admin_units.py",
    "A3": "tests/sources/test_admin_units.py",
    "A4": "tests/sources/test_admin_units.py",
    "A5": "tests/sources/test_admin_units.py",
    "A6": "tests/sources/test_admin_units.py",
    "P1": "tests/sources/test_sample_procedures.py",
    "P2": "tests/sources/test_sample_procedures.py",
    "P3": "tests/sources/test_sample_procedures.py",
    "P4": "tests/sources/test_sample_procedures.py",
    "P5": "tests/sources/test_sample_procedures.py",
}


def test_every_reproduce_or_bound_figure_has_a_recomputation() -> None:
    checked = {
        fid
        for fid, row in load_published().items()
        if row["use"] in ("reproduce", "bound") and row["domain"] not in PARAMETRISED_DOMAINS
    }
    assert checked == set(RECOMPUTED_BY_NAME)


def test_uses_are_known() -> None:
    assert {row["use"] for row in load_published().values()} <= {"reproduce", "bound", "context"}
