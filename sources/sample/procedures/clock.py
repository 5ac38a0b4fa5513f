"""Working days and office hours of the desks: the dossiers' timestamps are drawn on them."""

from __future__ import annotations

import numpy as np

from sources.loading.admin_units import REFORM_DATE
from sources.loading.workdays import work_calendar

REFORM_DAY = np.datetime64(REFORM_DATE, "D")

# Vietnam's working days: one calendar for the sample and the warehouse
# (sources/loading/workdays.py, from the pinned `holidays` package, as the dbt seeds
# ref_vietnam_official_days_off / ref_vietnam_make_up_working_days). HOLIDAYS are the
# weekdays off. CALENDAR is numpy's view of it: Saturdays are in its weekmask and every
# Saturday that is not a make-up working day (2024-05-04, 2025-04-26, 2026-08-22 ...)
# is among its holidays, so np.busday_* count the make-up Saturdays; it is exact within
# WORK_CALENDAR's years only (WORK_CALENDAR.check raises naming a year beyond them).
WORK_CALENDAR = work_calendar()
HOLIDAYS = WORK_CALENDAR.days_off
CALENDAR = WORK_CALENDAR.busdaycalendar

_OFFICE_START = 8 * 3600
_AFTERNOON_START = 13 * 3600
_DUE_HOUR = 17 * 3600
_AFTER_HOURS_CUTOFF = 15 * 3600


def _office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Times of day in office hours: 08:00-11:30 (62%) or 13:00-16:45."""
    morning = rng.random(n) < 0.62
    return np.where(
        morning,
        _OFFICE_START + rng.integers(0, 210 * 60, n),
        _AFTERNOON_START + rng.integers(0, 225 * 60, n),
    )


def _at(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def _offset(days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    return np.busday_offset(days, n, roll="forward", busdaycal=CALENDAR)


def _workdays(first: np.datetime64, last: np.datetime64) -> np.ndarray:
    """Working days from ``first`` to ``last`` inclusive."""
    days = np.arange(first, last + np.timedelta64(1, "D"))
    return days[np.is_busday(days, busdaycal=CALENDAR)]
