"""Vietnam's working-day calendar: Monday to Friday except the official days off, plus
the make-up working Saturdays the government names when it moves a day off.

One source of truth: the PyPI package ``holidays`` (MIT, pinned in uv.lock), whose
``VN`` calendar holds the public holidays of the Labour Code 2019 (art. 112) with their
observed days, the days off the government swapped with a Saturday (``Day off
(substituted from 04/26/2025)``) and those Saturdays themselves
(``weekend_workdays``: 2024-05-04, 2025-04-26, 2026-08-22 ...). Everything else derives
from it:

- the dbt seeds ``ref_vietnam_official_days_off``, ``ref_vietnam_make_up_working_days``
  and ``ref_vietnam_calendar_years`` (``python -m sources.loading.workdays --write
  dbt_project/seeds/procedures`` rewrites them; a test proves they equal the package's
  output), which ``int_calendar_days_numbered`` turns into numbered working days;
- :class:`WorkCalendar`, the same calendar for Python (the sample generator's
  deadlines), with numpy-style ``offset``/``count``/``is_working_day`` that raise
  :class:`CalendarYearMissing` naming the year for a day beyond the calendar.

Years covered: ``FIRST_YEAR`` .. ``LAST_YEAR``. The days off of a year are announced by
the government late in the year before; ``LAST_ANNOUNCED_YEAR`` is the last year whose
swaps the pinned package knows. Later years (``LAST_YEAR``) hold the statutory days off
only and are marked provisional: dossiers received in late 2026 fall due in January
2027. Upgrade ``holidays`` and rewrite the seeds when a year's days off are announced.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import holidays
import numpy as np

FIRST_YEAR = 2015
LAST_ANNOUNCED_YEAR = 2026
LAST_YEAR = 2027
HOLIDAYS_VERSION = holidays.__version__

DAYS_OFF_SEED = "ref_vietnam_official_days_off.csv"
MAKE_UP_SEED = "ref_vietnam_make_up_working_days.csv"
YEARS_SEED = "ref_vietnam_calendar_years.csv"
_SUBSTITUTED_FORMAT = "%m/%d/%Y"  # how the en_US labels of swapped days off write dates


class CalendarYearMissing(ValueError):
    """A day falls in a year the working-day calendar does not cover."""

    def __init__(self, year: int, first: int, last: int) -> None:
        super().__init__(
            f"the working-day calendar has no year {year} (it covers {first}..{last}): "
            f"add {year}'s official days off and make-up working days (sources/loading/workdays.py)"
        )
        self.year = year


@dataclass(frozen=True)
class DayOff:
    """A weekday that is an official day off."""

    day: dt.date
    reason: str


@dataclass(frozen=True)
class MakeUpDay:
    """A Saturday worked in exchange for a weekday off."""

    day: dt.date
    replaces: dt.date | None
    reason: str


@functools.cache
def _vietnam(years: tuple[int, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=years, language="en_US")


def _years(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


def official_days_off(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> list[DayOff]:
    """Weekdays off in ``first..last``: holidays, their observed days and swapped days."""
    vn = _vietnam(_years(first, last))
    return [
        DayOff(day, name)
        for day, name in sorted(vn.items())
        if first <= day.year <= last and day.weekday() < 5
    ]


def make_up_working_days(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> list[MakeUpDay]:
    """Saturdays (or Sundays) worked in ``first..last`` because a weekday was given off."""
    vn = _vietnam(_years(first - 1, last + 1))  # a swap may cross the new year
    out = []
    for day in sorted(vn.weekend_workdays):
        if not first <= day.year <= last:
            continue
        label = day.strftime(_SUBSTITUTED_FORMAT)
        replaces = next((d for d, name in sorted(vn.items()) if label in name), None)
        reason = f"make-up working day for the day off on {replaces}" if replaces else "working day"
        out.append(MakeUpDay(day, replaces, reason))
    return out


def calendar_years(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> list[dict]:
    """One row per covered year: provisional when its swaps were not yet announced."""
    return [
        {
            "calendar_year": year,
            "is_provisional": year > LAST_ANNOUNCED_YEAR,
            "basis": (
                f"statutory days off only (Labour Code 2019 art. 112), holidays {HOLIDAYS_VERSION}"
                if year > LAST_ANNOUNCED_YEAR
                else f"days off and swaps as announced, holidays {HOLIDAYS_VERSION}"
            ),
        }
        for year in range(first, last + 1)
    ]


def seed_files() -> dict[str, str]:
    """The three seeds' file names and exact contents (UTF-8, LF line ends)."""

    def render(header: list[str], rows: list[list[object]]) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return buf.getvalue()

    return {
        DAYS_OFF_SEED: render(
            ["day_off_date", "day_off_reason"],
            [[d.day.isoformat(), d.reason] for d in official_days_off()],
        ),
        MAKE_UP_SEED: render(
            ["working_date", "replaces_day_off_date", "working_day_reason"],
            [
                [m.day.isoformat(), m.replaces.isoformat() if m.replaces else None, m.reason]
                for m in make_up_working_days()
            ],
        ),
        YEARS_SEED: render(
            ["calendar_year", "is_provisional", "basis"],
            [
                [y["calendar_year"], str(y["is_provisional"]).lower(), y["basis"]]
                for y in calendar_years()
            ],
        ),
    }


