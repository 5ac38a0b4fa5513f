"""Sample budget disclosure workbooks (Circular 343/2016/TT-BTC style), one per report.

Files: ``budget/cong_khai_ngan_sach_{year}_{period}.xlsx``, one per report published by
the sample's last month (``LAST_MONTH``), 16 workbooks:

- 2021..2024: ``6T`` (cumulative execution January-June, published mid-year) and
  ``12T`` (estimated execution of the whole year, published the following January);
  plus ``9T`` of 2024 (January-September), the base the 2025 nine-month y/y ratio
  (B16) is taken against;
- from 2025 the quarterly disclosure Circular 343 also requires: ``3T``, ``6T``,
  ``9T``, ``12T`` of 2025 and ``3T``, ``6T``, ``9T`` of 2026 (the 2026 year report is
  not out before January 2027).

The estimates of a year (``Dự toán năm``) are the same in all its reports.

Sheets, by era (the district level ended on 2025-06-30, the 126 communes of the
two-level government started on 2025-07-01):

- reports whose period ends by 2025-06-30 (2021..2024, 3T and 6T of 2025):
  ``Toàn thành phố`` (the whole city, **tỷ đồng**, at most one decimal),
  ``Khối thành phố`` (what city-level agencies collect and spend, **triệu đồng**) and
  one sheet per district valid at the period end (30), titled with its short name
  (``Hoàn Kiếm``, ``Sơn Tây`` ...), in triệu đồng, ordered by GSO code.
  ``Toàn thành phố`` = (``Khối thành phố`` + the 30 districts) / 1000 on every line
  and amount column;
- reports after the reform (9T and 12T of 2025, every 2026 report): ``Toàn thành phố``,
  ``Khối thành phố`` (the city level, ngân sách cấp thành phố, the whole period) and
  one sheet ``Các xã, phường`` with the commune budgets (ngân sách cấp xã) of the 126
  communes valid at the period end, one column group per commune (below); a 2025
  report also has the sheet ``Cấp huyện (đến 30.6.2025)``: the 30 district budgets of
  January-June 2025 together (the district level's budgets were closed on 30 June and
  are published once, as a whole, not per district). Identity: ``Toàn thành phố`` =
  (``Khối thành phố`` + ``Cấp huyện`` + the 126 communes) / 1000 on every line and
  column. The commune budgets of 2025 start on 2025-07-01: their execution is
  July..period end, and their estimates are the part of the 2025 district estimates
  handed over to them (``Cấp huyện`` keeps the part the districts executed until June,
  estimate x their January-June share of the year's execution). First-half district
  detail of 2025 is therefore in the ``3T`` and ``6T`` 2025 reports, per district, as
  publishers issued them; the 9T/12T reports carry it only as the ``Cấp huyện`` whole.

Sheet layout (rows) of the single-unit sheets:

1. issuing body in A (``ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI`` or ``ỦY BAN NHÂN DÂN QUẬN
   HOÀN KIẾM``), form number ``Biểu số 93/CK-NSNN`` in H;
3. title (merged A:H): ``CÂN ĐỐI THU, CHI NGÂN SÁCH 6 THÁNG NĂM 2024`` (3T, 6T, 9T:
   ``3 THÁNG`` ...) or ``CÂN ĐỐI THU, CHI NGÂN SÁCH NĂM 2024`` (12T);
4. scope in brackets: ``(Toàn thành phố)``, ``(Khối thành phố)``, ``(Quận Hoàn Kiếm)``;
5. (reports other than the 2021..2024 6T/12T ones) the budget index the ``Mã số``
   codes follow: ``Mã số theo Mục lục ngân sách nhà nước ban hành kèm theo Thông tư số
   324/2016/TT-BTC`` (budget years to 2025) or ``... 130/2025/TT-BTC`` (from 2026);
6. unit line in H: ``Đơn vị: tỷ đồng`` or ``Đơn vị: triệu đồng``;
7-8. two-row header with merged cells:
   ``STT | Nội dung | Mã số | Dự toán năm [Cấp trên giao, HĐND giao] |
   Thực hiện 6 tháng`` (``Thực hiện 3 tháng`` / ``9 tháng``; 12T: ``Ước thực hiện
   năm``) ``| So sánh (%) [Dự toán cấp trên giao, Dự toán HĐND giao]``. "Cấp trên
   giao" is the estimate assigned by the higher level: the centre's statutory estimate
   (dự toán pháp lệnh) on the city sheets, the city's assignment on a district or
   commune. "HĐND giao" is the estimate approved by the unit's own council. Execution
   is cumulative (lũy kế) from January.
9. column numbering row ``A | B | C | 1 | 2 | 3 | 4=3/1 | 5=3/2`` (its ``A`` is not
   the outline code ``A``);
10+. one row per line (below), then a blank row and a ``Ghi chú:`` note row.

``Các xã, phường`` (wide, amounts only): rows 1-6 as above (title ``CÂN ĐỐI THU, CHI
NGÂN SÁCH CẤP XÃ ...``, unit line in C, triệu đồng); row 7 ``STT | Nội dung | Mã số``
then one group of three columns per commune headed by its full name in the group's
first column (``Phường Ba Đình``, ``Xã Sóc Sơn``; not merged: merging 126 ranges costs
more than the rest of the sheet), ordered by code; row 8 under each group ``Dự toán cấp
trên giao | Dự toán HĐND giao | Thực hiện 9 tháng`` (``Ước thực hiện năm``); lines from
row 9, the same lines as the other sheets, no % columns. 126 communes x 3 amounts is
one sheet of 42 x 381 cells: a sheet per commune would repeat the form's title, header
and % columns 126 times (about 3 x the cells, and openpyxl's time grows with cells), a
long table (commune, line) 2.5 x the cells.

Lines (column STT holds the outline code as text; parents and children share the
column; codes restart under each parent, so ``I``, ``1`` ... recur):

- ``A`` TỔNG THU NSNN TRÊN ĐỊA BÀN = I + II (from 2025: + III + IV)
  - ``I`` Thu nội địa: ``1`` central state-owned enterprises (``1.1`` VAT mục 1700,
    ``1.2`` corporate income tax mục 1050, ``1.3`` excise mục 1750), ``2`` local SOEs
    (``2.1``, ``2.2``), ``3`` FDI enterprises (``3.1``, ``3.2``), ``4`` non-state
    sector (``4.1``, ``4.2``), ``5`` personal income tax (1000), ``6`` registration
    fee (2800), ``7`` land-use fees (1400), ``8`` other revenue (4900);
  - ``II`` Thu từ hoạt động xuất nhập khẩu: ``1`` import VAT (1700), ``2`` import
    duty (1900), ``3`` export duty (1850);
  - from budget year 2025: ``III`` Thu từ dầu thô (crude oil) and ``IV`` Thu viện trợ
    và thu khác (aid and other revenue): the three published groups (domestic,
    import-export, crude oil) do not add up to the total, the remainder is its own
    line. Groups keep their numbers across the years (``A/II`` is import-export in
    every report), so a line path means one thing in every year.
- ``B`` TỔNG CHI NGÂN SÁCH ĐỊA PHƯƠNG = I + II + III + IV
  - ``I`` Chi đầu tư phát triển;
  - ``II`` Chi thường xuyên: ``1`` education (loại 070), ``2`` health (130),
    ``3`` science (100), ``4`` culture (160), ``5`` social security (370),
    ``6`` economic services (280), ``7`` general administration (``7.1`` salaries
    mục 6000, ``7.2`` allowances 6100, ``7.3`` contributions 6300, ``7.4`` other),
    ``8`` other recurrent;
  - ``III`` Chi trả nợ lãi; ``IV`` Dự phòng ngân sách.

``Mã số`` is text (``"070"`` keeps its zero): the mục (economic content) of revenue
and pay lines, the loại (function) of sector lines, blank on parents and on lines
without a single code. The codes of these lines are the same under Circular
324/2016/TT-BTC and Circular 130/2025/TT-BTC; what the new index removes is the
district chapters (chương 600-799), and from 2026 no report has a district (only the
row-5 note says which index applies). Parent rows carry the sum of their children, so
summing every row double-counts. Traps: district, ``Cấp huyện`` and commune columns
have ``-`` (not 0) on import-export, crude-oil and other revenue and on interest;
``Dự phòng ngân sách`` has a blank execution (reserves are spent through other lines);
some districts and communes leave the council estimate of ``8`` (other revenue) blank.
The ``%`` columns are values rounded to one decimal, not formulas, and are blank or
``-`` where a term is. City sheet amounts are exact tenths of a billion.

Published figures B1..B8 (``published_figures.csv``) and B9..B19
(``published_figures_2025.csv``: the 2025 year and nine-month revenue, its groups, rates
against the centre's estimate, the nine-month y/y ratio, local expenditure and its
groups; B13 and B19 are lower bounds) are calibrated in exactly and checked before
anything is written. ``scale`` is accepted for the common generator signature and
ignored: the number of budget reports is fixed. The 2021..2024 6T/12T reports are drawn
first, from the same stream as before the quarterly reports were added, so they do not
change; everything later draws from a second stream.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sources.sample.budget.reports import _check, _reports
from sources.sample.budget.workbook import _write_workbook

log = logging.getLogger(__name__)


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the budget disclosure workbooks under ``out_dir / "budget"``.

    Deterministic in ``seed`` (random stream 1); ``scale`` is ignored. Raises
    CalibrationError before writing anything if a published figure would be missed.
    Returns the written paths, sorted.
    """
    del scale  # the number of budget reports does not scale
    books = _reports(seed)
    _check(books)
    folder = Path(out_dir) / "budget"
    paths = [
        _write_workbook(folder / f"cong_khai_ngan_sach_{year}_{period}.xlsx", report)
        for (year, period), report in books.items()
    ]
    log.info("wrote %d budget workbooks to %s", len(paths), folder)
    return sorted(paths)
