"""The published figures the sample must reproduce, and the rule for "equal at the
published precision". Expected values are read from the CSV, never typed into tests."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Seeds copied byte for byte from ../shared/domain: figures to 2024, and 2025 on.
PUBLISHED_FILES = ("published_figures.csv", "published_figures_2025.csv")
PUBLISHED_CSVS = tuple(REPO / "dbt_project" / "seeds" / name for name in PUBLISHED_FILES)
SHARED_CSVS = tuple(REPO.parent / "shared" / "domain" / name for name in PUBLISHED_FILES)


def load_published() -> dict[str, dict[str, str]]:
    """figure_id -> row of both published-figure files (values kept as text: their
    precision matters). A figure id in both files is an error, not an override."""
    rows: dict[str, dict[str, str]] = {}
    for path in PUBLISHED_CSVS:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["figure_id"] in rows:
                    raise ValueError(f"{path.name}: figure {row['figure_id']} is listed twice")
                rows[row["figure_id"]] = row
    return rows


def at_published_precision(value: float, published: str) -> Decimal:
    """``value`` rounded half-up to as many decimals as the published text shows."""
    exponent = Decimal(published).as_tuple().exponent
    quantum = Decimal(1).scaleb(exponent)  # "6.00" -> 0.01, "131" -> 1
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def matches(value: float, published: str) -> bool:
    """True when ``value`` equals the published figure at its published precision."""
    return at_published_precision(value, published) == Decimal(published)
