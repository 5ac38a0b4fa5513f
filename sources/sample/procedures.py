"""Sample dossiers (hồ sơ) of Hanoi's one-stop desks, as their case systems export them.

Files: ``procedures/ho_so_YYYY-MM.csv``, one per month 2021-01 .. 2024-12 (48 files),
each holding the dossiers RECEIVED in that month, as extracted on 2025-01-05 08:00
(``EXTRACTED_AT``): statuses and timestamps are as of that moment, so dossiers
received late in 2024 may still be open. Rows are ordered by ``ngay_tiep_nhan`` then
``ma_ho_so``.

Encoding: UTF-8 with a byte-order mark, comma delimiter, CRLF line ends, one header
row. Every text value is enclosed in double quotes (a quote inside is doubled);
numbers are bare; a null is an empty, unquoted field. Timestamps are local time of
Asia/Ho_Chi_Minh (UTC+07:00) written ``dd/MM/yyyy HH:mm:ss`` without an offset.

Columns, in file order (type: meaning):

- ``ma_ho_so`` (text): dossier id, unique across all files, ``H26.<unit>-<yymmdd>-<seq>``:
  ``<unit>`` is ``S01``..``S10`` for a city department, else the 3-digit district code
  or the 5-digit commune code; ``<yymmdd>`` the day received; ``<seq>`` 6 digits, the
  order of receipt at that unit that day.
- ``ma_tthc`` (text): procedure code in the national database's format, ``1.00xxxx`` or
  ``2.00xxxx`` (the code-name pairs of this sample are illustrative). Looks numeric:
  read it as text.
- ``ten_tthc`` (text): procedure name. ``linh_vuc`` (text): its field (lĩnh vực).
- ``cap_thuc_hien`` (text): level of the receiving desk: ``Cấp tỉnh``, ``Cấp huyện``,
  ``Cấp xã``.
- ``don_vi_tiep_nhan`` (text): receiving unit: a city department (``Sở ...``) at
  ``Cấp tỉnh``, else the district or commune, named as sources write it (below).
- ``quan_huyen`` (text): district of the receiving unit (also as written); null at
  ``Cấp tỉnh``.
- ``kenh_thuc_hien`` (integer): channel: 1 direct at the desk, 2 online, 3 postal.
- ``ngay_tiep_nhan`` (timestamp): received; always a working day in office hours.
- ``ngay_hen_tra`` (timestamp): due (appointment), 17:00 of the due day: received + the
  legal time in working days; a same-day procedure (legal time 0) is due the day it is
  received, or the next working day when received after 15:00.
- ``ngay_hoan_thanh`` (timestamp): processing finished (result ready); null if not.
- ``ngay_tra_ket_qua`` (timestamp): result handed to the citizen (or the post); null if not.
- ``ngay_ket_thuc`` (timestamp): refused, stopped or withdrawn at; null otherwise.
- ``trang_thai`` (text): status at extraction, see below.
- ``so_lan_bo_sung`` (integer): supplement requests so far, 0..3.
- ``thoi_gian_bo_sung_ngay`` (integer): working days the dossier waited for the citizen
  to supplement it; they do not count against the deadline.
- ``co_phi`` (integer 0/1): the procedure bears a fee or charge.
- ``thanh_toan_truc_tuyen`` (integer 0/1): the fee was paid online (0 when ``co_phi`` = 0).
- ``so_hoa`` (integer 0/1): the dossier's components were digitised (and its result,
  once there is one).
- ``ket_qua_dien_tu`` (integer 0/1): an electronic result was issued (0 while unfinished).
- ``danh_gia`` (integer): citizen rating, 1 (very dissatisfied) .. 5 (very satisfied);
  null when not rated; only returned dossiers are rated.

Statuses (``trang_thai``) and the timestamps they imply:

- ``DA_TIEP_NHAN`` received on 2024-12-31 (the last working day covered), not yet assigned;
- ``DANG_XU_LY`` in progress; ``YEU_CAU_BO_SUNG`` in progress, waiting for a supplement;
  all three have no finished, returned or end timestamp;
- ``DA_HOAN_THANH`` finished, result not yet returned (finished set, returned null);
- ``DA_TRA_KET_QUA`` finished and returned (both set);
- ``TU_CHOI`` refused, ``DUNG_XU_LY`` stopped, ``CONG_DAN_RUT`` withdrawn by the citizen:
  ``ngay_ket_thuc`` set, no finished or returned timestamp.

On time (Decision 766/QĐ-TTg): finished on or before the due day shifted by
``thoi_gian_bo_sung_ngay`` working days, and at most one supplement request; a
dossier with more than one request is late. Working days are Monday to Friday except
Vietnam's official days off (``HOLIDAYS``).

Unit names: most rows carry the canonical name (``Phường Hàng Bạc``, ``Quận Hoàn
Kiếm``); a deterministic minority carries a variant: abbreviated type (``P. Hàng Bạc``,
``Q. Hoàn Kiếm``, ``H.``, ``TX.``, ``TT.``, ``X.``), upper case without type (``HÀNG
BẠC``), ASCII without type (``Hang Bac``) or NFD-decomposed Unicode. Every name maps to
exactly one legacy unit (valid to 2025-06-30) through ``sources.text.match_key``:
``quan_huyen`` among the 30 districts; ``don_vi_tiep_nhan`` among the districts at
``Cấp huyện`` and among the communes of that district at ``Cấp xã``. (A commune may
share its key with its own district, e.g. Thị trấn Sóc Sơn in Huyện Sóc Sơn, so the
level decides which list to match against.) A variant that would break this is not used.

Calibration: published figure P1 (Hoàn Kiếm ward desks, 2022: more than 70% of the
dossiers received were finished and returned the same day) is built in through the
"TTHC không chờ" model of Hoàn Kiếm's wards and checked on the generated rows;
``write`` raises :class:`ProcedureCalibrationError` if it does not hold.

Shape of the data (yearly means, 2021 -> 2024): online share about 30% -> 75%; postal 3%;
online payment of fee-bearing dossiers about 10% -> 63%; digitised 28% -> 83%; about 1%
refused, 0.3% stopped, 0.5% withdrawn; 3.5% with a supplement request (0.5% with more
than one); on time 95-99% by level; about 80% of commune-desk dossiers are same-day
procedures.

Volume: about 1,500 dossiers a month at ``scale`` 1.0 (about 72,000 in all); ``scale``
multiplies it. Generation is vectorised and month by month, so memory does not grow
with the total.
"""

