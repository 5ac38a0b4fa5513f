"""Calibration of the window months (P2..P5): their commune-level quotas and the exact
resolved and late counts.
"""

from __future__ import annotations

import numpy as np

from sources.sample.procedures.clock import _offset, _workdays
from sources.sample.procedures.draws import _Draws
from sources.sample.procedures.layout import MONTHS, _month_start, _next_month
from sources.sample.procedures.targets import (
    WINDOW_END,
    WINDOW_START,
    ProcedureCalibrationError,
    WindowTargets,
    _Quota,
    _split,
)
from sources.sample.procedures.vocabulary import COMMUNE


def _window_rows(d: _Draws) -> np.ndarray:
    return np.flatnonzero(
        (d.level == COMMUNE) & (d.recv_day >= WINDOW_START) & (d.recv_day <= WINDOW_END)
    )


def _calibrate_window(draws: list[_Draws], targets: WindowTargets, rng: np.random.Generator):
    """Set exactly ``targets.resolved`` window dossiers finished by WINDOW_END, of which
    exactly ``targets.resolved_late`` late: the earliest finishers are the resolved ones
    (a few are finished earlier or later than drawn), then late ones are made on time or
    on-time ones late, at random."""
    parts = [(d, _window_rows(d)) for d in draws]
    cat = {
        name: np.concatenate([getattr(d, name)[rows] for d, rows in parts])
        for name in ("outcome", "finish_day", "recv_day", "due_day", "supp_days", "supp_count")
    }
    n = cat["outcome"].size
    if n != targets.received:
        raise ProcedureCalibrationError(f"P6: {n} window dossiers, expected {targets.received}")
    # Enough dossiers that can finish at all.
    ended = np.flatnonzero(cat["outcome"] != 0)
    missing = targets.resolved - (n - ended.size)
    if missing > 0:
        cat["outcome"][rng.permutation(ended)[:missing]] = 0
    normal = np.flatnonzero(cat["outcome"] == 0)
    order = np.lexsort((rng.random(normal.size), cat["finish_day"][normal]))
    resolved = normal[order[: targets.resolved]]
    unresolved = normal[order[targets.resolved :]]
    moved = np.zeros(n, dtype=bool)
    early = resolved[cat["finish_day"][resolved] > WINDOW_END]
    cat["finish_day"][early] = WINDOW_END
    moved[early] = True
    pushed = unresolved[cat["finish_day"][unresolved] <= WINDOW_END]
    cat["finish_day"][pushed] = _offset(
        np.full(pushed.size, WINDOW_END), 1 + rng.integers(0, 3, pushed.size)
    )
    moved[pushed] = True
    # Exactly the published number of them late.
    extended = _offset(cat["due_day"], cat["supp_days"])
    is_late = (cat["finish_day"][resolved] > extended[resolved]) | (cat["supp_count"][resolved] > 1)
    excess = int(is_late.sum()) - targets.resolved_late
    if excess > 0:
        fix = rng.permutation(resolved[is_late])[:excess]
        cat["supp_count"][fix] = np.minimum(cat["supp_count"][fix], 1)
        cat["finish_day"][fix] = np.minimum(cat["finish_day"][fix], extended[fix])
        moved[fix] = True
    elif excess < 0:
        room = resolved[~is_late & (_offset(extended[resolved], 1) <= WINDOW_END)]
        if room.size < -excess:
            raise ProcedureCalibrationError("P8: too few dossiers can be finished late")
        make = rng.permutation(room)[:-excess]
        later = _offset(extended[make], 1 + rng.integers(0, 3, make.size))
        cat["finish_day"][make] = np.minimum(later, WINDOW_END)  # still after `extended`
        moved[make] = True
    start = 0
    for d, rows in parts:
        stop = start + rows.size
        for name in ("outcome", "finish_day", "supp_count"):
            getattr(d, name)[rows] = cat[name][start:stop]
        d.return_same_day[rows[moved[start:stop]]] = False
        start = stop


def _window_quotas(targets: WindowTargets) -> dict[int, _Quota]:
    """How the window's commune-level dossiers are spread over its months."""
    months = [
        i
        for i, m in enumerate(MONTHS)
        if _month_start(m) <= WINDOW_END and _next_month(m) > WINDOW_START
    ]
    inside, after = [], []
    for i in months:
        first, last = _month_start(MONTHS[i]), _next_month(MONTHS[i]) - np.timedelta64(1, "D")
        inside.append(_workdays(max(first, WINDOW_START), min(last, WINDOW_END)).size)
        after.append(_workdays(WINDOW_END + np.timedelta64(1, "D"), last).size)
    counts = _split(targets.received, np.array(inside))
    online = _split(targets.online, counts)
    postal = _split(targets.postal, counts)
    return {
        i: _Quota(
            int(counts[k]),
            round(counts[k] * after[k] / inside[k]) if inside[k] else 0,
            int(online[k]),
            int(postal[k]),
        )
        for k, i in enumerate(months)
    }
