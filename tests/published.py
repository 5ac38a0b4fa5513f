"""The published figures the sample must reproduce, and the rule for "equal at the
published precision". Expected values are read from the CSV, never typed into tests."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PUBLISHED_CSV = REPO / "dbt_project" / "seeds" / "published_figures.csv"
SHARED_CSV = REPO.parent / "shared" / "domain" / "published_figures.csv"


def load_published() -> dict[str, dict[str, str]]:
    """figure_id -> row of published_figures.csv (values kept as text: their precision matters)."""
    with PUBLISHED_CSV.open(encoding="utf-8", newline="") as f:
        return {row["figure_id"]: row for row in csv.DictReader(f)}


def at_published_precision(value: float, published: str) -> Decimal:
    """``value`` rounded half-up to as many decimals as the published text shows."""
    exponent = Decimal(published).as_tuple().exponent
    quantum = Decimal(1).scaleb(exponent)  # "6.00" -> 0.01, "131" -> 1
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def matches(value: float, published: str) -> bool:
    """True when ``value`` equals the published figure at its published precision."""
    return at_published_precision(value, published) == Decimal(published)
