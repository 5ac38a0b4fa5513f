"""One monthly report as the finance department's CSV export (vi-VN numbers, ``;``, BOM)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sources.sample import FIRST_MONTH, LAST_MONTH
from sources.sample.disbursement.layout import COLUMNS, LAYOUT_YEAR, LEGACY_COLUMNS
from sources.sample.disbursement.plans import _Year


def _vi_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _vi_tenths(tenths: int) -> str:
    whole, decimal = divmod(int(tenths), 10)
    return f"{_vi_int(whole)},{decimal}"


def _rows(y: _Year, t: int, with_plan_year: bool) -> list[list[str]]:
    """The rows of plan year ``y`` in its report ``t``, ordered by unit and code."""
    day = y.dates[t]
    units = [p.unit_at(day) for p in y.projects]
    order = sorted(range(len(y.projects)), key=lambda i: (units[i].order, y.projects[i].code))
    rows = []
    for i in order:
        p, unit = y.projects[i], units[i]
        cumulative = int(y.cumulative[i, t])
        in_period = cumulative - (int(y.cumulative[i, t - 1]) if t > 0 else 0)
        plan_year = [str(y.year)] if with_plan_year else []
        rows.append(
            [
                p.code,
                p.name,
                unit.investor,
                unit.funding,
                unit.label,
                day.strftime("%d/%m/%Y"),
                *plan_year,
                _vi_int(int(y.plan_ttg[i])),
                _vi_int(int(y.plan_tp[i])),
                _vi_tenths(in_period),
                _vi_tenths(cumulative),
            ]
        )
    return rows


def _write_report(path: Path, parts: list[tuple[_Year, int]], month: tuple[int, int]) -> Path:
    """One monthly report: the rows of every plan year open in ``month``."""
    current = month[0] >= LAYOUT_YEAR
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS if current else LEGACY_COLUMNS)
    for y, t in sorted(parts, key=lambda part: part[0].year):
        writer.writerows(_rows(y, t, current))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a new file: a loaded one is its archive entry's inode
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def _report_months() -> list[tuple[int, int]]:
    months, (year, month) = [], FIRST_MONTH
    while (year, month) <= LAST_MONTH:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
