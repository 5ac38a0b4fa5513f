"""Sample yearly governance-index tables: the four provincial indices and the city's own
district PAR index, as the publishers' downloadable tables.

Format: UTF-8 (no byte-order mark), ``,`` delimiter, ``.`` decimal mark, LF line ends,
one header row, a quoted field only where the text holds a comma.

An index scores a year and is published the year after (by mid-year): as of the
sample's last month (``LAST_MONTH``, 2026-11) the indices of 2021 .. 2025 are out and
nothing scores 2026 yet.

``governance_indices/chi_so_cap_tinh_YYYY.csv`` (2021 .. 2025), one row per (index,
province), ordered by index, rank, province code: 4 x 63 rows to 2024, 4 x 34 rows from
2025 (the provinces merged on 2025-07-01; the 34 are the current units of the
``vietnamadminunits`` data, Hà Nội still ``01``):

``chi_so``
    ``PAR_INDEX`` (Ministry of Home Affairs), ``SIPAS`` (satisfaction, percent),
    ``PAPI`` (UNDP, 4 decimals), ``PCI`` (VCCI).
``nam``
    year of the index.
``ma_tinh``
    2-digit province code, text (``01`` is Hà Nội).
``tinh_thanh``
    province name as in the ``vietnamadminunits`` data (``Thành phố Hà Nội``).
``diem``
    score with the publisher's fixed decimals (2, PAPI 4); EMPTY for PCI ranks beyond 30
    from 2023, when VCCI publishes the scores of the top 30 only (kept for the 34 from
    2025). Empty is not 0.
``xep_hang``
    rank: rank r means r - 1 provinces scored strictly higher; ties share a rank and
    the next rank skips. Always given, also where ``diem`` is empty.
``so_don_vi_xep_hang``
    number of provinces ranked: 63, 34 from 2025.
``nguon`` (2025 on)
    where the values come from. No 2025 value is in the reference figures yet, so the
    whole 2025 table is synthetic and every row says so: ``tổng hợp (số liệu mẫu)``
    (compiled, sample figures).

``governance_indices/par_index_quan_huyen_YYYY.csv`` (2021 .. 2024), the city's own
PAR index of its 30 district-level units, 30 rows ordered by rank, code. There is no
2025 table: the district level ended on 2025-06-30 (the 2024 scores were the last, given
early in 2025), and the city has not published a commune-level index in this format.

``ma_quan_huyen``
    3-digit district code, text (``002`` Hoàn Kiếm); codes are not contiguous.
``ten_don_vi``
    district name (``Quận Hoàn Kiếm``).
``diem``
    score in percent, 2 decimals.
``xep_hang``
    rank of the 30, ties share a rank and the next rank skips.

Hanoi's published scores and ranks (I1..I19) and the published district figures
(I20..I28: 2022 Hoàn Kiếm first and a mean of 92.75; 2023 Đống Đa 96.30 first, Nam Từ
Liêm and Hoàn Kiếm joint second at 95.70, Cầu Giấy 95.22, Phú Xuyên last at 91.61) are
calibrated in; the other scores are drawn around plausible means, with each province's
standing persistent from year to year.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

from sources.loading.admin_units import build_admin_units
from sources.readers.governance_indices import LAST_DISTRICT_YEAR, MERGER_YEAR, provinces_of_year
from sources.sample import FIRST_MONTH, LAST_MONTH, CalibrationError

log = logging.getLogger(__name__)

SOURCE = "governance_indices"
STREAM = 5
PUBLISHED_BY_MONTH = 6  # an index of year Y is out by June of Y + 1
YEARS = tuple(
    year
    for year in range(FIRST_MONTH[0], LAST_MONTH[0])
    if (year + 1, PUBLISHED_BY_MONTH) <= LAST_MONTH
)
DISTRICT_YEARS = tuple(year for year in YEARS if year <= LAST_DISTRICT_YEAR)
HANOI = "01"
N_PROVINCES = {"legacy": 63, "merged": 34}  # before / from the 2025-07-01 merger
SYNTHETIC_NOTE = "tổng hợp (số liệu mẫu)"  # nguon of every row from 2025 on
PCI_TOP_PUBLISHED = 30  # from 2023 VCCI publishes the top-30 scores only
PCI_TOP_ONLY_FROM = 2023

PROVINCE_COLUMNS = (
    "chi_so",
    "nam",
    "ma_tinh",
    "tinh_thanh",
    "diem",
    "xep_hang",
    "so_don_vi_xep_hang",
)
PROVINCE_COLUMNS_FROM_2025 = (*PROVINCE_COLUMNS, "nguon")
DISTRICT_COLUMNS = ("ma_quan_huyen", "ten_don_vi", "diem", "xep_hang")


@dataclass(frozen=True)
class IndexSpec:
    """How an index's scores are drawn: decimals, bounds, yearly mean, spread, and
    Hanoi's (mean, sd) in the years where no figure pins it."""

    decimals: int
    low: float
    high: float
    mean: dict[int, float]
    sd: float
    hanoi_unpinned: dict[int, tuple[float, float]]


