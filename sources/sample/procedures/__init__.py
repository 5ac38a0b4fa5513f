"""Sample dossiers (hồ sơ) of Hanoi's one-stop desks, as their case systems export them.

Files (``procedures/``), one regular export per month ``FIRST_MONTH .. LAST_MONTH`` plus
a few re-extractions:

- ``ho_so_YYYY-MM.csv`` (71 files): the export run at 08:00 on the 5th of the next month
  (``thoi_diem_trich_xuat``). It holds every dossier RECEIVED in that month, and every
  dossier received in an earlier month whose state changed since the previous export
  (finished, returned, refused, one more day waiting for a supplement ...): the export
  is "received this month or changed since the last run". Each row is the dossier's
  state at the extraction moment.
- ``ho_so_YYYY-MM_YYYYMMDDTHHMM.csv``: a re-extraction of a whole receipt month taken at
  the time in the name (here the two months before ``LAST_MONTH``, re-extracted on the
  7th of the month after it, with more dossiers finished). Same columns; the file name's
  time equals the column's.

A dossier therefore appears once per state: its latest row (by ``thoi_diem_trich_xuat``)
is its current state, as the loader keeps it. Rows are ordered by ``ngay_tiep_nhan``
then ``ma_ho_so``.

Encoding: UTF-8 with a byte-order mark, comma delimiter, CRLF line ends, one header
row. Every text value is enclosed in double quotes (a quote inside is doubled);
numbers are bare; a null is an empty, unquoted field. Timestamps are local time of
Asia/Ho_Chi_Minh (UTC+07:00) written ``dd/MM/yyyy HH:mm:ss`` without an offset.

Columns, in file order (type: meaning):

- ``ma_ho_so`` (text): dossier id, unique per dossier, ``H26.<unit>-<yymmdd>-<seq>``:
  ``<unit>`` is ``S01``..``S10`` for a city department, else the 3-digit district code
  or the 5-digit commune code (of the unit version valid that day); ``<yymmdd>`` the day
  received; ``<seq>`` 6 digits, the order of receipt at that unit that day.
- ``ma_tthc`` (text): procedure code in the national database's format, ``1.00xxxx`` or
  ``2.00xxxx`` (the code-name pairs of this sample are illustrative). Looks numeric:
  read it as text.
- ``ten_tthc`` (text): procedure name. ``linh_vuc`` (text): its field (lĩnh vực).
- ``cap_thuc_hien`` (text): level of the receiving desk: ``Cấp tỉnh``, ``Cấp huyện``,
  ``Cấp xã``; from 2025-07-01 only ``Cấp tỉnh`` and ``Cấp xã`` (no district level).
- ``don_vi_tiep_nhan`` (text): receiving unit: a city department (``Sở ...``) at
  ``Cấp tỉnh``, else the district or commune, named as sources write it (below). From
  2025-07-01 a commune desk is the commune's Public Administrative Service Centre,
  written either as the commune (``Phường Ba Đình``) or as the centre
  (``Trung tâm Phục vụ hành chính công phường Ba Đình``).
- ``quan_huyen`` (text): district of the receiving unit (also as written); null at
  ``Cấp tỉnh`` and for every dossier received from 2025-07-01.
- ``kenh_thuc_hien`` (integer): channel: 1 direct at the desk, 2 online, 3 postal.
- ``ngay_tiep_nhan`` (timestamp): received; always a working day in office hours.
- ``ngay_hen_tra`` (timestamp): due (appointment), 17:00 of the due day: received + the
  legal time in working days; a same-day procedure (legal time 0) is due the day it is
  received, or the next working day when received after 15:00.
- ``ngay_hoan_thanh`` (timestamp): processing finished (result ready); null if not yet.
- ``ngay_tra_ket_qua`` (timestamp): result handed to the citizen (or the post); null if not.
- ``ngay_ket_thuc`` (timestamp): refused, stopped or withdrawn at; null otherwise.
- ``trang_thai`` (text): status at extraction, see below.
- ``so_lan_bo_sung`` (integer): supplement requests, 0..3.
- ``thoi_gian_bo_sung_ngay`` (integer): working days the dossier waited for the citizen
  to supplement it, so far; they do not count against the deadline.
- ``co_phi`` (integer 0/1): the procedure bears a fee or charge.
- ``thanh_toan_truc_tuyen`` (integer 0/1): the fee was paid online (0 when ``co_phi`` = 0).
- ``so_hoa`` (integer 0/1): the dossier's components were digitised (and its result,
  once there is one).
- ``ket_qua_dien_tu`` (integer 0/1): an electronic result was issued (0 while unfinished).
- ``danh_gia`` (integer): citizen rating, 1 (very dissatisfied) .. 5 (very satisfied);
  null when not rated; only returned dossiers are rated.
- ``thoi_diem_trich_xuat`` (timestamp): when this state was extracted from the case
  system; every timestamp of the row is at or before it.

Statuses (``trang_thai``) and the timestamps they imply:

- ``DA_TIEP_NHAN`` received on the last working day of its month and not yet assigned
  at that month's export;
- ``DANG_XU_LY`` in progress; ``YEU_CAU_BO_SUNG`` in progress, waiting for a supplement;
  all three have no finished, returned or end timestamp;
- ``DA_HOAN_THANH`` finished, result not yet returned (finished set, returned null);
- ``DA_TRA_KET_QUA`` finished and returned (both set);
- ``TU_CHOI`` refused, ``DUNG_XU_LY`` stopped, ``CONG_DAN_RUT`` withdrawn by the citizen:
  ``ngay_ket_thuc`` set, no finished or returned timestamp.

On time (Decision 766/QĐ-TTg): finished on or before the due day shifted by
``thoi_gian_bo_sung_ngay`` working days, and at most one supplement request; a
dossier with more than one request is late. Working days are Monday to Friday except
Vietnam's official days off (``clock.CALENDAR``).

Receiving units are those valid on the day received (``build_admin_units()``): before
2025-07-01 the city departments, the 30 districts and the communes of the commune list
valid that day; from 2025-07-01 the city departments and the 126 communes. Unit names:
most rows carry the canonical name (``Phường Hàng Bạc``, ``Quận Hoàn Kiếm``); a
deterministic minority carries a variant: abbreviated type (``P. Hàng Bạc``, ``Q. Hoàn
Kiếm``, ``H.``, ``TX.``, ``TT.``, ``X.``), upper case without type (``HÀNG BẠC``), ASCII
without type (``Hang Bac``) or NFD-decomposed Unicode. Every name maps to exactly one
unit valid that day through ``sources.formats.text.match_key``: ``quan_huyen`` among the
districts; ``don_vi_tiep_nhan`` among the districts at ``Cấp huyện``, among the
communes of that district at ``Cấp xã`` before the reform and among the 126 communes
after it (the centre's prefix removed). A variant that would break this is not used.
Every reporting unit (a district with its communes before the reform, a commune after
it) receives at least one dossier a month at scale 1.

Calibration, checked on the generated rows before anything is written
(:class:`.targets.ProcedureCalibrationError` otherwise):

- P1 (``published_figures.csv``, a bound): Hoàn Kiếm ward desks, 2022: more than 70% of
  the dossiers received were finished and returned the same day ("TTHC không chờ").
- P2..P5 (``published_figures_2025.csv``), commune-level desks, dossiers received
  2025-07-01..2025-09-23: received online 59.71%, in person 40.05%, by post 0.24%; of
  those resolved (finished) by 2025-09-23, 99.85% on time. The counts are set exactly
  (:func:`.targets.window_targets`): at ``scale`` :data:`.targets.REAL_SCALE` they are the published
  counts P6..P8 (531,269 received, 510,541 resolved, 763 of them late); at other scales
  the received count is the nearest one at which every share rounds to its published
  value.

Shape of the data (yearly means, 2021 -> 2026): online share about 30% -> 75% before the
reform, about 60% at the new commune centres after it, rising again through 2026; postal
about 2-3%; online payment of fee-bearing dossiers about 10% -> 85%; digitised 28% ->
90%; about 1% refused, 0.3% stopped, 0.5% withdrawn; 3.5% with a supplement request; on
time 95-99% by level before the reform, above 99.5% at communes after it; about 80% of
commune-desk dossiers are same-day procedures.

Volume: about 1,500 dossiers received a month at ``scale`` 1.0 (about 107,000 in all,
plus their later states); ``scale`` multiplies it, :data:`REAL_SCALE` (150) is the
city's real volume. Generation is vectorised and month by month (the three calibrated
months together), so memory does not grow with the total.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sources.sample.procedures.catalogue import _build_catalogue, _Catalogue
from sources.sample.procedures.desks import _build_desks, _Desks
from sources.sample.procedures.draws import _draw_month, _Draws, _month_volumes
from sources.sample.procedures.layout import (
    FOLDER,
    MONTHS,
    RE_EXTRACTED_MONTHS,
    _write_csv,
    extraction_time,
    file_name,
    re_extraction_time,
)
from sources.sample.procedures.lifecycle import _Facts, _Lifecycle, _lifecycle, _rows, _signature
from sources.sample.procedures.targets import (
    P1_YEAR,
    WindowTargets,
    _check_p1,
    _check_window,
    _Quota,
    window_targets,
)
from sources.sample.procedures.vocabulary import FINAL_STATUSES
from sources.sample.procedures.window import _calibrate_window, _window_quotas

log = logging.getLogger(__name__)

STREAM = 4
MIN_SCALE = 0.01


@dataclass
class _Generator:
    seed: int
    scale: float
    desks: _Desks = field(init=False)
    catalogue: _Catalogue = field(init=False)
    volumes: np.ndarray = field(init=False)
    targets: WindowTargets = field(init=False)
    quotas: dict[int, _Quota] = field(init=False)

    def __post_init__(self) -> None:
        self.desks = _build_desks()
        self.catalogue = _build_catalogue(self.desks)
        self.volumes = _month_volumes(np.random.default_rng([self.seed, STREAM, 0]), self.scale)
        self.targets = window_targets(self.scale)
        self.quotas = _window_quotas(self.targets)

    def draw(self, i: int) -> _Draws:
        rng = np.random.default_rng([self.seed, STREAM, 1 + i])
        return _draw_month(
            rng, i, int(self.volumes[i]), self.desks, self.catalogue, self.quotas.get(i)
        )

    def window_months(self) -> dict[int, tuple[_Lifecycle, _Facts]]:
        """The calibrated months, drawn and calibrated together."""
        draws = [self.draw(i) for i in sorted(self.quotas)]
        rng = np.random.default_rng([self.seed, STREAM, 100_000])
        _calibrate_window(draws, self.targets, rng)
        return {d.month_index: _lifecycle(d, self.desks, self.catalogue) for d in draws}

    def month(self, i: int, window: dict) -> tuple[_Lifecycle, _Facts]:
        if i in self.quotas:
            if not window:
                window.update(self.window_months())
            return window.pop(i)
        return _lifecycle(self.draw(i), self.desks, self.catalogue)


def window_counts(seed: int, scale: float) -> dict[str, int]:
    """Counts of the calibrated window (P2..P8) as generated at ``scale``, without writing
    any file: the window's three months only, so that the real scale can be checked."""
    gen = _Generator(seed, scale)
    window: dict = {}
    totals: dict[str, int] = {}
    for i in sorted(gen.quotas):
        _, facts = gen.month(i, window)
        for k, v in facts.window.items():
            totals[k] = totals.get(k, 0) + v
    return totals


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the monthly dossier exports (and the re-extractions) under
    ``out_dir/procedures``; return their paths, sorted.

    ``scale`` multiplies the volume (1.0: about 1,500 dossiers a month; REAL_SCALE: the
    city's). The files are written to a hidden staging folder and moved into place only
    when every calibration check passed: on :class:`ProcedureCalibrationError` nothing
    is written.
    """
    if not scale >= MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE}, got {scale}")
    started = time.perf_counter()  # for the log line only; never reaches the data
    gen = _Generator(seed, scale)
    folder = out_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    try:
        names, rows_written = _write_all(gen, staging)
        paths = []
        for name in names:
            os.replace(staging / name, folder / name)
            paths.append(folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info(
        "wrote %d dossiers (%d rows) in %d files to %s in %.1f s",
        int(gen.volumes.sum()), rows_written, len(paths), folder,
        time.perf_counter() - started,
    )  # fmt: skip
    return sorted(paths)


def _write_all(gen: _Generator, folder: Path) -> tuple[list[str], int]:
    """Generate month by month into ``folder``; check the calibration on the way."""
    names: list[str] = []
    window: dict = {}
    window_totals: dict[str, int] = {}
    p1 = [0, 0]
    carry: list[tuple[_Lifecycle, np.ndarray]] = []  # open dossiers, their last signature
    keep_whole = {}
    rows_written = 0
    for i, month in enumerate(MONTHS):
        lc, facts = gen.month(i, window)
        if month.startswith(str(P1_YEAR)):
            p1[0] += facts.p1_same_day
            p1[1] += facts.p1_received
        if month == f"{P1_YEAR}-12":
            _check_p1(*p1)
        if i in gen.quotas:
            for k, v in facts.window.items():
                window_totals[k] = window_totals.get(k, 0) + v
            if i == max(gen.quotas):
                _check_window(window_totals, gen.targets, gen.scale)
        if month in RE_EXTRACTED_MONTHS:
            keep_whole[month] = lc
        at = extraction_time(month)
        tables = [_rows(lc, at)]
        next_carry = []
        for old, signature in [*carry, (lc, None)]:
            now = _signature(old, at)
            if signature is not None:
                changed = np.flatnonzero(now != signature)
                if changed.size:
                    tables.append(_rows(old.take(changed), at))
            still_open = np.flatnonzero(~np.isin(now // 100_000, FINAL_STATUSES))
            if still_open.size:
                next_carry.append((old.take(still_open), now[still_open]))
        carry = next_carry
        names.append(file_name(month))
        rows_written += _write_csv(tables, folder / names[-1])
    again = re_extraction_time()
    for month, lc in keep_whole.items():
        names.append(file_name(month, again))
        rows_written += _write_csv([_rows(lc, again)], folder / names[-1])
    return names, rows_written
