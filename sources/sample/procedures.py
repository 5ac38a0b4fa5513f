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
Vietnam's official days off (``CALENDAR``).

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
(:class:`ProcedureCalibrationError` otherwise):

- P1 (``published_figures.csv``, a bound): Hoàn Kiếm ward desks, 2022: more than 70% of
  the dossiers received were finished and returned the same day ("TTHC không chờ").
- P2..P5 (``published_figures_2025.csv``), commune-level desks, dossiers received
  2025-07-01..2025-09-23: received online 59.71%, in person 40.05%, by post 0.24%; of
  those resolved (finished) by 2025-09-23, 99.85% on time. The counts are set exactly
  (:func:`window_targets`): at ``scale`` :data:`REAL_SCALE` they are the published
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

import codecs
import datetime as dt
import functools
import logging
import math
import os
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sources.formats.text import match_key, to_ascii
from sources.loading.admin_units import REFORM_DATE, UNIT_TYPES, build_admin_units
from sources.loading.workdays import work_calendar
from sources.sample import FIRST_MONTH, LAST_MONTH, CalibrationError

log = logging.getLogger(__name__)

STREAM = 4
FOLDER = "procedures"
FILE_PREFIX = "ho_so_"
MONTHS = tuple(
    f"{y}-{m:02d}"
    for y in range(FIRST_MONTH[0], LAST_MONTH[0] + 1)
    for m in range(1, 13)
    if FIRST_MONTH <= (y, m) <= LAST_MONTH
)
TIMESTAMP_FORMAT = "%d/%m/%Y %H:%M:%S"
FILE_STAMP_FORMAT = "%Y%m%dT%H%M"  # the extraction time in a re-extraction's file name
EXTRACTION_DAY = 5  # the regular export runs on the 5th of the next month ...
EXTRACTION_HOUR = 8  # ... at 08:00
RE_EXTRACTED_MONTHS = MONTHS[-3:-1]  # re-extracted whole after the last regular export
RE_EXTRACTION_DAY = 7  # ... on the 7th of the month after LAST_MONTH, 08:00
BASE_MONTHLY_DOSSIERS = 1500
MIN_SCALE = 0.01
REAL_SCALE = 150.0  # `egov sample --scale real`: the city's real volume (P6..P8 exact)
REFORM_DAY = np.datetime64(REFORM_DATE, "D")

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

LEVELS = ("Cấp tỉnh", "Cấp huyện", "Cấp xã")
CITY, DISTRICT, COMMUNE = 0, 1, 2
LEVEL_SHARE = np.array([0.12, 0.28, 0.60])
LEVEL_SHARE_AFTER_REFORM = np.array([0.10, 0.0, 0.90])  # no district level

# Columns in file order with their kind: text, int or timestamp (see the module docstring).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("ma_ho_so", "text"),
    ("ma_tthc", "text"),
    ("ten_tthc", "text"),
    ("linh_vuc", "text"),
    ("cap_thuc_hien", "text"),
    ("don_vi_tiep_nhan", "text"),
    ("quan_huyen", "text"),
    ("kenh_thuc_hien", "int"),
    ("ngay_tiep_nhan", "timestamp"),
    ("ngay_hen_tra", "timestamp"),
    ("ngay_hoan_thanh", "timestamp"),
    ("ngay_tra_ket_qua", "timestamp"),
    ("ngay_ket_thuc", "timestamp"),
    ("trang_thai", "text"),
    ("so_lan_bo_sung", "int"),
    ("thoi_gian_bo_sung_ngay", "int"),
    ("co_phi", "int"),
    ("thanh_toan_truc_tuyen", "int"),
    ("so_hoa", "int"),
    ("ket_qua_dien_tu", "int"),
    ("danh_gia", "int"),
    ("thoi_diem_trich_xuat", "timestamp"),
)
STATUSES = (
    "DA_TIEP_NHAN",
    "DANG_XU_LY",
    "YEU_CAU_BO_SUNG",
    "DA_HOAN_THANH",
    "DA_TRA_KET_QUA",
    "TU_CHOI",
    "DUNG_XU_LY",
    "CONG_DAN_RUT",
)
FINAL_STATUSES = (4, 5, 6, 7)  # indices in STATUSES: nothing changes after them