from __future__ import annotations

import codecs
import logging
import math
import os
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sources.admin_units import LEGACY_VALID_TO, UNIT_TYPES, build_admin_units
from sources.sample import CalibrationError
from sources.text import match_key, to_ascii

log = logging.getLogger(__name__)

STREAM = 4
FOLDER = "procedures"
FILE_PREFIX = "ho_so_"
MONTHS = tuple(f"{y}-{m:02d}" for y in range(2021, 2025) for m in range(1, 13))
EXTRACTED_AT = np.datetime64("2025-01-05T08:00:00", "s")
LAST_DAY = np.datetime64("2024-12-31", "D")  # last day of reception covered by the files
TIMESTAMP_FORMAT = "%d/%m/%Y %H:%M:%S"
BASE_MONTHLY_DOSSIERS = 1500
MIN_SCALE = 0.01

# Published figure P1 (dbt_project/seeds/published_figures.csv, use = bound).
P1_DISTRICT_ID = "01-002"  # Hoàn Kiếm
P1_YEAR = 2022
P1_BOUND_PCT = 70.0  # published as 'more than 70%'
# Share of Hoàn Kiếm ward dossiers finished and returned the day received, by year
# ("TTHC không chờ"): set per month as ceil(share * n), so P1 holds at any scale.
HOAN_KIEM_SAME_DAY_SHARE = {2021: 0.74, 2022: 0.78, 2023: 0.80, 2024: 0.82}

