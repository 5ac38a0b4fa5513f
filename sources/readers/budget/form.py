"""The vocabulary of form 93/CK-NSNN: report periods, budget indices, sheet titles, the
unit line, outline codes and number cells. Pure functions, no workbook I/O.

Budget index (Mục lục NSNN): Circular 324/2016/TT-BTC for budget years up to 2025,
Circular 130/2025/TT-BTC from 2026 (it has no district chapters 600-799). A sheet that
names its index keeps it; one that names none gets its year's (the 2021..2024 reports
name none). An index that does not apply to the file's budget year, or an unknown one,
fails the file whole.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from sources.formats.csvfile import AMOUNT_UNITS
from sources.formats.xlsxfile import DASHES, UNIT_ALIASES, UNIT_LINE, is_blank, norm

CITY_SHEET = "Toàn thành phố"
CITY_AGENCIES_SHEET = "Khối thành phố"
FORMER_DISTRICTS_PREFIX = "Cấp huyện"
PERIOD_MONTHS = {"3T": 3, "6T": 6, "9T": 9, "12T": 12}
INDEX_324 = "324/2016/TT-BTC"
INDEX_130 = "130/2025/TT-BTC"
INDEX_130_FROM = 2026  # Circular 130/2025/TT-BTC: the budget index from budget year 2026
AMOUNT_COLUMNS = ("estimate_superior", "estimate_council", "execution")
PCT_COLUMNS = ("pct_superior", "pct_council")
_LETTER = re.compile(r"[A-Z]")
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_ARABIC = re.compile(r"\d{1,3}")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{1,3})+")


def cell_ref(row: int, col: int) -> str:
    return f"{get_column_letter(col + 1)}{row}"


def period_end(year: int, period: str) -> dt.date:
    """Last day of the period a report covers (``3T``: 31 March ... ``12T``: 31 December)."""
    month = PERIOD_MONTHS[period]
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def budget_index(year: int) -> str:
    """The budget index (Mục lục NSNN) circular in force for a budget year."""
    return INDEX_130 if year >= INDEX_130_FROM else INDEX_324


def parse_unit(text: str) -> tuple[str, float] | None:
    """``'Đơn vị: triệu đồng'`` -> (``'triệu đồng'``, factor to bn VND); None when the
    text is not a unit line; raises ValueError naming an unknown unit."""
    m = UNIT_LINE.match(norm(text))
    if not m:
        return None
    unit = m["unit"].strip("().; ")
    unit = UNIT_ALIASES.get(unit, unit)
    if unit not in AMOUNT_UNITS:
        raise ValueError(f"unknown unit {unit!r} (known: {', '.join(AMOUNT_UNITS)})")
    return unit, AMOUNT_UNITS[unit]


def outline_level(code: str) -> int | None:
    """0 for a letter (``A``), 1 Roman (``IV``), 2 Arabic (``3``), 3+ dotted (``1.2``)."""
    if _ROMAN.fullmatch(code):
        return 1
    if _LETTER.fullmatch(code):
        return 0
    if _ARABIC.fullmatch(code):
        return 2
    if _DOTTED.fullmatch(code):
        return 2 + code.count(".")
    return None


def code_text(value: Any) -> str | None:
    """The outline code as written: text stripped of a trailing dot; numbers as shown."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text[:-1].strip() if text.endswith(".") and len(text) > 1 else text


def cell_number(value: Any) -> tuple[Decimal | None, str | None, str | None]:
    """(number, marker, problem) of a numeric cell: blank -> marker '', dash -> '-'."""
    if value is None:
        return None, "", None
    if isinstance(value, bool):
        return None, None, "TRUE/FALSE where a number belongs"
    if isinstance(value, int):
        return Decimal(value), None, None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, None, "not a finite number"
        return Decimal(repr(value)), None, None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, "", None
        if text in DASHES:
            return None, "-", None
        return None, None, "text where a number belongs (only '-' or a blank cell may replace it)"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return None, None, "a date where a number belongs"
    return None, None, f"a {type(value).__name__} where a number belongs"