INDICES = {
    "PAR_INDEX": IndexSpec(
        2, 72.0, 95.0, {2021: 84.0, 2022: 84.6, 2023: 85.6, 2024: 87.0, 2025: 88.0}, 3.0,
        {2021: (88.9, 0.6), 2022: (89.8, 0.6), 2025: (92.9, 0.6)},
    ),
    "SIPAS": IndexSpec(
        2, 70.0, 95.0, {2021: 80.0, 2022: 80.3, 2023: 82.8, 2024: 85.0, 2025: 86.0}, 2.5,
        {2021: (79.5, 0.8), 2025: (87.2, 0.8)},
    ),
    "PAPI": IndexSpec(
        4, 36.0, 50.0, {2021: 42.6, 2022: 43.3, 2023: 43.6, 2024: 44.1, 2025: 44.3}, 1.5,
        {2021: (42.9, 0.5), 2025: (44.0, 0.5)},
    ),
    "PCI": IndexSpec(
        2, 55.0, 75.0, {2021: 64.0, 2022: 65.0, 2023: 66.3, 2024: 67.4, 2025: 68.2}, 2.5,
        {2021: (66.0, 0.5), 2022: (66.5, 0.5), 2025: (68.9, 0.5)},
    ),
}  # fmt: skip

# Hanoi's published figures: (index, year) -> (score as published, rank or None).
HANOI_PUBLISHED: dict[tuple[str, int], tuple[str, int | None]] = {
    ("PAR_INDEX", 2023): ("91.43", 3),  # I1, I2
    ("PAR_INDEX", 2024): ("92.57", 3),  # I3, I4
    ("SIPAS", 2022): ("80.16", 30),  # I7, I8
    ("SIPAS", 2023): ("83.57", 21),  # I5, I6
    ("SIPAS", 2024): ("86.50", 11),  # I9, I10 (published as 86.5)
    ("PAPI", 2022): ("43.9000", None),  # I13
    ("PAPI", 2023): ("43.9603", 15),  # I11, I12
    ("PAPI", 2024): ("43.7747", 29),  # I14, I15
    ("PCI", 2023): ("67.15", 28),  # I16, I17
    ("PCI", 2024): ("68.38", 24),  # I18, I19
}

# District PAR index, scores in hundredths of a percent point.
DISTRICT_DECIMALS = 2
DISTRICT_MEAN_2022 = 9_275  # I28: mean 92.75, so the 30 scores sum to 30 x 92.75
DISTRICT_MEAN_2022_PUBLISHED = "92.75"  # I28 as published, checked at its precision
DISTRICT_FIRST_2022 = "002"  # I20: Hoàn Kiếm first
DISTRICT_2023 = {"006": 9_630, "019": 9_570, "002": 9_570, "005": 9_522, "280": 9_161}
DISTRICT_RANKS_2023 = {"006": 1, "019": 2, "002": 2, "005": 4, "280": 30}  # I21..I27
DISTRICT_FREE = {2021: (89.6, 2.0, 84.0, 97.5), 2024: (93.6, 1.5, 89.0, 98.5)}


def ranks(scores: list[int]) -> list[int]:
    """Competition ranks: 1 + how many scores are strictly higher (ties share a rank)."""
    ordered = sorted(scores, reverse=True)
    first = {}
    for position, score in enumerate(ordered, start=1):
        first.setdefault(score, position)
    return [first[s] for s in scores]