# Vietnam's working days: one calendar for the sample and the warehouse
# (sources/loading/workdays.py, from the pinned `holidays` package, as the dbt seeds
# ref_vietnam_official_days_off / ref_vietnam_make_up_working_days). HOLIDAYS are the
# weekdays off. CALENDAR is numpy's view of it: Saturdays are in its weekmask and every
# Saturday that is not a make-up working day (2024-05-04, 2025-04-26, 2026-08-22 ...)
# is among its holidays, so np.busday_* count the make-up Saturdays; it is exact within
# WORK_CALENDAR's years only (WORK_CALENDAR.check raises naming a year beyond them).
WORK_CALENDAR = work_calendar()
HOLIDAYS = WORK_CALENDAR.days_off
CALENDAR = WORK_CALENDAR.busdaycalendar

DEPARTMENTS = (
    "Sở Tư pháp",
    "Sở Kế hoạch và Đầu tư",
    "Sở Giao thông vận tải",
    "Sở Xây dựng",
    "Sở Tài nguyên và Môi trường",
    "Sở Y tế",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Công Thương",
    "Sở Giáo dục và Đào tạo",
    "Sở Văn hóa và Thể thao",
)
# Hanoi's departments were merged from 2025-03-01: the desks stay, under the new names.
DEPARTMENTS_RENAMED_ON = np.datetime64("2025-03-01", "D")
DEPARTMENT_RENAMES = {
    "Sở Kế hoạch và Đầu tư": "Sở Tài chính",
    "Sở Giao thông vận tải": "Sở Xây dựng",
    "Sở Tài nguyên và Môi trường": "Sở Nông nghiệp và Môi trường",
    "Sở Lao động - Thương binh và Xã hội": "Sở Nội vụ",
}
# How a commune's Public Administrative Service Centre is written after the reform; the
# reader (sources.readers.procedures) removes this prefix before matching the commune's name.
CENTRE_PREFIX = "Trung tâm Phục vụ hành chính công"


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure (thủ tục hành chính) of the catalogue."""

    code: str
    name: str
    field: str
    weights: tuple[float, float, float]  # relative volume at city, district, commune desks
    legal_days: int  # legal processing time in working days; 0 = same day
    fee: bool
    department: str | None = None  # the city department that receives it (city level)


CATALOGUE: tuple[Procedure, ...] = (
    # City departments.
    Procedure(
        "1.004227",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, "
        "người nước ngoài đang cư trú tại Việt Nam",
        "Lý lịch tư pháp",
        (18, 0, 0),
        10,
        True,
        "Sở Tư pháp",
    ),
    Procedure(
        "2.001610",
        "Đăng ký thành lập doanh nghiệp tư nhân",
        "Thành lập và hoạt động của doanh nghiệp",
        (9, 0, 0),
        3,
        True,
        "Sở Kế hoạch và Đầu tư",
    ),
    Procedure(
        "2.002019",
        "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
        "Thành lập và hoạt động của doanh nghiệp",
        (14, 0, 0),
        3,
        True,
        "Sở Kế hoạch và Đầu tư",
    ),
    Procedure(
        "1.002804",
        "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        "Đường bộ",
        (22, 0, 0),
        5,
        True,
        "Sở Giao thông vận tải",
    ),
    Procedure(
        "1.001009",
        "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II",
        "Hoạt động xây dựng",
        (3, 0, 0),
        20,
        True,
        "Sở Xây dựng",
    ),
    Procedure(
        "1.005097",
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Đất đai",
        (10, 0, 0),
        10,
        True,
        "Sở Tài nguyên và Môi trường",
    ),
    Procedure(
        "1.004616",
        "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
        "Khám bệnh, chữa bệnh",
        (5, 0, 0),
        20,
        True,
        "Sở Y tế",
    ),
    Procedure(
        "2.000205",
        "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
        "Việc làm",
        (8, 0, 0),
        5,
        True,
        "Sở Lao động - Thương binh và Xã hội",
    ),
    Procedure(
        "2.000620",
        "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        "An toàn thực phẩm",
        (4, 0, 0),
        15,
        True,
        "Sở Công Thương",
    ),
    Procedure(
        "1.005092",
        "Chuyển trường đối với học sinh trung học phổ thông",
        "Giáo dục trung học",
        (4, 0, 0),
        3,
        False,
        "Sở Giáo dục và Đào tạo",
    ),
    Procedure(
        "1.003622",
        "Cấp giấy phép tổ chức biểu diễn nghệ thuật",
        "Nghệ thuật biểu diễn",
        (3, 0, 0),
        5,
        False,
        "Sở Văn hóa và Thể thao",
    ),
    # District and commune one-stop desks.
    Procedure(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan tổ chức "
        "có thẩm quyền của Việt Nam cấp hoặc chứng nhận",
        "Chứng thực",
        (0, 22, 40),
        0,
        True,
    ),
    Procedure(
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        "Chứng thực",
        (0, 6, 14),
        0,
        True,
    ),
    Procedure(
        "2.000575",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, "
        "quyền sử dụng đất và nhà ở",
        "Chứng thực",
        (0, 0, 6),
        2,
        True,
    ),
    Procedure("1.004873", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", (0, 3, 8), 0, True),
    Procedure("1.001193", "Đăng ký khai sinh", "Hộ tịch", (0, 0, 9), 0, False),
    Procedure("1.000656", "Đăng ký khai tử", "Hộ tịch", (0, 0, 3), 0, False),
    Procedure("1.000894", "Đăng ký kết hôn", "Hộ tịch", (0, 0, 4), 0, False),
    Procedure(
        "1.004884", "Thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch", (0, 2, 3), 3, True
    ),
    Procedure("1.000110", "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", (0, 0, 7), 3, True),
    Procedure("1.001022", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", (0, 2, 0), 10, True),
    Procedure(
        "1.001612",
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        (0, 14, 0),
        3,
        True,
    ),
    Procedure(
        "2.000720",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        (0, 10, 0),
        3,
        True,
    ),
    Procedure(
        "1.009994",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "Hoạt động xây dựng",
        (0, 12, 0),
        15,
        True,
    ),
    Procedure(
        "1.004203",
        "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở "
        "và tài sản khác gắn liền với đất lần đầu",
        "Đất đai",
        (0, 8, 0),
        30,
        True,
    ),
    Procedure(
        "1.001766",
        "Cấp Giấy phép bán lẻ rượu",
        "Lưu thông hàng hóa trong nước",
        (0, 3, 0),
        10,
        True,
    ),
    Procedure(
        "2.000286",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
        "Bảo trợ xã hội",
        (0, 0, 3),
        7,
        False,
    ),
    Procedure(
        "2.001157",
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "Bảo trợ xã hội",
        (0, 0, 1),
        3,
        False,
    ),
)

# Unit-name variants: index 0 is the canonical name, 1 the commune centre's name (used
# after the reform only); the shares of each row sum to 1.
VARIANTS = ("canonical", "centre", "abbreviated", "upper", "ascii", "nfd")
VARIANT_SHARE = np.array([0.82, 0.0, 0.06, 0.04, 0.04, 0.04])
VARIANT_SHARE_CENTRES = np.array([0.42, 0.40, 0.06, 0.04, 0.04, 0.04])
_ABBREVIATIONS = {
    "quan": "Q.",
    "huyen": "H.",
    "thi_xa": "TX.",
    "phuong": "P.",
    "xa": "X.",
    "thi_tran": "TT.",
}
_TYPE_LABELS = {code: label for label, code in UNIT_TYPES.items()}
_UNIT_WEIGHT = {"quan": 1.3, "huyen": 1.0, "thi_xa": 1.0, "phuong": 1.6, "thi_tran": 1.4, "xa": 1.0}
_FAR_FUTURE = np.datetime64("9999-12-31", "D")
_MAX_DATE = dt.date(9999, 12, 31)

_OFFICE_START = 8 * 3600
_AFTERNOON_START = 13 * 3600
_DUE_HOUR = 17 * 3600
_AFTER_HOURS_CUTOFF = 15 * 3600


class ProcedureCalibrationError(CalibrationError):
    """The generated dossiers do not meet a published figure they are calibrated to."""


# --- extraction times ------------------------------------------------------------------


def _month_start(month: str) -> np.datetime64:
    return np.datetime64(f"{month}-01", "D")


def _next_month(month: str) -> np.datetime64:
    return (_month_start(month).astype("datetime64[M]") + 1).astype("datetime64[D]")


def extraction_time(month: str) -> np.datetime64:
    """When the regular export of ``month`` runs: 08:00 on the 5th of the next month."""
    day = _next_month(month) + np.timedelta64(EXTRACTION_DAY - 1, "D")
    return day.astype("datetime64[s]") + np.timedelta64(EXTRACTION_HOUR, "h")


def re_extraction_time() -> np.datetime64:
    """When :data:`RE_EXTRACTED_MONTHS` are extracted again: the 7th after LAST_MONTH."""
    day = _next_month(MONTHS[-1]) + np.timedelta64(RE_EXTRACTION_DAY - 1, "D")
    return day.astype("datetime64[s]") + np.timedelta64(EXTRACTION_HOUR, "h")


def file_name(month: str, re_extracted_at: np.datetime64 | None = None) -> str:
    """``ho_so_<month>.csv``, or ``ho_so_<month>_<YYYYMMDDTHHMM>.csv`` for a re-extraction."""
    if re_extracted_at is None:
        return f"{FILE_PREFIX}{month}.csv"
    stamp = re_extracted_at.astype("datetime64[s]").item().strftime(FILE_STAMP_FORMAT)
    return f"{FILE_PREFIX}{month}_{stamp}.csv"


# --- calibration targets ----------------------------------------------------------------


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


# --- desks and catalogue ----------------------------------------------------------------


@dataclass(frozen=True)
class _Desks:
    """Receiving units (departments, districts, communes of every version) as arrays."""

    level: np.ndarray  # CITY / DISTRICT / COMMUNE
    district: np.ndarray  # the desk's district (index in this table), -1 if none
    weight: np.ndarray  # relative volume within the level
    is_p1: np.ndarray  # ward desk of the P1 district
    is_reporting: np.ndarray  # a unit the throughput mart reports (district; new commune)
    valid_from: np.ndarray  # datetime64[D]
    valid_to: np.ndarray  # datetime64[D], _FAR_FUTURE when open
    segment: pa.Array  # the unit part of ma_ho_so
    names: pa.Array  # the variants of unit i at i * len(VARIANTS) + VARIANTS.index(v)
    renamed: pa.Array  # department names from DEPARTMENTS_RENAMED_ON (others: canonical)
    department_of: dict[str, int]

    def active(self, level: int, first: np.datetime64, last: np.datetime64) -> np.ndarray:
        """Desks of ``level`` valid on every day from ``first`` to ``last``."""
        return np.flatnonzero(
            (self.level == level) & (self.valid_from <= first) & (self.valid_to >= last)
        )


def _strip_centre(name: str) -> str:
    folded = unicodedata.normalize("NFC", name)
    if folded.casefold().startswith(CENTRE_PREFIX.casefold()):
        return folded[len(CENTRE_PREFIX) :].strip()
    return folded


def _variants(unit_type: str, short_name: str) -> list[str]:
    canonical = unicodedata.normalize("NFC", f"{_TYPE_LABELS[unit_type]} {short_name}")
    centre = f"{CENTRE_PREFIX} {_TYPE_LABELS[unit_type].lower()} {short_name}"
    return [
        canonical,
        unicodedata.normalize("NFC", centre),
        f"{_ABBREVIATIONS[unit_type]} {short_name}",
        short_name.upper(),
        to_ascii(short_name),
        unicodedata.normalize("NFD", canonical),
    ]


def _checked_variants(unit: dict, candidates: list[dict]) -> list[str]:
    """The unit's name variants; a variant whose key does not pick out exactly this unit
    among ``candidates`` is replaced by the canonical name."""
    names = _variants(unit["unit_type"], unit["short_name_vi"])
    if names[0] != unit["name_vi"]:
        raise ValueError(f"unexpected canonical name {names[0]!r} for {unit['name_vi']!r}")
    keys = [_key(c["name_vi"]) for c in candidates]

    def picks_this_unit(name: str) -> bool:
        key = _key(_strip_centre(name))
        hits = [c for c, k in zip(candidates, keys, strict=True) if k == key]
        return len(hits) == 1 and hits[0]["admin_unit_id"] == unit["admin_unit_id"]

    if not picks_this_unit(names[0]):
        raise ValueError(f"{unit['name_vi']!r} does not match exactly one unit of its list")
    return [name if picks_this_unit(name) else names[0] for name in names]


@functools.cache
def _key(name: str) -> str:
    return match_key(name)


def _day(value: object) -> np.datetime64:
    return _FAR_FUTURE if value is None else np.datetime64(value, "D")


def _overlaps(a: dict, b: dict) -> bool:
    return a["valid_from"] <= (b["valid_to"] or _MAX_DATE) and b["valid_from"] <= (
        a["valid_to"] or _MAX_DATE
    )


def _build_desks() -> _Desks:
    """Every unit of ``build_admin_units()`` that can receive dossiers, with its validity."""
    units = build_admin_units().to_pylist()
    districts = sorted(
        (u for u in units if u["level"] == "district"), key=lambda u: u["admin_unit_id"]
    )
    communes = sorted(
        (u for u in units if u["level"] == "commune"),
        key=lambda u: (str(u["valid_from"]), u["admin_unit_id"]),
    )
    if not districts or not communes:
        raise ValueError("build_admin_units() holds no districts or no communes")
    level, district, weight, is_p1, reporting, start, end = [], [], [], [], [], [], []
    segment, names, renamed = [], [], []
    department_of = {}
    nv = len(VARIANTS)

    def add(lv: int, unit: dict | None, dist: int, seg: str, variants: list[str]) -> None:
        level.append(lv)
        district.append(dist)
        weight.append(_UNIT_WEIGHT[unit["unit_type"]] if unit else 1.0)
        is_p1.append(
            bool(unit)
            and lv == COMMUNE
            and unit["parent_id"] == P1_DISTRICT_ID
            and unit["unit_type"] == "phuong"
        )
        reporting.append(
            lv == DISTRICT or (lv == COMMUNE and unit is not None and unit["parent_id"] == "01")
        )
        start.append(_day(unit["valid_from"]) if unit else np.datetime64("1900-01-01", "D"))
        end.append(_day(unit["valid_to"]) if unit else _FAR_FUTURE)
        segment.append(seg)
        names.extend(variants)
        renamed.append(DEPARTMENT_RENAMES.get(variants[0], variants[0]))

    for i, dept in enumerate(DEPARTMENTS):
        department_of[dept] = len(level)
        add(CITY, None, -1, f"S{i + 1:02d}", [dept] * nv)
    district_index = {}
    for d in districts:
        district_index[d["admin_unit_id"]] = len(level)
        candidates = [x for x in districts if _overlaps(x, d)]
        add(DISTRICT, d, len(level), d["gso_code"], _checked_variants(d, candidates))
    by_parent: dict[str, list[dict]] = {}
    for c in communes:
        by_parent.setdefault(c["parent_id"], []).append(c)
    for c in communes:
        siblings = [s for s in by_parent[c["parent_id"]] if _overlaps(s, c)]
        add(
            COMMUNE, c, district_index.get(c["parent_id"], -1), c["gso_code"],
            _checked_variants(c, siblings),
        )  # fmt: skip
    return _Desks(
        level=np.array(level, dtype=np.int8),
        district=np.array(district, dtype=np.int64),
        weight=np.array(weight),
        is_p1=np.array(is_p1),
        is_reporting=np.array(reporting),
        valid_from=np.array(start, dtype="datetime64[D]"),
        valid_to=np.array(end, dtype="datetime64[D]"),
        segment=pa.array(segment, pa.string()),
        names=pa.array(names, pa.string()),
        renamed=pa.array(renamed, pa.string()),
        department_of=department_of,
    )


@dataclass(frozen=True)
class _Catalogue:
    legal_days: np.ndarray
    fee: np.ndarray
    code: pa.Array
    name: pa.Array
    field: pa.Array
    weights: tuple[np.ndarray, np.ndarray, np.ndarray]  # probabilities per level
    weights_after_reform: tuple[np.ndarray, np.ndarray, np.ndarray]
    department: np.ndarray  # desk index of the city department, -1 if none


def _build_catalogue(desks: _Desks) -> _Catalogue:
    codes = [p.code for p in CATALOGUE]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate procedure code in CATALOGUE")
    for p in CATALOGUE:
        if (p.weights[CITY] > 0) != (p.department is not None):
            raise ValueError(f"{p.code}: a city-level procedure needs its department")
    raw = np.array([p.weights for p in CATALOGUE], dtype=float)
    # After the reform the communes perform what the districts did (business households,
    # house building permits, first land certificates ...).
    after = raw.copy()
    after[:, COMMUNE] += after[:, DISTRICT]
    after[:, DISTRICT] = 0.0

    def probabilities(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(
            w[:, lv] / w[:, lv].sum() if w[:, lv].sum() else w[:, lv]
            for lv in (CITY, DISTRICT, COMMUNE)
        )

    return _Catalogue(
        legal_days=np.array([p.legal_days for p in CATALOGUE], dtype=np.int64),
        fee=np.array([p.fee for p in CATALOGUE]),
        code=pa.array(codes, pa.string()),
        name=pa.array([p.name for p in CATALOGUE], pa.string()),
        field=pa.array([p.field for p in CATALOGUE], pa.string()),
        weights=probabilities(raw),
        weights_after_reform=probabilities(after),
        department=np.array(
            [desks.department_of[p.department] if p.department else -1 for p in CATALOGUE]
        ),
    )


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


def _office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Times of day in office hours: 08:00-11:30 (62%) or 13:00-16:45."""
    morning = rng.random(n) < 0.62
    return np.where(
        morning,
        _OFFICE_START + rng.integers(0, 210 * 60, n),
        _AFTERNOON_START + rng.integers(0, 225 * 60, n),
    )


