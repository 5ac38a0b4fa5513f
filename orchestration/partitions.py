"""Partition definitions by kind; a source spec names its kind ("year" or "month")."""

from __future__ import annotations

import dagster as dg

TIMEZONE = "Asia/Ho_Chi_Minh"
FIRST_YEAR = 2015

MONTHLY = dg.MonthlyPartitionsDefinition(
    start_date=f"{FIRST_YEAR}-01", fmt="%Y-%m", timezone=TIMEZONE, end_offset=1
)
YEARLY = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start=str(FIRST_YEAR), fmt="%Y", timezone=TIMEZONE, end_offset=1
)
BY_KIND: dict[str, dg.PartitionsDefinition] = {"month": MONTHLY, "year": YEARLY}