def _provinces(era: str, year: int) -> list[tuple[str, str]]:
    """(code, name) of the provinces an index of ``year`` ranks (63, or 34 from 2025),
    read from the package's data file."""
    rows = provinces_of_year(year)
    expected = N_PROVINCES[era]
    if len(rows) != expected or len({code for code, _ in rows}) != expected:
        raise CalibrationError(f"expected {expected} provinces in dataset.db, got {len(rows)}")
    if HANOI not in dict(rows):
        raise CalibrationError(f"Hà Nội ({HANOI}) is not among the provinces of {year}")
    return rows


def _ticks(value: float, decimals: int) -> int:
    return int(round(value * 10**decimals))


def _text(ticks: int, decimals: int) -> str:
    return str(Decimal(ticks).scaleb(-decimals))


def _draw(
    rng: np.random.Generator,
    n: int,
    mean: float,
    sd: float,
    low: int,
    high: int,
    decimals: int,
) -> np.ndarray:
    """``n`` scores in ticks from a normal law truncated to [low, high] (by rejection)."""
    out: list[int] = []
    for _ in range(10_000):
        draws = np.round(rng.normal(mean, sd, 512) * 10**decimals).astype(np.int64)
        out.extend(int(x) for x in draws[(draws >= low) & (draws <= high)])
        if len(out) >= n:
            return np.array(out[:n], dtype=np.int64)
    raise CalibrationError(f"cannot draw {n} scores in [{low}, {high}] around {mean}")


def _index_year(
    rng: np.random.Generator, index: str, year: int, latent: np.ndarray, codes: list[str]
) -> dict[str, int]:
    """Province code -> score in ticks for one index and year."""
    spec = INDICES[index]
    d = spec.decimals
    low, high = _ticks(spec.low, d), _ticks(spec.high, d)
    others = [c for c in codes if c != HANOI]
    pinned = HANOI_PUBLISHED.get((index, year))
    if pinned is None:
        hanoi = _draw(rng, 1, *spec.hanoi_unpinned[year], low, high, d)[0]
    else:
        hanoi = int(Decimal(pinned[0]).scaleb(d))
    rank = pinned[1] if pinned else None
    mean = spec.mean[year]
    if rank is None:
        values = np.sort(_draw(rng, len(others), mean, spec.sd, low, high, d))[::-1]
    else:  # exactly rank - 1 provinces strictly above Hanoi, none level with it
        above = _draw(rng, rank - 1, mean, spec.sd, hanoi + 1, high, d)
        below = _draw(rng, len(others) - (rank - 1), mean, spec.sd, low, hanoi - 1, d)
        values = np.concatenate([np.sort(above)[::-1], np.sort(below)[::-1]])
    # Provinces keep their standing: the best latent gets the best score.
    order = sorted(range(len(others)), key=lambda i: (-latent[i], others[i]))
    scores = {others[i]: int(values[k]) for k, i in enumerate(order)}
    scores[HANOI] = int(hanoi)
    return scores


def _province_rows(
    rng: np.random.Generator, provinces: list[tuple[str, str]], years: tuple[int, ...]
) -> list[list]:
    """Rows of the province tables of ``years``, all ranking the same ``provinces``; from
    2025 each row ends with the ``nguon`` note."""
    codes = [c for c, _ in provinces]
    names = dict(provinces)
    standing = {index: rng.normal(0, 1, len(codes) - 1) for index in INDICES}
    rows = []
    for year in years:
        missing = [index for index, spec in INDICES.items() if year not in spec.mean]
        if missing:
            raise CalibrationError(f"no score law for {', '.join(missing)} in {year}")
        for index, spec in INDICES.items():
            latent = 0.8 * standing[index] + 0.6 * rng.normal(0, 1, len(codes) - 1)
            scores = _index_year(rng, index, year, latent, codes)
            rank_of = dict(zip(scores, ranks(list(scores.values())), strict=True))
            for code in sorted(codes, key=lambda c: (rank_of[c], c)):
                hidden = (
                    index == "PCI"
                    and year >= PCI_TOP_ONLY_FROM
                    and rank_of[code] > PCI_TOP_PUBLISHED
                )
                diem = "" if hidden else _text(scores[code], spec.decimals)
                row = [index, year, code, names[code], diem, rank_of[code], len(codes)]
                rows.append([*row, SYNTHETIC_NOTE] if year >= MERGER_YEAR else row)
    return rows


