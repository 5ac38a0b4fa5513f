"""Sample monthly public-investment disbursement reports (giải ngân vốn đầu tư công), by project.

Format (as the city's finance department exports it from Excel): one file per monthly
report, ``disbursement/giai_ngan_YYYY-MM.csv``, FIRST_MONTH .. LAST_MONTH of
:mod:`sources.sample` (2021-01 .. 2026-11, 71 files).

- UTF-8 with a byte-order mark, ``;`` delimiter, CRLF line ends, one header row;
- numbers in vi-VN style: ``.`` groups thousands, ``,`` is the decimal mark; plans are
  whole ``triệu đồng`` (``1.234.567``), disbursed amounts have one decimal
  (``1.234.567,8``); 1 bn VND (tỷ đồng) = 1.000 triệu đồng;
- dates ``dd/mm/yyyy``.

Columns, in order:

``Mã dự án``
    7-digit project code, stable across years (multi-year projects reappear).
``Tên dự án``
    project name (fixed by the investment decision: a project begun before the 2025
    reform keeps the district and ward names it was approved with).
``Chủ đầu tư``
    investor: a city project-management board, a department, a district board or a
    commune's people's committee before 2025-07-01; a city board or department, or a
    commune-level unit's people's committee (``Ủy ban nhân dân phường Ba Đình``,
    ``UBND xã Ba Vì``) or its project board from 2025-07-01.
``Nguồn vốn``
    funding source: ``Ngân sách thành phố``, ``Ngân sách trung ương hỗ trợ có mục tiêu``,
    ``Vốn ODA``, ``Ngân sách quận, huyện`` (to 2025-06-30), ``Ngân sách cấp xã`` (from
    2025-07-01), ``Ngân sách thành phố hỗ trợ có mục tiêu``,
    ``Chương trình mục tiêu quốc gia``.
``Đơn vị``
    unit the project's investor belongs to: ``Thành phố`` for city-level investors;
    before 2025-07-01 the district, written as its clerk writes it (``Hoàn Kiếm``,
    ``Q. Hoàn Kiếm``, ``Quận Hoàn Kiếm``, ``H. Ba Vì``, ``TX. Sơn Tây`` ...); from
    2025-07-01, when Hanoi has no districts, the commune-level unit (``Phường Ba Đình``,
    ``P. Ba Đình``, ``Ba Đình``, ``Xã Ba Vì``, ``X. Ba Vì``). At the reform the district
    projects went to the commune-level unit their site went to (through the old → new
    crosswalk), a few to city boards.
``Ngày số liệu``
    as-of date of the report: the month's last day, except the November 2023 report,
    cut on 15/11/2023, and the October 2025 report, cut on 20/10/2025 (the cut of the
    published figures D4..D6 and D9..D11).
``Năm kế hoạch``
    plan year of the row (only in reports from 2025-01, the current layout). Capital of
    a plan year may be disbursed until 31 January of the next year, so a January report
    holds two plan years: the previous one in its last (extension) month and the new
    one. A project financed in both appears once per plan year. In the older layout
    (2021-01 .. 2024-12) the column is absent and the plan year is the as-of date's year.
``Kế hoạch vốn TTg giao (triệu đồng)``
    the project's capital plan for the plan year within the plan assigned by the Prime
    Minister; 0 for projects financed from the city's own extra capital.
``Kế hoạch vốn TP giao (triệu đồng)``
    the project's plan as assigned by the city (>= the TTg plan).
``Giải ngân trong kỳ (triệu đồng)``
    disbursed since the previous report of the same plan year (January: since
    1 January), so December 2023 covers 16/11 .. 31/12 and the extension month
    (January of the next year) covers 1/1 .. 31/1.
``Lũy kế giải ngân từ đầu năm (triệu đồng)``
    cumulative disbursed since the start of the plan year (1 January; through the
    extension month for the previous plan year); never decreases within a plan year and
    may exceed the TTg plan.

Every monthly file restates each project of each open plan year: its plans and its
cumulative figure. Rate = cumulative / plan of the same plan year, on either plan. City
totals (sum over all projects) are calibrated in exactly: D1 (2024 TTg plan 81.033 bn),
D2/D3 (cumulative 17.180 bn at 30/06/2024 and 32.490 bn at 31/10/2024), D4..D6 (30.130 bn
at 15/11/2023 against TTg plan 46.937 bn and city plan 53.091 bn), D7/D8 (2025 plans
87.693,46 bn TTg and 107.134,7 bn city) and D9..D11 (44.428 bn at 20/10/2025). Other
months follow S-shaped curves with a December rush, year-end rates of 86-94 % of the TTg
plan at 31/12 and 2-5 % more in the January extension (modelled from the 2024 plan year
on, the first whose extension month falls in the current layout). Plans do not change
within a plan year.

Random streams: the 2021-2024 plan years are drawn as before the 2025 layout, from the
domain's stream; everything from the 2024 extension month on (the 2025 and 2026 plan
years, new projects, the transfer of district projects at the reform) from a second
stream of the domain, so adding later months never changes earlier files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from sources.loading.admin_units import build_admin_units
from sources.sample import CalibrationError
from sources.sample.disbursement.layout import LATER_YEARS, LEGACY_YEARS, SOURCE
from sources.sample.disbursement.plans import (
    LATER_TTG_BN,
    LEGACY_TTG_BN,
    _check,
    _extend,
    _month,
    _plan_year,
    _written,
    _Year,
)
from sources.sample.disbursement.projects import _assign_after_reform, _later_projects, _projects
from sources.sample.disbursement.writing import _report_months, _write_report

log = logging.getLogger(__name__)

STREAM = 2
LATER_STREAM = 2025  # sub-stream of STREAM for the current layout (see the docstring)


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the monthly disbursement reports (FIRST_MONTH..LAST_MONTH) under
    ``out_dir/disbursement``.

    ``scale`` multiplies the number of projects (about 130-200 a plan year at 1.0); the
    calibrated city totals do not depend on it. Returns the written paths, sorted.
    """
    units = build_admin_units().to_pylist()
    rng = np.random.default_rng([seed, STREAM])
    projects = _projects(rng, scale, units)
    years = {year: _plan_year(rng, year, projects, LEGACY_TTG_BN) for year in LEGACY_YEARS}
    later = np.random.default_rng([seed, STREAM, LATER_STREAM])
    projects += _later_projects(later, scale, projects, units)
    _assign_after_reform(later, projects, units)
    for year in LEGACY_YEARS:
        _extend(later, years[year])
    for year in LATER_YEARS:
        years[year] = _plan_year(later, year, projects, LATER_TTG_BN)
        _extend(later, years[year])
    _check(years)
    parts: dict[tuple[int, int], list[tuple[_Year, int]]] = {}
    for y in years.values():
        for t in _written(y):
            parts.setdefault(_month(y.dates[t]), []).append((y, t))
    months = _report_months()
    if sorted(parts) != months:
        raise CalibrationError("a report month of the sample's range has no plan year open")
    folder = out_dir / SOURCE
    paths = [
        _write_report(folder / f"giai_ngan_{y}-{m:02d}.csv", parts[(y, m)], (y, m))
        for y, m in months
    ]
    log.info("wrote %d disbursement reports to %s", len(paths), folder)
    return sorted(paths)
