"""The receiving desks: city departments, districts and communes of every unit version, with
the name variants the case systems write.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sources.formats.text import match_key, to_ascii
from sources.loading.admin_units import UNIT_TYPES, build_admin_units
from sources.sample.procedures.targets import P1_DISTRICT_ID
from sources.sample.procedures.vocabulary import CITY, COMMUNE, DISTRICT

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
