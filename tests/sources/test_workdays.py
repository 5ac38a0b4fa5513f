"""The working-day calendar: one source (the pinned `holidays` package) for the dbt seeds,
the dbt calendar model and the Python calendar; a year beyond it fails loudly."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import holidays
import numpy as np
import pyarrow as pa
import pytest

from sources.loading import workdays
from sources.loading.admin_units import build_admin_units, build_crosswalk
from sources.loading.ingest import METADATA_SCHEMA
from sources.readers.procedures import SCHEMA as PROCEDURES_SCHEMA
from tests.published import REPO

SEEDS = REPO / "dbt_project" / "seeds" / "procedures"
DBT = str(Path(sys.executable).with_name("dbt"))


def test_seeds_equal_the_package_output() -> None:
    """The committed seeds are what `python -m sources.loading.workdays --write` writes today."""
    for name, text in workdays.seed_files().items():
        assert (SEEDS / name).read_text(encoding="utf-8") == text, (
            f"{name} differs from holidays {holidays.__version__}: run "
            "`.venv/bin/python -m sources.loading.workdays --write dbt_project/seeds/procedures`"
        )


def test_make_up_saturdays_are_working_days_and_their_swapped_days_are_off() -> None:
    cal = workdays.work_calendar()
    made_up = workdays.make_up_working_days()
    assert made_up, "holidays knows no make-up working day"
    # e.g. 2025: Friday 2 May off, worked on Saturday 26 April instead
    for m in made_up:
        assert m.day.weekday() >= 5 and cal.is_working_day(m.day)
        if m.replaces is not None and m.replaces.year >= workdays.FIRST_YEAR:
            assert m.replaces.weekday() < 5 and not cal.is_working_day(m.replaces)
    days = {d.day for d in workdays.official_days_off()}
    assert all(d.weekday() < 5 for d in days)
    vn = holidays.country_holidays("VN", years=range(workdays.FIRST_YEAR, workdays.LAST_YEAR + 1))
    assert days == {d for d in vn if d.weekday() < 5}


def test_python_calendar_equals_numpy_view_and_counts_make_up_saturdays() -> None:
    cal = workdays.work_calendar()
    days = np.arange(np.datetime64("2015-03-01"), np.datetime64("2027-10-01"))
    n = np.random.default_rng(8).integers(0, 40, days.size)
    busdays = cal.busdaycalendar
    assert (cal.is_working_day(days) == np.is_busday(days, busdaycal=busdays)).all()
    assert (
        cal.offset(days, n) == np.busday_offset(days, n, roll="forward", busdaycal=busdays)
    ).all()
    begin, end = days[:-30], days[30:]
    assert (cal.count(begin, end) == np.busday_count(begin, end, busdaycal=busdays)).all()
    # Thursday 2025-04-24 + 2 working days: Friday 25, Saturday 26 (a make-up day)
    assert cal.offset(np.datetime64("2025-04-24"), 2) == np.datetime64("2025-04-26")


def test_a_day_beyond_the_calendar_raises_naming_the_year() -> None:
    cal = workdays.work_calendar()
    beyond = workdays.LAST_YEAR + 1
    with pytest.raises(workdays.CalendarYearMissing, match=f"no year {beyond}"):
        cal.is_working_day(np.datetime64(f"{beyond}-01-04"))
    with pytest.raises(workdays.CalendarYearMissing, match=f"no year {beyond}"):
        cal.offset(np.datetime64(f"{workdays.LAST_YEAR}-12-28"), 10)
    with pytest.raises(workdays.CalendarYearMissing, match=f"no year {workdays.FIRST_YEAR - 1}"):
        cal.count(np.datetime64(f"{workdays.FIRST_YEAR - 1}-12-01"), np.datetime64("2020-01-01"))


def test_the_sample_generator_uses_the_same_calendar() -> None:
    from sources.sample.procedures import clock as procedures

    cal = workdays.work_calendar()
    days = np.arange(np.datetime64("2021-01-01"), np.datetime64("2027-01-01"))
    assert (np.is_busday(days, busdaycal=procedures.CALENDAR) == cal.is_working_day(days)).all()


# --- dbt: the calendar model and the loud failure, on a small DuckDB -------------------


def _dossier(dossier_id: str, received: str, due: str, wait: int = 0) -> dict:
    return {
        "receipt_month": received[:7],
        "dossier_id": dossier_id,
        "procedure_code": "1.004227",
        "desk_level": "city",
        "admin_unit_id": "01",
        "channel": 1,
        "received_at": dt.datetime.fromisoformat(f"{received} 09:00:00"),
        "due_at": dt.datetime.fromisoformat(f"{due} 17:00:00"),
        "status": "DANG_XU_LY",
        "supplement_requests": 0,
        "supplement_wait_days": wait,
        "extracted_at": dt.datetime(2026, 12, 1, 8, 0),
        "first_export_month": received[:7],
    }


@pytest.fixture(scope="module")
def dbt_calendar_build(tmp_path_factory) -> dict:
    """Seeds, the calendar model and the dossier-date test built by dbt on a DuckDB holding
    three dossiers, one of them received in a year the calendar does not cover."""
    work = tmp_path_factory.mktemp("dbt_calendar")
    db = work / "calendar.duckdb"
    beyond = workdays.LAST_YEAR + 4
    schema = pa.schema(list(PROCEDURES_SCHEMA) + list(METADATA_SCHEMA))
    rows = [
        _dossier("in_range", "2025-04-24", "2025-04-28"),
        _dossier("beyond", f"{beyond}-03-02", f"{beyond}-03-16"),
        _dossier("in_range_2", "2026-11-27", "2027-01-08", wait=2),
    ]
    dossiers = pa.Table.from_pylist(
        [{name: r.get(name) for name in schema.names} for r in rows], schema=schema
    )
    with duckdb.connect(str(db)) as con:
        con.execute("create schema ref; create schema raw")
        con.register("units", build_admin_units())
        con.register("crosswalk", build_crosswalk())
        con.register("dossiers", dossiers)
        con.execute("create table ref.admin_units as select * from units")
        con.execute("create table ref.admin_unit_crosswalk as select * from crosswalk")
        con.execute("create table raw.procedures as select * from dossiers")
    target = work / "target"
    env = {
        **os.environ,
        "EGOV_BUILD_DB": str(db),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    select = (
        "ref_vietnam_official_days_off ref_vietnam_make_up_working_days "
        "ref_vietnam_calendar_years int_calendar_days_numbered stg_procedures__dossiers "
        "stg_reference__admin_units assert_dossier_dates_within_working_day_calendar"
    )
    project = REPO / "dbt_project"
    proc = subprocess.run(
        [
            DBT, "build", "--project-dir", str(project), "--profiles-dir", str(project),
            "--target-path", str(target), "--log-path", str(work / "logs"),
            "--indirect-selection", "cautious", "--select", *select.split(),
        ],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    compiled = next((target / "compiled").rglob("int_calendar_days_numbered.sql"))
    return {
        "proc": proc,
        "db": db,
        "beyond": beyond,
        "status": {r["unique_id"].split(".")[-1]: r["status"] for r in results["results"]},
        "calendar_sql": compiled.read_text(encoding="utf-8"),
    }


def test_dossier_date_in_a_missing_year_fails_the_build_naming_the_year(dbt_calendar_build):
    build = dbt_calendar_build
    assert build["proc"].returncode != 0, build["proc"].stdout[-3000:]
    assert build["status"]["assert_dossier_dates_within_working_day_calendar"] == "fail"
    with duckdb.connect(str(build["db"]), read_only=True) as con:
        failures = con.execute(
            "select missing_calendar_year, problem "
            "from test_failures.assert_dossier_dates_within_working_day_calendar"
        ).fetchall()
    years = {year for year, _ in failures}
    assert years == {build["beyond"]}, failures
    assert all(f"has no year {build['beyond']}" in problem for _, problem in failures)
    # every model, seed and data test of the selection passed: only the missing year failed
    others = {k: v for k, v in build["status"].items() if "working_day_calendar" not in k}
    assert others and set(others.values()) <= {"success", "pass"}, others


def test_dbt_calendar_equals_the_python_calendar(dbt_calendar_build) -> None:
    with duckdb.connect(str(dbt_calendar_build["db"]), read_only=True) as con:
        rows = con.execute(
            f"select calendar_date, is_working_day, working_days_before "
            f"from ({dbt_calendar_build['calendar_sql']}) order by calendar_date"
        ).fetchall()
    cal = workdays.work_calendar()
    dates = np.array([r[0] for r in rows], dtype="datetime64[D]")
    assert dates[0] == np.datetime64(f"{workdays.FIRST_YEAR}-01-01")
    assert dates[-1] == np.datetime64(f"{workdays.LAST_YEAR}-12-31")
    working = np.array([r[1] for r in rows])
    assert (working == cal.is_working_day(dates)).all()
    assert dict((r[0], r[1]) for r in rows)[dt.date(2025, 4, 26)] is True  # a Saturday
    before = np.array([r[2] for r in rows])
    assert (before == cal.count(np.datetime64(f"{workdays.FIRST_YEAR}-01-01"), dates)).all()