LEVELS = ("Cấp tỉnh", "Cấp huyện", "Cấp xã")
CITY, DISTRICT, COMMUNE = 0, 1, 2
LEVEL_SHARE = np.array([0.12, 0.28, 0.60])

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

# Official days off on working days (Tết, Hùng Kings, 30/4-1/5, 2/9, New Year and
# their compensating days), 2021 .. 2025.
HOLIDAYS = np.array(
    [
        "2021-01-01", "2021-02-10", "2021-02-11", "2021-02-12", "2021-02-15", "2021-02-16",
        "2021-04-21", "2021-04-30", "2021-05-03", "2021-09-02", "2021-09-03",
        "2022-01-03", "2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03", "2022-02-04",
        "2022-04-11", "2022-05-02", "2022-05-03", "2022-09-01", "2022-09-02",
        "2023-01-02", "2023-01-20", "2023-01-23", "2023-01-24", "2023-01-25", "2023-01-26",
        "2023-05-01", "2023-05-02", "2023-05-03", "2023-09-01", "2023-09-04",
        "2024-01-01", "2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14",
        "2024-04-18", "2024-04-29", "2024-04-30", "2024-05-01", "2024-09-02", "2024-09-03",
        "2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
        "2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02",
    ],
    dtype="datetime64[D]",
)  # fmt: skip
CALENDAR = np.busdaycalendar(weekmask="1111100", holidays=HOLIDAYS)

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

# Unit-name variants: index 0 is the canonical name; the shares sum to 1.
VARIANTS = ("canonical", "abbreviated", "upper", "ascii", "nfd")
VARIANT_SHARE = np.array([0.82, 0.06, 0.04, 0.04, 0.04])
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

_DAY = np.timedelta64(1, "D")
_OFFICE_START = 8 * 3600
_AFTERNOON_START = 13 * 3600
_DUE_HOUR = 17 * 3600
_AFTER_HOURS_CUTOFF = 15 * 3600


class ProcedureCalibrationError(CalibrationError):
    """The generated dossiers do not meet a published figure they are calibrated to."""


@dataclass(frozen=True)
class _Desks:
    """Receiving units (departments, districts, communes) as parallel arrays."""

    level: np.ndarray  # CITY / DISTRICT / COMMUNE
    district: np.ndarray  # index of the unit's district in this table, -1 for departments
    weight: np.ndarray  # relative volume within the level
    is_p1: np.ndarray  # ward desk of the P1 district
    segment: pa.Array  # the unit part of ma_ho_so
    names: pa.Array  # the variants of unit i at i * len(VARIANTS) + VARIANTS.index(v)
    by_level: tuple[np.ndarray, np.ndarray, np.ndarray]  # unit indices per level
    department_of: dict[str, int]


