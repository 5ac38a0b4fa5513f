"""Every report of the sample with its amounts, and the check that the published figures
and the form's identities hold before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from sources.loading.admin_units import LEGACY_VALID_TO, REFORM_DATE
from sources.readers.budget.form import PERIOD_MONTHS, budget_index, period_end
from sources.sample import CalibrationError
from sources.sample.budget.form import (
    CITY,
    CITY_LEVEL,
    COLUMNS,
    DASH,
    FORMER_DISTRICTS,
    PERIODS,
    QUARTERLY_FROM,
    YEARS,
    Amount,
    Form,
    Leaves,
    Unit,
    _districts,
    _with_parents,
    form_of,
    reports,
    units_at,
)
from sources.sample.budget.legacy import _leaf_amounts, _nine_months_2024
from sources.sample.budget.published import (
    CITY_2025,
    CITY_REVENUE_9T_2024,
    CITY_REVENUE_EXEC,
    CITY_REVENUE_STATUTORY_2024,
    CITY_REVENUE_STATUTORY_2025,
    HOAN_KIEM,
    HOAN_KIEM_REVENUE_EXEC,
    PUBLISHED_RATE_BOUNDS,
    PUBLISHED_RATES,
    RECURRENT_2025_AT_LEAST,
)
from sources.sample.budget.two_level import _year_2025, _year_2026

STREAM = 1


def _pct(num: Amount, den: Amount) -> float | str | None:
    """``num / den`` in percent, rounded half-up to one decimal, as the forms print it."""
    if num == DASH or den == DASH:
        return DASH
    if not isinstance(num, int) or not isinstance(den, int) or den == 0:
        return None
    ratio = Decimal(num * 100) / Decimal(den)
    return float(ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _rate(num: int, den: int, published: str) -> str:
    exponent = Decimal(published).as_tuple().exponent
    value = (Decimal(num * 100) / Decimal(den)).quantize(
        Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP
    )
    return str(value)


@dataclass
class Report:
    """One workbook: its leaves per unit and which sheets carry them."""

    year: int
    period: str
    leaves: Leaves
    districts: list[Unit] = field(default_factory=list)  # one sheet each (to 2025-06-30)
    communes: list[Unit] = field(default_factory=list)  # groups of ``Các xã, phường``
    former_districts: bool = False  # the ``Cấp huyện`` sheet (2025 after the reform)
    table: dict[str, dict[str, list[Amount]]] = field(init=False)

    def __post_init__(self) -> None:
        self.table = {
            unit: {col: _with_parents(cols[col], self.form) for col in COLUMNS}
            for unit, cols in self.leaves.items()
        }

    @property
    def form(self) -> Form:
        return form_of(self.year)

    @property
    def parts(self) -> list[str]:
        """Units whose amounts add up to the city's."""
        return [
            CITY_LEVEL,
            *(d.gso_code for d in self.districts),
            *([FORMER_DISTRICTS] if self.former_districts else []),
            *(c.admin_unit_id for c in self.communes),
        ]

    @property
    def index_note(self) -> str | None:
        """The budget index the report names (the 2021..2024 6T/12T reports name none)."""
        if self.year in YEARS and self.period in PERIODS:
            return None
        return budget_index(self.year)

    def amount(self, unit: str, col: str, path: str) -> Amount:
        return self.table[unit][col][self.form.at(path)]


def _reports(seed: int) -> dict[tuple[int, str], Report]:
    """Every report of ``reports()``; legacy years from stream 1 as drawn since the first
    sample, the quarterly reports from a second stream."""
    rng = np.random.default_rng([seed, STREAM])
    districts = _districts()
    codes = [d.gso_code for d in districts]
    legacy = _leaf_amounts(rng, districts)
    wanted = reports()
    out: dict[tuple[int, str], Report] = {
        key: Report(*key, leaves, districts) for key, leaves in legacy.items() if key in wanted
    }
    later = np.random.default_rng([seed, STREAM, 2])
    h1, fy = legacy[(2024, "6T")], legacy[(2024, "12T")]
    if (2024, "9T") in wanted:
        out[(2024, "9T")] = Report(2024, "9T", _nine_months_2024(later, h1, fy, codes), districts)
    if any(year >= QUARTERLY_FROM for year, _ in wanted):
        districts_2025 = units_at("district", LEGACY_VALID_TO)
        communes = units_at("commune", REFORM_DATE)
        y2025, carry = _year_2025(later, fy, districts_2025, communes)
        y2026 = _year_2026(later, carry, communes)
        for year, periods in ((2025, y2025), (2026, y2026)):
            for period, leaves in periods.items():
                if (year, period) not in wanted:
                    continue
                if period_end(year, period) < REFORM_DATE:
                    out[(year, period)] = Report(year, period, leaves, districts_2025)
                else:
                    out[(year, period)] = Report(
                        year, period, leaves, communes=communes, former_districts=year == 2025
                    )
    if missing := sorted(set(wanted) - set(out)):
        raise CalibrationError(f"no budget generator for the reports {missing}")
    return {key: out[key] for key in wanted}


