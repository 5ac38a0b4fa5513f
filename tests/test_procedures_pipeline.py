"""Dossiers through the real pipeline (CLI, loads, dbt, publish): a month whose export is
missing is flagged incomplete, never shown as zeros; a re-extraction with updated
statuses changes backlog and late counts while the number of dossiers stays."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from pathlib import Path

import duckdb
import pytest

from sources.sample.procedures import layout as sample
from tests.conftest import EGOV, REPO, egov_env

pytestmark = pytest.mark.slow

MISSING = "2025-10"  # the month whose export never arrives (after the reform)
PREVIOUS = "2025-09"
RE_EXTRACTED_AT = dt.datetime(2026, 12, 10, 8, 0)  # after every export of the sample
OPEN = ("DA_TIEP_NHAN", "DANG_XU_LY", "YEU_CAU_BO_SUNG")


def published(data: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """The whole sample placed in landing/, the export of MISSING taken out, then run.
    (A month after the reform: the district scorecard, a mart of districts, would show
    an incomplete year of a district as zero dossiers.)"""
    data = tmp_path_factory.mktemp("procedures_pipeline")
    env = egov_env(data)
    placed = subprocess.run(
        [EGOV, "sample", "--out", str(data / "landing")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert placed.returncode == 0, placed.stderr[-3000:]
    (data / "landing" / "procedures" / f"ho_so_{MISSING}.csv").unlink()
    run = subprocess.run(
        [EGOV, "run"], cwd=REPO, env=env, capture_output=True, text=True, timeout=1800
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return data


def test_a_month_without_its_export_is_flagged_incomplete_not_zero(data) -> None:
    with published(data) as con:
        commune = con.execute(
            "select min(admin_unit_id) from marts.dim_admin_units "
            "where admin_level = 'commune' and valid_from = date '2025-07-01'"
        ).fetchall()[0][0]
        units = con.execute(
            "select count(*) + 1 from marts.dim_admin_units "
            "where admin_level = 'commune' and valid_from = date '2025-07-01'"
        ).fetchall()[0][0]  # the 126 communes and the city departments' desks
        coverage = con.execute(
            "select period_id, count(*), count(*) filter (where is_missing) "
            "from marts.fct_procedure_coverages where period_id in (?, ?) "
            "group by period_id order by period_id",
            [PREVIOUS, MISSING],
        ).fetchall()
        rows = {
            r[0]: r[1:]
            for r in con.execute(
                """
                select admin_unit_id || '|' || period_id, is_complete, missing_unit_count,
                    received_count, backlog_end_count, on_time_rate_pct
                from marts.fct_procedure_throughputs
                where period_id in (?, ?, '2025-Q4', '2025-H2', '2025')
                    and admin_unit_id in ('01', ?)
                """,
                [PREVIOUS, MISSING, commune],
            ).fetchall()
        }
        later_updates = con.execute(
            "select count(*) from marts.fct_dossiers where period_id = ?", [MISSING]
        ).fetchall()[0][0]
        shown = con.execute(
            "select count(*) from marts.fct_procedure_throughputs "
            "where period_id = ? and (received_count is not null or is_complete)",
            [MISSING],
        ).fetchall()[0][0]
    # Every expected unit is missing for the month, none the month before.
    assert coverage == [(PREVIOUS, units, 0), (MISSING, units, units)]
    complete, missing, received, *_ = rows[f"01|{PREVIOUS}"]
    assert (complete, missing) == (True, 0) and received > 1_000
    for key in (f"01|{MISSING}", "01|2025-Q4", "01|2025-H2", "01|2025"):
        assert rows[key] == (False, units, None, None, None), key
    for key in (f"{commune}|{MISSING}", f"{commune}|2025-Q4"):
        assert rows[key] == (False, 1, None, None, None), key
    assert rows[f"{commune}|{PREVIOUS}"][:2] == (True, 0)
    # Some dossiers of the month did arrive, as later states in the next month's export:
    # they are in fct_dossiers, but the month is not published as a small number either.
    assert later_updates > 0
    assert shown == 0


def test_restated_series_flags_the_missing_month_not_zero(data) -> None:
    """On today's boundaries too, the month without its export is incomplete for every
    commune and the city desks (null measures); the month before stays complete."""
    with published(data) as con:
        rows = con.execute(
            """
            select period_id, count(*), count(*) filter (where is_complete),
                count(received_count), count(on_time_rate_pct),
                count(*) filter (where missing_unit_count > 0)
            from marts.fct_procedure_throughputs_restated
            where period_id in (?, ?, '2025-Q4')
            group by period_id order by period_id
            """,
            [PREVIOUS, MISSING],
        ).fetchall()
        units = con.execute(
            "select count(*) + 1 from marts.dim_admin_units "
            "where admin_level = 'commune' and is_current"
        ).fetchall()[0][0]  # today's communes and the city desks
    assert rows == [
        (PREVIOUS, units, units, units, units, 0),
        (MISSING, units, 0, 0, 0, units),
        ("2025-Q4", units, 0, 0, 0, units),
    ]


def test_commune_scorecard_leaves_an_incomplete_half_unranked(data) -> None:
    """The half containing the missing month has no throughput for any commune: null
    measures, no rank, nobody ranked; the communes' budget, which has data, is ranked."""
    with published(data) as con:
        half = con.execute(
            "select count(*), count(*) filter (where throughput_is_complete), "
            "count(on_time_rate_pct), count(on_time_rate_rank), "
            "max(on_time_rate_ranked_count), count(revenue_execution_rate_rank), "
            "max(revenue_execution_rate_ranked_count) "
            "from marts.fct_commune_scorecards where period_id = '2025-H2'"
        ).fetchall()[0]
        communes = con.execute(
            "select count(*) from marts.dim_admin_units "
            "where admin_level = 'commune' and is_current"
        ).fetchall()[0][0]
    rows, complete, rates, ranks, ranked, budget_ranks, budget_ranked = half
    assert (rows, complete, rates, ranks, ranked) == (communes, 0, 0, 0, 0)
    assert budget_ranked > 0 and budget_ranks == budget_ranked


