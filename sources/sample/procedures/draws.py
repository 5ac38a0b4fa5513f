"""One month of dossiers as random draws: who receives what, when, through which channel,
and how each dossier goes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sources.sample import FIRST_MONTH
from sources.sample.procedures.catalogue import CATALOGUE, _Catalogue
from sources.sample.procedures.clock import (
    _AFTER_HOURS_CUTOFF,
    _OFFICE_START,
    REFORM_DAY,
    _office_seconds,
    _offset,
    _workdays,
)
from sources.sample.procedures.desks import VARIANT_SHARE, VARIANT_SHARE_CENTRES, VARIANTS, _Desks
from sources.sample.procedures.layout import MONTHS, _month_start, _next_month
from sources.sample.procedures.targets import (
    HOAN_KIEM_SAME_DAY_SHARE,
    WINDOW_END,
    WINDOW_START,
    _Quota,
)
from sources.sample.procedures.vocabulary import CITY, COMMUNE, DISTRICT, IN_PERSON, ONLINE, POSTAL

BASE_MONTHLY_DOSSIERS = 1500
LEVEL_SHARE = np.array([0.12, 0.28, 0.60])
LEVEL_SHARE_AFTER_REFORM = np.array([0.10, 0.0, 0.90])  # no district level


def _month_volumes(rng: np.random.Generator, scale: float) -> np.ndarray:
    """Dossiers received per month: growth, Tết and the 2021 lockdown, mean 1,500 * scale."""
    index = np.arange(len(MONTHS))
    month = np.array([int(m[5:]) for m in MONTHS])
    factor = 0.92 + 0.16 * index / (len(MONTHS) - 1)
    factor = factor * np.where(np.isin(month, [1, 2]), 0.88, 1.0) * np.where(month == 12, 1.08, 1.0)
    for m, f in (("2021-07", 0.8), ("2021-08", 0.55), ("2021-09", 0.65)):  # Hanoi lockdown
        if m in MONTHS:
            factor[MONTHS.index(m)] *= f
    factor = factor / factor.mean()
    return rng.poisson(BASE_MONTHLY_DOSSIERS * scale * factor)


def _trend(month_index: int, yearly: tuple[float, ...]) -> float:
    """A rate moving through the years: ``yearly`` are the means of 2021, 2022, ..."""
    mids = [12 * k + 5.5 - (FIRST_MONTH[1] - 1) for k in range(len(yearly))]
    return float(np.interp(month_index, mids, yearly))


@dataclass
class _Draws:
    """Every random draw of one month's dossiers; the timestamps derive from them."""

    month_index: int
    level: np.ndarray
    desk: np.ndarray
    proc: np.ndarray
    legal: np.ndarray
    recv_day: np.ndarray
    recv_sec: np.ndarray
    channel: np.ndarray
    outcome: np.ndarray  # 0 normal, 1 refused, 2 stopped, 3 withdrawn by the citizen
    supp_count: np.ndarray
    supp_days: np.ndarray
    due_day: np.ndarray
    finish_day: np.ndarray
    return_same_day: np.ndarray
    return_lag: np.ndarray
    end_after: np.ndarray
    fast_delay: np.ndarray
    finish_sec: np.ndarray
    return_delay: np.ndarray
    return_sec: np.ndarray
    end_delay: np.ndarray
    end_sec: np.ndarray
    paid_online: np.ndarray
    digitised: np.ndarray
    e_result: np.ndarray  # issued once finished
    rated: np.ndarray  # rated once returned
    rating_on_time: np.ndarray
    rating_late: np.ndarray
    variant: np.ndarray
    district_variant: np.ndarray