def _variants(unit_type: str, short_name: str) -> list[str]:
    canonical = unicodedata.normalize("NFC", f"{_TYPE_LABELS[unit_type]} {short_name}")
    return [
        canonical,
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
    keys = [match_key(c["name_vi"]) for c in candidates]

    def picks_this_unit(name: str) -> bool:
        hits = [c for c, key in zip(candidates, keys, strict=True) if key == match_key(name)]
        return len(hits) == 1 and hits[0]["admin_unit_id"] == unit["admin_unit_id"]

    if not picks_this_unit(names[0]):
        raise ValueError(f"{unit['name_vi']!r} does not match exactly one unit of its list")
    return [name if picks_this_unit(name) else names[0] for name in names]


def _build_desks() -> _Desks:
    units = [u for u in build_admin_units().to_pylist() if u["valid_to"] == LEGACY_VALID_TO]
    districts = sorted(
        (u for u in units if u["level"] == "district"), key=lambda u: u["admin_unit_id"]
    )
    communes = sorted(
        (u for u in units if u["level"] == "commune"), key=lambda u: u["admin_unit_id"]
    )
    if len(districts) != 30 or len(communes) != 526:
        raise ValueError(
            f"expected 30 districts and 526 communes, got {len(districts)}, {len(communes)}"
        )
    level, district, weight, is_p1, segment, names = [], [], [], [], [], []
    department_of = {}
    for i, dept in enumerate(DEPARTMENTS):
        department_of[dept] = len(level)
        level.append(CITY)
        district.append(-1)
        weight.append(1.0)
        is_p1.append(False)
        segment.append(f"S{i + 1:02d}")
        names += [dept] * len(VARIANTS)
    district_index = {}
    for d in districts:
        district_index[d["admin_unit_id"]] = len(level)
        level.append(DISTRICT)
        district.append(len(level) - 1)
        weight.append(_UNIT_WEIGHT[d["unit_type"]])
        is_p1.append(False)
        segment.append(d["gso_code"])
        names += _checked_variants(d, districts)
    for c in communes:
        siblings = [s for s in communes if s["parent_id"] == c["parent_id"]]
        level.append(COMMUNE)
        district.append(district_index[c["parent_id"]])
        weight.append(_UNIT_WEIGHT[c["unit_type"]])
        is_p1.append(c["parent_id"] == P1_DISTRICT_ID and c["unit_type"] == "phuong")
        segment.append(c["gso_code"])
        names += _checked_variants(c, siblings)
    level_arr = np.array(level, dtype=np.int8)
    return _Desks(
        level=level_arr,
        district=np.array(district, dtype=np.int64),
        weight=np.array(weight),
        is_p1=np.array(is_p1),
        segment=pa.array(segment, pa.string()),
        names=pa.array(names, pa.string()),
        by_level=tuple(np.flatnonzero(level_arr == lv) for lv in (CITY, DISTRICT, COMMUNE)),
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
    department: np.ndarray  # desk index of the city department, -1 if none


def _build_catalogue(desks: _Desks) -> _Catalogue:
    codes = [p.code for p in CATALOGUE]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate procedure code in CATALOGUE")
    weights = []
    for lv in (CITY, DISTRICT, COMMUNE):
        w = np.array([p.weights[lv] for p in CATALOGUE], dtype=float)
        weights.append(w / w.sum())
    for p in CATALOGUE:
        if (p.weights[CITY] > 0) != (p.department is not None):
            raise ValueError(f"{p.code}: a city-level procedure needs its department")
    return _Catalogue(
        legal_days=np.array([p.legal_days for p in CATALOGUE], dtype=np.int64),
        fee=np.array([p.fee for p in CATALOGUE]),
        code=pa.array(codes, pa.string()),
        name=pa.array([p.name for p in CATALOGUE], pa.string()),
        field=pa.array([p.field for p in CATALOGUE], pa.string()),
        weights=tuple(weights),
        department=np.array(
            [desks.department_of[p.department] if p.department else -1 for p in CATALOGUE]
        ),
    )


def _month_volumes(rng: np.random.Generator, scale: float) -> np.ndarray:
    """Dossiers received per month: growth, Tết and the 2021 lockdown, mean 1,500 * scale."""
    index = np.arange(len(MONTHS))
    month = index % 12 + 1
    factor = 0.92 + 0.16 * index / (len(MONTHS) - 1)
    factor = factor * np.where(np.isin(month, [1, 2]), 0.88, 1.0) * np.where(month == 12, 1.08, 1.0)
    factor[[6, 7, 8]] *= (0.8, 0.55, 0.65)  # Hanoi's social-distancing months of 2021
    factor = factor / factor.mean()
    return rng.poisson(BASE_MONTHLY_DOSSIERS * scale * factor)


def _by_year(month_index: int, values: tuple[float, float, float, float]) -> float:
    """A rate rising through the four years: ``values`` are the yearly means."""
    return float(np.interp(month_index, [5.5, 17.5, 29.5, 41.5], values))


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


def _offset(days: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.busday_offset(days, n, roll="forward", busdaycal=CALENDAR)


def _timestamps(values: np.ndarray, present: np.ndarray) -> pa.Array:
    arr = pa.array(values.astype("datetime64[s]"), pa.timestamp("s"), mask=~present)
    return pc.strftime(arr, format=TIMESTAMP_FORMAT)


def _generate_month(
    rng: np.random.Generator,
    month_index: int,
    n: int,
    desks: _Desks,
    catalogue: _Catalogue,
) -> tuple[pa.Table, tuple[int, int]]:
    """The dossiers received in one month, and (same-day, received) at P1's desks."""
    year = 2021 + month_index // 12
    first = np.datetime64(f"{MONTHS[month_index]}-01", "D")
    last = (first.astype("datetime64[M]") + 1).astype("datetime64[D]")
    workdays = np.arange(first, last)[np.is_busday(np.arange(first, last), busdaycal=CALENDAR)]

    # Where and what.
    level = rng.choice(3, size=n, p=LEVEL_SHARE)
    desk = np.zeros(n, dtype=np.int64)
    proc = np.zeros(n, dtype=np.int64)
    for lv in (CITY, DISTRICT, COMMUNE):
        rows = np.flatnonzero(level == lv)
        proc[rows] = rng.choice(len(CATALOGUE), size=rows.size, p=catalogue.weights[lv])
        if lv == CITY:
            desk[rows] = catalogue.department[proc[rows]]
        else:
            units = desks.by_level[lv]
            w = desks.weight[units] / desks.weight[units].sum()
            desk[rows] = units[rng.choice(units.size, size=rows.size, p=w)]
    legal = catalogue.legal_days[proc]
    same_day_proc = legal == 0

    # When received, through which channel, how it went.
    recv_day = workdays[rng.integers(0, workdays.size, n)]
    recv_sec = _office_seconds(rng, n)
    recv = _at(recv_day, recv_sec)
    late_afternoon = recv_sec >= _AFTER_HOURS_CUTOFF
    u = rng.random(n)
    p_online = _by_year(month_index, (0.30, 0.46, 0.62, 0.75))
    channel = np.where(u < p_online, 2, np.where(u < p_online + 0.03, 3, 1)).astype(np.int8)
    # Outcome: 0 normal, 1 refused, 2 stopped, 3 withdrawn by the citizen.
    outcome = rng.choice(4, size=n, p=[0.984, 0.008, 0.003, 0.005])
    supp_count = np.where(
        same_day_proc,
        (rng.random(n) < 0.01).astype(np.int64),
        rng.choice(4, size=n, p=[0.93, 0.058, 0.01, 0.002]),
    )
    supp_days = np.where(supp_count > 0, supp_count + rng.geometric(0.35, n) - 1, 0)
    p_fast = np.where(
        same_day_proc,
        np.where(late_afternoon, 0.55, 0.97),
        np.where(level == COMMUNE, 0.05, 0.02),
    )
    fast = (rng.random(n) < p_fast) & (supp_count == 0)
    p_late = np.select([level == CITY, level == DISTRICT], [0.03, 0.035], 0.015)
    late = (rng.random(n) < p_late) & ~same_day_proc
    return_same_day = rng.random(n) < np.where(fast, 0.9, 0.55)
    return_lag = np.where(fast, rng.integers(1, 4, n), rng.integers(1, 6, n))
    end_after = np.minimum(rng.integers(0, 4, n), np.maximum(legal, 1))

    # Hoàn Kiếm's wards: exactly ceil(share * n) finished and returned the same day.
    p1_rows = np.flatnonzero(desks.is_p1[desk])
    key = rng.random(p1_rows.size) + 0.6 * (legal[p1_rows] > 0)
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
    due = _at(due_day, np.full(n, _DUE_HOUR))
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
    fast_sec = recv_sec + np.minimum(rng.integers(300, 5400, n), _DUE_HOUR - recv_sec)
    finish_sec = np.where(fast, fast_sec, _OFFICE_START + rng.integers(0, 9 * 3600, n))
    finished = _at(finish_day, finish_sec)
    returned = np.where(
        return_same_day,
        finished + rng.integers(0, np.where(fast, 1200, 3600), n).astype("timedelta64[s]"),
        _at(_offset(finish_day, return_lag), _office_seconds(rng, n)),
    )
    ended = np.where(
        end_after == 0,
        recv + rng.integers(600, 7200, n).astype("timedelta64[s]"),
        _at(_offset(recv_day, end_after + supp_days), _office_seconds(rng, n)),
    )

    # Status as of the extraction moment.
    normal = outcome == 0
    has_finished = normal & (finished <= EXTRACTED_AT)
    has_returned = has_finished & (returned <= EXTRACTED_AT)
    has_ended = ~normal & (ended <= EXTRACTED_AT)
    open_ = ~has_finished & ~has_ended
    last_workday = np.busday_offset(LAST_DAY, 0, roll="backward", busdaycal=CALENDAR)
    waited = np.busday_count(recv_day, EXTRACTED_AT.astype("datetime64[D]"), busdaycal=CALENDAR)
    supp_days = np.where(open_, np.minimum(supp_days, waited), supp_days)
    status = np.select(
        [
            has_returned,
            has_finished,
            has_ended & (outcome == 1),
            has_ended & (outcome == 2),
            has_ended & (outcome == 3),
            open_ & (supp_count > 0),
            open_ & (recv_day == last_workday),
        ],
        [4, 3, 5, 6, 7, 2, 0],
        default=1,
    )

    # Online payment, digitisation, e-results, ratings.
    fee = catalogue.fee[proc]
    p_pay = np.where(
        channel == 2,
        _by_year(month_index, (0.22, 0.42, 0.62, 0.80)),
        _by_year(month_index, (0.02, 0.06, 0.12, 0.20)),
    )
    paid_online = fee & (rng.random(n) < p_pay)
    digitised = rng.random(n) < _by_year(month_index, (0.25, 0.45, 0.66, 0.85))
    e_result = has_finished & (
        rng.random(n) < _by_year(month_index, (0.15, 0.35, 0.55, 0.75)) + 0.1 * (channel == 2)
    )
    on_time = (finish_day <= _offset(due_day, supp_days)) & (supp_count <= 1)
    rated = has_returned & (rng.random(n) < _by_year(month_index, (0.18, 0.25, 0.32, 0.40)))
    rating = np.where(
        on_time,
        rng.choice(np.arange(1, 6), size=n, p=[0.01, 0.02, 0.05, 0.20, 0.72]),
        rng.choice(np.arange(1, 6), size=n, p=[0.10, 0.15, 0.25, 0.25, 0.25]),
    )

    # Ids: H26.<unit>-<yymmdd>-<seq>, seq in order of receipt at the unit that day.
    order = np.lexsort((recv, recv_day, desk))
    group_key = desk[order] * 100_000 + (recv_day[order] - first).astype(np.int64)
    starts = (
        np.flatnonzero(np.r_[True, group_key[1:] != group_key[:-1]])
        if n
        else np.array([], np.int64)
    )
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    seq += 1
    recv_ts = pa.array(recv, pa.timestamp("s"))
    dossier_id = pc.binary_join_element_wise(
        "H26.",
        desks.segment.take(desk),
        "-",
        pc.strftime(recv_ts, format="%y%m%d"),
        "-",
        pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), width=6, padding="0"),
        "",
    )

    variant = rng.choice(len(VARIANTS), size=n, p=VARIANT_SHARE)
    district_variant = rng.choice(len(VARIANTS), size=n, p=VARIANT_SHARE)
    nv = len(VARIANTS)
    district_desk = desks.district[desk]
    district_name = desks.names.take(
        pa.array(np.maximum(district_desk, 0) * nv + district_variant, mask=district_desk < 0)
    )
    table = pa.table(
        {
            "ma_ho_so": dossier_id,
            "ma_tthc": catalogue.code.take(proc),
            "ten_tthc": catalogue.name.take(proc),
            "linh_vuc": catalogue.field.take(proc),
            "cap_thuc_hien": pa.array(LEVELS, pa.string()).take(level),
            "don_vi_tiep_nhan": desks.names.take(desk * nv + variant),
            "quan_huyen": district_name,
            "kenh_thuc_hien": pa.array(channel, pa.int8()),
            "ngay_tiep_nhan": _timestamps(recv, np.ones(n, dtype=bool)),
            "ngay_hen_tra": _timestamps(due, np.ones(n, dtype=bool)),
            "ngay_hoan_thanh": _timestamps(finished, has_finished),
            "ngay_tra_ket_qua": _timestamps(returned, has_returned),
            "ngay_ket_thuc": _timestamps(ended, has_ended),
            "trang_thai": pa.array(STATUSES, pa.string()).take(status),
            "so_lan_bo_sung": pa.array(supp_count, pa.int8()),
            "thoi_gian_bo_sung_ngay": pa.array(supp_days, pa.int16()),
            "co_phi": pa.array(fee, pa.int8()),
            "thanh_toan_truc_tuyen": pa.array(paid_online, pa.int8()),
            "so_hoa": pa.array(digitised, pa.int8()),
            "ket_qua_dien_tu": pa.array(e_result, pa.int8()),
            "danh_gia": pa.array(rating, pa.int8(), mask=~rated),
            "_received": recv_ts,
        }
    )
    table = table.sort_by([("_received", "ascending"), ("ma_ho_so", "ascending")])
    table = table.drop_columns(["_received"])

    same_day = (
        has_returned & (finish_day == recv_day) & (returned.astype("datetime64[D]") == recv_day)
    )
    p1_mask = desks.is_p1[desk]
    return table, (int((same_day & p1_mask).sum()), int(p1_mask.sum()))


def _write_csv(table: pa.Table, path: Path) -> None:
    """Write ``table`` as UTF-8 with BOM, CRLF, quoted text; atomically (rename at the end)."""
    tmp = path.with_name(f".{path.name}.tmp")
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed", eol="\r\n")
    with tmp.open("wb") as f:
        f.write(codecs.BOM_UTF8)
        pacsv.write_csv(table, f, write_options=options)
    os.replace(tmp, path)


def write(out_dir: Path, seed: int, scale: float = 1.0) -> list[Path]:
    """Write the 48 monthly dossier files under ``out_dir/procedures``; return their paths.

    ``scale`` multiplies the volume (1.0: about 1,500 dossiers a month). Raises
    :class:`ProcedureCalibrationError` if published figure P1 does not hold.
    """
    if not scale >= MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE}, got {scale}")
    started = time.perf_counter()  # for the log line only; never reaches the data
    rng = np.random.default_rng([seed, STREAM])
    desks = _build_desks()
    catalogue = _build_catalogue(desks)
    volumes = _month_volumes(rng, scale)
    folder = out_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    p1_same_day = p1_received = 0
    for i, month in enumerate(MONTHS):
        table, (same_day, received) = _generate_month(rng, i, int(volumes[i]), desks, catalogue)
        if month.startswith(str(P1_YEAR)):
            p1_same_day += same_day
            p1_received += received
        path = folder / f"{FILE_PREFIX}{month}.csv"
        _write_csv(table, path)
        paths.append(path)
        if month == f"{P1_YEAR}-12":
            _check_p1(p1_same_day, p1_received)
    log.info(
        "wrote %d dossiers in %d monthly files to %s in %.1f s",
        int(volumes.sum()), len(paths), folder, time.perf_counter() - started,
    )  # fmt: skip
    return sorted(paths)


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