def _spread_to_sum(
    rng: np.random.Generator,
    scores: dict[str, int],
    free: list[str],
    target: int,
    low: int,
    high: int,
) -> None:
    """Nudge the ``free`` scores one tick at a time, within [low, high], until the scores
    sum to ``target``."""
    diff = target - sum(scores.values())
    step = 1 if diff > 0 else -1
    while diff:
        moved = False
        for code in rng.permutation(free):
            code = str(code)
            if diff and low <= scores[code] + step <= high:
                scores[code] += step
                diff -= step
                moved = True
        if not moved:
            raise CalibrationError(f"cannot bring district scores to a sum of {target}")


def _district_scores(rng: np.random.Generator, codes: list[str]) -> dict[int, dict[str, int]]:
    d = DISTRICT_DECIMALS
    standing = rng.normal(0, 1, len(codes))
    out: dict[int, dict[str, int]] = {}
    for year in DISTRICT_YEARS:
        latent = dict(zip(codes, 0.7 * standing + 0.7 * rng.normal(0, 1, len(codes)), strict=True))
        if year == 2022:
            first = DISTRICT_FIRST_2022
            others = [c for c in codes if c != first]
            top = _draw(rng, 1, 95.6, 0.3, _ticks(95.0, d), _ticks(96.4, d), d)[0]
            mean_others = (DISTRICT_MEAN_2022 * len(codes) - top) / len(others) / 10**d
            values = _draw(rng, len(others), mean_others, 1.3, _ticks(88.0, d), top - 30, d)
            scores = {first: int(top)}
        elif year == 2023:
            others = [c for c in codes if c not in DISTRICT_2023]
            low, high = DISTRICT_2023["280"] + 1, DISTRICT_2023["005"] - 1
            values = _draw(rng, len(others), 93.4, 1.0, low, high, d)
            scores = dict(DISTRICT_2023)
        else:
            mean, sd, low_value, high_value = DISTRICT_FREE[year]
            others = list(codes)
            values = _draw(
                rng, len(others), mean, sd, _ticks(low_value, d), _ticks(high_value, d), d
            )
            scores = {}
        order = sorted(others, key=lambda c: (-latent[c], c))
        scores.update(zip(order, (int(v) for v in np.sort(values)[::-1]), strict=True))
        if year == 2022:
            target = DISTRICT_MEAN_2022 * len(codes)
            _spread_to_sum(rng, scores, others, target, _ticks(85.0, d), scores[first] - 1)
        out[year] = scores
    return out


def _district_rows(
    rng: np.random.Generator, districts: list[tuple[str, str]]
) -> dict[int, list[list]]:
    codes = [c for c, _ in districts]
    names = dict(districts)
    rows: dict[int, list[list]] = {}
    for year, scores in _district_scores(rng, codes).items():
        rank_of = dict(zip(scores, ranks(list(scores.values())), strict=True))
        rows[year] = [
            [code, names[code], _text(scores[code], DISTRICT_DECIMALS), rank_of[code]]
            for code in sorted(codes, key=lambda c: (rank_of[c], c))
        ]
    return rows