class WorkCalendar:
    """Working days of ``first..last`` as a sorted array, with numpy-style helpers.

    Days are ``datetime64[D]`` arrays (or anything ``np.asarray(..., "datetime64[D]")``
    takes). Every helper raises :class:`CalendarYearMissing` when a day it is given or
    would return lies outside the covered years, instead of counting weekends only.
    """

    def __init__(
        self,
        first: int,
        last: int,
        days_off: list[dt.date],
        make_up_days: list[dt.date],
    ) -> None:
        self.first_year, self.last_year = first, last
        self._first = np.datetime64(f"{first}-01-01", "D")
        self._end = np.datetime64(f"{last + 1}-01-01", "D")
        days = np.arange(self._first, self._end)
        monday_based = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        working = monday_based < 5
        working[np.isin(days, np.array(days_off, dtype="datetime64[D]"))] = False
        working[np.isin(days, np.array(make_up_days, dtype="datetime64[D]"))] = True
        self.days_off = np.array(sorted(days_off), dtype="datetime64[D]")
        self.make_up_days = np.array(sorted(make_up_days), dtype="datetime64[D]")
        self.working_days = days[working]
        # numpy's busday functions know no working Saturday: put Saturdays in the weekmask
        # and every Saturday that is not a make-up day among the holidays.
        saturdays = days[(monday_based == 5) & ~working]
        self.busdaycalendar = np.busdaycalendar(
            weekmask="1111110", holidays=np.concatenate([self.days_off, saturdays])
        )

    def check(self, days: np.ndarray | np.datetime64 | str | dt.date) -> np.ndarray:
        """``days`` as ``datetime64[D]``; raises for a day outside the calendar."""
        arr = np.asarray(days, dtype="datetime64[D]")
        outside = (arr < self._first) | (arr >= self._end)
        if outside.any():
            year = int(arr[outside].min().astype("datetime64[Y]").astype(np.int64)) + 1970
            raise CalendarYearMissing(year, self.first_year, self.last_year)
        return arr

    def is_working_day(self, days: np.ndarray | np.datetime64 | str | dt.date) -> np.ndarray:
        arr = self.check(days)
        i = np.searchsorted(self.working_days, arr)
        found = i < self.working_days.size
        return found & (self.working_days[np.minimum(i, self.working_days.size - 1)] == arr)

    def offset(
        self,
        days: np.ndarray | np.datetime64 | str | dt.date,
        n: np.ndarray | int,
        roll: str = "forward",
    ) -> np.ndarray:
        """Like ``np.busday_offset``: roll to a working day (``forward`` or ``backward``),
        then move ``n`` working days."""
        arr = self.check(days)
        if roll == "forward":
            i = np.searchsorted(self.working_days, arr, side="left")
        elif roll == "backward":
            i = np.searchsorted(self.working_days, arr, side="right") - 1
        else:
            raise ValueError(f"roll must be 'forward' or 'backward', got {roll!r}")
        j = i + np.asarray(n, dtype=np.int64)
        if (j >= self.working_days.size).any():
            raise CalendarYearMissing(self.last_year + 1, self.first_year, self.last_year)
        if (j < 0).any():
            raise CalendarYearMissing(self.first_year - 1, self.first_year, self.last_year)
        return self.working_days[j]

    def count(
        self,
        begin: np.ndarray | np.datetime64 | str | dt.date,
        end: np.ndarray | np.datetime64 | str | dt.date,
    ) -> np.ndarray:
        """Like ``np.busday_count``: working days in [begin, end), or minus those in
        (end, begin] when end < begin."""
        b = self.check(begin)
        e = self.check(end)
        w = self.working_days
        forward = np.searchsorted(w, e, side="left") - np.searchsorted(w, b, side="left")
        backward = np.searchsorted(w, e, side="right") - np.searchsorted(w, b, side="right")
        return np.where(e >= b, forward, backward)


@functools.cache
def work_calendar() -> WorkCalendar:
    """Vietnam's working days ``FIRST_YEAR..LAST_YEAR`` (the calendar of the dbt seeds)."""
    return WorkCalendar(
        FIRST_YEAR,
        LAST_YEAR,
        [d.day for d in official_days_off()],
        [m.day for m in make_up_working_days()],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the days-off seeds from `holidays`.")
    parser.add_argument("--write", type=Path, required=True, help="seed folder to write into")
    args = parser.parse_args(argv)
    for name, text in seed_files().items():
        (args.write / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
