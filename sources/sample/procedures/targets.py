"""The published figures P1..P8 the sample is calibrated to, the exact window counts they
imply at a scale, and the checks that the generated dossiers meet them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from sources.sample import CalibrationError

REAL_SCALE = 150.0  # `egov sample --scale real`: the city's real volume (P6..P8 exact)

log = logging.getLogger(__name__)

# Published figure P1 (dbt_project/seeds/published_figures.csv, use = bound).
P1_DISTRICT_ID = "01-002"  # Hoàn Kiếm
P1_YEAR = 2022
P1_BOUND_PCT = 70.0  # published as 'more than 70%'
# Share of Hoàn Kiếm ward dossiers finished and returned the day received, by year
# ("TTHC không chờ"): set per month as ceil(share * n), so P1 holds at any scale.
HOAN_KIEM_SAME_DAY_SHARE = {2021: 0.74, 2022: 0.78, 2023: 0.80, 2024: 0.82, 2025: 0.83}

# Published figures P2..P8 (dbt_project/seeds/published_figures_2025.csv): dossiers
# received at commune-level desks from WINDOW_START to WINDOW_END (inclusive).
WINDOW_START = np.datetime64("2025-07-01", "D")
WINDOW_END = np.datetime64("2025-09-23", "D")
P2_ONLINE_PCT = "59.71"
P3_IN_PERSON_PCT = "40.05"
P4_POSTAL_PCT = "0.24"
P5_ON_TIME_OF_RESOLVED_PCT = "99.85"  # resolved on time / resolved (by WINDOW_END)
P6_RECEIVED = 531_269  # at REAL_SCALE
P7_RESOLVED = 510_541
P8_RESOLVED_LATE = 763


class ProcedureCalibrationError(CalibrationError):
    """The generated dossiers do not meet a published figure they are calibrated to."""


@dataclass(frozen=True)
class WindowTargets:
    """Exact counts of commune-level dossiers received in WINDOW_START..WINDOW_END."""

    received: int
    online: int
    in_person: int
    postal: int
    resolved: int  # finished by WINDOW_END
    resolved_late: int


def _pct_bounds(published: str) -> tuple[int, int]:
    """``published`` percent with two decimals as (2t - 1, 2t + 1), t in hundredths: a
    count k of n rounds (half up) to it when (2t - 1) * n < 20000 * k < (2t + 1) * n
    (strictly, so that no float rounding at an exact half can decide)."""
    t = round(float(published) * 100)
    if f"{t / 100:.2f}" != f"{float(published):.2f}" or len(published.split(".")[-1]) != 2:
        raise ValueError(f"expected a percentage with two decimals, got {published!r}")
    return 2 * t - 1, 2 * t + 1


def _rounds_to(k: int, n: int, published: str) -> bool:
    low, high = _pct_bounds(published)
    return n > 0 and low * n < 20000 * k < high * n


def _candidates(n: int, published: str) -> range:
    low, high = _pct_bounds(published)
    return range(low * n // 20000 + 1, -(-high * n // 20000))


def _channels(n: int) -> tuple[int, int, int] | None:
    """(online, in person, postal) summing to ``n`` with every share at P2..P4."""
    best = None
    for online in _candidates(n, P2_ONLINE_PCT):
        for postal in _candidates(n, P4_POSTAL_PCT):
            in_person = n - online - postal
            if _rounds_to(in_person, n, P3_IN_PERSON_PCT):
                cost = abs(online - n * float(P2_ONLINE_PCT) / 100) + abs(
                    postal - n * float(P4_POSTAL_PCT) / 100
                )
                if best is None or cost < best[0]:
                    best = (cost, (online, in_person, postal))
    return best[1] if best else None


def _resolved(n: int) -> tuple[int, int] | None:
    """(resolved, late) near the published proportions with P5 at its published value."""
    nominal = n * P7_RESOLVED / P6_RECEIVED
    for step in range(n):
        for resolved in {round(nominal) - step, round(nominal) + step}:
            if not 0 < resolved <= n:
                continue
            late_nominal = resolved * P8_RESOLVED_LATE / P7_RESOLVED
            options = [
                late
                for late in range(max(0, math.floor(late_nominal) - 2), math.ceil(late_nominal) + 3)
                if _rounds_to(resolved - late, resolved, P5_ON_TIME_OF_RESOLVED_PCT)
            ]
            if options:
                return resolved, min(options, key=lambda late: abs(late - late_nominal))
    return None


def window_targets(scale: float) -> WindowTargets:
    """The exact window counts at ``scale``: the received count nearest to
    ``P6 * scale / REAL_SCALE`` (and the resolved count nearest to P7's proportion of
    it) at which the shares P2..P5 all round to their published values. At
    :data:`REAL_SCALE` they are P6..P8 themselves."""
    nominal = P6_RECEIVED * scale / REAL_SCALE
    best: tuple[float, WindowTargets] | None = None
    centre = max(1, round(nominal))
    for step in range(centre + 2_000):  # tiny scales: the nearest feasible count is far
        if best is not None and step / nominal > best[0]:
            break
        for n in {centre - step, centre + step}:
            channels = _channels(n) if n > 0 else None
            resolved = _resolved(n) if channels else None
            if not resolved:
                continue
            cost = abs(n / nominal - 1) + abs(resolved[0] / (n * P7_RESOLVED / P6_RECEIVED) - 1)
            if best is None or cost < best[0]:
                best = (cost, WindowTargets(n, *channels, *resolved))
    if best is None:
        raise ProcedureCalibrationError(f"P2..P5: no feasible window counts at scale {scale}")
    return best[1]


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights`` (largest remainders, ties by order)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(weights.size, dtype=np.int64)
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - out), kind="stable")
    out[order[: total - out.sum()]] += 1
    return out


@dataclass(frozen=True)
class _Quota:
    """Commune-level dossiers of a calibrated month: received in the window (with their
    channels fixed) and after it."""

    in_window: int
    after_window: int
    online: int
    postal: int


def _check_p1(same_day: int, received: int) -> None:
    if received == 0:
        raise ProcedureCalibrationError(
            f"P1: no dossiers at Hoàn Kiếm ward desks in {P1_YEAR}: scale is too small"
        )
    share = same_day / received * 100
    if not share >= P1_BOUND_PCT:
        raise ProcedureCalibrationError(
            f"P1: same-day share at Hoàn Kiếm ward desks in {P1_YEAR} is {share:.2f}% "
            f"({same_day}/{received}), published bound >= {P1_BOUND_PCT}%"
        )
    log.info("P1 same-day share %d: %.2f%% (%d/%d)", P1_YEAR, share, same_day, received)


def _check_window(counts: dict[str, int], targets: WindowTargets, scale: float) -> None:
    """P2..P5 at their published precision; P6..P8 exactly at REAL_SCALE."""
    n = counts["received"]
    checks = {
        "P2": (counts["online"], n, P2_ONLINE_PCT),
        "P3": (counts["in_person"], n, P3_IN_PERSON_PCT),
        "P4": (counts["postal"], n, P4_POSTAL_PCT),
        "P5": (
            counts["resolved"] - counts["resolved_late"],
            counts["resolved"],
            P5_ON_TIME_OF_RESOLVED_PCT,
        ),
    }
    for figure, (k, total, published) in checks.items():
        if not _rounds_to(k, total, published):
            share = 100 * k / total if total else float("nan")
            raise ProcedureCalibrationError(
                f"{figure}: {share:.4f}% ({k}/{total}) does not round to {published}%"
            )
    expected = {
        "received": targets.received,
        "resolved": targets.resolved,
        "resolved_late": targets.resolved_late,
    }
    if scale == REAL_SCALE:
        expected = {
            "received": P6_RECEIVED, "resolved": P7_RESOLVED, "resolved_late": P8_RESOLVED_LATE
        }  # fmt: skip
    for name, value in expected.items():
        if counts[name] != value:
            raise ProcedureCalibrationError(f"window {name}: {counts[name]}, expected {value}")
    log.info("P2..P5 window: %s", counts)