def latest_states(folder: Path, month: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and the latest row of every dossier received in ``month``, across files."""
    latest: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for path in sorted(folder.glob("ho_so_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            for row in reader:
                if row["ngay_tiep_nhan"][3:10] != f"{month[5:]}/{month[:4]}":
                    continue
                at = dt.datetime.strptime(row["thoi_diem_trich_xuat"], sample.TIMESTAMP_FORMAT)
                known = latest.get(row["ma_ho_so"])
                if known is None or at > known["_at"]:
                    latest[row["ma_ho_so"]] = {**row, "_at": at}
    return header, [{k: v for k, v in r.items() if k != "_at"} for r in latest.values()]


def test_a_re_extraction_changes_backlog_and_late_counts_not_the_dossier_count(
    data, tmp_path
) -> None:
    last = sample.MONTHS[-1]
    with published(data) as con:
        # The receipt month with most dossiers still in progress and late at the last month
        # end; finishing them on its last day is late unless due that very day.
        month, late_open, late_finished = con.execute(
            """
            select period_id, count(*),
                count(*) filter (
                    where extended_due_date < last_day(?::date) or supplement_requests > 1
                )
            from marts.fct_dossiers
            where is_in_progress
                and (extended_due_date <= last_day(?::date) or supplement_requests > 1)
            group by period_id order by count(*) desc, period_id limit 1
            """,
            [f"{last}-01", f"{last}-01"],
        ).fetchall()[0]
        before = con.execute(
            "select backlog_end_count, in_progress_late_count, finished_late_count, "
            "finished_count from marts.fct_procedure_throughputs "
            "where admin_unit_id = '01' and period_id = ?",
            [last],
        ).fetchall()[0]
        received_before = con.execute(
            "select received_count from marts.fct_procedure_throughputs "
            "where admin_unit_id = '01' and period_id = ?",
            [month],
        ).fetchall()[0][0]
        dossiers_before = con.execute("select count(*) from marts.fct_dossiers").fetchall()
    assert late_open > 0, "the sample holds dossiers still open and late at its last month end"

    # The case system re-extracts the month: every dossier still open was finished on the
    # last day of the last month; the others are as they were.
    header, rows = latest_states(data / "landing" / "procedures", month)
    year, mo = map(int, last.split("-"))
    month_end = dt.datetime(year + mo // 12, mo % 12 + 1, 1) - dt.timedelta(minutes=1)
    finished = 0
    for row in rows:
        if row["trang_thai"] in OPEN:
            received = dt.datetime.strptime(row["ngay_tiep_nhan"], sample.TIMESTAMP_FORMAT)
            on = max(received + dt.timedelta(minutes=1), month_end - dt.timedelta(hours=7))
            row["trang_thai"] = "DA_HOAN_THANH"
            row["ngay_hoan_thanh"] = on.strftime(sample.TIMESTAMP_FORMAT)
            finished += 1
        row["thoi_diem_trich_xuat"] = RE_EXTRACTED_AT.strftime(sample.TIMESTAMP_FORMAT)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / f"ho_so_{month}_{RE_EXTRACTED_AT:%Y%m%dT%H%M}.csv"
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    env = egov_env(data)
    ingest = subprocess.run(
        [EGOV, "ingest", "procedures", str(path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert ingest.returncode == 0, ingest.stdout[-3000:] + ingest.stderr[-3000:]
    run = subprocess.run(
        [EGOV, "run"], cwd=REPO, env=env, capture_output=True, text=True, timeout=1800
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    with published(data) as con:
        after = con.execute(
            "select backlog_end_count, in_progress_late_count, finished_late_count, "
            "finished_count from marts.fct_procedure_throughputs "
            "where admin_unit_id = '01' and period_id = ?",
            [last],
        ).fetchall()[0]
        received_after = con.execute(
            "select received_count from marts.fct_procedure_throughputs "
            "where admin_unit_id = '01' and period_id = ?",
            [month],
        ).fetchall()[0][0]
        assert con.execute("select count(*) from marts.fct_dossiers").fetchall() == (
            dossiers_before
        )
        as_of = con.execute(
            "select distinct status_as_of_at from marts.fct_dossiers where period_id = ?",
            [month],
        ).fetchall()
    with duckdb.connect(str(data / "warehouse" / "build.duckdb"), read_only=True) as con:
        superseded = con.execute(
            "select count(*) from raw.procedures__history where receipt_month = ? "
            "and _superseded_by_load_id = (select max_by(load_id, started_at) "
            "from audit.load_manifest where source = 'procedures')",
            [month],
        ).fetchall()[0][0]
    assert finished > 0
    assert received_after == received_before  # the same dossiers, in a newer state
    assert after[0] == before[0] - finished  # backlog at the last month end
    assert after[1] == before[1] - late_open  # late and still in progress
    assert after[2] == before[2] + late_finished and after[3] == before[3] + finished
    assert as_of == [(RE_EXTRACTED_AT,)]  # status as of the extraction, not the month end
    assert superseded == len(rows)
