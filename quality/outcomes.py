"""What a validation found: one outcome per expectation, gathered per partition.

:class:`ExpectationOutcome` is one expectation's result, :class:`SuiteResult` a suite's
outcomes on one partition (or a whole table). :func:`observed_summary` says in one line
what great-expectations saw.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result."""

    frame: str
    expectation: str  # label: expect_column_values_to_be_between(disbursed_in_period_bn_vnd)
    expectation_type: str
    column: str | None
    severity: str  # error | warn
    success: bool
    observed: str  # short text: observed value, or unexpected count and examples
    unexpected_count: int | None = None
    element_count: int | None = None

    @property
    def outcome(self) -> str:
        """``pass``; a failure is ``fail`` (error severity) or ``warn``."""
        if self.success:
            return "pass"
        return "fail" if self.severity == "error" else "warn"

    @property
    def failures(self) -> int:
        if self.success:
            return 0
        return self.unexpected_count or 1


@dataclass(frozen=True)
class SuiteResult:
    """A suite's outcomes on one partition (or a whole table) and where its Data Docs are."""

    suite: str
    table: str
    partition: str | None
    rows: int
    outcomes: tuple[ExpectationOutcome, ...]
    data_docs: Path | None  # the page of the rows validation (else the site's index)
    data_docs_pages: Mapping[str, Path] = field(default_factory=dict)  # frame -> page
    data_docs_note: str = ""  # set when GX could not build docs and our report replaced them
    seconds: float = 0.0

    @property
    def failed(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success)

    @property
    def failed_errors(self) -> int:
        return sum(o.outcome == "fail" for o in self.outcomes)

    @property
    def failed_warnings(self) -> int:
        return sum(o.outcome == "warn" for o in self.outcomes)

    @property
    def failed_expectations(self) -> int:
        return len(self.failed)

    @property
    def success(self) -> bool:
        """True unless an error-severity expectation failed."""
        return self.failed_errors == 0

    @property
    def where(self) -> str:
        return f"{self.table} {self.partition}" if self.partition else self.table

    def failure_lines(self) -> list[str]:
        """One line per failed expectation: table, partition, expectation, what was seen."""
        return [
            f"{self.where}: {o.expectation} {o.outcome} ({o.severity}): {o.observed}"
            for o in self.failed
        ]


def _plain(value: Any) -> Any:
    """A result value as something short and JSON-like for messages."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def short_text(value: Any, limit: int = 300) -> str:
    text = str(_plain(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def observed_summary(result: Mapping[str, Any]) -> str:
    """What GX saw, in one line: the observed value of an aggregate expectation, or the
    unexpected count with a few offending values (and their index columns)."""
    if result.get("observed_value") is not None:
        return short_text(result["observed_value"])
    if "unexpected_count" not in result:
        return short_text(result) if result else ""
    count = result.get("unexpected_count") or 0
    total = result.get("element_count")
    text = f"{count} of {total} unexpected"
    missing = result.get("missing_count") or 0
    if missing:
        text += f" ({missing} null, not checked)"
    if count:
        sample = result.get("partial_unexpected_index_list") or result.get(
            "partial_unexpected_list"
        )
        if sample:
            text += ": " + short_text(list(sample)[:SAMPLE_SIZE])
    return text
