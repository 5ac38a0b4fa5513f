"""The report files' layout: which plan years use which columns, and the city's own label."""

from __future__ import annotations

from sources.sample import FIRST_MONTH, LAST_MONTH

SOURCE = "disbursement"
# The publisher's layout changed with the reports of this year: a plan-year column, and
# January reports that carry the previous plan year's extension month.
LAYOUT_YEAR = 2025
LEGACY_YEARS = tuple(range(FIRST_MONTH[0], LAYOUT_YEAR))  # plan years of the older layout
LATER_YEARS = tuple(range(LAYOUT_YEAR, LAST_MONTH[0] + 1))

LEGACY_COLUMNS = (
    "Mã dự án",
    "Tên dự án",
    "Chủ đầu tư",
    "Nguồn vốn",
    "Đơn vị",
    "Ngày số liệu",
    "Kế hoạch vốn TTg giao (triệu đồng)",
    "Kế hoạch vốn TP giao (triệu đồng)",
    "Giải ngân trong kỳ (triệu đồng)",
    "Lũy kế giải ngân từ đầu năm (triệu đồng)",
)
PLAN_YEAR_COLUMN = "Năm kế hoạch"
COLUMNS = (*LEGACY_COLUMNS[:6], PLAN_YEAR_COLUMN, *LEGACY_COLUMNS[6:])
CITY_UNIT = "Thành phố"
