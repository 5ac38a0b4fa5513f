"""Hanoi's administrative units as a versioned dimension, built from ``vietnamadminunits``.

The PyPI package ``vietnamadminunits`` (MIT) ships an SQLite database of the units
before the 2025 reform (63 provinces, with districts and communes and GSO codes) and
after it (34 provinces, communes only), plus a JSON table that maps every old commune
to the new unit(s) it went into. Only those data files are read here: none of the
package's code is imported, because parts of it geocode addresses over the network.

Identifiers: GSO codes are reused across versions (the old ward ``00004`` Trúc Bạch
and the new ward ``00004`` Ba Đình), so the dimension key ``admin_unit_id`` spells the
path: ``01`` (city), ``01-002`` (district), ``01-002-00037`` (commune before
2025-07-01) and ``01-00070`` (commune from 2025-07-01, which has no district).
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

from sources.text import to_ascii

PROVINCE_CODE = "01"
PROVINCE_KEY = "thanhphohanoi"
CITY_VALID_FROM = dt.date(2008, 8, 1)  # Hà Tây merged into Hanoi
LEGACY_VALID_FROM = dt.date(2014, 4, 1)  # Bắc/Nam Từ Liêm split: the 30-district map
LEGACY_VALID_TO = dt.date(2025, 6, 30)
REFORM_DATE = dt.date(2025, 7, 1)

UNIT_TYPES = {
    "Thành phố": "thanh_pho",
    "Quận": "quan",
    "Huyện": "huyen",
    "Thị xã": "thi_xa",
    "Phường": "phuong",
    "Xã": "xa",
    "Thị trấn": "thi_tran",
}

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

CROSSWALK_SCHEMA = pa.schema(
    [
        pa.field("old_admin_unit_id", pa.string(), nullable=False),
        pa.field("new_admin_unit_id", pa.string(), nullable=False),
        pa.field("allocation_weight", pa.float64(), nullable=False),
        pa.field("is_primary", pa.bool_(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
    ]
)


class AdminUnitDataError(RuntimeError):
    """The package's data files are missing or do not hold what this module expects."""


