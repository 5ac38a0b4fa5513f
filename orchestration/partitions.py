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


def contiguous_ranges(partitions: dg.PartitionsDefinition, keys: set[str]) -> list[tuple[str, str]]:
    """Group ``keys`` into runs of consecutive partitions: [(first, last), ...]."""
    ordered = partitions.get_partition_keys()
    ranges: list[tuple[str, str]] = []
    start = prev = None
    for key in ordered:
        if key in keys:
            if start is None:
                start = key
            prev = key
        elif start is not None:
            ranges.append((start, prev))
            start = None
    if start is not None:
        ranges.append((start, prev))
    return ranges