def _check(books: dict[tuple[int, str], Report]) -> None:
    """Raise CalibrationError unless B1..B19 and the form's identities hold."""
    missed: list[str] = []

    def expect(label: str, got: object, want: object) -> None:
        if got != want:
            missed.append(f"{label}: got {got}, want {want}")

    def revenue(key: tuple[int, str], unit: str = CITY, col: str = "exec") -> Amount:
        return books[key].amount(unit, col, "A")

    for key, want in CITY_REVENUE_EXEC.items():
        expect(f"city revenue {key}", revenue(key), want)
    x24, x24_h1, ttg24 = (
        revenue((2024, "12T")),
        revenue((2024, "6T")),
        revenue((2024, "12T"), col="ttg"),
    )
    expect("B3 statutory estimate 2024", ttg24, CITY_REVENUE_STATUTORY_2024)
    expect("B3", _rate(x24, ttg24, PUBLISHED_RATES["B3"]), PUBLISHED_RATES["B3"])
    expect("B5", _rate(x24_h1, ttg24, PUBLISHED_RATES["B5"]), PUBLISHED_RATES["B5"])
    hk = {y: revenue((y, "12T"), HOAN_KIEM) for y in (2021, 2022)}
    for year, want in HOAN_KIEM_REVENUE_EXEC.items():
        expect(f"Hoàn Kiếm revenue {year}", hk[year], want)
    hk_ttg = revenue((2022, "12T"), HOAN_KIEM, "ttg")
    expect("B7", _rate(hk[2022], hk_ttg, PUBLISHED_RATES["B7"]), PUBLISHED_RATES["B7"])
    expect("B8", _rate(hk[2022], hk[2021], PUBLISHED_RATES["B8"]), PUBLISHED_RATES["B8"])

    y25, q25, q24 = books[(2025, "12T")], books[(2025, "9T")], books[(2024, "9T")]
    for (period, path), want in CITY_2025.items():
        expect(f"city 2025 {period} {path}", books[(2025, period)].amount(CITY, "exec", path), want)
    ttg25 = y25.amount(CITY, "ttg", "A")
    expect("B13/B15 statutory estimate 2025", ttg25, CITY_REVENUE_STATUTORY_2025)
    x25, x9 = y25.amount(CITY, "exec", "A"), q25.amount(CITY, "exec", "A")
    expect("B16 base (9T 2024)", q24.amount(CITY, "exec", "A"), CITY_REVENUE_9T_2024)
    if Decimal(x25 * 100) / Decimal(ttg25) < Decimal(PUBLISHED_RATE_BOUNDS["B13"]):
        missed.append(f"B13: {x25} / {ttg25} below {PUBLISHED_RATE_BOUNDS['B13']} %")
    expect("B15", _rate(x9, ttg25, PUBLISHED_RATES["B15"]), PUBLISHED_RATES["B15"])
    expect("B16", _rate(x9, CITY_REVENUE_9T_2024, PUBLISHED_RATES["B16"]), PUBLISHED_RATES["B16"])
    if y25.amount(CITY, "exec", "B/II") < RECURRENT_2025_AT_LEAST:
        missed.append("B19: recurrent expenditure below the published bound")

    for key, book in books.items():
        for col in COLUMNS:
            for i in range(book.form.n):
                parts = [v for u in book.parts if isinstance(v := book.table[u][col][i], int)]
                city = book.table[CITY][col][i]
                if (city or 0) * 100 != sum(parts) or (city is None) != (not parts):
                    missed.append(f"{key} {col} line {i}: city {city} != sum {sum(parts)}")
                if any(v <= 0 for v in parts):
                    missed.append(f"{key} {col} line {i}: an amount is not positive")
    by_year: dict[int, list[Report]] = {}
    for book in books.values():
        by_year.setdefault(book.year, []).append(book)
    for year, year_books in by_year.items():
        year_books.sort(key=lambda b: PERIOD_MONTHS[b.period])
        for early, late in zip(year_books, year_books[1:], strict=False):
            for unit in set(early.table) & set(late.table):
                for col in ("ttg", "hdnd"):
                    if early.table[unit][col] != late.table[unit][col]:
                        missed.append(
                            f"{year} {unit} {col} differs in {early.period}, {late.period}"
                        )
                if unit == FORMER_DISTRICTS:  # closed on 30 June: the same in 9T and 12T
                    expect(
                        f"{year} closed districts",
                        early.table[unit]["exec"],
                        late.table[unit]["exec"],
                    )
                    continue
                for i, (a, b) in enumerate(
                    zip(early.table[unit]["exec"], late.table[unit]["exec"], strict=True)
                ):
                    if isinstance(a, int) and not (isinstance(b, int) and 0 < a < b):
                        missed.append(
                            f"{year} {unit} line {i}: {early.period} {a} not below "
                            f"{late.period} {b}"
                        )
    if missed:
        raise CalibrationError("budget sample misses: " + "; ".join(missed[:20]))