def package_data_dir() -> Path:
    """Folder of the installed ``vietnamadminunits`` data files, found without importing it."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise AdminUnitDataError(
            "package vietnamadminunits is not installed: run `make install` (uv.lock pins it)"
        )
    data_dir = Path(next(iter(spec.submodule_search_locations))) / "data"
    for name in ("dataset.db", "converter_2025.json"):
        if not (data_dir / name).is_file():
            raise AdminUnitDataError(f"{data_dir / name} is missing: reinstall vietnamadminunits")
    return data_dir


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


@functools.cache
def build_admin_units(data_dir: Path | None = None) -> pa.Table:
    """Versioned units of Hanoi: the city, 30 districts and 526 communes before the
    reform (valid to 2025-06-30), and the 126 communes from 2025-07-01."""
    data_dir = data_dir or package_data_dir()
    legacy = _rows(
        data_dir,
        "select districtCode, districtType, districtShort, wardCode, wardType, wardShort "
        "from admin_units_legacy where provinceCode = ? order by districtCode, wardCode",
    )
    current = _rows(
        data_dir,
        "select wardCode, wardType, wardShort, wardAreaKm2 "
        "from admin_units where provinceCode = ? order by wardCode",
    )
    if not legacy or not current:
        raise AdminUnitDataError(f"{data_dir / 'dataset.db'} holds no units for province 01")
    city = _unit("01", "01", "city", "Thành phố", "Hà Nội", None, CITY_VALID_FROM, None)
    units = [city]
    seen_districts: set[str] = set()
    for row in legacy:
        district_id = f"{PROVINCE_CODE}-{row['districtCode']}"
        if district_id not in seen_districts:
            seen_districts.add(district_id)
            units.append(
                _unit(
                    district_id, row["districtCode"], "district", row["districtType"],
                    row["districtShort"], "01", LEGACY_VALID_FROM, LEGACY_VALID_TO,
                )
            )  # fmt: skip
        units.append(
            _unit(
                f"{district_id}-{row['wardCode']}", row["wardCode"], "commune", row["wardType"],
                row["wardShort"], district_id, LEGACY_VALID_FROM, LEGACY_VALID_TO,
            )
        )  # fmt: skip
    for row in current:
        units.append(
            _unit(
                f"{PROVINCE_CODE}-{row['wardCode']}", row["wardCode"], "commune", row["wardType"],
                row["wardShort"], "01", REFORM_DATE, None, row["wardAreaKm2"],
            )
        )  # fmt: skip
    return pa.Table.from_pylist(units, schema=ADMIN_UNITS_SCHEMA)


@functools.cache
def build_crosswalk(data_dir: Path | None = None) -> pa.Table:
    """Old commune -> new commune(s) with allocation weights.

    A ward that went whole into one new unit gets weight 1 (method ``whole``). A ward
    split across several new units is shared among them by the area of each receiving
    unit (method ``split_by_area``): the package gives the new units' areas, not the
    area of each piece, so this is a proxy and is named as one. ``is_primary`` marks
    the unit the package treats as the default successor. Weights of an old unit sum to 1.
    """
    data_dir = data_dir or package_data_dir()
    legacy = _rows(
        data_dir,
        "select provinceKey, districtKey, wardKey, districtCode, wardCode "
        "from admin_units_legacy where provinceCode = ?",
    )
    current = _rows(data_dir, "select wardKey, wardCode from admin_units where provinceCode = ?")
    old_ids = {
        f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": (
            f"{PROVINCE_CODE}-{r['districtCode']}-{r['wardCode']}"
        )
        for r in legacy
    }
    new_ids = {r["wardKey"]: f"{PROVINCE_CODE}-{r['wardCode']}" for r in current}
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    whole = converter["DICT_PROVINCE_WARD_NO_DIVIDED"][PROVINCE_KEY]
    divided = converter["DICT_PROVINCE_WARD_DIVIDED"][PROVINCE_KEY]

    rows: list[dict] = []
    mapped: dict[str, int] = defaultdict(int)
    try:
        for new_key, old_keys in sorted(whole.items()):
            for old_key in old_keys:
                old_id = old_ids[old_key]
                mapped[old_id] += 1
                rows.append(
                    {
                        "old_admin_unit_id": old_id,
                        "new_admin_unit_id": new_ids[new_key],
                        "allocation_weight": 1.0,
                        "is_primary": True,
                        "method": "whole",
                    }
                )
        for old_key, pieces in sorted(divided.items()):
            old_id = old_ids[old_key]
            mapped[old_id] += 1
            total_area = sum(p["newWardAreaKm2"] for p in pieces)
            for piece in pieces:
                rows.append(
                    {
                        "old_admin_unit_id": old_id,
                        "new_admin_unit_id": new_ids[piece["newWardKey"]],
                        "allocation_weight": piece["newWardAreaKm2"] / total_area,
                        "is_primary": bool(piece["isDefaultNewWard"]),
                        "method": "split_by_area",
                    }
                )
    except KeyError as exc:
        raise AdminUnitDataError(
            f"converter_2025.json names unit {exc} that dataset.db does not have"
        ) from exc
    unmapped = sorted(set(old_ids.values()) - set(mapped))
    twice = sorted(k for k, n in mapped.items() if n > 1)
    if unmapped or twice:
        raise AdminUnitDataError(
            f"crosswalk incomplete: unmapped old units {unmapped[:5]}, mapped twice {twice[:5]}"
        )
    rows.sort(key=lambda r: (r["old_admin_unit_id"], r["new_admin_unit_id"]))
    return pa.Table.from_pylist(rows, schema=CROSSWALK_SCHEMA)
