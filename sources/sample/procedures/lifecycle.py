"""A month's dossiers with their whole history, and their state and rows at any extraction
time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sources.readers.procedures import STATUSES
from sources.sample.procedures.catalogue import _Catalogue
from sources.sample.procedures.clock import _DUE_HOUR, CALENDAR, REFORM_DAY, _at, _offset, _workdays
from sources.sample.procedures.desks import DEPARTMENTS_RENAMED_ON, VARIANTS, _Desks
from sources.sample.procedures.draws import _Draws
from sources.sample.procedures.layout import (
    MONTHS,
    _month_start,
    _next_month,
    _timestamps,
    extraction_time,
)
from sources.sample.procedures.targets import WINDOW_END
from sources.sample.procedures.vocabulary import CITY, IN_PERSON, LEVELS, ONLINE, POSTAL
from sources.sample.procedures.window import _window_rows


@dataclass
class _Lifecycle:
    """Every dossier of a month with its whole history: the state at any extraction time
    derives from it."""

    first_extraction: np.datetime64  # the regular export of the receipt month
    last_workday: np.datetime64  # of the receipt month
    static: pa.Table  # columns that never change, plus _received for ordering
    recv_day: np.ndarray
    normal: np.ndarray
    outcome: np.ndarray
    finished: np.ndarray
    returned: np.ndarray
    ended: np.ndarray
    supp_count: np.ndarray
    supp_days: np.ndarray
    e_result: np.ndarray
    rated: np.ndarray
    rating: np.ndarray

    def take(self, idx: np.ndarray) -> _Lifecycle:
        arrays = {
            name: getattr(self, name)[idx]
            for name in (
                "recv_day", "normal", "outcome", "finished", "returned", "ended",
                "supp_count", "supp_days", "e_result", "rated", "rating",
            )
        }  # fmt: skip
        return replace(self, static=self.static.take(pa.array(idx)), **arrays)


@dataclass(frozen=True)
class _Facts:
    """What the calibration checks need of a month (final states)."""

    p1_same_day: int
    p1_received: int
    window: dict[str, int]


def _lifecycle(d: _Draws, desks: _Desks, catalogue: _Catalogue) -> tuple[_Lifecycle, _Facts]:
    month = MONTHS[d.month_index]
    first = _month_start(month)
    n = d.level.size
    recv = _at(d.recv_day, d.recv_sec)
    due = _at(d.due_day, np.full(n, _DUE_HOUR))
    same_day_finish = d.finish_day == d.recv_day
    fast_sec = d.recv_sec + np.minimum(d.fast_delay, _DUE_HOUR - d.recv_sec)
    finished = _at(d.finish_day, np.where(same_day_finish, fast_sec, d.finish_sec))
    returned = np.where(
        d.return_same_day,
        finished + d.return_delay.astype("timedelta64[s]"),
        _at(_offset(d.finish_day, d.return_lag), d.return_sec),
    )
    ended = np.where(
        d.end_after == 0,
        recv + d.end_delay.astype("timedelta64[s]"),
        _at(_offset(d.recv_day, d.end_after + d.supp_days), d.end_sec),
    )
    normal = d.outcome == 0
    on_time = (d.finish_day <= _offset(d.due_day, d.supp_days)) & (d.supp_count <= 1)
    rating = np.where(on_time, d.rating_on_time, d.rating_late)

    # Ids: H26.<unit>-<yymmdd>-<seq>, seq in order of receipt at the unit that day.
    order = np.lexsort((recv, d.recv_day, d.desk))
    group_key = d.desk[order] * 100_000 + (d.recv_day[order] - first).astype(np.int64)
    starts = (
        np.flatnonzero(np.r_[True, group_key[1:] != group_key[:-1]])
        if n
        else np.array([], np.int64)
    )
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    seq += 1
    recv_ts = pa.array(recv, pa.timestamp("s"))
    yymmdd = pc.replace_substring_regex(
        pc.cast(recv_ts, pa.string()), r"^\d{2}(\d{2})-(\d{2})-(\d{2}) .*$", r"\1\2\3"
    )
    dossier_id = pc.binary_join_element_wise(
        "H26.",
        desks.segment.take(d.desk),
        "-",
        yymmdd,
        "-",
        pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), width=6, padding="0"),
        "",
    )
    nv = len(VARIANTS)
    unit_name = desks.names.take(d.desk * nv + d.variant)
    renamed = (d.level == CITY) & (d.recv_day >= DEPARTMENTS_RENAMED_ON)
    if renamed.any():
        unit_name = pc.if_else(pa.array(renamed), desks.renamed.take(d.desk), unit_name)
    district_desk = np.where(first >= REFORM_DAY, -1, desks.district[d.desk])
    district_name = desks.names.take(
        pa.array(np.maximum(district_desk, 0) * nv + d.district_variant, mask=district_desk < 0)
    )
    fee = catalogue.fee[d.proc]
    static = pa.table(
        {
            "ma_ho_so": dossier_id,
            "ma_tthc": catalogue.code.take(d.proc),
            "ten_tthc": catalogue.name.take(d.proc),
            "linh_vuc": catalogue.field.take(d.proc),
            "cap_thuc_hien": pa.array(LEVELS, pa.string()).take(d.level),
            "don_vi_tiep_nhan": unit_name,
            "quan_huyen": district_name,
            "kenh_thuc_hien": pa.array(d.channel, pa.int8()),
            "ngay_tiep_nhan": _timestamps(recv, np.ones(n, dtype=bool)),
            "ngay_hen_tra": _timestamps(due, np.ones(n, dtype=bool)),
            "co_phi": pa.array(fee, pa.int8()),
            "thanh_toan_truc_tuyen": pa.array(d.paid_online, pa.int8()),
            "so_hoa": pa.array(d.digitised, pa.int8()),
            "_received": recv_ts,
        }
    )
    workdays = _workdays(first, _next_month(month) - np.timedelta64(1, "D"))
    lifecycle = _Lifecycle(
        first_extraction=extraction_time(month),
        last_workday=workdays[-1],
        static=static,
        recv_day=d.recv_day,
        normal=normal,
        outcome=d.outcome,
        finished=finished,
        returned=returned,
        ended=ended,
        supp_count=d.supp_count,
        supp_days=d.supp_days,
        e_result=d.e_result,
        rated=d.rated,
        rating=rating,
    )
    same_day = normal & same_day_finish & (returned.astype("datetime64[D]") == d.recv_day)
    p1 = desks.is_p1[d.desk]
    rows = _window_rows(d)
    resolved = rows[normal[rows] & (d.finish_day[rows] <= WINDOW_END)]
    facts = _Facts(
        p1_same_day=int((same_day & p1).sum()),
        p1_received=int(p1.sum()),
        window={
            "received": rows.size,
            "online": int((d.channel[rows] == ONLINE).sum()),
            "in_person": int((d.channel[rows] == IN_PERSON).sum()),
            "postal": int((d.channel[rows] == POSTAL).sum()),
            "resolved": resolved.size,
            "resolved_late": int((~on_time[resolved]).sum()),
        },
    )
    return lifecycle, facts


def _state(lc: _Lifecycle, at: np.datetime64) -> tuple[np.ndarray, np.ndarray, dict]:
    """(status index, supplement days so far, masks) of every dossier at ``at``."""
    has_finished = lc.normal & (lc.finished <= at)
    has_returned = has_finished & (lc.returned <= at)
    has_ended = ~lc.normal & (lc.ended <= at)
    open_ = ~has_finished & ~has_ended
    waited = np.busday_count(lc.recv_day, at.astype("datetime64[D]"), busdaycal=CALENDAR)
    supp_days = np.where(open_, np.minimum(lc.supp_days, np.maximum(waited, 0)), lc.supp_days)
    unassigned = open_ & (at == lc.first_extraction) & (lc.recv_day == lc.last_workday)
    status = np.select(
        [
            has_returned,
            has_finished,
            has_ended & (lc.outcome == 1),
            has_ended & (lc.outcome == 2),
            has_ended & (lc.outcome == 3),
            open_ & (lc.supp_count > 0),
            unassigned,
        ],
        [4, 3, 5, 6, 7, 2, 0],
        default=1,
    )
    masks = {"finished": has_finished, "returned": has_returned, "ended": has_ended}
    return status, supp_days, masks


def _signature(lc: _Lifecycle, at: np.datetime64) -> np.ndarray:
    status, supp_days, _ = _state(lc, at)
    return status * 100_000 + supp_days


def _rows(lc: _Lifecycle, at: np.datetime64) -> pa.Table:
    """The dossiers' rows as extracted at ``at``, in file column order (plus _received)."""
    status, supp_days, m = _state(lc, at)
    n = status.size
    s = lc.static
    columns = {
        "ma_ho_so": s["ma_ho_so"],
        "ma_tthc": s["ma_tthc"],
        "ten_tthc": s["ten_tthc"],
        "linh_vuc": s["linh_vuc"],
        "cap_thuc_hien": s["cap_thuc_hien"],
        "don_vi_tiep_nhan": s["don_vi_tiep_nhan"],
        "quan_huyen": s["quan_huyen"],
        "kenh_thuc_hien": s["kenh_thuc_hien"],
        "ngay_tiep_nhan": s["ngay_tiep_nhan"],
        "ngay_hen_tra": s["ngay_hen_tra"],
        "ngay_hoan_thanh": _timestamps(lc.finished, m["finished"]),
        "ngay_tra_ket_qua": _timestamps(lc.returned, m["returned"]),
        "ngay_ket_thuc": _timestamps(lc.ended, m["ended"]),
        "trang_thai": pa.array(STATUSES, pa.string()).take(status),
        "so_lan_bo_sung": pa.array(lc.supp_count, pa.int8()),
        "thoi_gian_bo_sung_ngay": pa.array(supp_days, pa.int16()),
        "co_phi": s["co_phi"],
        "thanh_toan_truc_tuyen": s["thanh_toan_truc_tuyen"],
        "so_hoa": s["so_hoa"],
        "ket_qua_dien_tu": pa.array(lc.e_result & m["finished"], pa.int8()),
        "danh_gia": pa.array(lc.rating, pa.int8(), mask=~(lc.rated & m["returned"])),
        "thoi_diem_trich_xuat": _timestamps(np.full(n, at), np.ones(n, dtype=bool)),
        "_received": s["_received"],
    }
    return pa.table(columns)