def _check(province_rows: list[list], district_rows: dict[int, list[list]]) -> None:
    """Raise if a calibrated published figure or a format rule is missed."""
    problems = []
    hanoi = {(r[0], r[1]): (r[4], r[5]) for r in province_rows if r[2] == HANOI}
    for key, (score, rank) in HANOI_PUBLISHED.items():
        got_score, got_rank = hanoi[key]
        if got_score != score or (rank is not None and got_rank != rank):
            problems.append(f"Hanoi {key}: ({got_score}, {got_rank}) != ({score}, {rank})")
    for r in province_rows:
        blank_expected = r[0] == "PCI" and r[1] >= PCI_TOP_ONLY_FROM and r[5] > PCI_TOP_PUBLISHED
        if (r[4] == "") != blank_expected:
            problems.append(f"{r[0]} {r[1]} {r[2]}: score blank={r[4] == ''}, rank {r[5]}")
    by_code = {year: {r[0]: (r[2], r[3]) for r in rows} for year, rows in district_rows.items()}
    scores_2022 = [Decimal(score) for score, _ in by_code[2022].values()]
    mean = sum(scores_2022) / len(scores_2022)
    published = Decimal(DISTRICT_MEAN_2022_PUBLISHED)
    if mean.quantize(published, rounding=ROUND_HALF_UP) != published:
        problems.append(f"2022 district mean {mean} != {published} (I28)")
    if (
        by_code[2022][DISTRICT_FIRST_2022][1] != 1
        or sorted(rank for _, rank in by_code[2022].values())[1] == 1
    ):
        problems.append("2022: Hoàn Kiếm is not alone in first place")
    for code, ticks in DISTRICT_2023.items():
        expected = (_text(ticks, DISTRICT_DECIMALS), DISTRICT_RANKS_2023[code])
        if by_code[2023][code] != expected:
            problems.append(f"2023 district {code}: {by_code[2023][code]} != {expected}")
    problems += _check_eras(province_rows, district_rows)
    if problems:
        raise CalibrationError("governance-index sample misses its targets: " + "; ".join(problems))


def _check_eras(province_rows: list[list], district_rows: dict[int, list[list]]) -> list[str]:
    """Tables of 63 provinces before 2025 and of 34 from 2025 (every row of which says it
    is synthetic); no district table after the district level ended."""
    problems = []
    groups: dict[tuple[str, int], list[list]] = {}
    for r in province_rows:
        groups.setdefault((r[0], r[1]), []).append(r)
    for (index, year), rows in groups.items():
        expected = N_PROVINCES["merged" if year >= MERGER_YEAR else "legacy"]
        if len(rows) != expected or {r[6] for r in rows} != {expected}:
            problems.append(f"{index} {year}: {len(rows)} rows, out of { ({r[6] for r in rows}) }")
        if max(r[5] for r in rows) > expected:
            problems.append(f"{index} {year}: a rank beyond {expected}")
        notes = {r[7] if len(r) > 7 else None for r in rows}
        if notes != ({SYNTHETIC_NOTE} if year >= MERGER_YEAR else {None}):
            problems.append(f"{index} {year}: nguon {notes}")
    if set(district_rows) != set(DISTRICT_YEARS) or max(district_rows) > LAST_DISTRICT_YEAR:
        problems.append(f"district tables for {sorted(district_rows)}")
    return problems


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a new file: a loaded one is its archive entry's inode
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the yearly province and district index tables under
    ``out_dir/governance_indices``; ``scale`` does not apply (the units are fixed)."""
    rng = np.random.default_rng([seed, STREAM])
    legacy_years = tuple(year for year in YEARS if year < MERGER_YEAR)
    merged_years = tuple(year for year in YEARS if year >= MERGER_YEAR)
    last_district_day = dt.date(LAST_DISTRICT_YEAR, 12, 31)
    districts = [
        (u["gso_code"], u["name_vi"])
        for u in build_admin_units().to_pylist()
        if u["level"] == "district"
        and u["valid_from"] <= last_district_day
        and (u["valid_to"] is None or u["valid_to"] >= last_district_day)
    ]
    if len(districts) != 30:
        raise CalibrationError(f"expected 30 district-level units, got {len(districts)}")
    province_rows = _province_rows(rng, _provinces("legacy", legacy_years[0]), legacy_years)
    district_rows = _district_rows(rng, districts)
    # The merged era draws after the districts: the earlier tables keep their bytes.
    if merged_years:
        merged = _provinces("merged", merged_years[0])
        province_rows += _province_rows(rng, merged, merged_years)
    _check(province_rows, district_rows)
    folder = out_dir / SOURCE
    paths = [
        _write_csv(
            folder / f"chi_so_cap_tinh_{year}.csv",
            PROVINCE_COLUMNS_FROM_2025 if year >= MERGER_YEAR else PROVINCE_COLUMNS,
            [r for r in province_rows if r[1] == year],
        )
        for year in YEARS
    ]
    paths += [
        _write_csv(folder / f"par_index_quan_huyen_{year}.csv", DISTRICT_COLUMNS, rows)
        for year, rows in district_rows.items()
    ]
    log.info("wrote %d governance-index tables to %s", len(paths), folder)
    return sorted(paths)