def _draw_month(
    rng: np.random.Generator,
    month_index: int,
    n: int,
    desks: _Desks,
    catalogue: _Catalogue,
    quota: _Quota | None = None,
) -> _Draws:
    """The dossiers received in one month: who, what, when and how it goes."""
    month = MONTHS[month_index]
    year = int(month[:4])
    first = _month_start(month)
    last = _next_month(month) - np.timedelta64(1, "D")
    after_reform = first >= REFORM_DAY
    shares = LEVEL_SHARE_AFTER_REFORM if after_reform else LEVEL_SHARE
    weights = catalogue.weights_after_reform if after_reform else catalogue.weights

    # Where and what.
    if quota is None:
        level = rng.choice(3, size=n, p=shares)
    else:
        n_city = rng.binomial(n, shares[CITY])
        level = np.r_[
            np.full(n_city, CITY), np.full(quota.in_window + quota.after_window, COMMUNE)
        ].astype(np.int64)
        n = level.size
    desk = np.zeros(n, dtype=np.int64)
    proc = np.zeros(n, dtype=np.int64)
    for lv in (CITY, DISTRICT, COMMUNE):
        rows = np.flatnonzero(level == lv)
        if rows.size == 0:
            continue
        proc[rows] = rng.choice(len(CATALOGUE), size=rows.size, p=weights[lv])
        if lv == CITY:
            desk[rows] = catalogue.department[proc[rows]]
            continue
        units = desks.active(lv, first, last)
        w = desks.weight[units] / desks.weight[units].sum()
        desk[rows] = units[rng.choice(units.size, size=rows.size, p=w)]
        reporting = units[desks.is_reporting[units]]
        if reporting.size and rows.size >= 2 * reporting.size:
            # Every reporting unit receives at least one dossier a month.
            floor = rng.permutation(rows)[: reporting.size]
            desk[floor] = reporting
    legal = catalogue.legal_days[proc]
    same_day_proc = legal == 0
    commune_after = after_reform & (level == COMMUNE)

    # When received, through which channel.
    workdays = _workdays(first, last)
    recv_day = workdays[rng.integers(0, workdays.size, n)]
    channel_draw = rng.random(n)
    if after_reform:
        reform = MONTHS.index(str(REFORM_DAY)[:7])
        since = (month_index - reform) / max(1, len(MONTHS) - 1 - reform)
        p_online = np.where(level == COMMUNE, 0.60 + 0.10 * since, 0.82)
        p_postal = np.where(level == COMMUNE, 0.003, 0.02)
    else:
        p_online = np.full(n, _trend(month_index, (0.30, 0.46, 0.62, 0.75, 0.77)))
        p_postal = np.full(n, 0.03)
    channel = np.where(
        channel_draw < p_online,
        ONLINE,
        np.where(channel_draw < p_online + p_postal, POSTAL, IN_PERSON),
    ).astype(np.int8)
    if quota is not None:
        communes = np.flatnonzero(level == COMMUNE)
        inside, after = communes[: quota.in_window], communes[quota.in_window :]
        window_days = _workdays(max(first, WINDOW_START), min(last, WINDOW_END))
        recv_day[inside] = window_days[rng.integers(0, window_days.size, inside.size)]
        if after.size:
            later = _workdays(WINDOW_END + np.timedelta64(1, "D"), last)
            recv_day[after] = later[rng.integers(0, later.size, after.size)]
        shuffled = rng.permutation(inside)
        channel[inside] = IN_PERSON
        channel[shuffled[: quota.online]] = ONLINE
        channel[shuffled[quota.online : quota.online + quota.postal]] = POSTAL
    recv_sec = _office_seconds(rng, n)
    late_afternoon = recv_sec >= _AFTER_HOURS_CUTOFF

    # How it goes.
    outcome = np.where(
        commune_after,
        rng.choice(4, size=n, p=[0.99, 0.004, 0.002, 0.004]),
        rng.choice(4, size=n, p=[0.984, 0.008, 0.003, 0.005]),
    )
    supp_count = np.where(
        same_day_proc,
        (rng.random(n) < 0.01).astype(np.int64),
        np.where(
            commune_after,
            rng.choice(4, size=n, p=[0.95, 0.0485, 0.001, 0.0005]),
            rng.choice(4, size=n, p=[0.93, 0.058, 0.01, 0.002]),
        ),
    )
    supp_days = np.where(supp_count > 0, supp_count + rng.geometric(0.35, n) - 1, 0)
    # Same-day procedures are done at once, nearly always at the communes' new centres.
    p_fast = np.where(
        same_day_proc,
        np.where(late_afternoon, 0.55, np.where(commune_after, 0.997, 0.97)),
        np.where(level == COMMUNE, 0.05, 0.02),
    )
    fast = (rng.random(n) < p_fast) & (supp_count == 0)
    p_late = np.where(
        after_reform,
        np.where(level == CITY, 0.02, 0.0015),
        np.select([level == CITY, level == DISTRICT], [0.03, 0.035], 0.015),
    )
    late = (rng.random(n) < p_late) & ~same_day_proc
    return_same_day = rng.random(n) < np.where(fast, 0.9, 0.55)
    return_lag = np.where(fast, rng.integers(1, 4, n), rng.integers(1, 6, n))
    end_after = np.minimum(rng.integers(0, 4, n), np.maximum(legal, 1))

    # Hoàn Kiếm's wards: exactly ceil(share * n) finished and returned the same day.
    p1_rows = np.flatnonzero(desks.is_p1[desk])
    key = rng.random(p1_rows.size) + 0.6 * (legal[p1_rows] > 0)
    if p1_rows.size:
        chosen = np.zeros(n, dtype=bool)
        k = math.ceil(HOAN_KIEM_SAME_DAY_SHARE[year] * p1_rows.size)
        chosen[p1_rows[np.argsort(key, kind="stable")[:k]]] = True
        outcome[chosen] = 0
        supp_count[chosen] = 0
        supp_days[chosen] = 0
        fast |= chosen
        late &= ~chosen
        return_same_day |= chosen
        not_chosen_p1 = np.zeros(n, dtype=bool)
        not_chosen_p1[p1_rows] = True
        not_chosen_p1 &= ~chosen
        return_same_day &= ~(not_chosen_p1 & fast)  # the citizen came back another day

    # Deadline and processing.
    due_day = _offset(recv_day, legal + (same_day_proc & late_afternoon))
    steps = 1 + np.floor(rng.random(n) ** 0.8 * np.maximum(legal, 1)).astype(np.int64)
    steps = np.minimum(steps, np.maximum(legal, 1))
    # A same-day procedure that waited for a supplement is done the day it is completed.
    steps = np.where(same_day_proc & (supp_days > 0), 0, steps)
    late_by = 1 + rng.geometric(0.45, n)
    finish_day = np.where(
        late,
        _offset(due_day, supp_days + late_by - 1),
        _offset(recv_day, steps + supp_days),
    )
    finish_day = np.where(fast, recv_day, finish_day)

    # Payment, digitisation, e-results, ratings (applied as the dossier gets there).
    fee = catalogue.fee[proc]
    p_pay = np.where(
        channel == ONLINE,
        _trend(month_index, (0.22, 0.42, 0.62, 0.80, 0.85, 0.88)),
        _trend(month_index, (0.02, 0.06, 0.12, 0.20, 0.25, 0.30)),
    )
    paid_online = fee & (rng.random(n) < p_pay)
    digitised = rng.random(n) < _trend(month_index, (0.25, 0.45, 0.66, 0.85, 0.88, 0.92))
    e_result = rng.random(n) < _trend(month_index, (0.15, 0.35, 0.55, 0.75, 0.80, 0.85)) + 0.1 * (
        channel == ONLINE
    )
    rated = rng.random(n) < _trend(month_index, (0.18, 0.25, 0.32, 0.40, 0.42, 0.45))
    rating_on_time = rng.choice(np.arange(1, 6), size=n, p=[0.01, 0.02, 0.05, 0.20, 0.72])
    rating_late = rng.choice(np.arange(1, 6), size=n, p=[0.10, 0.15, 0.25, 0.25, 0.25])
    share = VARIANT_SHARE_CENTRES if after_reform else VARIANT_SHARE
    variant = rng.choice(len(VARIANTS), size=n, p=share)
    district_variant = rng.choice(len(VARIANTS), size=n, p=VARIANT_SHARE)
    return _Draws(
        month_index=month_index,
        level=level,
        desk=desk,
        proc=proc,
        legal=legal,
        recv_day=recv_day,
        recv_sec=recv_sec,
        channel=channel,
        outcome=outcome,
        supp_count=supp_count,
        supp_days=supp_days,
        due_day=due_day,
        finish_day=finish_day,
        return_same_day=return_same_day,
        return_lag=return_lag,
        end_after=end_after,
        fast_delay=rng.integers(300, 5400, n),
        finish_sec=_OFFICE_START + rng.integers(0, 9 * 3600, n),
        return_delay=rng.integers(0, np.where(fast, 1200, 3600), n),
        return_sec=_office_seconds(rng, n),
        end_delay=rng.integers(600, 7200, n),
        end_sec=_office_seconds(rng, n),
        paid_online=paid_online,
        digitised=digitised,
        e_result=e_result,
        rated=rated,
        rating_on_time=rating_on_time,
        rating_late=rating_late,
        variant=variant,
        district_variant=district_variant,
    )