def _at(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def _offset(days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    return np.busday_offset(days, n, roll="forward", busdaycal=CALENDAR)


def _workdays(first: np.datetime64, last: np.datetime64) -> np.ndarray:
    """Working days from ``first`` to ``last`` inclusive."""
    days = np.arange(first, last + np.timedelta64(1, "D"))
    return days[np.is_busday(days, busdaycal=CALENDAR)]


def _timestamps(values: np.ndarray, present: np.ndarray) -> pa.Array:
    """``dd/MM/yyyy HH:mm:ss`` (TIMESTAMP_FORMAT) text, null where not ``present``; built
    from the ISO text by a regex, several times faster than strftime."""
    arr = pa.array(values.astype("datetime64[s]"), pa.timestamp("s"), mask=~present)
    iso = pc.cast(arr, pa.string())  # 2024-01-31 08:00:00
    return pc.replace_substring_regex(iso, r"^(\d{4})-(\d{2})-(\d{2}) ", r"\3/\2/\1 ")


# --- one month of dossiers -------------------------------------------------------------


@dataclass(frozen=True)
class _Quota:
    """Commune-level dossiers of a calibrated month: received in the window (with their
    channels fixed) and after it."""

    in_window: int
    after_window: int
    online: int
    postal: int


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
        channel_draw < p_online, 2, np.where(channel_draw < p_online + p_postal, 3, 1)
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
        channel[inside] = 1
        channel[shuffled[: quota.online]] = 2
        channel[shuffled[quota.online : quota.online + quota.postal]] = 3
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
        channel == 2,
        _trend(month_index, (0.22, 0.42, 0.62, 0.80, 0.85, 0.88)),
        _trend(month_index, (0.02, 0.06, 0.12, 0.20, 0.25, 0.30)),
    )
    paid_online = fee & (rng.random(n) < p_pay)
    digitised = rng.random(n) < _trend(month_index, (0.25, 0.45, 0.66, 0.85, 0.88, 0.92))
    e_result = rng.random(n) < _trend(month_index, (0.15, 0.35, 0.55, 0.75, 0.80, 0.85)) + 0.1 * (
        channel == 2
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


# --- calibration of the window months (P2..P5) -------------------------------------------


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


# --- lifecycle and states ----------------------------------------------------------------


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
            "online": int((d.channel[rows] == 2).sum()),
            "in_person": int((d.channel[rows] == 1).sum()),
            "postal": int((d.channel[rows] == 3).sum()),
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


def _write_csv(tables: list[pa.Table], path: Path) -> int:
    """Write the rows ordered by receipt then id, as UTF-8 with BOM, CRLF, quoted text;
    atomically (rename at the end). Returns the row count."""
    table = pa.concat_tables(tables)
    table = table.sort_by([("_received", "ascending"), ("ma_ho_so", "ascending")])
    table = table.drop_columns(["_received"])
    tmp = path.with_name(f".{path.name}.tmp")
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed", eol="\r\n")
    with tmp.open("wb") as f:
        f.write(codecs.BOM_UTF8)
        pacsv.write_csv(table, f, write_options=options)
    os.replace(tmp, path)
    return table.num_rows


# --- generation ------------------------------------------------------------------------


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
